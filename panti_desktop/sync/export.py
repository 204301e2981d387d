"""Writing bundles: `changes`, `transfer` (one child's whole file), `stats` and `ack`.

What a bundle carries is chosen from plaintext rows (`_change_items`, `_child_items`),
counted for the header (`_tally`, nothing decrypted), then opened and written line by line
(`_item_lines`) in the same transaction, so both passes see the same rows. Each export is
recorded with its number and hash, and what the peer acknowledged (`acked_upto`) is where
the next `changes` bundle starts.

Separate from the import: writing a bundle needs nothing of the merge; the import needs
only `write_ack` from here, to acknowledge what arrived.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..errors import Cancelled, PantiError, ValidationError
from ..files import safe_file_name
from ..i18n import _
from ..statistics import aggregate
from ..store import cases
from ..store.kinds import KINDS
from ..store.records import now_iso
from . import attachments as A
from . import identity as sync_identity
from . import lines as L
from . import peers as P
from .bundle import Recipient, write_bundle_hashed
from .common import (
    PAYLOAD_FORMAT,
    SUFFIX,
    Progress,
    _bulk,
    _conflict_version,
    _received_seqs,
    _record_bundle,
    _require_sync,
    _row_version,
)
from .custody import remember_sent

MAX_AUDIT_LINKS = 200_000


@dataclass
class ExportResult:
    path: Path
    bundle_id: str
    peer: str
    scope: str
    seq: int
    records: int
    counts: dict[str, int]


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
    if p.authentic is False:
        raise PantiError(_("The record of peer {code} was changed outside the app; nothing is sent to it "
                           "until it is trusted again.").format(code=p.code))
    return p


def _write(ws, p: P.Peer, out: Path, scope: str, seq: int, prev_hash: str | None, lines: Iterable[bytes],
           checkpoint: dict, extra: dict | None = None) -> tuple[str, str]:
    ident = P.identity(ws)
    header = {"kind": "panti-sync", "payload_format": PAYLOAD_FORMAT, "bundle_id": uuid.uuid4().hex,
              "sender": ws.centre_code, "sender_centre_id": ws.centre_id, "scope": scope, "seq": seq,
              "prev_hash": prev_hash, "created_at": now_iso(), "audit": checkpoint, **(extra or {})}
    notices = sync_identity.pending_notices(ws, p.code)
    if notices:  # this centre's keys were replaced: the peer learns the new ones from the old key's notices
        header["rotations"] = notices
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
    yield from A.changed_items(ws, base, upto, children, to_hq=children is None)
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
    yield from A.child_items(ws, child_id)
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


def _item_lines(ws, items: Iterable[Item], counts: dict, sent: set[str] | None = None) -> Iterator[bytes]:
    """The lines of `items`; the children whose records they carry are added to `sent`."""
    for what, name, row in items:
        if sent is not None and what in ("v", "c"):
            sent.add(row["id"] if name == "child" and what == "v" else row.get("child_id") or "")
        if what == "v":
            yield from _file_lines(ws, name, [row], counts)
        elif what == "c":
            yield from _conflict_lines(ws, [row], counts)
        elif what == "att":  # a document: its line and its content's chunk lines
            counts["att"] = counts.get("att", 0) + 1
            yield from A.lines(ws, row)
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
    sent: set[str] = set()
    checkpoint, links = _audit_links(ws, p.code)

    def lines() -> Iterator[bytes]:
        yield _centre_line(ws)
        yield from _item_lines(ws, _change_items(ws, p.code, base, upto, children), counts, sent)
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
            remember_sent(ws.db, p.code, sent)  # the peer may send these children's records back
            ws.audit_event("export", detail=f"to {p.code} #{seq + 1}: {records} records")
        except BaseException:
            Path(out).unlink(missing_ok=True)
            raise
    return ExportResult(Path(out), bundle_id, p.code, "changes", seq + 1, records, counts)


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
            remember_sent(ws.db, p.code, [child_id])
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


def default_name(ws, peer_code: str, scope: str = "changes") -> str:
    stamp = now_iso()[:10]
    return safe_file_name(f"{ws.centre_code}-to-{peer_code.upper()}-{scope}-{stamp}{SUFFIX}")
