"""The centre vault: master key, role data keys, per-user key slots, grants and recovery.

Layout (tables in the centre database):

- `data_key`: each role key generation (`CASE:1`, `CLINICAL:2`, `ADMIN:1`) wrapped
  under the current master key. ADMIN keys are X25519 private keys: their public
  half seals the audit log, so every user can append and only managers and admins read.
- `user`: one row per user; the key slot wraps that user's X25519 private key
  under Argon2id(passphrase). Changing a passphrase re-wraps this one slot.
- `key_grant`: a key given to a grantee (`user:<id>` or `recovery`), HPKE-sealed to
  the grantee's public key. Grants let an admin hand new keys to other users (on
  rotation) without knowing their passphrases.
- `vault_meta`: the recovery public key; the recovery key itself is never stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlite_utils import Database

from ..errors import IntegrityError, PermissionDenied, UnknownUser, VaultError, WrongPassphrase
from ..i18n import _
from . import authority, recovery
from .kdf import KdfParams
from .keyring import ADMIN, CASE, CLINICAL, MASTER, ROLE_KEYS, KeyRing, key_role, wipe

SLOT_VERSION = 1
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
RECOVERY_GRANTEE = "recovery"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_tables(db: Database) -> None:
    db.execute(
        """CREATE TABLE vault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE user (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_at TEXT,
            public_key BLOB,
            kdf TEXT,
            slot BLOB,
            slot_check TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX user_active_name ON user(name) WHERE removed_at IS NULL")
    db.execute(
        """CREATE TABLE data_key (
            key_id TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            generation INTEGER NOT NULL,
            master_id TEXT NOT NULL,
            wrapped BLOB NOT NULL,
            public_key BLOB,
            retired INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE key_grant (
            grantee TEXT NOT NULL,
            key_id TEXT NOT NULL,
            sealed BLOB NOT NULL,
            PRIMARY KEY (grantee, key_id)
        )"""
    )


# --- small crypto helpers -------------------------------------------------------------


def _grant_info(grantee: str, key_id: str) -> bytes:
    return f"panti-grant/1|{grantee}|{key_id}".encode()


def _seal_grant(public_key: X25519PublicKey, grantee: str, key_id: str, key: bytearray) -> bytes:
    return _HPKE.encrypt(bytes(key), public_key, info=_grant_info(grantee, key_id))


def _open_grant(private_key: X25519PrivateKey, grantee: str, key_id: str, sealed: bytes) -> bytearray:
    try:
        return bytearray(_HPKE.decrypt(sealed, private_key, info=_grant_info(grantee, key_id)))
    except Exception:
        raise IntegrityError(
            _("A key given to this user is damaged ({key}).").format(key=key_id)
        ) from None


# Version 2 marks a vault whose authority rows are authenticated (authority.py): a data key
# wrapped as version 1 is a vault from before the upgrade, and no one without the master key
# can turn a version 2 wrapping back into version 1.
WRAP_VERSION = 2


def _wrap_aad(key_id: str, master_id: str, version: int = WRAP_VERSION) -> bytes:
    return f"panti-datakey/{version}|{key_id}|{master_id}".encode()


def _raw_public(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _slot_aad(user_id: str, public_key: bytes, kdf_json: str, bound: tuple | None = None) -> bytes:
    """Version 1 binds the slot to the user's id; version 2 (`bound` = name, role, created_at)
    also to the user's name, role and creation, so a role changed in the file opens no slot."""
    if bound is None:
        return f"panti-slot/{SLOT_VERSION}|{user_id}|{public_key.hex()}|{kdf_json}".encode()
    return f"panti-slot/2|{user_id}|{_bound_digest(bound)}|{public_key.hex()}|{kdf_json}".encode()


def _bound_digest(bound: tuple) -> str:
    """What a version 2 slot is bound to, as a digest: a backup's unlockers carry it, never the name."""
    if len(bound) == 1:  # already a digest (from a backup's unlockers)
        return bound[0]
    return hashlib.sha256(json.dumps(list(bound), ensure_ascii=False).encode()).hexdigest()


def _bound(row: dict) -> tuple:
    if "bound" in row:
        return (row["bound"],)
    return (row["name"], row["role"], row["created_at"])


def role_of_keys(ring: KeyRing) -> str:
    """The role the keys a user opened belong to: a role in the file that says more is refused."""
    for role in ("admin", "manager", "counsellor", "staff"):
        if all(ring.has(k) for k in ROLE_KEYS[role]):
            return role
    return ""


def _slot_check(user_id: str, public_key: bytes, kdf_json: str, slot: bytes) -> str:
    """An unkeyed digest that tells a damaged slot from a wrong passphrase."""
    h = hashlib.sha256()
    for part in (user_id.encode(), public_key, kdf_json.encode(), slot):
        h.update(len(part).to_bytes(4, "big") + part)
    return h.hexdigest()


def _recovery_private(raw: bytes) -> X25519PrivateKey:
    seed = HKDF(hashes.SHA256(), 32, salt=b"panti-recovery/1", info=b"x25519").derive(raw)
    return X25519PrivateKey.from_private_bytes(seed)


def _new_key(role: str) -> tuple[bytearray, bytes | None]:
    if role == ADMIN:
        private = X25519PrivateKey.generate()
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return bytearray(raw), _raw_public(private.public_key())
    return bytearray(AESGCMSIV.generate_key(256)), None


def _seal_slot(user_id: str, private: X25519PrivateKey, kek: bytearray, kdf_json: str, bound: tuple) -> dict:
    public = _raw_public(private.public_key())
    nonce = os.urandom(12)
    raw_private = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    slot = nonce + AESGCMSIV(bytes(kek)).encrypt(nonce, raw_private, _slot_aad(user_id, public, kdf_json, bound))
    return {
        "public_key": public,
        "kdf": kdf_json,
        "slot": slot,
        "slot_check": _slot_check(user_id, public, kdf_json, slot),
    }


@dataclass
class User:
    id: str
    name: str
    role: str
    created_at: str
    removed_at: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> User:
        return cls(row["id"], row["name"], row["role"], row["created_at"], row["removed_at"])


# --- the vault ------------------------------------------------------------------------


class Vault:
    """Key management over one centre database. Stateless: every call reads the tables."""

    def __init__(self, db: Database):
        self.db = db
        self.migrated: int | None = None  # rows authenticated at the first unlock after the upgrade

    # users --------------------------------------------------------------------------

    def users(self, include_removed: bool = False) -> list[User]:
        sql = "SELECT * FROM user" + ("" if include_removed else " WHERE removed_at IS NULL")
        return [User.from_row(r) for r in self.db.query(sql + " ORDER BY name")]

    def user(self, name: str) -> User:
        rows = list(
            self.db.query("SELECT * FROM user WHERE name = ? AND removed_at IS NULL", [name])
        )
        if not rows:
            raise UnknownUser(_("There is no user named {name}.").format(name=name))
        return User.from_row(rows[0])

    def is_initialised(self) -> bool:
        return bool(list(self.db.query("SELECT 1 FROM vault_meta WHERE key = 'recovery_public'")))

    # creation -----------------------------------------------------------------------

    def create(self, admin_name: str, passphrase: str, params: KdfParams) -> tuple[User, str, KeyRing]:
        """Make a new key hierarchy. Returns the admin, the recovery key text (show once) and the keys."""
        if self.is_initialised():
            raise VaultError(_("This folder already holds a centre vault."))
        check_passphrase_strength(passphrase)
        ring = KeyRing()
        master_id = f"{MASTER}:1"
        ring.add(master_id, bytearray(AESGCMSIV.generate_key(256)))
        raw, text = recovery.generate()
        with self.db.atomic(), authority.changing(self.db, ring):
            for role in (CASE, CLINICAL, ADMIN):
                self._create_data_key(ring, role, 1, master_id)
            self._set_recovery(ring, raw)
            user = self._create_user(ring, admin_name, "admin", passphrase, params)
        ring.set_current()
        self._load_audit_public(ring)
        return user, text, ring

    def _create_data_key(self, ring: KeyRing, role: str, generation: int, master_id: str) -> str:
        key_id = f"{role}:{generation}"
        key, public = _new_key(role)
        ring.add(key_id, key)
        self.db.table("data_key").insert(
            {
                "key_id": key_id,
                "role": role,
                "generation": generation,
                "master_id": master_id,
                "wrapped": self._wrap(ring, key_id, master_id),
                "public_key": public,
                "retired": 0,
                "created_at": now_iso(),
            }
        )
        return key_id

    def _wrap(self, ring: KeyRing, key_id: str, master_id: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + ring.aead(master_id).encrypt(nonce, bytes(ring.keys[key_id]), _wrap_aad(key_id, master_id))

    def _set_recovery(self, ring: KeyRing, raw: bytes) -> None:
        private = _recovery_private(raw)
        public = private.public_key()
        master_id = ring.current_id(MASTER) if ring.current else self._master_id_in(ring)
        self.db.execute("DELETE FROM key_grant WHERE grantee = ?", [RECOVERY_GRANTEE])
        self.db.table("key_grant").insert(
            {
                "grantee": RECOVERY_GRANTEE,
                "key_id": master_id,
                "sealed": _seal_grant(public, RECOVERY_GRANTEE, master_id, ring.keys[master_id]),
            }
        )
        self.db.table("vault_meta").upsert(
            {"key": "recovery_public", "value": _raw_public(public).hex()}, pk="key"
        )
        self.db.table("vault_meta").upsert(
            {"key": "recovery_created_at", "value": now_iso()}, pk="key"
        )

    @staticmethod
    def _master_id_in(ring: KeyRing) -> str:
        masters = [k for k in ring.keys if key_role(k) == MASTER]
        if not masters:
            raise PermissionDenied(_("Only an administrator can do this."))
        return max(masters, key=lambda k: int(k.split(":")[1]))


    def _create_user(
        self, ring: KeyRing, name: str, role: str, passphrase: str, params: KdfParams
    ) -> User:
        name = name.strip()
        if not name:
            raise VaultError(_("A user name is required."))
        if role not in ROLE_KEYS:
            raise VaultError(_("Unknown role: {role}").format(role=role))
        if list(self.db.query("SELECT 1 FROM user WHERE name = ? AND removed_at IS NULL", [name])):
            raise VaultError(_("A user named {name} already exists.").format(name=name))
        check_passphrase_strength(passphrase)
        user = User(uuid.uuid4().hex, name, role, now_iso())
        private = X25519PrivateKey.generate()
        self.db.table("user").insert(
            {
                "id": user.id,
                "name": name,
                "role": role,
                "created_at": user.created_at,
                "removed_at": None,
                **self._slot_columns(user.id, private, passphrase, params, (name, role, user.created_at)),
            }
        )
        self._grant_role_keys(ring, user.id, role, private.public_key())
        return user

    def _slot_columns(
        self, user_id: str, private: X25519PrivateKey, passphrase: str, params: KdfParams, bound: tuple
    ) -> dict:
        params = params.with_new_salt()
        kdf_json = json.dumps(params.to_dict(), sort_keys=True)
        kek = params.derive(passphrase)
        try:
            return _seal_slot(user_id, private, kek, kdf_json, bound)
        finally:
            wipe(kek)

    @staticmethod
    def _open_slot(row: dict, passphrase: str) -> tuple[X25519PrivateKey, dict | None]:
        """The user's private key, and new slot columns when the slot was still of version 1
        (then sealed again, bound to the user's name, role and creation as they are now)."""
        slot, public, kdf_json = row["slot"], row["public_key"], row["kdf"]
        if (
            not slot
            or not public
            or not kdf_json
            or _slot_check(row["id"], public, kdf_json, slot) != row["slot_check"]
        ):
            raise IntegrityError(
                _("The key slot of user {name} is damaged.").format(name=row["name"])
            )
        try:
            params = KdfParams.from_dict(json.loads(kdf_json))
        except ValueError:
            raise IntegrityError(
                _("The key slot of user {name} is damaged.").format(name=row["name"])
            ) from None
        kek = params.derive(passphrase)
        upgraded = None
        try:
            try:
                raw = AESGCMSIV(bytes(kek)).decrypt(
                    slot[:12], slot[12:], _slot_aad(row["id"], public, kdf_json, _bound(row))
                )
            except InvalidTag:
                raw = AESGCMSIV(bytes(kek)).decrypt(slot[:12], slot[12:], _slot_aad(row["id"], public, kdf_json))
                private = X25519PrivateKey.from_private_bytes(raw)
                upgraded = _seal_slot(row["id"], private, kek, kdf_json, _bound(row))
        except InvalidTag:
            raise WrongPassphrase(_("The passphrase is wrong.")) from None
        finally:
            wipe(kek)
        return X25519PrivateKey.from_private_bytes(raw), upgraded


    def _grant_role_keys(self, ring: KeyRing, user_id: str, role: str, public: X25519PublicKey) -> None:
        grantee = f"user:{user_id}"
        self.db.execute("DELETE FROM key_grant WHERE grantee = ?", [grantee])
        wanted = ROLE_KEYS[role]
        rows = []
        for key_id in self._grantable_keys(ring, wanted):
            rows.append(
                {"grantee": grantee, "key_id": key_id, "sealed": _seal_grant(public, grantee, key_id, ring.keys[key_id])}
            )
        self.db.table("key_grant").insert_all(rows)

    def _grantable_keys(self, ring: KeyRing, roles: tuple[str, ...]) -> list[str]:
        """Current keys of the roles, plus every ADMIN generation (old audit entries stay readable)."""
        out = []
        for role in roles:
            if role == ADMIN:
                out += [r["key_id"] for r in self.db.query("SELECT key_id FROM data_key WHERE role = 'ADMIN'")]
            else:
                out.append(self._current_key_id(role))
        missing = [k for k in out if k not in ring.keys]
        if missing:
            raise PermissionDenied(_("Only an administrator can do this."))
        return out

    def _current_key_id(self, role: str) -> str:
        if role == MASTER:
            row = self.db.execute("SELECT value FROM vault_meta WHERE key = 'master_id'").fetchone()
            return row[0] if row else f"{MASTER}:1"
        row = self.db.execute(
            "SELECT key_id FROM data_key WHERE role = ? AND retired = 0 ORDER BY generation DESC LIMIT 1",
            [role],
        ).fetchone()
        if row is None:
            raise IntegrityError(_("The vault has no current {role} key.").format(role=role))
        return row[0]

    # unlocking ----------------------------------------------------------------------

    def _user_row(self, name: str) -> dict:
        rows = list(
            self.db.query("SELECT * FROM user WHERE name = ? AND removed_at IS NULL", [name])
        )
        if not rows:
            raise UnknownUser(_("There is no user named {name}.").format(name=name))
        return rows[0]

    def unlock(self, name: str, passphrase: str) -> tuple[User, KeyRing]:
        row = self._user_row(name)
        private, upgraded = self._open_slot(row, passphrase)
        ring = self._ring_from_grants(f"user:{row['id']}", private)
        try:
            if role_of_keys(ring) != row["role"]:
                # a role changed in the file (or a grant planted or taken away): the keys say otherwise
                raise IntegrityError(_("The record of user {name} was changed outside the app: the role it names "
                                       "does not match the keys the user was given. An administrator must check "
                                       "the users (verify).").format(name=name))
            if authority.mac_key(ring, authority.MASTER_KEY) is not None:
                grantee = f"user:{row['id']}"
                bad = authority.failing_now(self.db, ring)
                if ("user", (row["id"],)) in bad or any(t == "key_grant" and pk[0] == grantee for t, pk in bad):
                    raise IntegrityError(_("The record of user {name} or a key given to them was changed outside "
                                           "the app; it is not used.").format(name=name))
            if upgraded is not None:
                with self.db.atomic():
                    self.db.table("user").update(row["id"], upgraded)
        except BaseException:
            ring.wipe()
            raise
        return User.from_row(row), ring

    def unlock_with_recovery(self, recovery_text: str) -> KeyRing:
        raw = recovery.decode(recovery_text)
        private = _recovery_private(raw)
        stored = self.db.execute("SELECT value FROM vault_meta WHERE key = 'recovery_public'").fetchone()
        if stored is None or _raw_public(private.public_key()).hex() != stored[0]:
            raise WrongPassphrase(_("This recovery key does not belong to this centre's vault."))
        return self._ring_from_grants(RECOVERY_GRANTEE, private)

    def _ring_from_grants(self, grantee: str, private: X25519PrivateKey) -> KeyRing:
        ring = KeyRing()
        for g in self.db.query("SELECT key_id, sealed FROM key_grant WHERE grantee = ?", [grantee]):
            ring.add(g["key_id"], _open_grant(private, grantee, g["key_id"], g["sealed"]))
        masters = [k for k in ring.keys if key_role(k) == MASTER]
        if masters:
            legacy = self._unwrap_all(ring, max(masters, key=lambda k: int(k.split(":")[1])))
            if legacy:
                self._authenticate_as_they_are(ring, legacy)
        ring.set_current()
        # A retired CASE/CLINICAL key is never current: only the newest generation seals.
        self._load_audit_public(ring)
        return ring

    def _unwrap_all(self, ring: KeyRing, master_id: str) -> list[str]:
        """Every data key into `ring`. Returns the ids of keys still wrapped as version 1 when no
        key is wrapped as version 2: a vault from before authenticated authority."""
        aead = ring.aead(master_id)
        old, current = [], 0
        for row in self.db.query("SELECT key_id, master_id, wrapped FROM data_key"):
            w = row["wrapped"]
            if row["master_id"] != master_id or not isinstance(w, bytes) or not isinstance(row["key_id"], str):
                continue  # not used; `verify` names the row (its MAC fails)
            for version in (WRAP_VERSION, 1):
                try:
                    key = aead.decrypt(w[:12], w[12:], _wrap_aad(row["key_id"], master_id, version))
                except (InvalidTag, ValueError):
                    continue
                ring.add(row["key_id"], bytearray(key))
                if version == WRAP_VERSION:
                    current += 1
                else:
                    old.append(row["key_id"])
                break
            # a key that does not open is not used; `verify` names the row (its MAC fails)
        if current and old:  # a version 1 row put back into a vault already upgraded: not used
            for key_id in old:
                wipe(ring.keys.pop(key_id))
            return []
        return old

    def _authenticate_as_they_are(self, ring: KeyRing, key_ids: list[str]) -> None:
        """The first unlock with the master key after the upgrade: authenticate the authority rows as
        they are, and wrap the data keys as version 2 so this happens only once. The caller records
        it in the audit log (`migrated`)."""
        master_id = max((k for k in ring.keys if key_role(k) == MASTER), key=lambda k: int(k.split(":")[1]))
        with self.db.atomic():
            for key_id in key_ids:
                self.db.execute("UPDATE data_key SET wrapped = ? WHERE key_id = ?",
                                [self._wrap(ring, key_id, master_id), key_id])
            self.migrated = authority.seal_all(self.db, ring)

    def _load_audit_public(self, ring: KeyRing) -> None:
        row = self.db.execute(
            "SELECT key_id, public_key FROM data_key WHERE role = 'ADMIN' AND retired = 0 "
            "ORDER BY generation DESC LIMIT 1"
        ).fetchone()
        held = ring.current.get(ADMIN)
        if held is not None and held in ring.keys:
            # a holder of the ADMIN key seals the audit log to the public half of the key it holds,
            # never to a public key read from the file
            ring.audit_public = (held, ring.private_key(held).public_key())
        elif row is not None:
            ring.audit_public = (row[0], X25519PublicKey.from_public_bytes(row[1]))

    # changing users -----------------------------------------------------------------

    def add_user(self, ring: KeyRing, name: str, role: str, passphrase: str, params: KdfParams) -> User:
        self._require_master(ring)
        with self.db.atomic(), authority.changing(self.db, ring):
            return self._create_user(ring, name, role, passphrase, params)

    def change_passphrase(self, name: str, old: str, new: str, params: KdfParams | None = None) -> None:
        """Re-wrap this user's slot only; no other slot or grant changes."""
        row = self._user_row(name)
        private, _upgraded = self._open_slot(row, old)
        check_passphrase_strength(new)
        if params is None:
            params = KdfParams.from_dict(json.loads(row["kdf"]))
        with self.db.atomic():
            self.db.table("user").update(row["id"], self._slot_columns(row["id"], private, new, params, _bound(row)))

    def reset_passphrase(self, ring: KeyRing, name: str, new: str, params: KdfParams) -> None:
        """Give a user a new key pair and slot (after recovery): the old passphrase stops working."""
        self._require_master(ring)
        row = self._authentic_user_row(ring, name)
        check_passphrase_strength(new)
        private = X25519PrivateKey.generate()
        with self.db.atomic(), authority.changing(self.db, ring):
            self.db.table("user").update(row["id"], self._slot_columns(row["id"], private, new, params, _bound(row)))
            self._grant_role_keys(ring, row["id"], row["role"], private.public_key())

    def regenerate_recovery(self, ring: KeyRing) -> str:
        """A new recovery key; the old one stops opening the vault. Returns the text to show once."""
        self._require_master(ring)
        raw, text = recovery.generate()
        with self.db.atomic(), authority.changing(self.db, ring):
            self._set_recovery(ring, raw)
        return text

    def remove_user(
        self,
        ring: KeyRing,
        name: str,
        acting_user_id: str,
        reseal: Callable[[KeyRing, dict[str, str]], None],
    ) -> dict[str, str]:
        """Delete the slot and rotate every key the user held, re-sealing data in one transaction.

        `reseal(ring, {old_key_id: new_key_id})` re-seals all rows under the new keys; it runs
        inside the same transaction, so a crash leaves either the old state or the new one.
        Returns the mapping of rotated keys.
        """
        self._require_master(ring)
        row = self._user_row(name)
        if row["id"] == acting_user_id:
            raise VaultError(_("You cannot remove yourself."))
        self._require_authentic_keys(ring)
        trusted = self._authentic_user_ids(ring)
        if row["role"] == "admin" and row["id"] in trusted:
            admins = sum(1 for u in self.db.query("SELECT id FROM user WHERE role = 'admin' AND removed_at IS NULL")
                         if u["id"] in trusted)
            if admins <= 1:
                raise VaultError(_("The last administrator cannot be removed."))
        # a user whose row fails held at most what the grants in the file gave them: every key is replaced
        held = ROLE_KEYS[row["role"]] if row["id"] in trusted else ROLE_KEYS["admin"]
        rotated: dict[str, str] = {}
        before_keys, before_current = dict(ring.keys), dict(ring.current)
        retired_keys: list[str] = []
        try:
            with self.db.atomic(), authority.changing(self.db, ring):
                self.db.execute("DELETE FROM key_grant WHERE grantee = ?", [f"user:{row['id']}"])
                self.db.table("user").update(
                    row["id"],
                    {"removed_at": now_iso(), "slot": None, "kdf": None, "slot_check": None},
                )
                master_id = self._master_id_in(ring)
                if MASTER in held:
                    retired_keys.append(master_id)
                    master_id = self._rotate_master(ring, master_id)
                for role in (CASE, CLINICAL, ADMIN):
                    if role not in held:
                        continue
                    old_id = self._current_key_id(role)
                    new_id = self._create_data_key(ring, role, int(old_id.split(":")[1]) + 1, master_id)
                    self.db.execute("UPDATE data_key SET retired = 1 WHERE key_id = ?", [old_id])
                    rotated[old_id] = new_id
                ring.set_current()
                self._load_audit_public(ring)
                data_rotation = {o: n for o, n in rotated.items() if key_role(o) != ADMIN}
                if data_rotation:
                    reseal(ring, data_rotation)
                    for old_id in data_rotation:
                        self.db.execute("DELETE FROM data_key WHERE key_id = ?", [old_id])
                        retired_keys.append(old_id)
                for key_id in retired_keys:
                    ring.keys.pop(key_id, None)
                    ring._aeads.pop(key_id, None)
                self._regrant_everyone(ring, trusted)
        except BaseException:
            # The database rolled back: the keys in memory must match it again.
            for key_id, key in ring.keys.items():
                if key_id not in before_keys:
                    wipe(key)
            ring.keys.clear()
            ring.keys.update(before_keys)
            ring.current = before_current
            ring._aeads.clear()
            self._load_audit_public(ring)
            raise
        for key_id in retired_keys:
            wipe(before_keys.get(key_id))
        ring.set_current()
        return rotated

    def _rotate_master(self, ring: KeyRing, old_master: str) -> str:
        new_master = f"{MASTER}:{int(old_master.split(':')[1]) + 1}"
        ring.add(new_master, bytearray(AESGCMSIV.generate_key(256)))
        for r in list(self.db.query("SELECT key_id FROM data_key")):
            self.db.execute(
                "UPDATE data_key SET wrapped = ?, master_id = ? WHERE key_id = ?",
                [self._wrap(ring, r["key_id"], new_master), new_master, r["key_id"]],
            )
        self.db.table("vault_meta").upsert({"key": "master_id", "value": new_master}, pk="key")
        # authenticated before the rotation began (`_require_authentic_keys`): never a key planted in the file
        stored = self.db.execute("SELECT value FROM vault_meta WHERE key = 'recovery_public'").fetchone()
        recovery_public = X25519PublicKey.from_public_bytes(bytes.fromhex(stored[0]))
        self.db.execute("DELETE FROM key_grant WHERE grantee = ?", [RECOVERY_GRANTEE])
        self.db.table("key_grant").insert(
            {
                "grantee": RECOVERY_GRANTEE,
                "key_id": new_master,
                "sealed": _seal_grant(recovery_public, RECOVERY_GRANTEE, new_master, ring.keys[new_master]),
            }
        )
        return new_master

    def _regrant_everyone(self, ring: KeyRing, trusted: set[str]) -> None:
        """After a rotation, every remaining user whose row was authentic before it (`trusted`)
        gets the new keys of their roles."""
        ring.set_current()
        for row in list(self.db.query("SELECT id, role, public_key FROM user WHERE removed_at IS NULL")):
            if row["id"] in trusted:
                self._grant_role_keys(ring, row["id"], row["role"], X25519PublicKey.from_public_bytes(row["public_key"]))
            else:  # a row changed or planted in the file is never given a key
                self.db.execute("DELETE FROM key_grant WHERE grantee = ?", [f"user:{row['id']}"])

    # authenticated rows ---------------------------------------------------------------

    def _authentic_user_ids(self, ring: KeyRing) -> set[str]:
        bad = authority.failing(self.db, ring, "user")
        return {r["id"] for r in self.db.query("SELECT id FROM user") if (r["id"],) not in bad}

    def _authentic_user_row(self, ring: KeyRing, name: str) -> dict:
        row = self._user_row(name)
        if row["id"] not in self._authentic_user_ids(ring):
            raise IntegrityError(_("The record of user {name} was changed outside the app; it is not used.").format(
                name=name))
        return row

    def _require_authentic_keys(self, ring: KeyRing) -> None:
        """Before keys are replaced: the data keys and the vault's own settings must all verify."""
        bad = [f.sentence() for f in authority.failures(self.db, ring, ("data_key", "vault_meta"))]
        bad += [_("Row {row} of table {table} was deleted outside the app.").format(
                    row="/".join(str(p) for p in pk), table=t)
                for t, pk in authority.missing(self.db, ring) if t in ("data_key", "vault_meta")]
        if bad:
            raise IntegrityError(_("The keys were not replaced: {problem}").format(problem=bad[0]))

    def authority_problems(self, ring: KeyRing) -> list[str]:
        """Sentences for the authority rows that fail (what `verify` and the dashboard show)."""
        out = [f.sentence() for f in authority.failures(self.db, ring)]
        for table, pk in authority.missing(self.db, ring):
            out.append(_("Row {row} of table {table} was deleted outside the app.").format(
                row="/".join(str(p) for p in pk), table=table))
        return out

    # backups ------------------------------------------------------------------------

    def master_unlockers(self, ring: KeyRing) -> tuple[str, bytearray, dict]:
        """The master key and what opens it without this database (for a backup file).

        Returns (master key id, master key, unlockers): the recovery grant and, for every
        administrator, the key slot and the grant of the master key. No names are included.
        """
        self._require_master(ring)
        master_id = max((k for k in ring.keys if key_role(k) == MASTER), key=lambda k: int(k.split(":")[1]))
        recovery_row = self.db.execute(
            "SELECT sealed FROM key_grant WHERE grantee = ? AND key_id = ?", [RECOVERY_GRANTEE, master_id]
        ).fetchone()
        admins = []
        trusted = self._authentic_user_ids(ring)
        for row in self.db.query("SELECT * FROM user WHERE role = 'admin' AND removed_at IS NULL"):
            if row["id"] not in trusted:
                continue
            grant = self.db.execute(
                "SELECT sealed FROM key_grant WHERE grantee = ? AND key_id = ?", [f"user:{row['id']}", master_id]
            ).fetchone()
            if grant and row["slot"]:
                admins.append({"id": row["id"], "bound": _bound_digest(_bound(row)),
                               "public_key": row["public_key"].hex(), "kdf": row["kdf"],
                               "slot": row["slot"].hex(), "slot_check": row["slot_check"], "grant": grant[0].hex()})
        unlockers = {"master_id": master_id, "recovery": recovery_row[0].hex() if recovery_row else None,
                     "admins": admins}
        return master_id, ring.keys[master_id], unlockers

    def _require_master(self, ring: KeyRing) -> None:
        if not any(key_role(k) == MASTER for k in ring.keys):
            raise PermissionDenied(_("Only an administrator can do this."))

    # verification -------------------------------------------------------------------

    def check_slots(self) -> list[str]:
        """Names of users whose key slot no longer matches its checksum."""
        damaged = []
        for row in self.db.query("SELECT * FROM user WHERE removed_at IS NULL"):
            ok = row["slot"] and row["public_key"] and row["kdf"] and _slot_check(
                row["id"], row["public_key"], row["kdf"], row["slot"]
            ) == row["slot_check"]
            if ok:
                try:
                    KdfParams.from_dict(json.loads(row["kdf"]))
                except (IntegrityError, ValueError):
                    ok = False
            if not ok:
                damaged.append(row["name"])
        return damaged


MIN_PASSPHRASE_LENGTH = 10


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise VaultError(
            _("The passphrase must have at least {n} characters.").format(n=MIN_PASSPHRASE_LENGTH)
        )
    if len(set(passphrase)) < 5:
        raise VaultError(_("The passphrase is too easy to guess."))


def open_master(unlockers: dict, passphrase: str | None = None, recovery_text: str | None = None) -> bytearray:
    """The master key from a backup's unlockers, with an admin's passphrase or the recovery key."""
    master_id = str(unlockers.get("master_id") or "")
    if recovery_text is not None:
        sealed = unlockers.get("recovery")
        if not sealed:
            raise VaultError(_("This backup cannot be opened with a recovery key."))
        private = _recovery_private(recovery.decode(recovery_text))
        try:
            return bytearray(_HPKE.decrypt(bytes.fromhex(sealed), private, info=_grant_info(RECOVERY_GRANTEE, master_id)))
        except Exception:
            raise WrongPassphrase(_("This recovery key does not open this backup.")) from None
    if passphrase is None:
        raise VaultError(_("A passphrase or the recovery key is needed."))
    tried_any = False
    for a in unlockers.get("admins") or []:
        row = {"id": a["id"], "name": a["id"][:8], "bound": str(a.get("bound") or ""),
               "public_key": bytes.fromhex(a["public_key"]), "kdf": a["kdf"],
               "slot": bytes.fromhex(a["slot"]), "slot_check": a["slot_check"]}
        try:
            private, _upgraded = Vault._open_slot(row, passphrase)
        except WrongPassphrase:
            tried_any = True
            continue
        return _open_grant(private, f"user:{a['id']}", master_id, bytes.fromhex(a["grant"]))
    if tried_any:
        raise WrongPassphrase(_("No administrator's passphrase in this backup matches."))
    raise VaultError(_("This backup holds no administrator key slot."))
