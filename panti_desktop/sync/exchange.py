"""Export and import of sync bundles: what travels, how it merges, what is kept.

A bundle's payload is UTF-8 JSON lines:

- ``{"t": "centre", ...}``: the sending centre (id, code, name, type);
- ``{"t": "v", ...}``: one version of one record (kind, id, clock, origin, version
  vector, deleted, row metadata and the record's fields). A record's winner and
  its kept conflicts all travel as versions; see `merge`;
- ``{"t": "erasure", ...}``: an erasure tombstone (the child's random id, when);
- ``{"t": "transfer", ...}``: a case moved from one centre to another;
- ``{"t": "stats", "aggregate": {...}}``: de-identified counts for a period (scope
  ``stats`` only, to headquarters);
- ``{"t": "ack", "seqs": [...]}``: bundles of the receiver that the sender imported;
- ``{"t": "audit", "links": [[seq, prev_hash, hash], ...]}``: the sender's audit chain
  since the last checkpoint the receiver acknowledged.

Scopes: ``changes`` (every row changed since the peer's acknowledgement; to
headquarters everything, to a centre only the cases it holds), ``transfer`` (one
child's whole file, moved to another centre), ``stats`` (the centre's statistics
for a period, no records) and ``ack`` (an acknowledgement,
no records). Import verifies everything before it writes anything, then applies
the bundle in one transaction: all or nothing.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import json
import logging
import operator
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .. import jsonio
from ..errors import Cancelled, IntegrityError, PantiError, PermissionDenied, ValidationError
from ..i18n import _
from ..statistics import aggregate
from ..store import cases
from ..store.db import rollback_journal
from ..store.kinds import KINDS, kind
from ..store.records import now_iso, vv_of, vv_text
from ..vault.keyring import CLINICAL
from ..vault.seal import FORMAT_VERSION, associated_data_v2, open_sealed, seal
from . import lines as L
from . import peers as P
from . import reader as R
from .bundle import Recipient, open_bundle, read_header, write_bundle_hashed
from .merge import Version, joined, resolve

log = logging.getLogger(__name__)

PAYLOAD_FORMAT = 1
SCOPES = ("changes", "transfer", "stats", "ack")
MAX_AUDIT_LINKS = 200_000
BATCH = 2000
IMPORT_CACHE_KIB = 128 * 1024  # 128 MiB at most, and only while importing
# From this many records a bundle is merged in a rollback journal, not the write-ahead log
# (`store.db.rollback_journal`). Leaving WAL and going back rewrites two counters in the file's
# header, so a smaller bundle, and a preview, stay in WAL: when one is refused, even while it
# is merged, the file is byte for byte as before. A large one refused while merged leaves every
# table as before; only those counters moved.
ROLLBACK_JOURNAL_RECORDS = 10_000
# From this many records a bundle is read (parsed, checked, re-sealed) by a second process
# while this one merges it (`reader`): starting it costs about half a second.
READ_BESIDE_RECORDS = 50_000
ROLES_THAT_RESOLVE = ("manager", "admin")
SUFFIX = ".pantisync"

Progress = Callable[[int, int], None]


class AlreadyImported(PantiError):
    """The same bundle again: nothing changes (an acknowledgement can still be written)."""


@dataclass
class ExportResult:
    path: Path
    bundle_id: str
    peer: str
    scope: str
    seq: int
    records: int
    counts: dict[str, int]


@dataclass
class ImportResult:
    sender: str
    scope: str
    seq: int
    bundle_id: str
    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    duplicates: int = 0
    erased: int = 0
    transfers: int = 0
    acked: int = 0
    stats: int = 0
    gaps: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ack_path: Path | None = None
    preview: bool = False
    # the children the merged records belong to, checked to be here before the commit
    written_children: set[str] = field(default_factory=set, repr=False)

    def summary(self) -> str:
        if self.scope == "stats":
            return _("statistics of {code} for one period").format(code=self.sender)
        return _("{new} new, {updated} updated, {unchanged} unchanged, {conflicts} conflicts, "
                 "{duplicates} possible duplicates, {erased} erased").format(
            new=self.new, updated=self.updated, unchanged=self.unchanged, conflicts=self.conflicts,
            duplicates=self.duplicates, erased=self.erased)


class _Rollback(Exception):
    pass


# --- who may do what ------------------------------------------------------------------------


def _require_sync(ws) -> None:
    if ws.role != "admin":
        raise PermissionDenied(_("Only an administrator can export or import sync bundles."))


# --- versions: rows ⇄ bundle lines --------------------------------------------------------


def _conflict_aad(k: str, row: dict, key_id: str) -> bytes:
    bound = [row["centre_id"], int(row["deleted"]), row["created_at"], row["created_by"], row["updated_at"],
             row["updated_by"], row.get("child_id")]
    return associated_data_v2("conflict:" + k, row["record_id"], f"{row['hlc']:016x}@{row['origin']}", key_id,
                              bound, FORMAT_VERSION)


def conflict_id(kind_name: str, record_id: str, hlc: int, origin: str) -> str:
    """The same at every site, so a conflict has one name everywhere."""
    return hashlib.sha256(f"{kind_name}|{record_id}|{hlc}|{origin}".encode()).hexdigest()[:16]


def _row_version(ws, kind_name: str, row: dict, data: dict | None = None) -> Version:
    if data is None:
        data = ws.records.open_row(kind_name, row)
    if KINDS[kind_name].per_child and not data.get("child_id"):  # a tombstone seals only its id
        data = {**data, "child_id": row.get("child_id")}
    return Version(kind=kind_name, id=row["id"], hlc=row["hlc"], origin=row["origin"], vv=vv_of(row),
                   deleted=bool(row["deleted"]), data=data, centre_id=row["centre_id"],
                   created_at=row["created_at"], created_by=row["created_by"], updated_at=row["updated_at"],
                   updated_by=row["updated_by"])


def _conflict_version(ws, row: dict) -> Version:
    k = kind(row["kind"])
    try:
        data = jsonio.loads(open_sealed(ws.ring.aead(row["key_id"]), row["payload"],
                                        _conflict_aad(row["kind"], row, row["key_id"])))
    except (ValueError, UnicodeDecodeError):
        raise IntegrityError(_("A sealed record failed verification.")) from None
    if k.role != row["key_id"].split(":")[0]:
        raise IntegrityError(_("A sealed record failed verification."))
    if k.per_child and not data.get("child_id"):
        data["child_id"] = row.get("child_id")
    return Version(kind=row["kind"], id=row["record_id"], hlc=row["hlc"], origin=row["origin"],
                   vv=json.loads(row["vv"]) if row["vv"] else {row["origin"]: row["hlc"]},
                   deleted=bool(row["deleted"]), data=data, centre_id=row["centre_id"],
                   created_at=row["created_at"], created_by=row["created_by"], updated_at=row["updated_at"],
                   updated_by=row["updated_by"])


# --- export ---------------------------------------------------------------------------------


def _out_state(ws, peer_code: str) -> tuple[int, str | None]:
    row = ws.db.execute("SELECT seq, hash FROM sync_bundle WHERE direction = 'out' AND peer = ? AND scope != 'ack' "
                        "ORDER BY seq DESC LIMIT 1", [peer_code]).fetchone()
    return (row[0], row[1]) if row else (0, None)


def acked_upto(ws, peer_code: str) -> int:
    """The local change number up to which the peer has acknowledged everything."""
    rows = ws.db.execute("SELECT base, upto FROM sync_bundle WHERE direction = 'out' AND peer = ? "
                         "AND scope = 'changes' AND acked_at IS NOT NULL ORDER BY base", [peer_code]).fetchall()
    mark, moved = 0, True
    while moved:
        moved = False
        for base, upto in rows:
            if base <= mark < upto:
                mark, moved = upto, True
    return mark


def _received_seqs(ws, peer_code: str) -> list[int]:
    return [r[0] for r in ws.db.execute("SELECT seq FROM sync_bundle WHERE direction = 'in' AND peer = ? "
                                        "AND seq > 0 ORDER BY seq", [peer_code])]


def _audit_links(ws, peer_code: str) -> tuple[dict, list]:
    head_seq, head_hash = ws.audit.head()
    row = ws.db.execute("SELECT MAX(audit_seq) FROM sync_bundle WHERE direction = 'out' AND peer = ? "
                        "AND acked_at IS NOT NULL", [peer_code]).fetchone()
    since = row[0] or 0
    links = []
    if head_seq - since <= MAX_AUDIT_LINKS:
        links = [list(r) for r in ws.db.execute("SELECT seq, prev_hash, hash FROM audit WHERE seq >= ? ORDER BY seq",
                                                [max(since, 1)])]
    return {"seq": head_seq, "hash": head_hash}, links


def _changed_rows(ws, name: str, base: int, upto: int, children: set[str] | None):
    sql = f"SELECT * FROM {name} WHERE seq > ? AND seq <= ?"
    for row in ws.db.query(sql, [base, upto]):
        if children is not None:
            cid = row["id"] if name == "child" else row.get("child_id")
            if cid not in children:
                continue
        yield row


def _file_lines(ws, kind_name: str, rows: Iterable[dict], counts: dict) -> Iterator[bytes]:
    for row in rows:
        counts[kind_name] = counts.get(kind_name, 0) + 1
        yield L.dump(L.line_of(_row_version(ws, kind_name, row)))


def _conflict_lines(ws, rows: Iterable[dict], counts: dict) -> Iterator[bytes]:
    for row in rows:
        counts["conflict"] = counts.get("conflict", 0) + 1
        yield L.dump(L.line_of(_conflict_version(ws, row)))


def _centre_line(ws) -> bytes:
    centre = ws.centre_record().data
    return L.dump({"t": "centre", "id": ws.centre_id, "code": ws.centre_code, "name": ws.centre_name,
                  "type": centre.get("type") or ("hq" if cases.is_hq(ws.db) else "sentra")})


def _recipient(ws, peer_code: str) -> P.Peer:
    p = P.peer(ws, peer_code)
    if p.revoked_at:
        raise PantiError(_("Peer {code} was revoked; nothing can be sent to it.").format(code=p.code))
    return p


def _write(ws, p: P.Peer, out: Path, scope: str, seq: int, prev_hash: str | None, lines: Iterable[bytes],
           checkpoint: dict, extra: dict | None = None) -> tuple[str, str]:
    ident = P.identity(ws)
    header = {"kind": "panti-sync", "payload_format": PAYLOAD_FORMAT, "bundle_id": uuid.uuid4().hex,
              "sender": ws.centre_code, "sender_centre_id": ws.centre_id, "scope": scope, "seq": seq,
              "prev_hash": prev_hash, "created_at": now_iso(), "audit": checkpoint, **(extra or {})}
    digest = write_bundle_hashed(Path(out), header, lines, [Recipient(p.code, p.kem_key)], ident.signing)
    return header["bundle_id"], digest


def _progress_lines(lines: Iterable[bytes], total: int, progress: Progress | None,
                    cancelled: Callable[[], bool] | None) -> Iterator[bytes]:
    for done, line in enumerate(lines, 1):
        yield line
        if done % 500 == 0:
            if cancelled is not None and cancelled():
                raise Cancelled(_("Cancelled; nothing was changed."))
            if progress is not None:
                progress(done, total)
    if progress is not None:
        progress(total, total)


Item = tuple[str, str, dict]  # ("v", kind, row) | ("c", kind, conflict row) | ("erasure"|"transfer", "", row)


def _change_items(ws, peer_code: str, base: int, upto: int, children: set[str] | None) -> Iterator[Item]:
    """What a `changes` bundle carries, as plaintext rows (nothing decrypted here)."""
    touched: set[str] = set()
    sent_children: set[str] = set()
    for name, k in KINDS.items():
        if children is not None and not k.per_child and name != "child":
            continue
        for row in _changed_rows(ws, name, base, upto, children):
            if k.per_child:
                touched.add(row["child_id"])
            elif name == "child":
                sent_children.add(row["id"])
            yield "v", name, row
    # a child's other records need the child: send it along (harmless if the peer has it)
    missing = sorted(touched - sent_children)
    for i in range(0, len(missing), 500):
        part = missing[i:i + 500]
        marks = ",".join("?" * len(part))
        for row in ws.db.query(f"SELECT * FROM child WHERE id IN ({marks})", part):
            yield "v", "child", row
        for row in ws.db.query(f"SELECT * FROM conflict WHERE kind = 'child' AND record_id IN ({marks})", part):
            yield "c", "child", row
    for row in ws.db.query("SELECT * FROM conflict WHERE seq > ? AND seq <= ?", [base, upto]):
        if children is None or row["child_id"] in children:
            yield "c", row["kind"], row
    for row in ws.db.query("SELECT child_id, centre_id, erased_at, hlc, origin FROM erasure "
                           "WHERE seq > ? AND seq <= ?", [base, upto]):
        yield "erasure", "", row
    for row in ws.db.query("SELECT id, child_id, from_code, to_code, at, hlc, origin FROM transfer "
                           "WHERE seq > ? AND seq <= ?", [base, upto]):
        if children is None or peer_code in (row["from_code"], row["to_code"]):
            yield "transfer", "", row


def _child_items(ws, child_id: str) -> Iterator[Item]:
    """A child's whole file, for a case transfer."""
    for row in ws.db.query("SELECT * FROM child WHERE id = ?", [child_id]):
        yield "v", "child", row
    for name, k in KINDS.items():
        if k.per_child:
            for row in ws.db.query(f"SELECT * FROM {name} WHERE child_id = ?", [child_id]):
                yield "v", name, row
    for row in ws.db.query("SELECT * FROM conflict WHERE child_id = ? OR (kind = 'child' AND record_id = ?)",
                           [child_id, child_id]):
        yield "c", row["kind"], row
    for row in ws.db.query("SELECT id, child_id, from_code, to_code, at, hlc, origin FROM transfer "
                           "WHERE child_id = ?", [child_id]):
        yield "transfer", "", row


def _tally(items: Iterable[Item]) -> dict:
    """The header's description of a payload: lines per kind, versions, clock range."""
    counts: dict[str, int] = {}
    lo = hi = None
    versions = 0
    for what, name, row in items:
        key = name if what in ("v", "c") else what
        counts[key] = counts.get(key, 0) + 1
        if what in ("v", "c"):
            versions += 1
            lo = row["hlc"] if lo is None else min(lo, row["hlc"])
            hi = row["hlc"] if hi is None else max(hi, row["hlc"])
    return {"counts": counts, "records": versions, "clock": [lo, hi] if lo is not None else None}


def _item_lines(ws, items: Iterable[Item], counts: dict) -> Iterator[bytes]:
    for what, name, row in items:
        if what == "v":
            yield from _file_lines(ws, name, [row], counts)
        elif what == "c":
            yield from _conflict_lines(ws, [row], counts)
        else:
            counts[what] = counts.get(what, 0) + 1
            yield L.dump({"t": what, **row})


def export_changes(ws, peer_code: str, out: Path, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """Everything the peer has not acknowledged: to headquarters all of it, to a centre its cases."""
    _require_sync(ws)
    p = _recipient(ws, peer_code)
    base = acked_upto(ws, p.code)
    upto = ws.records.clock.tick()
    children = None
    if p.role != "hq":
        children = {cid for cid, code in cases.custody(ws.db, ws.centre_id, ws.centre_code).items() if code == p.code}
    counts: dict[str, int] = {}
    checkpoint, links = _audit_links(ws, p.code)

    def lines() -> Iterator[bytes]:
        yield _centre_line(ws)
        yield from _item_lines(ws, _change_items(ws, p.code, base, upto, children), counts)
        yield L.dump({"t": "ack", "seqs": _received_seqs(ws, p.code)})
        if links:
            yield L.dump({"t": "audit", "links": links})

    seq, prev = _out_state(ws, p.code)
    with _bulk(), ws.db.atomic():  # the counting pass and the writing pass see the same rows
        tally = _tally(_change_items(ws, p.code, base, upto, children))
        total = sum(tally["counts"].values()) + 1
        bundle_id, digest = _write(ws, p, out, "changes", seq + 1, prev,
                                   _progress_lines(lines(), total, progress, cancelled), checkpoint,
                                   {"base": base, "upto": upto, **tally})
        try:
            records = sum(v for k, v in counts.items() if k in KINDS or k == "conflict")
            _record_bundle(ws, bundle_id, "out", p.code, "changes", seq + 1, digest, prev, base, upto, checkpoint,
                           records, counts)
            ws.audit_event("export", detail=f"to {p.code} #{seq + 1}: {records} records")
        except BaseException:
            Path(out).unlink(missing_ok=True)
            raise
    return ExportResult(Path(out), bundle_id, p.code, "changes", seq + 1, records, counts)


def _record_bundle(ws, bundle_id, direction, peer, scope, seq, digest, prev, base, upto, checkpoint, records,
                   summary) -> None:
    ws.db.table("sync_bundle").insert({
        "bundle_id": bundle_id, "direction": direction, "peer": peer, "scope": scope, "seq": seq, "hash": digest,
        "prev_hash": prev, "base": base, "upto": upto, "audit_seq": (checkpoint or {}).get("seq"),
        "audit_hash": (checkpoint or {}).get("hash"), "records": records, "at": now_iso(), "by": ws.user.id,
        "acked_at": None, "summary": json.dumps(summary, ensure_ascii=False)})


def export_child(ws, ref: str, peer_code: str, out: Path, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """Case transfer: the child's whole file to another centre; the file here becomes read-only."""
    _require_sync(ws)
    p = _recipient(ws, peer_code)
    child_id = ws.resolve_child(ref)
    holder = cases.transferred_away(ws.db, ws.centre_code, child_id)
    if holder:
        raise PantiError(_("This case was transferred to {code}; its file here is read-only.").format(code=holder))
    counts: dict[str, int] = {}
    checkpoint, links = _audit_links(ws, p.code)
    seq, prev = _out_state(ws, p.code)
    with ws.db.atomic():
        hlc = ws.records.clock.tick()
        transfer = {"id": uuid.uuid4().hex, "child_id": child_id, "from_code": ws.centre_code, "to_code": p.code,
                    "at": now_iso(), "hlc": hlc, "origin": ws.device_id, "seq": hlc}
        ws.db.table("transfer").insert(transfer)

        def lines() -> Iterator[bytes]:
            yield _centre_line(ws)
            yield from _item_lines(ws, _child_items(ws, child_id), counts)
            yield L.dump({"t": "ack", "seqs": _received_seqs(ws, p.code)})
            if links:
                yield L.dump({"t": "audit", "links": links})

        tally = _tally(_child_items(ws, child_id))
        bundle_id, digest = _write(ws, p, out, "transfer", seq + 1, prev,
                                   _progress_lines(lines(), sum(tally["counts"].values()) + 1, progress, cancelled),
                                   checkpoint, tally)
        try:
            records = sum(v for k, v in counts.items() if k in KINDS or k == "conflict")
            _record_bundle(ws, bundle_id, "out", p.code, "transfer", seq + 1, digest, prev, None, None, checkpoint,
                           records, counts)
            register_no = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [child_id]).fetchone()[0]
            ws.audit_event("export", "child", child_id, child_id, detail=f"case {register_no} transferred to {p.code}")
        except BaseException:
            Path(out).unlink(missing_ok=True)
            raise
    ws.forget_children(child_id)
    return ExportResult(Path(out), bundle_id, p.code, "transfer", seq + 1, records, counts)


def write_ack(ws, peer_code: str, out: Path) -> Path:
    """An acknowledgement for the peer: which of its bundles arrived here (no records)."""
    _require_sync(ws)
    p = _recipient(ws, peer_code)
    lines = [L.dump({"t": "ack", "seqs": _received_seqs(ws, p.code)})]
    _write(ws, p, out, "ack", 0, None, lines, {"seq": ws.audit.head()[0], "hash": ws.audit.head()[1]})
    return Path(out)

def export_stats(ws, peer_code: str, out: Path, start: date | None = None, end: date | None = None) -> ExportResult:
    """A statistics bundle for headquarters: the centre's de-identified counts for a period
    (the same numbers as the centre statistics report), with no record in it."""
    _require_sync(ws)
    p = _recipient(ws, peer_code)
    if p.role != "hq":
        raise PantiError(_("Statistics bundles go to headquarters only; {code} is a centre.").format(code=p.code))
    end = end or date.today()
    start = start or end - timedelta(days=365)
    if start > end:
        raise ValidationError(_("The period must start before it ends."))
    agg = aggregate(ws, start, end, centre=ws.centre_code)  # the cases this centre holds, not those it handed on
    checkpoint, links = _audit_links(ws, p.code)
    lines = [_centre_line(ws), L.dump({"t": "stats", "aggregate": agg}),
             L.dump({"t": "ack", "seqs": _received_seqs(ws, p.code)})]
    if links:
        lines.append(L.dump({"t": "audit", "links": links}))
    seq, prev = _out_state(ws, p.code)
    with ws.db.atomic():
        bundle_id, digest = _write(ws, p, out, "stats", seq + 1, prev, lines, checkpoint)
        try:
            _record_bundle(ws, bundle_id, "out", p.code, "stats", seq + 1, digest, prev, None, None, checkpoint, 0,
                           {"stats": agg["children"]})
            ws.audit_event("export", detail=f"statistics {start}..{end} to {p.code} #{seq + 1}")
        except BaseException:
            Path(out).unlink(missing_ok=True)
            raise
    return ExportResult(Path(out), bundle_id, p.code, "stats", seq + 1, 0, {"children": agg["children"]})


def _stats(ws, sender: str, bundle_id: str, obj: dict) -> bool:
    """Keep a statistics bundle's counts, sealed; the reports at headquarters read them."""
    agg = obj.get("aggregate")
    try:
        start, end = date.fromisoformat(str(agg["start"])), date.fromisoformat(str(agg["end"]))
        tables = agg["tables"]
        clean = {"start": start.isoformat(), "end": end.isoformat(), "children": int(agg["children"]),
                 "tables": {str(k)[:40]: {"denominator": int(t["denominator"]),
                                          "counts": {str(c)[:40]: int(n) for c, n in dict(t["counts"]).items()}}
                            for k, t in dict(tables).items()}}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read.")) from None
    if not ws.can_read_clinical:
        raise PermissionDenied(_("Only an administrator can export or import sync bundles."))
    key_id = ws.ring.current_id(CLINICAL)
    blob = seal(ws.ring.aead(key_id), json.dumps(clean).encode(),
                cases.stats_aad(bundle_id, sender, clean["start"], clean["end"], key_id))
    ws.db.table("sync_stats").insert({"bundle_id": bundle_id, "centre_code": sender, "period_start": clean["start"],
                                      "period_end": clean["end"], "received_at": now_iso(), "key_id": key_id,
                                      "payload": blob}, replace=True)
    return True


def default_name(ws, peer_code: str, scope: str = "changes") -> str:
    stamp = now_iso()[:10]
    return f"{ws.centre_code}-to-{peer_code.upper()}-{scope}-{stamp}{SUFFIX}"


# --- import ---------------------------------------------------------------------------------


def open_for_import(ws, path: Path):
    """Check and decrypt a bundle without changing anything; refuses with a clear message."""
    _require_sync(ws)
    path = Path(path)
    try:
        header = read_header(path)
    except OSError as exc:
        raise PantiError(_("The file could not be read: {error}").format(error=exc.strerror or exc)) from None
    ident = P.identity(ws)
    trusted = P.trusted_signers(ws)
    revoked = {p.signing_key: p.code for p in P.peers(ws) if p.revoked_at}
    try:
        sender_key = bytes.fromhex(str(header.get("sender_key", "")))
    except ValueError:
        sender_key = b""
    if sender_key in revoked:
        raise PantiError(_("The bundle was refused: its sender {code} was revoked.").format(code=revoked[sender_key]))
    opened = open_bundle(path, ident.kem, trusted)
    if header.get("kind") != "panti-sync" or header.get("payload_format") != PAYLOAD_FORMAT:
        raise PantiError(_("The bundle was refused: it uses a payload format this version cannot read."))
    if header.get("sender") != trusted[opened.sender_key] or header.get("scope") not in SCOPES:
        raise IntegrityError(_("The bundle was refused: it is damaged, incomplete or was changed."))
    if not any(r.get("code") == ws.centre_code for r in header.get("recipients", [])):
        raise PantiError(_("The bundle was refused: it is addressed to another centre"))
    for _chunk in opened.iter_chunks():  # every chunk is checked before anything is written
        pass
    return opened


def import_bundle(ws, path: Path, preview: bool = False, ack_out: Path | None = None,
                  progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                  read_beside: bool | None = None) -> ImportResult:
    """Verify, then apply all-or-nothing. With `preview`, report what would change and change nothing.

    `read_beside`: read the bundle in a second process (`reader`) while merging it; by
    default for a bundle of `READ_BESIDE_RECORDS` records or more."""
    opened = open_for_import(ws, path)
    h = opened.header
    sender, scope, seq = str(h["sender"]), str(h["scope"]), int(h.get("seq") or 0)
    result = ImportResult(sender, scope, seq, str(h["bundle_id"]), preview=preview)
    if scope != "ack":
        known = ws.db.execute("SELECT bundle_id, hash, at FROM sync_bundle WHERE direction = 'in' AND peer = ? "
                              "AND seq = ? AND scope != 'ack'", [sender, seq]).fetchone()
        if known and known[1] == opened.hash:
            raise AlreadyImported(_("This bundle ({code} number {seq}) was already imported on {date}; nothing "
                                    "changed.").format(code=sender, seq=seq, date=known[2][:10]))
        if known:
            raise PantiError(_("The bundle was refused: {code} already sent a different bundle number {seq}.").format(
                code=sender, seq=seq))
    compact = False
    try:
        records = int(h.get("records") or 0)
        large = not preview and records >= ROLLBACK_JOURNAL_RECORDS
        journal = rollback_journal(ws.db) if large else contextlib.nullcontext()
        if read_beside is None:
            read_beside = records >= READ_BESIDE_RECORDS  # a preview merges too, then rolls back
        reading = R.lines_read_beside(ws, opened) if read_beside else contextlib.nullcontext()
        with _bulk(), _import_cache(ws), journal, reading as items, ws.db.atomic():
            compact = _apply(ws, opened, result, progress, cancelled, items)
            if scope != "ack":
                _check_chain(ws, sender, seq, h, result)
                _record_bundle(ws, result.bundle_id, "in", sender, scope, seq, opened.hash, h.get("prev_hash"),
                               h.get("base"), h.get("upto"), h.get("audit"), result.records,
                               {"summary": result.summary(), "warnings": result.warnings})
                have = set(_received_seqs(ws, sender))
                result.gaps = [n for n in range(1, max(have) + 1) if n not in have] if have else []
                ws.audit_event("import", detail=f"from {sender} #{seq}: {result.summary()}")
            else:
                ws.audit_event("import", detail=f"acknowledgement from {sender}: {result.acked} bundles")
            if preview:
                raise _Rollback
    except _Rollback:
        return result
    if compact:
        cases.compact(ws.db)
    ws.forget_children()
    if scope != "ack":
        result.ack_path = _write_ack_beside(ws, sender, Path(path), ack_out)
    return result


@contextlib.contextmanager
def _bulk():
    """No cyclic garbage collection while a bundle is written or merged: a bundle makes millions
    of short-lived objects, freed as they go, and each collection pass would walk all of them
    (a sixth of a large import's time). What it held back runs when the work is done."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def _import_cache(ws, kib: int = IMPORT_CACHE_KIB):
    """A larger page cache while a bundle is merged: the indexes a large import writes stay in
    memory instead of being read and written back page by page (a sixth faster at headquarters)."""
    before = ws.db.execute("PRAGMA cache_size").fetchone()[0]
    ws.db.execute(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        ws.db.execute(f"PRAGMA cache_size={int(before)}")


def _require_children(ws, children: set[str], erased: set[str]) -> None:
    """Refuse a bundle with records of a child neither here nor in the bundle (a sender always
    sends the child with them): with a message, before the commit, instead of the deferred
    foreign key failing the commit with SQLite's own words."""
    ids = sorted(children - erased)
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        marks = ",".join("?" * len(part))
        found = ws.db.execute(f"SELECT COUNT(*) FROM child WHERE id IN ({marks})", part).fetchone()[0]
        if found != len(part):
            raise IntegrityError(_("The bundle was refused: it holds records of a child that is neither in it "
                                    "nor in this vault."))


def _write_ack_beside(ws, sender: str, path: Path, ack_out: Path | None) -> Path | None:
    target = ack_out or path.with_name(f"{ws.centre_code}-ack-to-{sender}-{now_iso()[:10]}{SUFFIX}")
    try:
        return write_ack(ws, sender, target)
    except OSError:
        fallback = Path(ws.data_dir) / "outbox" / target.name
        fallback.parent.mkdir(parents=True, exist_ok=True)
        try:
            return write_ack(ws, sender, fallback)
        except OSError:
            log.warning("could not write the acknowledgement for %s", sender)
            return None


def _check_chain(ws, sender: str, seq: int, h: dict, result: ImportResult) -> None:
    audit = h.get("audit") or {}
    a_seq, a_hash = audit.get("seq"), audit.get("hash")
    if not isinstance(a_seq, int):
        return
    rows = ws.db.execute("SELECT seq, audit_seq, audit_hash, prev_hash, hash FROM sync_bundle WHERE direction = 'in' "
                         "AND peer = ? AND scope != 'ack'", [sender]).fetchall()
    broken = False
    for b_seq, b_audit, b_hash, _prev, _hash in rows:
        if b_audit is None:
            continue
        if (b_seq < seq and b_audit > a_seq) or (b_seq > seq and b_audit < a_seq) or (
                b_audit == a_seq and b_hash != a_hash):
            broken = True
        for link in result_links(result):
            if link[0] == b_audit and link[2] != b_hash:
                broken = True
    if broken:
        result.warnings.append(_("The audit log of {code} does not continue the one seen in its earlier bundles: "
                                 "entries may have been removed or rolled back there.").format(code=sender))
    for b_seq, _a, _b, _prev, b_hash in rows:
        if b_seq == seq - 1 and h.get("prev_hash") and h.get("prev_hash") != b_hash:
            result.warnings.append(_("Bundle {seq} of {code} does not follow the bundle before it.").format(
                seq=seq, code=sender))


def result_links(result: ImportResult) -> list:
    return getattr(result, "_links", [])


def _apply(ws, opened, result: ImportResult, progress: Progress | None, cancelled, items: Iterable | None = None
           ) -> bool:
    """Merge the bundle's lines into the store. Returns whether an erasure asks for compaction.

    `items` are the lines read already (by `reader.lines_read_beside`): records as Versions,
    other lines as they are; by default the lines are read here."""
    erased = {r[0] for r in ws.db.execute("SELECT child_id FROM erasure")}
    pending: dict[str, list[Version]] = defaultdict(list)
    compact = False
    max_hlc = 0
    total = int(opened.header.get("records") or 0) or 1
    seen = 0
    lines_seen: dict[str, int] = defaultdict(int)
    transfers_changed = False
    registrations = _Registrations()
    for obj in L.read_lines(opened) if items is None else items:
        read = type(obj) is Version  # a record the reading process parsed and sealed already
        t = "v" if read else obj.get("t")
        if t in ("erasure", "transfer"):
            lines_seen[t] += 1
        if t == "v":
            v = obj if read else L.version_from_line(obj)
            lines_seen[v.kind] += 1
            max_hlc = max(max_hlc, v.hlc)
            pending[v.kind].append(v)
            result.records += 1
            if len(pending[v.kind]) >= BATCH:
                ws.records.clock.observe(max_hlc)  # the batch's change number is above its versions
                if v.kind != "child":
                    _flush_children(ws, pending, erased, result, registrations)
                _merge_batch(ws, v.kind, pending.pop(v.kind), erased, result, registrations)
            seen += 1
            if seen % 1000 == 0:
                if cancelled is not None and cancelled():
                    raise Cancelled(_("Cancelled; nothing was changed."))
                if progress is not None:
                    progress(seen, total)
        elif t == "centre":
            _centre(ws, obj)
        elif t == "erasure":
            max_hlc = max(max_hlc, int(obj.get("hlc") or 0))
            if _erasure(ws, obj, erased):
                registrations.put(str(obj.get("child_id")), None)
                result.erased += 1
                compact = True
        elif t == "transfer":
            if _transfer(ws, obj):
                result.transfers += 1
                transfers_changed = True
        elif t == "ack":
            result.acked += _ack(ws, result.sender, obj)
        elif t == "stats" and result.scope == "stats":
            result.stats += int(_stats(ws, result.sender, result.bundle_id, obj))
        elif t == "audit":
            result._links = [list(x) for x in obj.get("links") or [] if isinstance(x, list) and len(x) == 3]
    announced = opened.header.get("counts")
    if announced is not None and (not isinstance(announced, dict) or {
            k: n for k, n in announced.items() if n} != dict(lines_seen)):
        raise IntegrityError(_("The bundle was refused: its contents do not match its header."))
    ws.records.clock.observe(max_hlc)
    ws.records.raise_floor(max_hlc)  # a later start of the app begins its clock above them too
    _flush_children(ws, pending, erased, result, registrations)
    for name in list(pending):
        _merge_batch(ws, name, pending.pop(name), erased, result, registrations)
    _require_children(ws, result.written_children, erased)
    if transfers_changed:
        ws.forget_children()
    if progress is not None:
        progress(total, total)
    return compact


def _flush_children(ws, pending, erased, result, registrations: _Registrations | None = None) -> None:
    if pending.get("child"):
        _merge_batch(ws, "child", pending.pop("child"), erased, result, registrations)


def _centre(ws, obj: dict) -> None:
    cid, code = str(obj.get("id") or ""), str(obj.get("code") or "")[:12]
    if not cid or not code or cid == ws.centre_id:
        return
    ws.db.execute("INSERT OR REPLACE INTO sync_centre (centre_id, code, name, type) VALUES (?, ?, ?, ?)",
                  [cid, code, str(obj.get("name") or "")[:200], str(obj.get("type") or "")[:20]])


def _ack(ws, sender: str, obj: dict) -> int:
    seqs = [int(s) for s in obj.get("seqs") or [] if isinstance(s, int)]
    if not seqs:
        return 0
    at = now_iso()
    n = 0
    for i in range(0, len(seqs), 500):
        part = seqs[i:i + 500]
        cur = ws.db.execute(f"UPDATE sync_bundle SET acked_at = ? WHERE direction = 'out' AND peer = ? AND "
                            f"acked_at IS NULL AND scope != 'ack' AND seq IN ({','.join('?' * len(part))})",
                            [at, sender, *part])
        n += cur.rowcount
    return n


def _transfer(ws, obj: dict) -> bool:
    try:
        row = {"id": str(obj["id"]), "child_id": str(obj["child_id"]), "from_code": str(obj["from_code"])[:12],
               "to_code": str(obj["to_code"])[:12], "at": str(obj["at"]), "hlc": int(obj["hlc"]),
               "origin": str(obj["origin"])}
    except (KeyError, TypeError, ValueError):
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read.")) from None
    if ws.db.execute("SELECT 1 FROM transfer WHERE id = ?", [row["id"]]).fetchone():
        return False
    ws.records.clock.observe(row["hlc"])
    ws.db.table("transfer").insert({**row, "seq": ws.records.clock.tick()})
    return True


def _erasure(ws, obj: dict, erased: set[str]) -> bool:
    child_id = str(obj.get("child_id") or "")
    if not child_id or child_id in erased:
        return False
    cases.erase_child_rows(ws.db, child_id)
    ws.db.table("erasure").insert({"child_id": child_id, "centre_id": str(obj.get("centre_id") or ""),
                                   "erased_at": str(obj.get("erased_at") or now_iso()),
                                   "erased_by": "sync", "hlc": int(obj.get("hlc") or 0),
                                   "origin": str(obj.get("origin") or ""), "seq": ws.records.clock.tick()})
    erased.add(child_id)
    return True


def _local_frontier(ws, name: str, ids: list[str]) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    rows: dict[str, dict] = {}
    conflicts: dict[str, list[dict]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        marks = ",".join("?" * len(part))
        for row in ws.db.query(f"SELECT * FROM {name} WHERE id IN ({marks})", part):
            rows[row["id"]] = row
    if ws.db.execute("SELECT 1 FROM conflict WHERE kind = ? LIMIT 1", [name]).fetchone():
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for row in ws.db.query(f"SELECT * FROM conflict WHERE kind = ? AND record_id IN ({marks})",
                                   [name, *part]):
                conflicts[row["record_id"]].append(row)
    return rows, conflicts


def _merge_batch(ws, name: str, versions: list[Version], erased: set[str], result: ImportResult,
                 registrations: _Registrations | None = None) -> None:
    k = kind(name)
    by_id: dict[str, list[Version]] = defaultdict(list)
    for v in versions:
        cid = v.id if name == "child" else (v.data if v.data is not None else v.meta["sealed"]).get("child_id")
        if cid in erased:
            continue
        by_id[v.id].append(v)
    if not by_id:
        return
    local_rows, local_conflicts = _local_frontier(ws, name, list(by_id))
    new_rows: list[dict] = []  # records not here yet: INSERT
    changed_rows: list[dict] = []  # records whose winner changed: UPDATE in place
    new_children: list[Version] = []
    written_children: list[tuple[str, dict | None]] = []  # (id, data; None when deleted) of each child written
    seq = ws.records.clock.tick()  # one local change number for the batch: it is one change
    for rid, incoming in by_id.items():
        row = local_rows.get(rid)
        crow = local_conflicts.get(rid, [])
        if row is None and not crow and len(incoming) == 1:  # a record new here (a first import)
            winner = incoming[0]
            result.new += 1
            if name == "child":
                written_children.append((winner.id, None if winner.deleted else winner.data))
                if not winner.deleted:
                    new_children.append(winner)
            new_rows.append(_sealed_row(ws, k, winner, winner.data, seq))
            continue
        local: list[Version] = []
        if row is not None:
            local.append(_local_stub(row, name))
        for c in crow:
            local.append(_conflict_stub(c))
        winner, losers = resolve(local + incoming)
        old_keys = {v.key for v in local}
        new_keys = {winner.key} | {v.key for v in losers}
        if old_keys == new_keys and (row is None or (row["hlc"], row["origin"]) == winner.key):
            result.unchanged += 1
            continue
        if row is None:
            result.new += 1
            if name == "child" and not winner.deleted:
                new_children.append(winner)
        elif (row["hlc"], row["origin"]) != winner.key:
            result.updated += 1
        else:
            result.unchanged += 1
        if row is None or (row["hlc"], row["origin"]) != winner.key:
            at_hand = winner.data is not None or "sealed" in winner.meta  # arriving: no need to open
            data = winner.data if at_hand else _load(ws, name, winner, row, crow)
            (new_rows if row is None else changed_rows).append(_sealed_row(ws, k, winner, data, seq))
            if name == "child":
                written_children.append((winner.id, None if winner.deleted else data))
        # kept conflicts: exactly the losers
        keep = {v.key for v in losers}
        for c in crow:
            if (c["hlc"], c["origin"]) not in keep:
                ws.db.execute("DELETE FROM conflict WHERE id = ?", [c["id"]])
        have = {(c["hlc"], c["origin"]) for c in crow}
        for v in losers:
            if v.key in have:
                continue
            data = v.data if v.data is not None else _load(ws, name, v, row, crow)
            child_id = v.id if name == "child" else (data.get("child_id") or (row or {}).get("child_id"))
            _insert_conflict(ws, name, v, data, child_id, seq)
            if not winner.final:  # a draft that lost to a final session is history, not a conflict
                result.conflicts += 1
    if k.per_child:
        result.written_children.update(map(operator.itemgetter("child_id"), new_rows))
        result.written_children.update(map(operator.itemgetter("child_id"), changed_rows))
    # A plain INSERT, not INSERT OR REPLACE: with foreign keys on, REPLACE costs twice as much.
    if new_rows:
        cols = list(new_rows[0])
        ws.db.conn.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                               map(operator.itemgetter(*cols), new_rows))
    if changed_rows:
        cols = [c for c in changed_rows[0] if c != "id"]
        ws.db.conn.executemany(f"UPDATE {name} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                               [[r[c] for c in cols] + [r["id"]] for r in changed_rows])
    if written_children:
        result.duplicates += (registrations or _Registrations()).flag(ws, written_children, new_children)


def _local_stub(row: dict, name: str) -> Version:
    v = Version(kind=name, id=row["id"], hlc=row["hlc"], origin=row["origin"], vv=vv_of(row),
                deleted=bool(row["deleted"]), data=None, centre_id=row["centre_id"], created_at=row["created_at"],
                created_by=row["created_by"], updated_at=row["updated_at"], updated_by=row["updated_by"])
    if name == "session":
        v.meta["status"] = row.get("status")
    return v


def _conflict_stub(c: dict) -> Version:
    v = Version(kind=c["kind"], id=c["record_id"], hlc=c["hlc"], origin=c["origin"],
                vv=json.loads(c["vv"]) if c["vv"] else {c["origin"]: c["hlc"]}, deleted=bool(c["deleted"]),
                data=None, centre_id=c["centre_id"], created_at=c["created_at"], created_by=c["created_by"],
                updated_at=c["updated_at"], updated_by=c["updated_by"])
    v.meta["conflict_row"] = c
    return v


def _load(ws, name: str, v: Version, row: dict | None, crow: list[dict]) -> dict:
    if "sealed" in v.meta:  # an arriving version a reading process sealed: open its row
        return ws.records.open_row(name, v.meta["sealed"])
    if "conflict_row" in v.meta:
        return _conflict_version(ws, v.meta["conflict_row"]).data
    return ws.records.open_row(name, row)


def _sealed_row(ws, k, v: Version, data: dict | None, seq: int) -> dict:
    """The row that stores version `v` here (sealed already when a reading process sealed it)."""
    row = v.meta.get("sealed") or L.sealed_fields(ws.records, k, v, data)
    row["vv"] = vv_text(v.vv, v.origin, v.hlc)
    row["seq"] = seq
    return row


def _insert_conflict(ws, name: str, v: Version, data: dict, child_id: str | None, seq: int) -> None:
    k = kind(name)
    key_id = ws.ring.current_id(k.role)
    row = {"id": conflict_id(name, v.id, v.hlc, v.origin), "kind": name, "record_id": v.id, "child_id": child_id,
           "centre_id": v.centre_id, "hlc": v.hlc, "origin": v.origin, "vv": vv_text(v.vv, v.origin, v.hlc),
           "deleted": int(v.deleted), "key_id": key_id, "created_at": v.created_at, "created_by": v.created_by,
           "updated_at": v.updated_at, "updated_by": v.updated_by, "noted_at": now_iso(), "seq": seq}
    payload = jsonio.dumps(data)
    row["payload"] = seal(ws.ring.aead(key_id), payload, _conflict_aad(name, row, key_id))
    ws.db.execute("INSERT OR REPLACE INTO conflict (" + ", ".join(row) + ") VALUES (" + ", ".join("?" * len(row))
                  + ")", list(row.values()))


# --- possible duplicate registrations ---------------------------------------------------------


def _fold(text: str | None) -> str:
    return " ".join("".join(ch for ch in (text or "").lower() if ch.isalnum() or ch.isspace()).split())


def similar_names(a: str | None, b: str | None) -> bool:
    fa, fb = _fold(a), _fold(b)
    if not fa or not fb:
        return False
    if fa == fb or fa in fb or fb in fa:
        return True
    return difflib.SequenceMatcher(None, fa, fb).ratio() >= 0.8


class _Registrations:
    """The children of the vault by birth date, to flag an arriving registration that looks like
    one already here. An import reads them from the vault once, at its first batch of new
    children, then keeps them up to date with each batch it writes: opening every child in
    the vault again for each batch made a large import at headquarters quadratic."""

    def __init__(self) -> None:
        self._by_birth: dict[str, dict[str, str]] | None = None  # birth date -> {child id: full name}
        self._birth_of: dict[str, str] = {}

    def put(self, child_id: str, data: dict | None) -> None:
        """What the vault now holds for a child: its data, or None when deleted or erased."""
        if self._by_birth is None:
            return  # not read yet: reading the vault later finds it as it is
        old = self._birth_of.pop(child_id, None)
        if old is not None:
            self._by_birth[old].pop(child_id, None)
        birth = (data or {}).get("birth_date")
        if birth:
            self._by_birth.setdefault(birth, {})[child_id] = (data or {}).get("full_name") or ""
            self._birth_of[child_id] = birth

    def _read(self, ws) -> None:
        self._by_birth = {}
        for row in ws.db.query("SELECT * FROM child WHERE deleted = 0"):
            try:
                self.put(row["id"], ws.records.open_row("child", row))
            except IntegrityError:
                continue

    def flag(self, ws, written: list[tuple[str, dict | None]], arrived: list[Version]) -> int:
        """Take in a batch of children just written, and flag those `arrived` (new here) whose
        birth date and name match another child's. Returns how many flags are new."""
        if self._by_birth is None:
            if not arrived:
                return 0
            self._read(ws)  # the batch is in the vault already
        else:
            for child_id, data in written:
                self.put(child_id, data)
        return _flag_duplicates(ws, arrived, self._by_birth)


def _flag_duplicates(ws, arrived: list[Version], by_birth: dict[str, dict[str, str]]) -> int:
    n = 0
    for v in arrived:
        birth = v.data.get("birth_date")
        for other_id, other_name in by_birth.get(birth or "", {}).items():
            if other_id == v.id or not similar_names(v.data.get("full_name"), other_name):
                continue
            a, b = sorted((v.id, other_id))
            flag_id = "dup-" + hashlib.sha256(f"{a}|{b}".encode()).hexdigest()[:12]
            cur = ws.db.execute("INSERT OR IGNORE INTO sync_flag (id, reason, kind, a, b, noted_at) "
                                "VALUES (?, 'duplicate', 'child', ?, ?, ?)", [flag_id, a, b, now_iso()])
            n += cur.rowcount
    return n


# --- conflicts: listing and resolving ----------------------------------------------------------


@dataclass
class Conflict:
    id: str
    reason: str  # "concurrent", "deleted" (a delete against an edit) or "duplicate"
    kind: str
    record_id: str
    child_id: str | None
    register_no: str
    mine: dict | None
    theirs: dict | None
    mine_version: str
    theirs_version: str
    mine_deleted: bool
    theirs_deleted: bool
    mine_by: str
    theirs_by: str
    mine_at: str
    theirs_at: str
    noted_at: str

    def changed_fields(self) -> list[str]:
        a, b = self.mine or {}, self.theirs or {}
        return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k) and k != "id")


def _register_no(ws, child_id: str | None) -> str:
    if not child_id:
        return ""
    row = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [child_id]).fetchone()
    return (row[0] or "") if row else ""


def list_conflicts(ws) -> list[Conflict]:
    out: list[Conflict] = []
    for c in ws.db.query("SELECT * FROM conflict ORDER BY noted_at, id"):
        if not ws.can_read(c["kind"]):
            continue
        theirs = _conflict_version(ws, c)
        rows = list(ws.db.query(f"SELECT * FROM {c['kind']} WHERE id = ?", [c["record_id"]]))
        if not rows:
            continue
        if c["kind"] == "session" and rows[0]["status"] == "final" and not rows[0]["deleted"]:
            continue  # a draft that lost to the final session: kept as history, nothing to decide
        mine = _row_version(ws, c["kind"], rows[0])
        out.append(Conflict(
            id=c["id"], reason="deleted" if (theirs.deleted or mine.deleted) else "concurrent", kind=c["kind"],
            record_id=c["record_id"], child_id=c["child_id"], register_no=_register_no(ws, c["child_id"]),
            mine=None if mine.deleted else mine.data, theirs=None if theirs.deleted else theirs.data,
            mine_version=f"{mine.hlc:016x}@{mine.origin}", theirs_version=f"{theirs.hlc:016x}@{theirs.origin}",
            mine_deleted=mine.deleted, theirs_deleted=theirs.deleted, mine_by=mine.updated_by,
            theirs_by=theirs.updated_by, mine_at=mine.updated_at, theirs_at=theirs.updated_at,
            noted_at=c["noted_at"]))
    for f in ws.db.query("SELECT * FROM sync_flag WHERE dismissed_at IS NULL ORDER BY noted_at, id"):
        out.append(Conflict(id=f["id"], reason="duplicate", kind="child", record_id=f["a"], child_id=f["a"],
                            register_no=_register_no(ws, f["a"]), mine=None, theirs=None,
                            mine_version=_register_no(ws, f["a"]), theirs_version=_register_no(ws, f["b"]),
                            mine_deleted=False, theirs_deleted=False, mine_by="", theirs_by="", mine_at="",
                            theirs_at="", noted_at=f["noted_at"]))
    return out


def resolve_conflict(ws, conflict_id: str, keep: str, merged: dict | None = None) -> None:
    """Keep "mine" (the current version), "theirs" (the kept one), or a `merged` edit of both.

    The result is a new version whose history includes both sides, so it replaces them
    at every site it reaches. For a possible duplicate, "both" records that the two
    registrations are different children.
    """
    if ws.role not in ROLES_THAT_RESOLVE:
        raise PermissionDenied(_("Only a manager can resolve sync conflicts."))
    if keep not in ("mine", "theirs", "merged", "both"):
        raise PantiError(_("Choose mine, theirs or both."))
    flag = ws.db.execute("SELECT a, b FROM sync_flag WHERE id = ? AND dismissed_at IS NULL",
                         [conflict_id]).fetchone()
    if flag is not None:
        if keep != "both":
            raise PantiError(_("Two registrations that may be the same child are never merged by Panti. If they are "
                               "different children, keep both; if they are the same, close the wrong file by hand."))
        with ws.db.atomic():
            ws.db.execute("UPDATE sync_flag SET dismissed_at = ?, dismissed_by = ? WHERE id = ?",
                          [now_iso(), ws.user.id, conflict_id])
            ws.audit_event("update", "child", flag[0], flag[0], detail=f"not a duplicate of {flag[1]}")
        return
    found = list(ws.db.query("SELECT * FROM conflict WHERE id = ?", [conflict_id]))
    if not found:
        raise PantiError(_("No conflict with id {id}.").format(id=conflict_id))
    c = found[0]
    if keep == "both":
        raise PantiError(_("Choose mine, theirs or both."))
    name = c["kind"]
    k = kind(name)
    if not ws.can_read(name):
        raise PermissionDenied(_("Your role ({role}) does not allow access to clinical records.").format(role=ws.role))
    theirs = _conflict_version(ws, c)
    row = ws.records.row(k, c["record_id"])
    mine = _row_version(ws, name, row)
    if keep == "mine":
        chosen_deleted, data = mine.deleted, mine.data
    elif keep == "theirs":
        chosen_deleted, data = theirs.deleted, theirs.data
    else:
        chosen_deleted, data = False, {**(mine.data or {}), **(merged or {}), "id": c["record_id"]}
        data = ws.validated(name, data)
    ws.records.check_write(k, data if not chosen_deleted else row)
    with ws.db.atomic():
        hlc = ws.records.clock.tick()
        vv = joined([mine, theirs])
        vv[ws.device_id] = hlc
        new = Version(kind=name, id=c["record_id"], hlc=hlc, origin=ws.device_id, vv=vv, deleted=chosen_deleted,
                      data=data, centre_id=row["centre_id"], created_at=row["created_at"],
                      created_by=row["created_by"], updated_at=now_iso(), updated_by=ws.user.id,
                      meta={"child_id": row.get("child_id")})
        sealed = _sealed_row(ws, k, new, data, hlc)
        cols = list(sealed)
        ws.db.execute(f"INSERT OR REPLACE INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                      [sealed[x] for x in cols])
        ws.db.execute("DELETE FROM conflict WHERE id = ?", [conflict_id])
        ws.audit_event("update", name, c["record_id"], c["child_id"], detail=f"conflict resolved: {keep}")
    ws.forget_children(c["record_id"])
    ws.notify_changed("update", name, c["record_id"])


def conflict_count(ws) -> int:
    return (ws.db.execute("SELECT COUNT(*) FROM conflict c WHERE NOT (c.kind = 'session' AND EXISTS (SELECT 1 FROM "
                          "session s WHERE s.id = c.record_id AND s.status = 'final' AND s.deleted = 0))"
                          ).fetchone()[0]
            + ws.db.execute("SELECT COUNT(*) FROM sync_flag WHERE dismissed_at IS NULL").fetchone()[0])


# --- history ------------------------------------------------------------------------------------


@dataclass
class PeerStatus:
    peer: P.Peer
    sent: int
    received: int
    last_sent: str | None
    last_received: str | None
    unacked: int
    gaps: list[int]


def peer_status(ws) -> list[PeerStatus]:
    out = []
    for p in P.peers(ws):
        rows = ws.db.execute("SELECT direction, seq, at, acked_at FROM sync_bundle WHERE peer = ? AND scope != 'ack'",
                             [p.code]).fetchall()
        sent = [r for r in rows if r[0] == "out"]
        got = sorted(r[1] for r in rows if r[0] == "in")
        gaps = [n for n in range(1, max(got) + 1) if n not in set(got)] if got else []
        out.append(PeerStatus(p, len(sent), len(got), max((r[2] for r in sent), default=None),
                              max((r[2] for r in rows if r[0] == "in"), default=None),
                              sum(1 for r in sent if r[3] is None), gaps))
    return out


def history(ws, peer_code: str | None = None) -> list[dict]:
    sql = "SELECT * FROM sync_bundle" + (" WHERE peer = ?" if peer_code else "") + " ORDER BY at DESC, seq DESC"
    out = []
    for r in ws.db.query(sql, [peer_code.upper()] if peer_code else []):
        r = dict(r)
        try:
            r["summary"] = json.loads(r["summary"] or "{}")
        except ValueError:
            r["summary"] = {}
        out.append(r)
    return out


__all__ = [
    "SUFFIX",
    "AlreadyImported",
    "Conflict",
    "ExportResult",
    "ImportResult",
    "export_changes",
    "export_child",
    "history",
    "import_bundle",
    "list_conflicts",
    "peer_status",
    "read_header",
    "resolve_conflict",
    "write_ack",
]
