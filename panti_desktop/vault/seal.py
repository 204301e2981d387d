"""Sealing record payloads under a data key, with associated data bound to the row."""

from __future__ import annotations

import json
import os

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

from ..errors import IntegrityError
from ..i18n import _

# Format 1 bound the row with sorted-key JSON; format 2 binds the same values in a fixed
# order, which costs a third as much per row; format 3 also binds plaintext columns added
# since. All open; new seals are format 3.
FORMAT_VERSION = 3
FORMATS = (1, 2, 3)
NONCE_BYTES = 12
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def associated_data(table: str, record_id: str, version: str, key_id: str, index: dict | None) -> bytes:
    """Format 1: what a ciphertext is bound to; moving it to another row, version or index fails."""
    return json.dumps(
        [1, table, record_id, version, key_id, index or {}],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode("utf-8")


def associated_data_v2(table: str, record_id: str, version: str, key_id: str, bound: list, fmt: int = 2) -> bytes:
    """Formats 2 and 3: the binding of format 1 as a list in an order fixed by the record kind.

    Format 3 binds the kind's current plaintext columns; format 2 the columns it had before
    later ones were added (see `Kind.columns_for`).

    orjson writes strings, integers and None byte for byte as `json` does (a test checks every
    code point) and is several times faster; anything else (a float, bytes) goes to `json`.
    """
    items = [fmt, table, record_id, version, key_id, bound]
    if not any(type(x) is float for x in bound):
        try:
            return orjson.dumps(items)
        except TypeError:  # bytes, a huge integer, a lone surrogate: as `json` did
            pass
    return _ENCODER.encode(items).encode("utf-8")


def blob_format(blob: bytes) -> int:
    return blob[0] if blob else 0


def seal(aead: AESGCMSIV, plaintext: bytes, aad: bytes, fmt: int = FORMAT_VERSION) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return bytes([fmt]) + nonce + aead.encrypt(nonce, plaintext, aad)


def open_sealed(aead: AESGCMSIV, blob: bytes, aad: bytes) -> bytes:
    if not blob or len(blob) < 1 + NONCE_BYTES + 16 or blob[0] not in FORMATS:
        raise IntegrityError(_("A sealed record is damaged or in an unknown format."))
    try:
        return aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise IntegrityError(_("A sealed record failed verification.")) from None
