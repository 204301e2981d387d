"""Every record kind the store keeps: its table, its sealing role and its plaintext columns.

Plaintext columns exist only where a query needs them and identify no one (ids,
codes, dates, status). Everything else is inside the sealed payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..vault.keyring import CASE, CLINICAL


@dataclass(frozen=True)
class Kind:
    name: str
    role: str
    index: tuple[str, ...] = ()
    per_child: bool = True
    # The plaintext columns seals of format 1 and 2 were bound to, when columns were added later.
    index_v2: tuple[str, ...] | None = None

    @cached_property
    def columns(self) -> tuple[str, ...]:  # read for every row sealed: computed once
        return (("child_id",) if self.per_child else ()) + self.index

    def columns_for(self, fmt: int) -> tuple[str, ...]:
        """The plaintext columns a seal of format `fmt` binds."""
        if fmt <= 2 and self.index_v2 is not None:
            return (("child_id",) if self.per_child else ()) + self.index_v2
        return self.columns


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("centre", CASE, ("code",), per_child=False),
        Kind("user_profile", CASE, ("user_id",), per_child=False),
        Kind("assessment_template", CASE, ("template_id",), per_child=False),
        Kind("child", CASE, ("register_no", "status", "counsellor_id", "intake_date"), per_child=False),
        Kind("family", CASE),
        Kind("caregiver", CASE, ("family_id",)),
        Kind("legal_track", CASE, ("stage",)),
        Kind("referral", CASE, ("referred_on",)),
        Kind("case_conference", CASE, ("held_on",)),
        Kind("consent", CASE, ("withdrawn_on",)),
        Kind("offence", CLINICAL),
        Kind("victim", CLINICAL),
        Kind("assessment", CLINICAL, ("assessed_on",)),
        Kind("plan", CLINICAL, ("status", "review_date")),
        Kind("plan_version", CLINICAL, ("plan_id",)),
        Kind("overarching_goal", CLINICAL, ("plan_id",)),
        Kind("fit_driver", CLINICAL, ("plan_id",)),
        Kind("intermediate_goal", CLINICAL, ("plan_id",)),
        Kind("intervention", CLINICAL, ("plan_id",)),
        # setting and systems are codes: plaintext so statistics count services without opening sessions
        Kind("session", CLINICAL, ("session_date", "status", "author_id", "amends_id", "setting", "systems"),
             index_v2=("session_date", "status", "author_id", "amends_id")),
        Kind("weekly_summary", CLINICAL, ("week_start",)),
        Kind("supervision", CLINICAL, ("held_on",)),
        Kind("fidelity", CLINICAL),
        Kind("safety_plan", CLINICAL, ("review_date",)),
        Kind("diversion", CLINICAL, ("stage",)),
        Kind("diversion_item", CLINICAL, ("diversion_id", "due_date", "compliance")),
        Kind("diversion_supervision", CLINICAL, ("diversion_id",)),
        Kind("termination", CLINICAL, ("terminated_on",)),
        Kind("follow_up", CLINICAL, ("due_date", "done_on")),
        Kind("legal_hold", CASE, ("until", "lifted_on")),
    ]
}

# Columns every record table has, outside the sealed payload.
BASE_COLUMNS = (
    "id",
    "centre_id",
    "hlc",
    "origin",
    "deleted",
    "key_id",
    "payload",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
)


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown record kind {name!r}") from None
