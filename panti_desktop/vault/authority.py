"""Authenticated authority: a MAC on every row that decides who may do what.

Anyone who can write `centre.db` can change a plaintext column. The rows that decide
authority therefore carry a MAC (`auth`), and a row whose MAC fails is never used.

The one rule — which key authenticates what:

- under a key derived from the **master key** (administrators and the recovery key):
  users (id, name, role, creation, removal, public key), key grants, data keys, the vault's
  own settings (recovery public key, current master), the centre's identity (id, code,
  name, type, device) and the sync identity's row (its private keys are sealed under the
  ADMIN key, so managers sync; only an administrator creates or replaces it);
- under a key derived from the current **ADMIN role key** (managers and administrators):
  trusted peers and their revocation (a manager importing a peer's key-rotation notice
  writes its new keys, `sync/identity.py`), the retention rules and the legal holds (a hold
  whose MAC fails, or that was deleted from the file, keeps the case from being erased).

A user's key slot is not in the MAC: it is protected by its own passphrase encryption,
bound to the user's id, name, role and public key (vault.py), so `user passwd` needs no
administrator.

A MAC is keyed by the current key, so when the master or ADMIN key is replaced (a user
removed) every row that still verifies is authenticated again under the new key, and a row
put back from an older copy of the file fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlite_utils import Database

from ..i18n import _
from .keyring import ADMIN, MASTER, KeyRing, key_role

AUTH = "auth"
MASTER_KEY, ADMIN_KEY = "master", "admin"


@dataclass(frozen=True)
class Spec:
    """One authority table: which key authenticates it, its primary key, the columns the MAC
    covers (every column but `auth` and those listed in `free`) and which rows (`where`)."""

    table: str
    key: str
    pk: tuple[str, ...]
    free: tuple[str, ...] = ()
    where: str = ""
    label: str = ""


CENTRE_IDENTITY = ("centre_id", "centre_code", "centre_name", "centre_type", "device_id")
RETENTION_PREFIX = "retention_years:"

SPECS: tuple[Spec, ...] = (
    # the slot columns change with `user passwd`, which needs no administrator (see module doc)
    Spec("user", MASTER_KEY, ("id",), free=("kdf", "slot", "slot_check")),
    Spec("key_grant", MASTER_KEY, ("grantee", "key_id")),
    Spec("data_key", MASTER_KEY, ("key_id",)),
    Spec("vault_meta", MASTER_KEY, ("key",)),
    Spec("store_meta", MASTER_KEY, ("key",), where="key IN (" + ",".join(f"'{k}'" for k in CENTRE_IDENTITY) + ")"),
    Spec("sync_identity", MASTER_KEY, ("id",)),
    Spec("peer", ADMIN_KEY, ("code",)),
    Spec("setting", ADMIN_KEY, ("key",), free=("updated_at",), where=f"key LIKE '{RETENTION_PREFIX}%'"),
    # a hold is a sealed record too, written only by managers and admins (and by a sync import or an
    # erasure, which they alone run): every column, its sync history included
    Spec("legal_hold", ADMIN_KEY, ("id",)),
)
SPEC = {s.table: s for s in SPECS}

# The list of rows each key class authenticated last, itself authenticated: a row deleted from the
# file is named by `missing` (a MAC on a row cannot say that the row is gone).
HEADS = {MASTER_KEY: ("vault_meta", "key", "value", "authority_rows"),
         ADMIN_KEY: ("setting", "key", "value", "authority_rows")}


def _newest(ring: KeyRing, role: str) -> str | None:
    held = [k for k in ring.keys if key_role(k) == role]
    return max(held, key=lambda k: int(k.split(":")[1])) if held else None


def mac_key(ring: KeyRing, which: str) -> bytes | None:
    """The MAC key of a class of rows from the keys in `ring`, or None when it holds none."""
    role = MASTER if which == MASTER_KEY else ADMIN
    key_id = _newest(ring, role)
    if key_id is None:
        return None
    info = f"panti-authority/1|{which}|{key_id}".encode()
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(bytes(ring.keys[key_id]))


def _encode(value) -> bytes:
    if value is None:
        return b"n"
    if isinstance(value, bool | int):
        return b"i" + str(int(value)).encode()
    if isinstance(value, bytes):
        return b"b" + value
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    return b"r" + repr(value).encode()


def row_mac(key: bytes, table: str, columns: list[str], row: dict) -> str:
    h = hmac.new(key, b"panti-row/1|" + table.encode(), hashlib.sha256)
    for c in columns:
        part = c.encode() + b"=" + _encode(row.get(c))
        h.update(len(part).to_bytes(4, "big") + part)
    return h.hexdigest()


HOLDS_PENDING = "legal_holds_pending"  # set by the migration that authenticated the holds


def _tables(db: Database) -> set[str]:
    """The authority tables whose rows are authenticated now (the legal holds once adopted)."""
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "legal_hold" in names and ("auth" not in {r[1] for r in db.execute("PRAGMA table_info(legal_hold)")}
                                  or holds_pending(db)):
        names.discard("legal_hold")
    return names


def holds_pending(db: Database) -> bool:
    """Whether the legal holds are still to be authenticated as they are (a vault from before)."""
    return db.execute("SELECT 1 FROM store_meta WHERE key = ?", [HOLDS_PENDING]).fetchone() is not None


def adopt_holds(db: Database, ring: KeyRing) -> int | None:
    """The first unlock with the ADMIN key after the upgrade: authenticate the legal holds as they are
    (the caller records it in the audit log). The number of holds, or None when there was nothing
    to do or no ADMIN key to do it with."""
    if not holds_pending(db) or mac_key(ring, ADMIN_KEY) is None:
        return None
    bad = failing_now(db, ring)  # rows of the other ADMIN tables that fail stay failing
    db.execute("DELETE FROM store_meta WHERE key = ?", [HOLDS_PENDING])
    seal_all(db, ring, skip=bad, only=ADMIN_KEY)
    return db.execute("SELECT COUNT(*) FROM legal_hold").fetchone()[0]


def holds_in_doubt(db: Database, ring: KeyRing, child_id: str) -> bool:
    """Whether a legal hold that may be this child's is in doubt: any hold whose MAC fails (its child
    may have been changed too) or that was deleted from the file. Then a hold is taken to be in
    force, whatever the rows say, and no case is erased until an administrator checks the centre."""
    if "legal_hold" not in _tables(db) or mac_key(ring, ADMIN_KEY) is None:
        return False
    if any(t == "legal_hold" for t, _pk in missing(db, ring)):
        return True
    return any(is_authentic(db, ring, "legal_hold", row) is False for row in db.query("SELECT * FROM legal_hold"))


def columns(db: Database, spec: Spec) -> list[str]:
    """The columns the MAC of `spec`'s rows covers, read from the schema (a column added later
    is covered as soon as it exists)."""
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({spec.table})")]
    return [c for c in cols if c != AUTH and c not in spec.free]


def _rows(db: Database, spec: Spec) -> Iterator[dict]:
    head = HEADS[spec.key]
    conds = [spec.where] if spec.where else []
    if head[0] == spec.table:
        conds.append(f"{head[1]} != '{head[3]}'")
    sql = f"SELECT * FROM {spec.table}" + (" WHERE " + " AND ".join(conds) if conds else "")
    yield from db.query(sql)


def _head_mac(key: bytes, which: str, rows: list) -> str:
    return hmac.new(key, b"panti-rows/1|" + which.encode() + json.dumps(rows).encode(), hashlib.sha256).hexdigest()


def _write_head(db: Database, key: bytes, which: str, rows: list) -> None:
    table, kcol, vcol, name = HEADS[which]
    if table not in _tables(db):
        return
    value = json.dumps({"rows": rows, "mac": _head_mac(key, which, rows)})
    if table == "setting":
        db.execute("INSERT OR REPLACE INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, '', '')",
                   [name, value])
    else:
        db.execute(f"INSERT OR REPLACE INTO {table} ({kcol}, {vcol}) VALUES (?, ?)", [name, value])


def missing(db: Database, ring: KeyRing) -> list[tuple[str, tuple]]:
    """Rows authenticated by the last change that are no longer in the file (deleted outside the
    app), for each key class `ring` can check; a damaged or absent list is reported as one row."""
    out: list[tuple[str, tuple]] = []
    present = _tables(db)
    for which, (table, kcol, vcol, name) in HEADS.items():
        key = mac_key(ring, which)
        if key is None or table not in present:
            continue
        row = db.execute(f"SELECT {vcol} FROM {table} WHERE {kcol} = ?", [name]).fetchone()
        try:
            head = json.loads(row[0]) if row else None
            rows = head["rows"]
            ok = hmac.compare_digest(head["mac"], _head_mac(key, which, rows))
        except (TypeError, ValueError, KeyError):
            ok, rows = False, []
        if not ok:
            if row is not None or checked(db):
                out.append((table, (name,)))
            continue
        now = {(spec.table, tuple(_pk(spec, r))) for spec in SPECS if spec.key == which and spec.table in present
               for r in _rows(db, spec)}
        out += [(t, tuple(pk)) for t, pk in rows if (t, tuple(pk)) not in now]
    return out


def _pk(spec: Spec, row: dict) -> tuple:
    return tuple(row.get(c) for c in spec.pk)


@dataclass(frozen=True)
class Failure:
    table: str
    pk: tuple
    missing: bool  # no MAC at all (a row written before the upgrade, or planted without one)

    def sentence(self) -> str:
        where = "/".join(str(p) for p in self.pk)
        return _("Row {row} of table {table} was changed or added outside the app (its authentication "
                 "fails); it is not used.").format(row=where, table=self.table)


def failures(db: Database, ring: KeyRing, tables: tuple[str, ...] | None = None) -> list[Failure]:
    """Authority rows whose MAC fails under the keys in `ring` (tables it cannot check are skipped)."""
    present = _tables(db)
    keys = {MASTER_KEY: mac_key(ring, MASTER_KEY), ADMIN_KEY: mac_key(ring, ADMIN_KEY)}
    out = []
    for spec in SPECS:
        if spec.table not in present or (tables is not None and spec.table not in tables):
            continue
        key = keys[spec.key]
        if key is None:
            continue
        cols = columns(db, spec)
        for row in _rows(db, spec):
            stored = row.get(AUTH)
            if not isinstance(stored, str) or not hmac.compare_digest(
                    stored, row_mac(key, spec.table, cols, row)):
                out.append(Failure(spec.table, _pk(spec, row), not stored))
    return out


def failing(db: Database, ring: KeyRing, table: str) -> set[tuple]:
    return {f.pk for f in failures(db, ring, (table,))}


def is_authentic(db: Database, ring: KeyRing, table: str, row: dict) -> bool | None:
    """Whether one row's MAC holds (None when `ring` holds no key to check it with)."""
    spec = SPEC[table]
    key = mac_key(ring, spec.key)
    if key is None:
        return None
    stored = row.get(AUTH)
    return isinstance(stored, str) and hmac.compare_digest(stored, row_mac(key, table, columns(db, spec), row))


def seal_all(db: Database, ring: KeyRing, skip: set[tuple[str, tuple]] | None = None,
             only: str | None = None) -> int:
    """Authenticate every authority row the keys in `ring` can, except the (table, pk) in `skip`
    (rows that failed before the change being made: a change never makes a forged row valid)."""
    present = _tables(db)
    skip = skip or set()
    done = 0
    authentic: dict[str, list] = {MASTER_KEY: [], ADMIN_KEY: []}
    for spec in SPECS:
        if spec.table not in present or (only is not None and spec.key != only):
            continue
        key = mac_key(ring, spec.key)
        if key is None:
            continue
        cols = columns(db, spec)
        for row in list(_rows(db, spec)):
            pk = _pk(spec, row)
            if (spec.table, pk) in skip:
                continue
            authentic[spec.key].append([spec.table, list(pk)])
            tag = row_mac(key, spec.table, cols, row)
            if row.get(AUTH) != tag:
                where = " AND ".join(f"{c} = ?" for c in spec.pk)
                db.execute(f"UPDATE {spec.table} SET {AUTH} = ? WHERE {where}", [tag, *pk])
                done += 1
    for which, rows in authentic.items():
        key = mac_key(ring, which)
        if key is not None and (only is None or only == which):
            _write_head(db, key, which, sorted(rows))
    return done


def failing_now(db: Database, ring: KeyRing) -> set[tuple[str, tuple]]:
    return {(f.table, f.pk) for f in failures(db, ring)}


@contextmanager
def changing(db: Database, ring: KeyRing, rewrites: tuple[tuple[str, tuple], ...] = ()) -> Iterator[None]:
    """Around a change to authority rows, inside its transaction: rows that fail now stay failing,
    every other row (and every row the change writes) is authenticated under the keys after it.
    `rewrites` names rows the change writes whole (a peer trusted again from its card), which
    are authenticated even if they failed before."""
    bad = failing_now(db, ring) - set(rewrites)
    yield
    seal_all(db, ring, skip=bad)


def checked(db: Database) -> bool:
    """Whether the authority rows have been authenticated once (the first unlock with the master
    key after the upgrade does it). For a user without that key this is what the file says."""
    if "auth" not in {r[1] for r in db.execute("PRAGMA table_info(user)")}:
        return False
    return db.execute("SELECT 1 FROM user WHERE auth IS NOT NULL LIMIT 1").fetchone() is not None
