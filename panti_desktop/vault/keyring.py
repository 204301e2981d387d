"""The keys of an unlocked session, held in bytearrays that are overwritten on lock."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import PermissionDenied
from ..i18n import _

MASTER = "MASTER"
CASE = "CASE"
CLINICAL = "CLINICAL"
ADMIN = "ADMIN"
DATA_ROLES = (CASE, CLINICAL, ADMIN)

# Which keys each user role receives. Staff never hold CLINICAL: roles are enforced by keys.
ROLE_KEYS: dict[str, tuple[str, ...]] = {
    "admin": (MASTER, CASE, CLINICAL, ADMIN),
    "manager": (CASE, CLINICAL, ADMIN),
    "counsellor": (CASE, CLINICAL),
    "staff": (CASE,),
}


def key_role(key_id: str) -> str:
    return key_id.split(":", 1)[0]


def wipe(buffer: bytearray | None) -> None:
    if buffer is not None:
        for i in range(len(buffer)):
            buffer[i] = 0


class KeyRing:
    """Unwrapped keys by key id (`ROLE:generation`) and the current key of each role."""

    def __init__(self) -> None:
        self.keys: dict[str, bytearray] = {}
        self.current: dict[str, str] = {}
        self.audit_public: tuple[str, X25519PublicKey] | None = None
        self._aeads: dict[str, AESGCMSIV] = {}

    def add(self, key_id: str, key: bytearray) -> None:
        self.keys[key_id] = key

    def set_current(self) -> None:
        """Pick the newest generation held of each role."""
        self.current = {}
        for key_id in self.keys:
            role, gen = key_id.split(":", 1)
            best = self.current.get(role)
            if best is None or int(gen) > int(best.split(":", 1)[1]):
                self.current[role] = key_id

    def has(self, role: str) -> bool:
        return role in self.current

    def current_id(self, role: str) -> str:
        try:
            return self.current[role]
        except KeyError:
            raise PermissionDenied(_("Your role does not allow access to this information.")) from None

    def aead(self, key_id: str) -> AESGCMSIV:
        aead = self._aeads.get(key_id)
        if aead is None:
            key = self.keys.get(key_id)
            if key is None:
                raise PermissionDenied(
                    _("Your role does not allow access to this information.")
                )
            aead = self._aeads[key_id] = AESGCMSIV(bytes(key))
        return aead

    def derived_aead(self, key_id: str, context: bytes) -> AESGCM:
        """AES-256-GCM under a key derived (HKDF-SHA256) from a data key for one context: bulk
        content such as a document's chunks, where AES-GCM-SIV (~25 MB/s here) is too slow.
        Each context gets its own key, so random nonces stay far from their bound."""
        key = self.keys.get(key_id)
        if key is None:
            raise PermissionDenied(_("Your role does not allow access to this information."))
        sub = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"panti/derived/" + context).derive(bytes(key))
        return AESGCM(sub)

    def private_key(self, key_id: str) -> X25519PrivateKey:
        key = self.keys.get(key_id)
        if key is None:
            raise PermissionDenied(_("Your role does not allow access to this information."))
        return X25519PrivateKey.from_private_bytes(bytes(key))

    def wipe(self) -> None:
        for key in self.keys.values():
            wipe(key)
        self.keys.clear()
        self.current.clear()
        self._aeads.clear()

    @property
    def locked(self) -> bool:
        return not self.keys
