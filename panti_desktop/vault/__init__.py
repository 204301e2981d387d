"""Key hierarchy, key slots, recovery key and record sealing."""

from .kdf import KdfParams, calibrate
from .keyring import ADMIN, CASE, CLINICAL, MASTER, ROLE_KEYS, KeyRing
from .vault import User, Vault

__all__ = ["ADMIN", "CASE", "CLINICAL", "MASTER", "ROLE_KEYS", "KdfParams", "KeyRing", "User", "Vault", "calibrate"]
