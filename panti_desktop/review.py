"""A manager's review of the social worker's recommendation in the social report (court report).

The social worker writes the assessment and recommendation in the report dialog (or with
`report court REF --recommendation …`). It is saved, sealed under the CLINICAL key like the
findings it rests on, as a recommendation *waiting for review* for that child. A manager or an
administrator who did not write it reads it and approves it or returns it with a comment; both
are audited. Until the child's current recommendation is approved the report prints as a draft,
marked on every page; once approved, the signature block carries the reviewer's full name,
position and date.

A new text is a new record: what a manager approved is never changed under the approval. An
older recommendation still waiting is then superseded; an approved or returned one stays as it
was, for the history. The workspace holds one `Reviews` (`ws.reviews`); the reports ask it
through the workspace, so they need no import of this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .domain.records import RECORD_TYPES
from .domain.vocab import RECOMMENDATION_STATUSES, ROLES
from .errors import NotFound, PermissionDenied, ValidationError
from .i18n import _

KIND = "court_recommendation"
REVIEWERS = ("manager", "admin")

_ID_START = re.compile(r"[0-9a-f]{6,32}")  # an id, or enough of its beginning to name one

# the audit log's actions for the workflow (the recommendation's text is in the "submit" entry)
SUBMIT, APPROVE, RETURN = "submit", "approve", "return"


@dataclass(frozen=True)
class Recommendation:
    id: str
    child_id: str
    text: str
    status: str  # pending, approved, returned, superseded (RECOMMENDATION_STATUSES)
    author_id: str
    written_on: str
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    review_comment: str | None = None

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def status_label(self) -> str:
        return RECOMMENDATION_STATUSES.label(self.status)

    @classmethod
    def from_record(cls, rec) -> Recommendation:
        d = rec.data
        return cls(rec.id, d["child_id"], d.get("text") or "", d.get("status") or "pending",
                   d.get("author_id") or rec.created_by, d.get("written_on") or rec.created_at[:10],
                   d.get("reviewed_by"), d.get("reviewed_on"), d.get("review_comment"))


@dataclass(frozen=True)
class Waiting:
    """One line of a review list: which child, which recommendation, since when (plaintext only)."""

    child_id: str
    record_id: str
    when: str


def _latest(alias: str) -> str:
    """SQL: the row `alias` is its child's newest recommendation."""
    return (f"NOT EXISTS (SELECT 1 FROM {KIND} n WHERE n.child_id = {alias}.child_id AND n.deleted = 0 "
            f"AND (n.created_at > {alias}.created_at OR (n.created_at = {alias}.created_at AND n.id > {alias}.id)))")


class Reviews:
    """The recommendation workflow of one unlocked workspace (`ws.reviews`)."""

    def __init__(self, ws):
        self.ws = ws

    # reading ---------------------------------------------------------------------------

    def _require_clinical(self) -> None:
        if not self.ws.can_read(KIND):
            raise PermissionDenied(_("The social report's recommendation is part of the clinical file: the role "
                                     "{role} can neither write nor read it.").format(role=ROLES.label(self.ws.role)))

    def current(self, child_ref: str) -> Recommendation | None:
        """The child's newest recommendation (of any status), or None."""
        self._require_clinical()
        child_id = self.ws.resolve_child(child_ref)
        self.ws.caseload.require(child_id)
        rows = self.ws.records.rows(KIND, "child_id = ?", [child_id], "created_at DESC, id DESC", limit=1)
        if not rows:
            return None
        return Recommendation.from_record(self.ws.records.get(KIND, rows[0]["id"]))

    def get(self, record_id: str) -> Recommendation:
        """One recommendation by its id (a unique beginning of it is enough, as the CLI lists them)."""
        self._require_clinical()
        record_id = (record_id or "").strip().lower()
        rows = self.ws.records.rows(KIND, "id LIKE ?", [record_id + "%"], limit=2) \
            if _ID_START.fullmatch(record_id) else []
        if not rows:
            raise NotFound(_("No recommendation has the id {id}.").format(id=record_id))
        if len(rows) > 1:
            raise NotFound(_("More than one recommendation has an id that begins with {id}: give more of it.").format(
                id=record_id))
        rec = Recommendation.from_record(self.ws.records.get(KIND, rows[0]["id"]))
        self.ws.caseload.require(rec.child_id)
        return rec

    def waiting_for_me(self) -> list[Waiting]:
        """Recommendations waiting for this manager's review, oldest first (never their own)."""
        if self.ws.role not in REVIEWERS or not self.ws.can_read(KIND):
            return []
        return [Waiting(*r) for r in self.ws.db.execute(
            f"SELECT t.child_id, t.id, t.created_at FROM {KIND} t WHERE t.deleted = 0 AND t.status = 'pending' "
            f"AND t.author_id != ? AND {_latest('t')} ORDER BY t.created_at", [self.ws.user.id])]

    def returned_to_me(self) -> list[Waiting]:
        """This user's recommendations a manager returned, not yet rewritten."""
        if not self.ws.can_read(KIND):
            return []
        return [Waiting(*r) for r in self.ws.db.execute(
            f"SELECT t.child_id, t.id, t.updated_at FROM {KIND} t WHERE t.deleted = 0 AND t.status = 'returned' "
            f"AND t.author_id = ? AND {_latest('t')} ORDER BY t.updated_at", [self.ws.user.id])]

    def listing(self, pending_only: bool = False) -> list[Recommendation]:
        """Each child's current recommendation this user may read (a counsellor: their caseload);
        `pending_only`: those waiting for this user's review."""
        self._require_clinical()
        if pending_only:
            ids = [w.record_id for w in self.waiting_for_me()]
        else:
            ids = [r[0] for r in self.ws.db.execute(
                f"SELECT t.id FROM {KIND} t WHERE t.deleted = 0 AND {_latest('t')} ORDER BY t.created_at")]
        out = [Recommendation.from_record(self.ws.records.get(KIND, i)) for i in ids]
        return [r for r in out if self.ws.caseload.allows(r.child_id)]

    # writing ---------------------------------------------------------------------------

    def submit(self, child_ref: str, text: str | None) -> Recommendation:
        """Save the social worker's recommendation for the child, waiting for review; the same text
        as the current one waiting or approved changes nothing."""
        text = (text or "").strip()
        if not text:
            raise ValidationError(_("The social report needs the social worker's assessment and recommendation."),
                                  field="recommendation")
        current = self.current(child_ref)
        child_id = self.ws.resolve_child(child_ref)
        if current is not None and current.text == text and current.status in ("pending", "approved"):
            return current
        today = date.today().isoformat()
        clean = self.ws.validated(KIND, {"child_id": child_id, "text": text, "status": "pending",
                                         "author_id": self.ws.user.id, "written_on": today})
        with self.ws.db.atomic():
            if current is not None and current.status == "pending":
                old = self.ws.records.get(KIND, current.id)
                self.ws.records.update(KIND, current.id, {**old.data, "status": "superseded"}, self.ws.user.id)
                self.ws.audit_event("update", KIND, current.id, child_id, detail="superseded")
            rec = self.ws.records.insert(KIND, clean, self.ws.user.id)
            self.ws.audit_event(SUBMIT, KIND, rec.id, child_id, detail=f"recommendation: {text}")
        self.ws.notify_changed("create", KIND, rec.id)
        return Recommendation.from_record(rec)

    def for_report(self, child_ref: str, text: str | None) -> Recommendation:
        """What the court report prints: the text just typed (saved first, see `submit`), or with
        no text the child's current recommendation."""
        if (text or "").strip():
            return self.submit(child_ref, text)
        current = self.current(child_ref)
        if current is None or current.status == "superseded":
            raise ValidationError(_("The social report needs the social worker's assessment and recommendation."),
                                  field="recommendation")
        return current

    def approve(self, record_id: str, comment: str = "", seen_text: str | None = None) -> Recommendation:
        """A manager approves the recommendation they read (`seen_text`, when given, must still be its text)."""
        return self._review(record_id, "approved", comment, seen_text)

    def send_back(self, record_id: str, comment: str, seen_text: str | None = None) -> Recommendation:
        """A manager returns the recommendation to its author with a comment saying what should change."""
        if not (comment or "").strip():
            raise ValidationError(_("Say what should change: a returned recommendation needs a comment."),
                                  field="review_comment")
        return self._review(record_id, "returned", comment, seen_text)

    def _review(self, record_id: str, status: str, comment: str, seen_text: str | None) -> Recommendation:
        if self.ws.role not in REVIEWERS:
            raise PermissionDenied(_("Only a manager can review the social report's recommendation."))
        rec = self.get(record_id)
        if rec.status != "pending":
            raise ValidationError(_("This recommendation is not waiting for review: it is “{status}”.").format(
                status=rec.status_label))
        if rec.author_id == self.ws.user.id:
            raise PermissionDenied(_("You wrote this recommendation: another manager reviews it."))
        if seen_text is not None and seen_text.strip() != rec.text:
            raise ValidationError(_("The recommendation was changed while you read it; read it again."))
        comment = (comment or "").strip() or None
        stored = self.ws.records.get(KIND, rec.id)
        clean = self.ws.validated(KIND, {**stored.data, "status": status, "reviewed_by": self.ws.user.id,
                                         "reviewed_on": date.today().isoformat(), "review_comment": comment})
        with self.ws.db.atomic():
            out = self.ws.records.update(KIND, rec.id, clean, self.ws.user.id)
            self.ws.audit_event(APPROVE if status == "approved" else RETURN, KIND, rec.id, rec.child_id,
                                detail=comment)
        self.ws.notify_changed("update", KIND, rec.id)
        return Recommendation.from_record(out)


def refuse_generic_write(kind_name: str) -> None:
    """The generic record paths (forms, `record add|update|delete`) never write a recommendation:
    they would skip the review."""
    if kind_name in RECORD_TYPES and not RECORD_TYPES[kind_name].EDITABLE:
        raise PermissionDenied(_("The social report's recommendation is written in the report dialog and "
                                 "reviewed by a manager; it cannot be edited as a record."))
