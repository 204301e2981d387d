"""What a peer may write here, decided from this installation's own records, never from the bundle.

- Headquarters accepts a centre's records of the children that centre holds here: it
  registered them (the child's creator) or received them by a transfer headquarters knows of.
- A centre accepts a peer's records only of children whose records it sent to that peer or
  received from it (`sync_share`: a transfer, an earlier bundle), or that the peer holds here.
- A new child (not here yet) is accepted from its creator at headquarters, and from the
  centre that transfers it here in the same bundle; a per-child record of a child not here
  waits until the bundle's child and transfer lines have been read.
- No peer writes this centre's own centre record, users, templates or legal holds; a peer
  writes only the centre-wide records of its own centre.
- A transfer line is accepted only from the centre that gives the case away and holds it here.
- An erasure is accepted only from the centre holding the case, and only when this centre's
  law allows it: under a legal hold here, or before its retention here ran out, it is held
  for a manager.

Everything refused becomes a `lines.Refused` with one translated sentence; the import
quarantines it and applies the rest.
"""

from __future__ import annotations

from datetime import date

from ..i18n import _
from ..store import cases
from ..vault import authority
from .lines import Refused
from .merge import Version

OK = None  # a decision: None is accepted, a string is the reason of a refusal


class Custody:
    """The decisions for one bundle from one sender, memoised per child."""

    def __init__(self, ws, sender: str, sender_centre_id: str, today: date | None = None):
        self.ws = ws
        self.db = ws.db
        self.today = today or date.today()
        self.own_id, self.own_code = ws.centre_id, ws.centre_code
        self.hq = cases.is_hq(self.db)
        self.sender = sender
        self.codes = cases.centre_codes(self.db, self.own_id, self.own_code)
        # The sender's centre id: the header's claim, unless this centre knows it as another's.
        claimed = str(sender_centre_id or "")
        known = self.codes.get(claimed)
        # once a sender's id is known here, a bundle naming another id for it is not believed
        self.sender_ids = {i for i, c in self.codes.items() if c == sender}
        self.sender_id = claimed if (claimed and claimed != self.own_id and known in (None, sender)
                                     and (not self.sender_ids or claimed in self.sender_ids)) else ""
        self.holder = cases.custody(self.db, self.own_id, self.own_code)
        self.shared = {r[0] for r in self.db.execute("SELECT child_id FROM sync_share WHERE peer = ?", [sender])}
        self.decided: dict[str, str | None] = {}
        self.handed_here: dict[str, str] = {}  # child → to_code of a transfer from the sender, in this bundle
        self.new_children: dict[str, str] = {}  # child not here → the creator's centre id its version names
        self.accepted: set[str] = set()  # children whose records were accepted from the sender

    # --- the lines that are not records ---------------------------------------------------

    def centre_line(self, obj: dict) -> bool:
        """A centre line is the sender's own: its code, an id no other centre has here, and the
        id this centre already knows for the sender (a first bundle names it once)."""
        cid, code = str(obj.get("id") or ""), str(obj.get("code") or "")
        known = self.codes.get(cid)
        return (bool(cid) and code == self.sender and cid != self.own_id and known in (None, self.sender)
                and (not self.sender_ids or cid in self.sender_ids))

    def transfer(self, obj: dict) -> str | None:
        child_id, from_code = str(obj.get("child_id") or ""), str(obj.get("from_code") or "")
        if from_code != self.sender:
            return _("Only {code} can report a transfer of a case it gives away.").format(code=self.sender)
        holder = self.holder.get(child_id)
        if holder is not None and holder != self.sender:
            return _("{code} does not hold this case here; only the centre holding a case can transfer it.").format(
                code=self.sender)
        if str(obj.get("to_code") or "") in ("", from_code):
            return _("The transfer names no other centre.")
        self.handed_here[child_id] = str(obj.get("to_code"))
        return OK

    def erasure(self, obj: dict) -> tuple[str | None, bool]:
        """(reason, held): refused with a reason, held for a manager, or accepted (None, False)."""
        child_id = str(obj.get("child_id") or "")
        holder = self.holder.get(child_id)
        if holder is None:
            return OK, False  # not here: only the tombstone is kept
        if holder != self.sender:
            return _("{code} does not hold this case here; only the centre holding a case can erase it.").format(
                code=self.sender), False
        return self.law(child_id), True

    def law(self, child_id: str) -> str | None:
        """Why this centre's law keeps the case now (a hold, or its retention here), or None."""
        if authority.holds_in_doubt(self.db, self.ws.ring, child_id):
            return _("A legal hold here was changed or deleted in the file outside the app; the case is kept "
                     "until an administrator checks the centre.")
        for rec in self.ws.records.for_child("legal_hold", child_id, "created_at"):
            until = rec.data.get("until")
            if not rec.deleted and not rec.data.get("lifted_on") and until and until >= self.today.isoformat():
                return _("The case is under a legal hold here until {until}.").format(until=until)
        runs = cases.retention_runs_until(self.db, child_id)
        if runs is None:
            return _("The case has not ended here; it is within its retention period.")
        if runs > self.today:
            return _("Its retention period here runs until {date}.").format(date=runs.isoformat())
        return None

    # --- records -------------------------------------------------------------------------

    def child_of(self, v: Version) -> str:
        if v.kind == "child":
            return v.id
        data = v.data if v.data is not None else v.meta.get("sealed") or {}
        return str(data.get("child_id") or "")

    def record(self, v: Version, final: bool = False) -> str | bool | None:
        """A record version: OK, a reason, or False when it must wait (its child is not decided);
        with `final` (the bundle was read) always OK or a reason."""
        if v.kind in ("centre", "user_profile", "assessment_template"):
            return self._centre_wide(v)
        cid = self.child_of(v)
        if v.kind == "child" and cid not in self.holder:
            self.new_children.setdefault(cid, v.centre_id)
        decision = self.child(cid, final)
        if decision is False:
            return False
        if decision is OK and v.kind == "legal_hold":
            return self._hold(v)
        return decision

    def child(self, cid: str, final: bool = False) -> str | bool | None:
        """OK or a reason for the records of child `cid`; False while it cannot be decided yet
        (not here, and its child or transfer line may come later in the bundle). With `final`
        (the bundle was read to its end) always a decision."""
        if cid in self.decided:
            return self.decided[cid]
        holder = self.holder.get(cid)
        creator = self.new_children.get(cid)
        from_sender = bool(self.sender_id) and creator == self.sender_id
        if holder is not None:
            ok = holder == self.sender or (not self.hq and cid in self.shared)
            reason = OK if ok else _("{code} does not hold this case here and this centre never exchanged it "
                                     "with {code}.").format(code=self.sender)
        elif self.hq and from_sender:
            reason = OK  # a case the sender registered, new here
        elif not final:
            return False
        elif creator is None:
            reason = OK  # neither here nor in the bundle: the import refuses it as damage before the commit
        else:
            to = self.handed_here.get(cid)
            ok = to == self.sender if self.hq else to == self.own_code
            reason = OK if ok else _("A new case is accepted only from the centre that registered it or "
                                     "transfers it here.")
        self.decided[cid] = reason
        if reason is OK:
            self.accepted.add(cid)
        return reason

    def child_refused(self, cid: str) -> None:
        """A new child's own line was refused: its other records go with it."""
        if cid and cid not in self.holder and cid not in self.decided and cid not in self.new_children:
            self.decided[cid] = _("The record of its child was refused.")

    def _centre_wide(self, v: Version) -> str | None:
        row = self.db.execute(f"SELECT centre_id FROM {v.kind} WHERE id = ?", [v.id]).fetchone()
        owner = row[0] if row else v.centre_id
        if self.sender_id and owner == self.sender_id and v.centre_id == self.sender_id:
            return OK
        return _("Only a centre's own records of this kind are accepted from it.")

    def _hold(self, v: Version) -> str | None:
        row = self.db.execute("SELECT centre_id FROM legal_hold WHERE id = ?", [v.id]).fetchone()
        if row and row[0] == self.own_id:
            return _("A legal hold placed here changes only here.")
        return OK

    def refusal(self, v: Version, reason: str) -> Refused:
        return Refused("v", v.kind, v.id, self.child_of(v) if v.kind != "centre" else "", "", reason)

    def remember_shared(self) -> None:
        """The children whose records came from the sender: it may write them again."""
        rows = [(self.sender, cid) for cid in self.accepted if cid]
        self.db.conn.executemany("INSERT OR IGNORE INTO sync_share (peer, child_id) VALUES (?, ?)", rows)


def remember_sent(db, peer: str, child_ids) -> None:
    """The children whose records went to `peer` in a bundle: it may send them back."""
    db.conn.executemany("INSERT OR IGNORE INTO sync_share (peer, child_id) VALUES (?, ?)",
                        [(peer, cid) for cid in child_ids if cid])


__all__ = ["Custody", "remember_sent"]
