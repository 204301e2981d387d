"""Importing a bundle: open and verify it, then merge it, all or nothing.

`open_for_import` checks the sender (trusted, not revoked), the addressee, the payload
format and every chunk before anything is written; `import_bundle` then applies the
bundle in one transaction (a preview merges too, then rolls back). `_apply` reads the
lines, merges records in batches per kind (`_merge_batch`: the winner by `merge.resolve`,
the losers kept as conflicts; a session final here is never replaced) and applies centres,
erasures, transfers, acknowledgements and statistics as they come; the header's counts and
the children of the records are checked before the commit. Damage refuses the whole bundle;
policy refuses one line: what the sender may not write here (`custody`), what fails the
form's validation or the bounds (`lines.check_version`) is quarantined (`quarantine`) and
the rest applies.

Separate from the export because it is the half that merges into the store and must
refuse cleanly: its thresholds (batches, rollback journal, reading beside) and its page
cache are about that alone. Possible duplicates are flagged by `duplicates`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import jsonio
from ..errors import Cancelled, IntegrityError, PantiError, PermissionDenied
from ..i18n import _, ngettext
from ..store import cases
from ..store.db import rollback_journal
from ..store.kinds import KINDS, kind
from ..store.records import now_iso, vv_of, vv_text
from ..vault import authority
from ..vault.keyring import CLINICAL
from ..vault.seal import seal
from . import attachments as A
from . import flags
from . import identity as sync_identity
from . import lines as L
from . import peers as P
from . import quarantine as Q
from . import reader as R
from .bundle import open_bundle, read_header
from .common import (
    PAYLOAD_FORMAT,
    SCOPES,
    SUFFIX,
    Progress,
    _bulk,
    _conflict_aad,
    _conflict_version,
    _received_seqs,
    _record_bundle,
    _require_sync,
    _sealed_row,
    conflict_id,
)
from .custody import Custody
from .duplicates import _Registrations
from .export import write_ack
from .merge import Version, resolve

log = logging.getLogger(__name__)

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


class AlreadyImported(PantiError):
    """The same bundle again: nothing changes (an acknowledgement can still be written)."""


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
    quarantined: list[Q.Quarantined] = field(default_factory=list)  # lines refused on their own
    flagged: list[flags.Flagged] = field(default_factory=list)  # children whose records now break a rule
    # the children the merged records belong to, checked to be here before the commit
    written_children: set[str] = field(default_factory=set, repr=False)

    @property
    def held(self) -> int:
        return sum(1 for q in self.quarantined if q.held)

    def summary(self) -> str:
        if self.scope == "stats":
            return _("statistics of {code} for one period").format(code=self.sender)
        text = _("{new} new, {updated} updated, {unchanged} unchanged, {conflicts} conflicts, "
                 "{duplicates} possible duplicates, {erased} erased").format(
            new=self.new, updated=self.updated, unchanged=self.unchanged, conflicts=self.conflicts,
            duplicates=self.duplicates, erased=self.erased)
        if self.quarantined:
            n = len(self.quarantined)
            text += "; " + ngettext("{n} line refused and quarantined", "{n} lines refused and quarantined",
                                    n).format(n=n)
        if self.flagged:
            n = len(self.flagged)
            text += "; " + ngettext("{n} child flagged by the consistency rules",
                                    "{n} children flagged by the consistency rules", n).format(n=n)
        return text


class _Rollback(Exception):
    pass


# --- open, verify, apply ---------------------------------------------------------------


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
    # key replacement (identity.py): a notice signed by the key trusted here vouches for the new signing key
    sync_identity.refuse_replaced_signer(ws, header)
    sync_identity.refuse_old_receiving_key(ws, header)
    sender_peer = next((p for p in P.peers(ws) if p.code == str(header.get("sender") or "").upper()), None)
    trusted, notices = sync_identity.trust_notices(ws, header, trusted, sender_peer)
    opened = open_bundle(path, ident.kem, trusted)
    opened.notices = notices
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
        # authority.changing: imported legal holds are authenticated under ADMIN like the ones placed here
        with _bulk(), _import_cache(ws), journal, reading as items, ws.db.atomic(), \
                authority.changing(ws.db, ws.ring):
            compact = _apply(ws, opened, result, progress, cancelled, items)
            sync_identity.mark_delivered(ws, sender)  # it was made for this centre's current receiving key
            if opened.notices:
                sync_identity.accept_notices(ws, sender, opened.notices)
                result.warnings.append(_("{code} replaced its sync keys (a person who could sync there was removed); "
                                         "bundles signed with its old keys are refused from now on.").format(
                                             code=sender))
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
    deferred: list[Version] = []  # records of a child not here, decided when the bundle was read
    custody = Custody(ws, result.sender, str(opened.header.get("sender_centre_id") or ""))
    bound, today = L.clock_bound(), date.today()
    compact = False
    max_hlc = 0
    total = int(opened.header.get("records") or 0) or 1
    seen = 0
    lines_seen: dict[str, int] = defaultdict(int)
    transfers_changed = False
    registrations = _Registrations()
    documents = A.Incoming(bound)

    def refuse(refused: L.Refused) -> None:
        result.quarantined.append(Q.put(ws, result.bundle_id, result.sender, refused))
        if refused.t == "v" and refused.kind == "child":
            custody.child_refused(refused.record_id)

    for obj in L.read_lines(opened) if items is None else items:
        read = type(obj) is Version  # a record the reading process parsed and sealed already
        if type(obj) is L.Refused:  # too long, too deep or failing the form's checks: alone
            counted = obj.kind if obj.t == "v" else obj.t
            if counted in KINDS or counted in ("erasure", "transfer"):
                lines_seen[counted] += 1
            result.records += obj.t == "v"
            refuse(obj)
            continue
        t = "v" if read else obj.get("t")
        if t in ("erasure", "transfer"):
            lines_seen[t] += 1
        if t == "v":
            v = obj if read else L.version_from_line(obj)
            lines_seen[v.kind] += 1
            result.records += 1
            problem = None if read else L.check_version(v, bound, today)  # the reader checked its own
            decision = custody.record(v) if problem is None else None
            if problem is not None or decision:
                refuse(problem or custody.refusal(v, decision))
            elif decision is False:
                deferred.append(v)
            else:
                max_hlc = max(max_hlc, v.hlc)
                pending[v.kind].append(v)
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
            if custody.centre_line(obj):
                _centre(ws, obj)
            else:
                refuse(L.Refused("centre", "", str(obj.get("id") or "")[:64], "", "",
                                 _("The details of another centre are accepted only from that centre.")))
        elif t == "erasure":
            child_id = str(obj.get("child_id") or "")[:64]
            reason = L.clock_refusal(obj.get("hlc"), bound)
            held = False
            if reason is None and child_id not in erased:
                reason, held = custody.erasure(obj)
            if reason is not None:
                refuse(L.Refused("erasure", "erasure", child_id, child_id, "", reason,
                                 dict(obj) if held else None))
            elif Q.apply_erasure(ws, obj, erased):
                max_hlc = max(max_hlc, int(obj.get("hlc") or 0))
                registrations.put(child_id, None)
                result.erased += 1
                compact = True
        elif t == "transfer":
            changed = _transfer(ws, obj, custody, bound, refuse)
            if changed:
                max_hlc = max(max_hlc, int(obj["hlc"]))
                result.transfers += 1
                transfers_changed = True
        elif t in ("att", "attc"):
            lines_seen["att"] += t == "att"
            documents.line(obj)
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
    for v in deferred:  # the bundle was read: its child and transfer lines are known
        decision = custody.record(v, final=True)
        if decision:
            refuse(custody.refusal(v, decision))
        else:
            max_hlc = max(max_hlc, v.hlc)
            pending[v.kind].append(v)
    ws.records.clock.observe(max_hlc)
    ws.records.raise_floor(max_hlc)  # a later start of the app begins its clock above them too
    _flush_children(ws, pending, erased, result, registrations)
    for name in list(pending):
        _merge_batch(ws, name, pending.pop(name), erased, result, registrations)
    _require_children(ws, result.written_children, erased)
    for refused in documents.apply(ws, custody, erased)[1]:
        refuse(refused)
    custody.remember_shared()
    result.flagged = flags.flag(ws, custody.accepted - erased)  # the sender's facts stand, flagged
    if transfers_changed:
        ws.forget_children()
    if progress is not None:
        progress(total, total)
    return compact


def _flush_children(ws, pending, erased, result, registrations: _Registrations | None = None) -> None:
    if pending.get("child"):
        _merge_batch(ws, "child", pending.pop("child"), erased, result, registrations)


# --- the lines that are not records -----------------------------------------------------


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


def _transfer(ws, obj: dict, custody: Custody, bound: int, refuse) -> bool:
    try:
        row = {"id": str(obj["id"])[:64], "child_id": str(obj["child_id"])[:64],
               "from_code": str(obj["from_code"])[:12], "to_code": str(obj["to_code"])[:12],
               "at": str(obj["at"])[:40], "hlc": obj["hlc"], "origin": str(obj["origin"])[:64]}
    except (KeyError, TypeError, ValueError):
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read.")) from None
    if ws.db.execute("SELECT 1 FROM transfer WHERE id = ?", [row["id"]]).fetchone():
        return False
    reason = L.clock_refusal(row["hlc"], bound) or custody.transfer(obj)
    if reason is not None:
        refuse(L.Refused("transfer", "transfer", row["id"], row["child_id"], "", reason))
        return False
    ws.records.clock.observe(row["hlc"])
    ws.db.table("transfer").insert({**row, "seq": ws.records.clock.tick()})
    return True


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


# --- merging records --------------------------------------------------------------------


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
        amended = False
        if row is not None and winner.key != (row["hlc"], row["origin"]) and _final_here(row, name):
            # A final session is immutable: different content from a peer becomes an amendment
            # conflict for a manager, never a replacement.
            data = winner.data if winner.data is not None else _load(ws, name, winner, row, crow)
            if data != ws.records.open_row(name, row):
                losers = [v for v in [winner, *losers] if v.key != (row["hlc"], row["origin"])]
                winner = local[0]
                amended = True
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
            if not winner.final or (amended and v.final):  # a draft that lost to a final session is history
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


def _final_here(row: dict, name: str) -> bool:
    return name == "session" and row.get("status") == "final" and not row["deleted"]


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
