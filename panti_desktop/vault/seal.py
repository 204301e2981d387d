"""Sealing record payloads under a data key, with associated data bound to the row."""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

from ..errors import IntegrityError
from ..i18n import _

FORMAT_VERSION = 1
NONCE_BYTES = 12


def associated_data(table: str, record_id: str, version: str, key_id: str, index: dict | None) -> bytes:
    """What a ciphertext is bound to: moving it to another row, version or index fails to open."""
    return json.dumps(
        [FORMAT_VERSION, table, record_id, version, key_id, index or {}],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode("utf-8")


def seal(aead: AESGCMSIV, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return bytes([FORMAT_VERSION]) + nonce + aead.encrypt(nonce, plaintext, aad)


def open_sealed(aead: AESGCMSIV, blob: bytes, aad: bytes) -> bytes:
    if not blob or len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != FORMAT_VERSION:
        raise IntegrityError(_("A sealed record is damaged or in an unknown format."))
    try:
        return aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise IntegrityError(_("A sealed record failed verification.")) from None
