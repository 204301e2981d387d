"""The printable forms, declared once: read by `form print`, the child's file ("Print forms…") and
the Laporan page (blank forms).

A form is a kind (the CLI's word and the QR code's), a title, a file prefix and its builder. A
builder takes a `Subject` (subject.py: a child's pre-filled data, or none for a blank form) and
returns the platypus story; `print_form` adds the page furniture with the QR code and writes the PDF.
Builders are imported when a form is printed, so `form --help` does not load reportlab.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import safe_file_name
from ..i18n import N_, _
from .reference import KINDS, FormRef

if TYPE_CHECKING:
    from .subject import Subject


@dataclass(frozen=True)
class Form:
    kind: str  # stable: in the QR code, the CLI and the audit log
    title: str  # English message id
    help: str  # one line for the CLI and the dialog
    file_prefix: str
    builder: str  # "module:function" inside panti_desktop.forms
    # the record the code points to when printed from a child's file: "child" (the file itself) or
    # None (the record does not exist yet: it is typed in from the paper)
    record_kind: str | None = None

    def title_text(self) -> str:
        return _(self.title)

    def help_text(self) -> str:
        return _(self.help)

    def file_name(self, register_no: str | None, day: date | None = None) -> str:
        """formulir-sesi-12-PSMP-XI-2026-2026-12-02.pdf; a blank form: formulir-sesi-kosong.pdf."""
        if not register_no:
            return safe_file_name(self.file_prefix + "-" + _("blank") + ".pdf")
        return safe_file_name(f"{self.file_prefix}-{register_no}-{(day or date.today()).isoformat()}.pdf")

    def story(self, subject: Subject) -> list:
        module, function = self.builder.split(":")
        fn: Callable[[Subject], list] = getattr(importlib.import_module(f"{__package__}.{module}"), function)
        return fn(subject)

    def reference(self, subject: Subject) -> FormRef:
        record = subject.child_id if self.record_kind == "child" else None
        return FormRef(centre_code=subject.centre_code, kind=self.kind, register_no=subject.register_no,
                       record_id=record)


FORMS: dict[str, Form] = {f.kind: f for f in (
    Form("intake", N_("Intake Form"), N_("intake: identity, family, referral and first observations"),
         "formulir-penerimaan", "documents:intake", record_kind="child"),
    Form("session-log", N_("Session Log"),
         N_("a session: participants, systems, goal ratings (the current goals pre-printed)"),
         "formulir-sesi", "documents:session_log"),
    Form("consent", N_("Consent Form"), N_("the parent's or guardian's consent, with a thumbprint box"),
         "formulir-persetujuan", "documents:consent"),
    Form("home-visit", N_("Home Visit Checklist"),
         N_("a home visit, system by system: family, school, peers, community"),
         "formulir-kunjungan-rumah", "documents:home_visit"),
)}
assert tuple(FORMS) == KINDS


def print_form(ws, kind: str, out: Path, ref: str | None = None) -> Path:
    """Write form `kind` to `out`: pre-filled for the child `ref` (id or register number), blank
    without one. Printing a child's form is recorded in the audit log."""
    # reportlab and the record types load only when a form is printed (`form --help` stays quick)
    from . import layout
    from .subject import blank, for_child

    form = FORMS[kind]
    subject = for_child(ws, ref) if ref else blank(ws)
    title = form.title_text()
    layout.write(Path(out), form.story(subject), title, subject.centre_name, form.reference(subject),
                 f"Panti · {form.kind} · {form.reference(subject).encode().split('|')[0]}")
    if subject.child_id:
        ws.audit_event("print", "child", subject.child_id, subject.child_id, detail=f"form {kind}")
    else:
        ws.audit_event("print", detail=f"blank form {kind}")
    return Path(out)
