"""The case lifecycle (DESIGN §2) and the transitions a case may take.

Main path: referral received → initial engagement → assessment → planning →
intervention → evaluation (may return to intervention) → reintegration
preparation → termination → aftercare → closed → archived. Side states
(suspended, referred out, dropped out, new report) can be entered from any
active state; a new report leads back to assessment.
"""

from __future__ import annotations

import calendar
from datetime import date

from ..errors import ValidationError
from ..i18n import _
from .vocab import FOLLOW_UP_MONTHS, LIFECYCLE_STATES

ACTIVE = (
    "referral_received",
    "initial_engagement",
    "assessment",
    "planning",
    "intervention",
    "evaluation",
    "reintegration_prep",
    "termination",
    "aftercare",
)
SIDE = ("suspended", "referred_out", "dropped_out", "new_report")

_NEXT: dict[str, tuple[str, ...]] = {
    "referral_received": ("initial_engagement",),
    "initial_engagement": ("assessment",),
    "assessment": ("planning",),
    "planning": ("intervention",),
    "intervention": ("evaluation",),
    "evaluation": ("intervention", "planning", "reintegration_prep"),
    "reintegration_prep": ("termination", "intervention"),
    "termination": ("aftercare", "closed"),
    "aftercare": ("closed",),
    "closed": ("archived", "new_report"),
    "archived": (),
    # side states
    "suspended": ("initial_engagement", "assessment", "planning", "intervention", "evaluation", "closed"),
    "referred_out": ("referral_received", "closed"),
    "dropped_out": ("initial_engagement", "intervention", "closed"),
    "new_report": ("assessment", "referred_out", "closed"),
}

# States from which a case counts as open in the caseload.
OPEN_STATES = tuple(s for s in ACTIVE if s != "aftercare") + ("suspended", "new_report")


def allowed_next(state: str | None) -> list[str]:
    """The states a case in `state` may move to, main path first."""
    if state is None:
        return ["referral_received"]
    out = list(_NEXT.get(state, ()))
    if state in ACTIVE:
        out += [s for s in SIDE if s not in out and s != state]
    if state in ("termination", "aftercare"):
        out = [s for s in out if s not in ("suspended", "dropped_out")]
    return out


def check_transition(old: str | None, new: str) -> None:
    """Raise ValidationError unless a case may move from `old` to `new`."""
    LIFECYCLE_STATES.validate(new, "status")
    if new == old:
        return
    allowed = allowed_next(old)
    if new not in allowed:
        raise ValidationError(
            _("A case cannot move from “{old}” to “{new}”. Allowed next: {allowed}.").format(
                old=LIFECYCLE_STATES.label(old),
                new=LIFECYCLE_STATES.label(new),
                allowed=", ".join(LIFECYCLE_STATES.label(s) for s in allowed) or "-",
            ),
            field="status",
        )


# Follow-ups after termination (MST): months after the termination date; a centre may set its own.
FOLLOW_UP_PATTERN_DEFAULT = (1, 3, 6, 12)


def parse_follow_up_pattern(text: str | None) -> tuple[int, ...]:
    """"1, 3, 6, 12" → (1, 3, 6, 12); each a month the follow-up vocabulary knows, rising."""
    if not (text or "").strip():
        return FOLLOW_UP_PATTERN_DEFAULT
    try:
        months = tuple(sorted({int(p) for p in str(text).replace(";", ",").split(",") if p.strip()}))
    except ValueError:
        months = ()
    if not months or any(str(m) not in FOLLOW_UP_MONTHS for m in months):
        raise ValidationError(
            _("The follow-up pattern must be months from {allowed}, separated by commas.").format(
                allowed=", ".join(FOLLOW_UP_MONTHS.codes())),
            field="follow_up_months",
        )
    return months


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_schedule(terminated_on: str, pattern: tuple[int, ...]) -> list[tuple[str, str]]:
    """(month code, due date) of each follow-up after a termination on `terminated_on`."""
    start = date.fromisoformat(terminated_on)
    return [(str(m), add_months(start, m).isoformat()) for m in pattern]
