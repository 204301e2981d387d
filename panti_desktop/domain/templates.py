"""Assessment templates: versioned JSON forms of domains, items and answer scales.

Three templates ship in `resources/templates/` (the study's determinants, the
MST five-system strengths and needs, the ATENSI intake). A centre may load its
own (e.g. a licensed instrument it holds) as an `assessment_template` record.
An assessment stores the template id and version with its answers, so a later
version of a template never changes what an earlier assessment meant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

from ..errors import ValidationError
from ..i18n import Label, _
from ..paths import resource

FORMAT = 1
MAX_ITEMS = 500


@dataclass(frozen=True)
class Option:
    value: str
    label: Label
    score: float | None


@dataclass(frozen=True)
class Scale:
    id: str
    title: Label
    options: tuple[Option, ...]

    @property
    def free_text(self) -> bool:
        return not self.options

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Item:
    id: str
    text: Label
    scale: Scale
    protective: bool = False  # a higher score is better, not a concern


@dataclass(frozen=True)
class Domain:
    id: str
    title: Label
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Change:
    item: Item
    before: str | None
    after: str | None
    direction: str  # "better", "worse", "same", "changed"


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    title: Label
    description: Label
    domains: tuple[Domain, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, d: dict) -> Template:
        """Parse and check a template definition; a malformed one is a ValidationError."""

        def label(x, what):
            if isinstance(x, str):
                return Label(x, x)
            if not isinstance(x, dict) or not isinstance(x.get("id"), str):
                raise ValidationError(_("The template is malformed: {what}.").format(what=what))
            return Label(x["id"], x.get("en") or x["id"])

        try:
            if d.get("format", FORMAT) != FORMAT:
                raise ValidationError(
                    _("This template uses format {n}, which this version cannot read.").format(n=d.get("format"))
                )
            scales = {}
            for sid, s in (d.get("scales") or {}).items():
                opts = tuple(
                    Option(str(o["value"]), Label(o["id"], o.get("en") or o["id"]), o.get("score"))
                    for o in s.get("options", [])
                )
                scales[sid] = Scale(sid, label(s.get("title", sid), sid), opts)
            domains = []
            seen: set[str] = set()
            for dom in d["domains"]:
                its = []
                for it in dom["items"]:
                    if it["id"] in seen:
                        raise ValidationError(_("The template is malformed: {what}.").format(what=it["id"]))
                    seen.add(it["id"])
                    if it["scale"] not in scales:
                        raise ValidationError(
                            _("The template is malformed: {what}.").format(what=f"{it['id']}: {it['scale']}")
                        )
                    its.append(Item(it["id"], label(it["text"], it["id"]), scales[it["scale"]],
                                    bool(it.get("protective"))))
                domains.append(Domain(dom["id"], label(dom["title"], dom["id"]), tuple(its)))
            if not seen or len(seen) > MAX_ITEMS:
                raise ValidationError(_("The template is malformed: {what}.").format(what="items"))
            return cls(str(d["id"]), int(d["version"]), label(d["title"], "title"),
                       label(d.get("description", ""), "description"), tuple(domains))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(_("The template is malformed: {what}.").format(what=exc)) from None

    def items(self) -> list[Item]:
        return [i for d in self.domains for i in d.items]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items() if i.id == item_id), None)

    def check_answers(self, answers: dict) -> None:
        for key, value in answers.items():
            it = self.item(key)
            if it is None:
                raise ValidationError(
                    _("The answer “{item}” is not an item of this template.").format(item=key), field="answers"
                )
            if value in (None, ""):
                continue
            if it.scale.free_text:
                if len(str(value)) > 5000:
                    raise ValidationError(_("The answer to “{item}” is too long.").format(item=it.text),
                                          field="answers")
            elif it.scale.option(str(value)) is None:
                raise ValidationError(
                    _("“{value}” is not a possible answer to “{item}”.").format(value=value, item=it.text),
                    field="answers",
                )

    def domain_scores(self, answers: dict) -> dict[str, tuple[float, float]]:
        """Per domain: (concern score, maximum possible) over the answered scored items."""
        out = {}
        for dom in self.domains:
            got = top = 0.0
            for it in dom.items:
                opt = it.scale.option(str(answers.get(it.id)))
                scores = [o.score for o in it.scale.options if o.score is not None]
                if opt is None or opt.score is None or not scores:
                    continue
                value = (max(scores) - opt.score) if it.protective else opt.score
                got += value
                top += max(scores)
            out[dom.id] = (got, top)
        return out

    def compare(self, before: dict, after: dict) -> list[Change]:
        """How each answered item moved between two assessments with this template."""
        changes = []
        for it in self.items():
            a, b = before.get(it.id), after.get(it.id)
            if a in (None, "") and b in (None, ""):
                continue
            oa, ob = it.scale.option(str(a)), it.scale.option(str(b))
            if a == b:
                direction = "same"
            elif oa and ob and oa.score is not None and ob.score is not None:
                worse = ob.score > oa.score
                if it.protective:
                    worse = not worse
                direction = "worse" if worse else "better"
            else:
                direction = "changed"
            changes.append(Change(it, a, b, direction))
        return changes


@cache
def shipped_templates() -> dict[tuple[str, int], Template]:
    out = {}
    for path in sorted(resource("templates").glob("*.json")):
        t = Template.from_dict(json.loads(path.read_text(encoding="utf-8")))
        out[(t.id, t.version)] = t
    return out


_loaded: dict[tuple[str, int], Template] = {}


def register(template: Template) -> None:
    """Make a centre-loaded template available to validation and forms."""
    _loaded[(template.id, template.version)] = template


def all_templates() -> list[Template]:
    merged = {**shipped_templates(), **_loaded}
    return [merged[k] for k in sorted(merged)]


def find_template(template_id: str, version: int | None = None) -> Template | None:
    """A template by id, at `version` or the newest; None if this installation lacks it."""
    matches = [t for t in all_templates() if t.id == template_id and (version is None or t.version == version)]
    return max(matches, key=lambda t: t.version) if matches else None
