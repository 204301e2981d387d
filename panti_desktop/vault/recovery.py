"""The recovery key: 128 random bits written as grouped, checksummed characters.

Crockford's base32 alphabet leaves out I, L, O and U, so a key copied by hand
reads back even when O/0 or I/1 are confused. Two check characters catch a
mistyped or swapped character before any decryption is attempted.
"""

from __future__ import annotations

import hashlib
import os

from ..errors import VaultError
from ..i18n import _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
KEY_BYTES = 16
_DATA_CHARS = 26  # ceil(128 / 5)
_CHECK_CHARS = 2
GROUP = 4


def _checksum(raw: bytes) -> str:
    digest = int.from_bytes(hashlib.sha256(b"panti-recovery" + raw).digest()[:2], "big") >> 6
    return ALPHABET[digest >> 5] + ALPHABET[digest & 31]


def generate() -> tuple[bytes, str]:
    raw = os.urandom(KEY_BYTES)
    return raw, encode(raw)


def encode(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    chars = [ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(_DATA_CHARS))]
    text = "".join(chars) + _checksum(raw)
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def decode(text: str) -> bytes:
    """Parse a recovery key as typed by a person; raise a clear error if it is wrong."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    if len(cleaned) != _DATA_CHARS + _CHECK_CHARS:
        raise VaultError(
            _("The recovery key must have {n} characters; {got} were given.").format(
                n=_DATA_CHARS + _CHECK_CHARS, got=len(cleaned)
            )
        )
    n = 0
    for ch in cleaned[:_DATA_CHARS]:
        if ch not in _DECODE:
            raise VaultError(_("The recovery key contains an invalid character: {ch}").format(ch=ch))
        n = (n << 5) | _DECODE[ch]
    if n >> (8 * KEY_BYTES):
        raise VaultError(_("The recovery key is not valid. Check it for typing mistakes."))
    raw = n.to_bytes(KEY_BYTES, "big")
    check = "".join(ALPHABET[_DECODE.get(c, 0)] for c in cleaned[_DATA_CHARS:])
    if check != _checksum(raw):
        raise VaultError(_("The recovery key is not valid. Check it for typing mistakes."))
    return raw
