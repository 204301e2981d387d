"""Sealed record storage: every payload encrypted under its role key, bound to its row."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from .. import jsonio
from ..errors import Cancelled, IntegrityError, NotFound, PermissionDenied
from ..i18n import _
from ..vault.keyring import KeyRing, key_role
from ..vault.seal import (
    FORMAT_VERSION,
    associated_data,
    associated_data_v2,
    blob_format,
    open_sealed,
    seal,
)
from . import heads
from .hlc import HybridClock, version_string
from .ids import record_id as new_record_id
from .kinds import KINDS, Kind, kind


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def vv_of(row: dict) -> dict[str, int]:
    """A row's version vector: for each device, the newest of its edits this version descends from."""
    raw = row.get("vv")
    if raw:
        return json.loads(raw)
    return {row["origin"]: row["hlc"]}


def vv_text(vv: dict[str, int], origin: str, hlc: int) -> str | None:
    """What the `vv` column holds: NULL when the history is this one edit."""
    if len(vv) == 1 and vv.get(origin) == hlc:
        return None
    return json.dumps(vv, sort_keys=True, separators=(",", ":"))


_SEQUENCES = (list, tuple)


def _dumps(data: dict) -> bytes:
    return jsonio.dumps(data)


@dataclass
class Record:
    """A decrypted record: its plaintext row metadata and its fields."""

    kind: str
    id: str
    data: dict
    hlc: int
    origin: str
    deleted: bool
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str

    @property
    def version(self) -> str:
        return version_string(self.hlc, self.origin)


def _index_of(k: Kind, row: dict) -> dict:
    """The plaintext columns a seal is bound to, so none can be changed without detection."""
    bound = {
        "centre_id": row["centre_id"],
        "deleted": int(row["deleted"]),
        "created_at": row["created_at"],
        "created_by": row["created_by"],
        "updated_at": row["updated_at"],
        "updated_by": row["updated_by"],
    }
    for c in k.columns_for(1):
        bound[c] = row.get(c)
    return bound


class RecordStore:
    def __init__(self, db: Database, ring: KeyRing, centre_id: str, device_id: str, clock: HybridClock):
        self.db = db
        self.ring = ring
        self.centre_id = centre_id
        self.device_id = device_id
        self.clock = clock
        # Called with (kind, child_id) before a local write; raises to refuse it (a transferred case).
        self.write_guard: Callable[[str, str | None], None] | None = None
        # every record table's committed state, kept by the database on each write (heads.py)
        self.head_keys = heads.Keys(lambda: self.ring)
        if db is not None:  # (a bundle reader opens rows without a database)
            heads.attach(db.conn, self.head_keys)
        # called after each write through this store, inside its transaction (the audit log's head
        # records the heads, also after a write that adds no audit entry)
        self.after_write: Callable[[], None] | None = None

    def _written(self) -> None:
        if self.after_write is not None:
            self.after_write()

    def commit_heads(self) -> tuple[int, int]:
        """Record the committed state of the tables that have none yet (a new vault, or the first
        unlock after the upgrade): the number of tables and of rows it covers."""
        return heads.create(self.db.conn, self.head_keys)

    def check_heads(self, quick: bool = False) -> list[str]:
        """Tables not as this app last wrote them; `quick`: counts and the last writes only (the dashboard)."""
        return (heads.quick_check if quick else heads.check)(self.db.conn, self.head_keys)

    def check_write(self, k: Kind, data: dict) -> None:
        if self.write_guard is not None:
            self.write_guard(k.name, data.get("child_id") if k.per_child else data.get("id"))

    # sealing ------------------------------------------------------------------------

    def _aad(self, k: Kind, row: dict, fmt: int) -> bytes:
        version = version_string(row["hlc"], row["origin"])
        if fmt == 1:
            return associated_data(k.name, row["id"], version, row["key_id"], _index_of(k, row))
        bound = [row["centre_id"], int(row["deleted"]), row["created_at"], row["created_by"],
                 row["updated_at"], row["updated_by"]]
        bound += [row.get(c) for c in k.columns_for(fmt)]
        return associated_data_v2(k.name, row["id"], version, row["key_id"], bound, fmt)

    def seal_row(self, k: Kind, row: dict, data: dict, key_id: str | None = None) -> None:
        key_id = key_id or self.ring.current_id(k.role)
        row["key_id"] = key_id
        row["payload"] = seal(self.ring.aead(key_id), _dumps(data), self._aad(k, row, FORMAT_VERSION),
                              FORMAT_VERSION)

    def open_row(self, k: Kind | str, row: dict) -> dict:
        """Decrypt one row's payload; IntegrityError if it was moved, rolled back or damaged."""
        if isinstance(k, str):
            k = kind(k)
        key_id = row["key_id"]
        if key_role(key_id) != k.role:
            raise IntegrityError(_("A sealed record failed verification."))
        aad = self._aad(k, row, blob_format(row["payload"]))
        try:
            return jsonio.loads(open_sealed(self.ring.aead(key_id), row["payload"], aad))
        except (UnicodeDecodeError, ValueError):
            raise IntegrityError(_("A sealed record failed verification.")) from None

    def _record(self, k: Kind, row: dict) -> Record:
        return Record(
            kind=k.name,
            id=row["id"],
            data=self.open_row(k, row),
            hlc=row["hlc"],
            origin=row["origin"],
            deleted=bool(row["deleted"]),
            created_at=row["created_at"],
            created_by=row["created_by"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
        )

    # writing ------------------------------------------------------------------------

    def index_values(self, k: Kind, data: dict) -> dict:
        out = {}
        for c in k.columns:
            v = data.get(c)
            if type(v) is str:  # the usual case first: this runs for every record sealed
                out[c] = v or None
            elif isinstance(v, _SEQUENCES):  # a list of codes, e.g. the systems of a session
                out[c] = ",".join(sorted(str(x) for x in v)) or None
            else:
                out[c] = None if v is None or v == "" else str(v)
        return out

    def _new_row(self, k: Kind, data: dict, user_id: str, at: str) -> dict:
        """The sealed row of a record created here now: its first version, by `user_id`."""
        hlc = self.clock.tick()
        row = {
            "id": data["id"],
            "centre_id": self.centre_id,
            "hlc": hlc,
            "seq": hlc,
            "origin": self.device_id,
            "deleted": 0,
            "created_at": at,
            "created_by": user_id,
            "updated_at": at,
            "updated_by": user_id,
            **self.index_values(k, data),
        }
        self.seal_row(k, row, data)
        return row

    def insert(self, kind_name: str, data: dict, user_id: str, record_id: str | None = None) -> Record:
        k = kind(kind_name)
        record_id = record_id or data.get("id") or new_record_id(k.name)
        data = {**data, "id": record_id}
        self.check_write(k, data)
        row = self._new_row(k, data, user_id, now_iso())
        with self.db.atomic():
            self.db.table(k.name).insert(row)
            self._written()
        return self._as_record(k, row, data)

    def insert_many(self, kind_name: str, items: Iterable[dict], user_id: str, batch_size: int = 2000) -> int:
        """Bulk insert (demo data, imports): one seal per row, batched inserts."""
        k = kind(kind_name)
        table = self.db.table(k.name)
        at = now_iso()
        batch, count = [], 0
        for data in items:
            record_id = data.get("id") or new_record_id(k.name)
            data = {**data, "id": record_id}
            batch.append(self._new_row(k, data, user_id, at))
            if len(batch) >= batch_size:
                table.insert_all(batch, batch_size=batch_size)
                count += len(batch)
                batch = []
        if batch:
            table.insert_all(batch, batch_size=batch_size)
            count += len(batch)
        self._written()
        return count

    def update(self, kind_name: str, record_id: str, data: dict, user_id: str) -> Record:
        """Replace a record's fields with `data`, giving it a new version."""
        k = kind(kind_name)
        row = self.row(k, record_id)
        if row["deleted"]:
            raise NotFound(_("This record has been deleted."))
        data = {**data, "id": record_id}
        self.check_write(k, data)
        self._next_version(row)
        row.update(
            {
                "updated_at": now_iso(),
                "updated_by": user_id,
                **self.index_values(k, data),
            }
        )
        self.seal_row(k, row, data)
        with self.db.atomic():
            self.db.table(k.name).update(record_id, row)
            self._written()
        return self._as_record(k, row, data)

    def delete(self, kind_name: str, record_id: str, user_id: str) -> None:
        """Leave a tombstone: the id and version stay so the delete travels in sync; no content."""
        k = kind(kind_name)
        row = self.row(k, record_id)
        self.check_write(k, row)
        self._next_version(row)
        row.update(
            {
                "deleted": 1,
                "updated_at": now_iso(),
                "updated_by": user_id,
            }
        )
        for c in k.index:
            row[c] = None
        self.seal_row(k, row, {"id": record_id})
        with self.db.atomic():
            self.db.table(k.name).update(record_id, row)
            self._written()

    def _next_version(self, row: dict) -> None:
        """A local edit: a new clock value whose history includes the version it replaces."""
        vv = vv_of(row)
        hlc = self.clock.tick()
        vv[self.device_id] = hlc
        row.update({"hlc": hlc, "origin": self.device_id, "seq": hlc, "vv": vv_text(vv, self.device_id, hlc)})

    def _as_record(self, k: Kind, row: dict, data: dict) -> Record:
        return Record(
            kind=k.name,
            id=row["id"],
            data=data,
            hlc=row["hlc"],
            origin=row["origin"],
            deleted=bool(row["deleted"]),
            created_at=row["created_at"],
            created_by=row["created_by"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
        )

    # reading ------------------------------------------------------------------------

    def row(self, k: Kind, record_id: str) -> dict:
        rows = list(self.db.query(f"SELECT * FROM {k.name} WHERE id = ?", [record_id]))
        if not rows:
            raise NotFound(_("The record was not found."))
        return rows[0]

    def get(self, kind_name: str, record_id: str) -> Record:
        k = kind(kind_name)
        return self._record(k, self.row(k, record_id))

    def rows(
        self,
        kind_name: str,
        where: str = "",
        params: Iterable = (),
        order_by: str = "",
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> list[dict]:
        """Plaintext rows (no decryption): for lists, counts and lazy loading."""
        k = kind(kind_name)
        clauses = [] if include_deleted else ["deleted = 0"]
        if where:
            clauses.append(f"({where})")
        sql = f"SELECT * FROM {k.name}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql, list(params)))

    def find(self, kind_name: str, where: str = "", params: Iterable = (), order_by: str = "") -> list[Record]:
        k = kind(kind_name)
        return [self._record(k, r) for r in self.rows(kind_name, where, params, order_by)]

    def for_child(self, kind_name: str, child_id: str, order_by: str = "") -> list[Record]:
        return self.find(kind_name, "child_id = ?", [child_id], order_by)

    def iter_all(self, kind_name: str, include_deleted: bool = True) -> Iterator[tuple[dict, Record | Exception]]:
        """Every row with its decryption result (or the error), for verification and scans."""
        k = kind(kind_name)
        sql = f"SELECT * FROM {k.name}" + ("" if include_deleted else " WHERE deleted = 0")
        for row in self.db.query(sql):
            try:
                yield row, self._record(k, row)
            except IntegrityError as exc:
                yield row, exc
            except (TypeError, ValueError, AttributeError, KeyError):  # a plaintext column of the wrong type
                yield row, IntegrityError(_("The record is damaged."))
            except PermissionDenied:  # sealed under a key id this vault never had (changed in the file)
                yield row, IntegrityError(_("A sealed record failed verification."))

    def max_hlc(self) -> int:
        """The highest clock value this store has handed out or seen: the floor an import
        raises, local change numbers, and the marks sync keeps (exported up to, conflicts,
        erasures, transfers).

        The clock starts above it, so a laptop whose clock was set back never numbers a new
        change below a mark a peer has already acknowledged (the change would never be sent).
        Every query reads one end of an index: opening a vault of half a million sessions
        reads a few pages, not the tables.
        """
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        queries = [f"SELECT MAX(seq) FROM {name}" for name in KINDS if name in tables]
        queries += [f"SELECT MAX(hlc), MAX(seq) FROM {t}" for t in ("erasure", "transfer") if t in tables]
        if "conflict" in tables:
            queries.append("SELECT MAX(seq) FROM conflict")
        if "sync_bundle" in tables:
            queries.append("SELECT MAX(upto), MAX(base) FROM sync_bundle")
        best = self._clock_floor()
        for sql in queries:
            for v in self.db.execute(sql).fetchone():
                if v and v > best:
                    best = v
        return best

    def _clock_floor(self) -> int:
        row = self.db.execute("SELECT value FROM store_meta WHERE key = 'clock_floor'").fetchone()
        return int(row[0]) if row else 0

    def raise_floor(self, hlc: int) -> None:
        """Remember a clock value seen from elsewhere (an import), so the clock starts above
        it even where no stored change number is as high."""
        if hlc > self._clock_floor():
            self.db.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('clock_floor', ?)", [str(hlc)])

    # key rotation -------------------------------------------------------------------

    def reseal(self, ring: KeyRing, mapping: dict[str, str],
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> int:
        """Re-seal every row sealed under an old key with its replacement. Versions do not change.

        `progress(done, total)` is called as rows are re-sealed; when `cancelled()` turns true the
        work stops with `Cancelled`, and the caller's transaction rolls everything back.
        """
        work = []
        for name, k in KINDS.items():
            for old_id, new_key_id in mapping.items():
                if key_role(old_id) == k.role:
                    n = self.db.execute(f"SELECT COUNT(*) FROM {name} WHERE key_id = ?", [old_id]).fetchone()[0]
                    if n:
                        work.append((name, k, old_id, new_key_id))
        total = sum(self.db.execute(f"SELECT COUNT(*) FROM {n} WHERE key_id = ?", [o]).fetchone()[0]
                    for n, _k, o, _new in work)
        count = 0
        self.ring = ring
        for name, k, old_id, new_key_id in work:
            rows = list(self.db.query(f"SELECT * FROM {name} WHERE key_id = ?", [old_id]))
            for row in rows:
                if cancelled is not None and count % 200 == 0 and cancelled():
                    raise Cancelled(_("Cancelled; nothing was changed."))
                data = self.open_row(k, row)
                if not row["deleted"]:  # columns added since the row was sealed are filled now
                    row.update(self.index_values(k, data))
                self.seal_row(k, row, data, key_id=new_key_id)
                cols = ["key_id", "payload", *k.index]
                self.db.execute(
                    f"UPDATE {name} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                    [*(row.get(c) for c in cols), row["id"]],
                )
                count += 1
                if progress is not None and count % 200 == 0:
                    progress(count, total)
        if progress is not None:
            progress(count, total)
        heads.renew(self.db.conn, self.head_keys, {key_role(o) for o in mapping})
        return count
