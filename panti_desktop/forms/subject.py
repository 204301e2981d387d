"""What a form is pre-filled with, read from the child's file: the register number, the initials,
the counsellor and the goals of the current plan. Never the child's name, date of birth or address:
a form is printed ahead and carried to a home or a school, and a lost sheet must not name a child
(UU SPPA art. 19). Where a form needs the name (consent, intake), it has a line to write it by hand
in the presence of the person who signs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.records import Child


@dataclass(frozen=True)
class Goal:
    system: str  # a code of domain.vocab.SYSTEMS
    text: str
    indicator: str = ""


@dataclass(frozen=True)
class Subject:
    """The child a form is printed for, or none (a blank form)."""

    centre_code: str
    centre_name: str
    child_id: str | None = None
    register_no: str | None = None
    initials: str = ""
    counsellor: str = ""
    goals: tuple[Goal, ...] = ()
    # the plan is closed to this user (their role, or a child outside a counsellor's caseload):
    # the goals are written in by hand, and the form says so
    goals_closed: bool = False

    @property
    def blank(self) -> bool:
        return self.child_id is None


def blank(ws) -> Subject:
    return Subject(centre_code=ws.centre_code, centre_name=ws.centre_name or ws.centre_code)


def for_child(ws, ref: str) -> Subject:
    """The pre-filled part of a child's forms; the goals only where the user may read the plan."""
    child_id = ws.resolve_child(ref)
    data = ws.child_data(child_id)
    counsellor = ""
    if data.get("counsellor_id"):
        counsellor = (ws.user_profile(data["counsellor_id"]).get("full_name")
                      or ws.user_name(data["counsellor_id"]))
    goals: tuple[Goal, ...] = ()
    closed = not (ws.can_read_clinical and ws.caseload.allows(child_id))
    if not closed:
        goals = tuple(Goal(g.data.get("system") or "", g.data.get("text") or "", g.data.get("indicator") or "")
                      for g in ws.active_goals(child_id))
    return Subject(centre_code=ws.centre_code, centre_name=ws.centre_name or ws.centre_code, child_id=child_id,
                   register_no=data.get("register_no") or None, initials=Child.from_dict(data).initials(),
                   counsellor=counsellor, goals=goals, goals_closed=closed)
