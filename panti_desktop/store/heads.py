"""Committed state of the record tables: a sealed head per table, kept by the database itself.

A MAC on a row says the row was written by the app; it cannot say that a row is missing, or
that the row in the file is an older version than the last one written (an older copy of the
row, taken whole from an earlier copy of `centre.db`, opens as well as the newest). So each
record table has a head in `store_meta` (`head:<table>`):

- the number of rows, and an order-independent digest: the XOR of one keyed hash per row
  over (table, id, version, key id, payload) — the payload's seal binds every other plaintext
  column, so a row that differs in anything differs in its hash;
- the key id it is keyed under: a key derived from the table's own role key (CASE or
  CLINICAL), which every user who may write the table holds;
- the last few (id, version) written, so that a recently changed row put back, or deleted, is
  named, not only its table.

The head is kept by temporary triggers (this connection only, installed for every table in
`KINDS` when a workspace opens), in the same statement as each insert, update and delete,
whoever makes it (record store, sync import, conflict resolution, erasure): no write path can
forget it, and a rolled-back transaction rolls the head back with the rows. A write is O(1):
two keyed hashes, not a rescan. `check` rescans (what `verify` does anyway).

The audit log's head (audit.py) records a fingerprint of every record head at each entry, so
putting back one table with its head from an older copy is named as well (the audit head
would have to be put back too, and then the log is longer than its head says).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..i18n import _
from ..vault.keyring import KeyRing, key_role
from .kinds import KINDS

PREFIX = "head:"
PENDING = "record_heads_pending"  # set by the migration: heads are computed at the next unlock
RECENT = 4  # the last writes a head names


def _hkdf(key: bytes, key_id: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=f"panti-heads/1|{key_id}".encode()).derive(key)


def row_hash(key: bytes, table: str, rid, hlc, origin, key_id, payload) -> int:
    h = hmac.new(key, b"panti-head-row/1", hashlib.sha256)
    for part in (table, rid, hlc, origin, key_id):
        b = str(part).encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(4, "big") + b)
    h.update(payload if isinstance(payload, bytes) else str(payload).encode("utf-8", "surrogatepass"))
    return int.from_bytes(h.digest(), "big")


@dataclass
class Head:
    key_id: str
    count: int
    digest: int
    recent: list  # [[id, hlc, origin, present]] newest last

    def text(self) -> str:
        return json.dumps({"k": self.key_id, "n": self.count, "d": f"{self.digest:064x}", "r": self.recent},
                          separators=(",", ":"))

    @classmethod
    def parse(cls, value: str) -> Head:
        obj = json.loads(value)
        return cls(str(obj["k"]), int(obj["n"]), int(obj["d"], 16), [list(r) for r in obj.get("r", [])])


class Keys:
    """Head keys derived from the ring the store currently uses (read at each call: a lock or a
    key rotation changes it)."""

    def __init__(self, ring_of: Callable[[], KeyRing]):
        self.ring_of = ring_of
        self._cache: dict[str, bytes] = {}

    def get(self, key_id: str) -> bytes | None:
        ring = self.ring_of()
        if key_id not in ring.keys:
            return None
        key = self._cache.get(key_id)
        if key is None:
            key = self._cache[key_id] = _hkdf(bytes(ring.keys[key_id]), key_id)
        return key

    def current_id(self, role: str) -> str | None:
        ring = self.ring_of()
        key_id = ring.current.get(role)
        return key_id if key_id in ring.keys else None


def attach(conn: sqlite3.Connection, keys: Keys) -> None:
    """Install the function and the temporary triggers that keep every record table's head."""

    def step(value, table, sign, rid, hlc, origin, key_id, payload):
        if value is None:
            return None
        head = Head.parse(value)
        key = keys.get(head.key_id)
        if key is None:  # a head left under a retired key (it failed at the key change): `check` names it
            return value
        head.digest ^= row_hash(key, table, rid, hlc, origin, key_id, payload)
        head.count += sign
        head.recent = [r for r in head.recent if r[0] != rid][-(RECENT - 1):] + [[rid, hlc, origin, sign > 0]]
        return head.text()

    conn.create_function("panti_head", 8, step)
    conn.execute("PRAGMA recursive_triggers = ON")  # INSERT OR REPLACE fires the delete trigger too
    cols = "{0}.id, {0}.hlc, {0}.origin, {0}.key_id, {0}.payload"
    for name in KINDS:
        upd = f"UPDATE store_meta SET value = panti_head(value, '{name}', {{sign}}, {{cols}}) " \
              f"WHERE key = '{PREFIX}{name}';"
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS head_ins_{name} AFTER INSERT ON main.{name} BEGIN "
                     + upd.format(sign=1, cols=cols.format("NEW")) + " END")
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS head_del_{name} AFTER DELETE ON main.{name} BEGIN "
                     + upd.format(sign=-1, cols=cols.format("OLD")) + " END")
        conn.execute(
            f"CREATE TEMP TRIGGER IF NOT EXISTS head_upd_{name} AFTER UPDATE OF id, hlc, origin, key_id, payload "
            f"ON main.{name} BEGIN " + upd.format(sign=-1, cols=cols.format("OLD"))
            + upd.format(sign=1, cols=cols.format("NEW")) + " END")


def detach(conn: sqlite3.Connection) -> None:
    """Drop this connection's head triggers (the benchmark's unsealed baseline keeps no heads)."""
    for name in KINDS:
        for what in ("ins", "del", "upd"):
            conn.execute(f"DROP TRIGGER IF EXISTS temp.head_{what}_{name}")


def _compute(conn: sqlite3.Connection, key: bytes, name: str) -> tuple[int, int]:
    count, digest = 0, 0
    for rid, hlc, origin, key_id, payload in conn.execute(
            f"SELECT id, hlc, origin, key_id, payload FROM {name}"):
        digest ^= row_hash(key, name, rid, hlc, origin, key_id, payload)
        count += 1
    return count, digest


def stored(conn: sqlite3.Connection) -> dict[str, str]:
    return {k[len(PREFIX):]: v for k, v in conn.execute(
        "SELECT key, value FROM store_meta WHERE key >= ? AND key < ?", [PREFIX, PREFIX[:-1] + ";"])}


def fingerprint(conn: sqlite3.Connection) -> dict[str, str]:
    """A short hash of each record head as it is now (what the audit log's head records)."""
    return {t: hashlib.sha256(v.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            for t, v in stored(conn).items()}


def pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM store_meta WHERE key = ?", [PENDING]).fetchone() is not None


def _write(conn: sqlite3.Connection, name: str, head: Head) -> None:
    conn.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", [PREFIX + name, head.text()])


def create(conn: sqlite3.Connection, keys: Keys) -> tuple[int, int]:
    """The heads of the tables this ring can key that have none, over the rows as they are (a
    new vault, or the first unlock after the upgrade: the caller records it in the audit log).
    Returns the number of heads made and of rows they cover; clears the pending mark once every table
    has a head."""
    have = stored(conn)
    made = covered = 0
    for name, k in KINDS.items():
        if name in have:
            continue
        key_id = keys.current_id(k.role)
        if key_id is None:
            continue
        count, digest = _compute(conn, keys.get(key_id), name)
        _write(conn, name, Head(key_id, count, digest, []))
        covered += count
        made += 1
    if all(name in stored(conn) for name in KINDS):
        conn.execute("DELETE FROM store_meta WHERE key = ?", [PENDING])
    return made, covered


def renew(conn: sqlite3.Connection, keys: Keys, roles: set[str]) -> None:
    """After a key rotation (inside its transaction): re-key the heads of `roles`' tables under the
    current key — only those that still match the rows; a head that fails keeps its old key, so
    `check` goes on naming it."""
    have = stored(conn)
    for name, k in KINDS.items():
        if k.role not in roles or name not in have:
            continue
        head = Head.parse(have[name])
        new_id = keys.current_id(k.role)
        old = keys.get(head.key_id)
        if new_id is None or new_id == head.key_id or old is None:
            continue
        if _compute(conn, old, name) != (head.count, head.digest):
            continue
        count, digest = _compute(conn, keys.get(new_id), name)
        _write(conn, name, Head(new_id, count, digest, head.recent))


def check(conn: sqlite3.Connection, keys: Keys) -> list[str]:
    """Sentences for every record table whose rows are not the ones last committed: a row deleted,
    an older version put back, a row inserted from elsewhere (naming the rows it can)."""
    have = stored(conn)
    if pending(conn) and not have:
        return [_("The committed state of the records is not recorded yet: the next unlock records it.")]
    out: list[str] = []
    for name, k in KINDS.items():
        value = have.get(name)
        if value is None:
            if keys.current_id(k.role) is not None and not pending(conn):
                out.append(_("The committed state of table {table} is missing: it was deleted outside the app.")
                           .format(table=name))
            continue
        try:
            head = Head.parse(value)
        except (TypeError, ValueError, KeyError):
            out.append(_("The committed state of table {table} was changed outside the app.").format(table=name))
            continue
        key = keys.get(head.key_id)
        if key is None:
            current = keys.current_id(k.role)
            if current is not None and key_role(head.key_id) == k.role and \
                    int(current.split(":")[1]) > int(head.key_id.split(":")[1]):
                out.append(_("Table {table} did not match its committed state at the last key change, or its "
                             "committed state was put back from an older copy.").format(table=name))
            continue
        if _compute(conn, key, name) == (head.count, head.digest):
            continue
        out.append(_describe(conn, name, head))
    return out


def quick_check(conn: sqlite3.Connection, keys: Keys) -> list[str]:
    """What the dashboard can afford on every refresh: each table's row count against its head, and
    the last rows its head names (a deletion, or a recently changed row put back); no rescan."""
    out = []
    for name, value in stored(conn).items():
        try:
            head = Head.parse(value)
        except (TypeError, ValueError, KeyError):
            out.append(_("The committed state of table {table} was changed outside the app.").format(table=name))
            continue
        if keys.get(head.key_id) is None:
            continue
        count = conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
        recent_ok = all(
            (row is not None and tuple(row) == (hlc, origin)) if present else row is None
            for rid, hlc, origin, present in head.recent
            for row in [conn.execute(f"SELECT hlc, origin FROM {name} WHERE id = ?", [rid]).fetchone()])
        if count != head.count or not recent_ok:
            out.append(_describe(conn, name, head))
    return out


def _describe(conn: sqlite3.Connection, name: str, head: Head) -> str:
    count = conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
    named = []
    for rid, hlc, origin, present in head.recent:
        row = conn.execute(f"SELECT hlc, origin FROM {name} WHERE id = ?", [rid]).fetchone()
        if present and row is None:
            named.append(_("row {row} was deleted").format(row=rid))
        elif present and tuple(row) != (hlc, origin):
            named.append(_("row {row} is not the version last written (an older copy was put back)").format(row=rid))
        elif not present and row is not None:
            named.append(_("row {row} was put back after it was deleted").format(row=rid))
    if named:
        detail = "; ".join(named)
    elif count < head.count:
        detail = _("{n} rows are missing").format(n=head.count - count)
    elif count > head.count:
        detail = _("{n} rows were added").format(n=count - head.count)
    else:
        detail = _("a row is not the version last written (an older copy was put back, or a row was replaced)")
    return _("Table {table} is not as the app last wrote it: {detail}.").format(table=name, detail=detail)
