"""Sync conflicts for a person to decide: listing and resolving them.

A merge keeps the losing versions of concurrent edits (table `conflict`) and flags possible
duplicates (`sync_flag`); here they are listed beside the current version and a manager
resolves them into a new version whose history includes both sides.

Separate from the import: it runs later, from the window or the command line, under other
roles (`ROLES_THAT_RESOLVE`), and needs only the versions shared in `common`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PantiError, PermissionDenied
from ..i18n import _
from ..store.kinds import kind
from ..store.records import now_iso
from .common import _conflict_version, _row_version, _sealed_row
from .merge import Version, joined

ROLES_THAT_RESOLVE = ("manager", "admin")


@dataclass
class Conflict:
    id: str
    reason: str  # "concurrent", "deleted" (a delete against an edit), "amendment" (a peer's other
    # content for a session final here) or "duplicate"
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
        final_here = c["kind"] == "session" and rows[0]["status"] == "final" and not rows[0]["deleted"]
        if final_here and not (theirs.final and not theirs.deleted):
            continue  # a draft that lost to the final session: kept as history, nothing to decide
        mine = _row_version(ws, c["kind"], rows[0])
        reason = "amendment" if final_here else "deleted" if (theirs.deleted or mine.deleted) else "concurrent"
        out.append(Conflict(
            id=c["id"], reason=reason, kind=c["kind"],
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
