"""Typed record fields: labels in both languages, and checks that explain themselves.

A field is a dataclass field whose metadata says what it holds. `DomainRecord.validate`
normalises values typed in a form or on the command line ("60" → 60, "ya" → True,
"" → None) and refuses the rest with a translated sentence naming the field.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any, ClassVar

from ..errors import ValidationError
from ..i18n import Label, _
from .vocab import Vocabulary

TEXT_MAX = 20_000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TRUE = {"true", "1", "yes", "ya", "y"}
_FALSE = {"false", "0", "no", "tidak", "n"}


def _meta(kind: str, id_: str, en: str, **extra) -> dict:
    return {"type": kind, "label": Label(id_, en), **extra}


def text(id_: str, en: str, *, required: bool = False, max_len: int = TEXT_MAX):
    return dataclasses.field(default=None, metadata=_meta("text", id_, en, required=required, max_len=max_len))


def day(id_: str, en: str, *, required: bool = False):
    return dataclasses.field(default=None, metadata=_meta("date", id_, en, required=required))


def time_of_day(id_: str, en: str):
    return dataclasses.field(default=None, metadata=_meta("time", id_, en))


def integer(id_: str, en: str, lo: int | None = None, hi: int | None = None, *, required: bool = False):
    return dataclasses.field(default=None, metadata=_meta("int", id_, en, lo=lo, hi=hi, required=required))


def number(id_: str, en: str, lo: float | None = None, hi: float | None = None):
    return dataclasses.field(default=None, metadata=_meta("float", id_, en, lo=lo, hi=hi))


def flag(id_: str, en: str):
    return dataclasses.field(default=None, metadata=_meta("bool", id_, en))


def code(vocab: Vocabulary, id_: str, en: str, *, required: bool = False, default: str | None = None):
    return dataclasses.field(default=default, metadata=_meta("code", id_, en, vocab=vocab, required=required))


def codes(vocab: Vocabulary, id_: str, en: str):
    return dataclasses.field(default_factory=list, metadata=_meta("codes", id_, en, vocab=vocab))


def ref(id_: str, en: str, *, required: bool = False):
    """The id of another record or user."""
    return dataclasses.field(default=None, metadata=_meta("ref", id_, en, required=required))


def items(id_: str, en: str):
    """A list of small dicts (goals rated in a session, plan behaviours, …)."""
    return dataclasses.field(default_factory=list, metadata=_meta("list", id_, en))


def mapping(id_: str, en: str):
    return dataclasses.field(default_factory=dict, metadata=_meta("dict", id_, en))


def strings(id_: str, en: str):
    return dataclasses.field(default_factory=list, metadata=_meta("strings", id_, en))


def parse_date(value: Any, field: str = "", label: str = "") -> date | None:
    """An ISO date (YYYY-MM-DD) or None; anything else is a ValidationError on `field`."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("{field}: “{value}” is not a valid date; write it as YYYY-MM-DD.").format(
                field=label or field, value=value
            ),
            field=field,
        ) from None


def _bad(label: str, field: str, value: Any, what: str) -> ValidationError:
    return ValidationError(
        _("{field}: “{value}” is not {what}.").format(field=label, value=value, what=what), field=field
    )


def normalise(f: dataclasses.Field, value: Any) -> Any:
    """The clean value of one field, or a ValidationError naming it."""
    m = f.metadata
    kind = m.get("type")
    label = m["label"].text() if "label" in m else f.name
    if isinstance(value, str) and kind not in ("text",):
        value = value.strip()
    if kind not in ("codes", "list", "strings", "dict") and isinstance(value, list | tuple | dict | set):
        # one value belongs here: a list or an object (`full_name=["a","b"]`, `birth_date={}`)
        # is refused, not stored as it came
        raise ValidationError(_("{field} takes one value, not a list or a set of values.").format(field=label),
                              field=f.name)
    if value == "" or value is None:
        if kind in ("codes", "list", "strings"):
            value = []
        elif kind == "dict":
            value = {}
        else:
            value = None
    if value is None or value == [] or value == {}:
        if m.get("required"):
            raise ValidationError(_("{field} is required.").format(field=label), field=f.name)
        return value
    if kind == "text":
        value = str(value).strip()
        if not value and m.get("required"):
            raise ValidationError(_("{field} is required.").format(field=label), field=f.name)
        if len(value) > m.get("max_len", TEXT_MAX):
            raise ValidationError(
                _("{field} is too long (at most {n} characters).").format(field=label, n=m["max_len"]),
                field=f.name,
            )
        return value or None
    if kind == "date":
        return parse_date(value, f.name, label).isoformat()
    if kind == "time":
        if not _TIME.match(str(value)):
            raise _bad(label, f.name, value, _("a time of day (HH:MM)"))
        return str(value)
    if kind in ("int", "float"):
        try:
            if isinstance(value, bool):
                raise ValueError
            number_value = int(value) if kind == "int" else float(value)
            if kind == "int" and isinstance(value, float) and value != int(value):
                raise ValueError
        except (TypeError, ValueError):
            raise _bad(label, f.name, value, _("a number")) from None
        lo, hi = m.get("lo"), m.get("hi")
        if (lo is not None and number_value < lo) or (hi is not None and number_value > hi):
            raise ValidationError(
                _("{field} must be between {lo} and {hi}.").format(field=label, lo=lo, hi=hi), field=f.name
            )
        return number_value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE:
            return True
        if str(value).lower() in _FALSE:
            return False
        raise _bad(label, f.name, value, _("yes or no"))
    if kind == "code":
        m["vocab"].validate(str(value), f.name, label)
        return str(value)
    if kind == "codes":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            raise _bad(label, f.name, value, _("a list"))
        out = []
        for v in value:
            m["vocab"].validate(str(v), f.name, label)
            if str(v) not in out:
                out.append(str(v))
        return out
    if kind == "strings":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(";")]
        if not isinstance(value, list | tuple):
            raise _bad(label, f.name, value, _("a list"))
        return [str(v).strip() for v in value if str(v).strip()]
    if kind == "list":
        if not isinstance(value, list | tuple) or not all(isinstance(v, dict) for v in value):
            raise _bad(label, f.name, value, _("a list"))
        return [dict(v) for v in value]
    if kind == "dict":
        if not isinstance(value, dict):
            raise _bad(label, f.name, value, _("a set of answers"))
        return dict(value)
    if kind == "ref":
        return str(value)
    return value


class DomainRecord:
    """Base of every record dataclass: dict conversion and validation.

    A record kind is declared once, by its dataclass: its fields (types, labels, vocabularies,
    rules) and the class attributes below. The store (`store/kinds.py`), the forms and lists of
    the window, the child's file, the CLI and the sync merge all read this declaration."""

    KIND: ClassVar[str] = ""
    TITLE: ClassVar[Label] = Label("", "")
    # The role key that seals its payload: "CASE" (identity, family, legal) or "CLINICAL".
    ROLE: ClassVar[str] = "CASE"
    # Plaintext columns beside the sealed payload, only where a query needs them; they must
    # identify no one (ids, codes, dates, status). Adding one needs a schema migration.
    INDEX: ClassVar[tuple[str, ...]] = ()
    # The plaintext columns seals of format 1 and 2 were bound to, when columns were added later.
    INDEX_V2: ClassVar[tuple[str, ...] | None] = None
    # The columns a list of these records shows first (empty: every simple field).
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ()
    # Its place among the sections of a child's file (None: not a section of its own).
    SECTION: ClassVar[int | None] = None
    # False: written only through its own workflow (the social report's recommendation, review.py),
    # never through the generic forms and `record add|update`
    EDITABLE: ClassVar[bool] = True

    @classmethod
    def per_child(cls) -> bool:
        """Whether each record belongs to one child (it carries the child's id)."""
        return "child_id" in cls.field_names()

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: dict | None):
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in (data or {}).items() if k in names})

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def field_label(cls, name: str, lang: str | None = None) -> str:
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name == name and "label" in f.metadata:
                return f.metadata["label"].text(lang)
        return name

    @classmethod
    def field_meta(cls, name: str) -> dict:
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name == name:
                return dict(f.metadata)
        raise KeyError(name)

    def validate(self, today: date | None = None) -> None:
        """Normalise every field in place; raise ValidationError on the first bad one."""
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            setattr(self, f.name, normalise(f, getattr(self, f.name)))
        self.check(today or date.today())

    def check(self, today: date) -> None:
        """Rules across fields; subclasses override."""

    def _label(self, name: str) -> str:
        return type(self).field_label(name)

    def _not_after(self, name: str, limit: date, limit_text: str | None = None) -> None:
        value = getattr(self, name)
        if value and date.fromisoformat(value) > limit:
            raise ValidationError(
                _("{field} cannot be later than {limit}.").format(
                    field=self._label(name), limit=limit_text or limit.isoformat()
                ),
                field=name,
            )

    def _order(self, first: str, second: str) -> None:
        a, b = getattr(self, first), getattr(self, second)
        if a and b and b < a:
            raise ValidationError(
                _("{second} cannot be earlier than {first}.").format(
                    first=self._label(first), second=self._label(second)
                ),
                field=second,
            )
