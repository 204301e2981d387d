"""The text a printed form's QR code carries: which centre, which child, which form, which record.

    PANTI1|<centre code>|<register no or ->|<form kind>|<record id or ->

`PANTI1` names the format and its version. Fields are percent-encoded where they would hold `|`,
`%` or a character outside printable ASCII, so a register number like `12/PSMP/XI/2026` reads as
itself. No name, date of birth or other identity is ever in the code: a lost sheet's code says no
more than the register number printed beside it. docs/form-codes.md describes the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from ..errors import PantiError
from ..i18n import _

PREFIX = "PANTI"
VERSION = 1
EMPTY = "-"
# The form kinds, by the name the CLI, the file names and the code use.
KINDS = ("intake", "session-log", "consent", "home-visit")
_SAFE = "/-._:"
_MAX_LENGTH = 400  # far above any code Panti prints; a longer text is not ours


class FormCodeError(PantiError):
    """A QR code that is not a Panti form reference this version can read, or one of another centre."""


@dataclass(frozen=True)
class FormRef:
    centre_code: str
    kind: str
    register_no: str | None = None  # None: a blank form
    record_id: str | None = None  # None: the form belongs to the child's file, not to one record

    def encode(self) -> str:
        if self.kind not in KINDS:
            raise ValueError(self.kind)
        return "|".join([f"{PREFIX}{VERSION}", _field(self.centre_code), _field(self.register_no), self.kind,
                         _field(self.record_id)])

    @property
    def blank(self) -> bool:
        return self.register_no is None


def _field(value: str | None) -> str:
    if not value:
        return EMPTY
    text = quote(value, safe=_SAFE)
    return "%2D" if text == EMPTY else text  # a register number that is a lone dash is not "none"


def is_panti_code(text: str) -> bool:
    """Whether a decoded QR text claims to be a Panti form reference (of any version)."""
    return text.startswith(PREFIX) and text[len(PREFIX):len(PREFIX) + 1].isdigit()


def parse(text: str) -> FormRef:
    """A form reference from the text of a QR code; FormCodeError with one sentence otherwise."""
    if not isinstance(text, str) or len(text) > _MAX_LENGTH or not is_panti_code(text):
        raise FormCodeError(_("The code is not a Panti form code."))
    parts = text.split("|")
    head = parts[0]
    if not head[len(PREFIX):].isdigit() or int(head[len(PREFIX):]) != VERSION:
        raise FormCodeError(_("The form code was made by a newer version of Panti; update Panti to read it."))
    if len(parts) != 5:
        raise FormCodeError(_("The form code is damaged or incomplete."))
    try:  # "-" is "none" before decoding: a register number that is a lone dash is written %2D
        centre, register_no, kind, record_id = (None if p == EMPTY else unquote(p, errors="strict")
                                                for p in parts[1:])
    except UnicodeDecodeError:
        raise FormCodeError(_("The form code is damaged or incomplete.")) from None
    if kind not in KINDS or not centre:
        raise FormCodeError(_("The form code is damaged or incomplete."))
    if record_id is not None and not (len(record_id) == 32 and all(c in "0123456789abcdef" for c in record_id)):
        raise FormCodeError(_("The form code is damaged or incomplete."))
    return FormRef(centre_code=centre, kind=kind, register_no=register_no or None, record_id=record_id)
