"""Caseload scope: a counsellor works in the clinical files of the children assigned to them.

The rule, in one place: a user with the role "counsellor" reads and writes the clinical part
of a child's file (offence, assessments, plan, sessions, safety plan, diversion, termination)
only when the child's counsellor is that user, or after an explicit "open anyway" with a
reason, which is written to the audit log and shown to managers on the dashboard. Managers
and admins are not limited; staff hold no clinical key at all.

This is enforced by the app, not by keys: a counsellor's key ring holds the CLINICAL role key,
which opens every child's clinical records. Someone who runs their own code against the data
folder with a counsellor's passphrase is not stopped by this module (docs: README, "How the data
is protected").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from .errors import PermissionDenied, ValidationError
from .i18n import _

LIMITED_ROLES = ("counsellor",)
OPEN_ANYWAY = "open_anyway"  # the audit action
# Which audit entries are "open anyway" (their numbers only, no content): the managers' dashboard
# opens those few instead of decrypting weeks of audit log (about 1 ms an entry). Deleting this
# setting hides them from the dashboard, never from the audit log itself.
SEQS_SETTING = "caseload_opened_anyway_seqs"
KEEP_SEQS = 500
MIN_REASON = 5  # characters: "ok" is not a reason


class OutsideCaseload(PermissionDenied):
    """A counsellor asked for the clinical file of a child who is not in their caseload."""

    def __init__(self, child_id: str, register_no: str = ""):
        super().__init__(_("{no} is not in your caseload. To open the clinical file anyway, give a reason "
                           "(“Open anyway…” in the child's file, or --open-anyway \"REASON\" on the command line); "
                           "it is recorded in the audit log.").format(no=register_no or child_id))
        self.child_id = child_id


@dataclass
class OpenedAnyway:
    """One "open anyway" for the managers' dashboard."""

    at: str
    user: str
    child_id: str | None
    reason: str


class Caseload:
    """Who may open which child's clinical file, for one unlocked user."""

    def __init__(self, db: Database, user_id: str, role: str, record_event: Callable[[str, str], int]):
        self.db = db
        self.user_id = user_id
        self.role = role
        self._record_event = record_event  # (child id, reason) → the number of its audit entry
        self.opened: dict[str, str] = {}  # child id → reason, until the workspace locks

    @property
    def limited(self) -> bool:
        return self.role in LIMITED_ROLES

    def counsellor_of(self, child_id: str) -> str | None:
        row = self.db.execute("SELECT counsellor_id FROM child WHERE id = ?", [child_id]).fetchone()
        return row[0] if row else None

    def assigned(self, counsellor_id: str | None) -> bool:
        """Whether a child with this counsellor is in this user's caseload."""
        return not self.limited or (counsellor_id is not None and counsellor_id == self.user_id)

    def assign_new(self, data: dict) -> dict:
        """A counsellor who registers a child without naming a counsellor takes the case."""
        if self.limited and not data.get("counsellor_id"):
            data["counsellor_id"] = self.user_id
        return data

    def check_reassignment(self, current: str | None, changes: dict) -> None:
        """Managers and admins assign cases: a counsellor cannot move a child into (or out of) a caseload,
        or the limit would be one edit away."""
        if self.limited and "counsellor_id" in changes and (changes["counsellor_id"] or None) != current:
            raise PermissionDenied(_("Only a manager or an administrator can change a child's counsellor."))

    def contains(self, child_id: str | None) -> bool:
        """Whether the child is in this user's caseload (always, for a role that is not limited)."""
        return not self.limited or (child_id is not None and self.assigned(self.counsellor_of(child_id)))

    def allows(self, child_id: str | None) -> bool:
        """Whether this user may open the child's clinical file now."""
        return not self.limited or child_id in self.opened or self.contains(child_id)

    def require(self, child_id: str | None) -> None:
        if not self.allows(child_id):
            row = self.db.execute("SELECT register_no FROM child WHERE id = ?", [child_id]).fetchone()
            raise OutsideCaseload(child_id or "", row[0] if row else "")

    def require_for(self, table: str, record_id: str) -> None:
        """The same, for a record known by its id (its child id is a plaintext column)."""
        if not self.limited:
            return
        row = self.db.execute(f"SELECT child_id FROM {table} WHERE id = ?", [record_id]).fetchone()
        if row is not None:
            self.require(row[0])

    def open_anyway(self, child_id: str, reason: str) -> None:
        """Open a child's clinical file outside the caseload, for the rest of this unlock."""
        reason = " ".join((reason or "").split())
        if len(reason) < MIN_REASON:
            raise ValidationError(_("Say why you open this file (at least {n} characters).").format(n=MIN_REASON),
                                  field="reason")
        if self.allows(child_id) and child_id not in self.opened:
            return  # in the caseload: nothing to record
        with self.db.atomic():
            seq = self._record_event(child_id, reason)
            seqs = (self.recorded_seqs() + [seq])[-KEEP_SEQS:]
            self.db.table("setting").upsert({"key": SEQS_SETTING, "value": ",".join(map(str, seqs)),
                                             "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                             "updated_by": self.user_id}, pk="key")
        self.opened[child_id] = reason

    def recorded_seqs(self) -> list[int]:
        """The audit entry numbers of the latest "open anyway" events."""
        row = self.db.execute("SELECT value FROM setting WHERE key = ?", [SEQS_SETTING]).fetchone()
        return [int(s) for s in (row[0] if row else "").split(",") if s.strip().isdigit()]

    def forget(self) -> None:
        """Locking ends every "open anyway": the next unlock asks again."""
        self.opened.clear()

    def list_filter(self) -> str | None:
        """The counsellor whose children a list shows by default: this user's, if limited."""
        return self.user_id if self.limited else None

    def marks(self, child_ids: Iterable[str]) -> set[str]:
        """Of these children, the ones outside this user's caseload (none when not limited)."""
        if not self.limited:
            return set()
        ids = list(child_ids)
        mine = {r[0] for r in self.db.execute("SELECT id FROM child WHERE counsellor_id = ?", [self.user_id])}
        return {i for i in ids if i not in mine}


def since(days: int, now: datetime | None = None) -> str:
    """The audit time (UTC, ISO) `days` days ago: the managers' dashboard looks that far back."""
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")


def opened_anyway(entries: Iterable) -> list[OpenedAnyway]:
    """The "open anyway" entries among audit entries, in their order."""
    return [OpenedAnyway(at=e.at, user=e.user, child_id=e.child_id, reason=e.detail or "")
            for e in entries if e.action == OPEN_ANYWAY]
