"""A record kind is declared once (its dataclass in domain/records.py): the store, the validator,
the forms and lists, the child's file and the CLI all read that declaration."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QLabel

from panti_desktop import cli
from panti_desktop.domain import fields as F
from panti_desktop.domain.records import (
    RECORD_TYPES,
    Child,
    Session,
    child_sections,
    record_from_dict,
)
from panti_desktop.errors import ValidationError
from panti_desktop.store.kinds import KINDS
from panti_desktop.ui.forms import RecordForm
from panti_desktop.workspace import CHILD_SECTIONS

from .conftest import ADMIN_PASS


def test_every_kind_has_one_declaration_that_the_store_reads():
    assert list(KINDS) == list(RECORD_TYPES)  # the same kinds, in the declaration's order (parents first)
    for name, cls in RECORD_TYPES.items():
        k = KINDS[name]
        assert (k.role, k.index, k.per_child) == (cls.ROLE, cls.INDEX, cls.per_child()), name
        names = set(cls.field_names())
        assert set(cls.INDEX) <= names, f"{name}: a plaintext column that is no field"
        assert set(cls.LIST_COLUMNS) <= names, f"{name}: a list column that is no field"
    assert child_sections() == CHILD_SECTIONS and CHILD_SECTIONS[:3] == ("family", "caregiver", "legal_track")
    assert all(RECORD_TYPES[s].per_child() for s in CHILD_SECTIONS)


def test_the_database_has_every_declared_plaintext_column(ws):
    for name, cls in RECORD_TYPES.items():
        columns = {r[1] for r in ws.db.execute(f"PRAGMA table_info({name})")}
        assert set(cls.INDEX) <= columns, name


@dataclass
class ChildWithHobby(Child):
    """Child, as if a developer added one field to its declaration."""

    hobby: str | None = F.text("Hobi", "Hobby", max_len=40)


@pytest.fixture
def hobby(monkeypatch):
    monkeypatch.setitem(RECORD_TYPES, "child", ChildWithHobby)


def test_a_field_added_to_the_declaration_reaches_validator_store_form_and_cli(hobby, qtbot, ws, monkeypatch,
                                                                               capsys):
    # the validator
    assert record_from_dict("child", {"full_name": "A", "hobby": "sepak bola"}).to_dict()["hobby"] == "sepak bola"
    with pytest.raises(ValidationError, match="Hobby"):
        record_from_dict("child", {"full_name": "A", "hobby": "x" * 41}).validate()
    # the store: sealed with the rest of the payload and read back
    child = ws.register_child({"full_name": "Bima Sakti", "hobby": "sepak bola"})
    assert ws.child_data(child.id)["hobby"] == "sepak bola"
    # the form: a labelled widget of its own
    form = RecordForm("child", ws.child_data(child.id))
    qtbot.addWidget(form)
    assert "hobby" in form.field_names and form.values()["hobby"] == "sepak bola"
    # the CLI: accepted by `child update`, shown by `child show --json`
    monkeypatch.setenv("PANTI_USER", "admin")
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    no = child.data["register_no"]
    ws.close()
    assert cli.main(["--data-dir", str(ws.data_dir), "child", "update", no, "hobby=catur"]) == 0
    capsys.readouterr()
    assert cli.main(["--data-dir", str(ws.data_dir), "child", "show", no, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["child"]["hobby"] == "catur"


@dataclass
class SessionWithMood(Session):
    """Session, as if a developer added a text and a number to its declaration."""

    mood: str | None = F.text("Suasana hati", "Mood")
    visitors: int | None = F.integer("Tamu", "Visitors", 0, 20)


def test_a_field_added_to_the_session_declaration_appears_in_the_session_form(qtbot, ws, child, monkeypatch):
    from panti_desktop.ui.session_form import SessionForm

    monkeypatch.setitem(RECORD_TYPES, "session", SessionWithMood)
    form = SessionForm(ws, child.id)
    qtbot.addWidget(form)
    captions = {lab.text() for lab in form.findChildren(QLabel)}
    assert {"Mood", "Visitors"} <= captions  # labelled from the declaration
    form.texts["mood"].setPlainText("tenang")  # a text box under "What happened"
    form.fields["visitors"].setValue(2)  # a number under "When and where"
    assert form.values()["mood"] == "tenang" and form.values()["visitors"] == 2
    assert form.save_now()
    saved = ws.get_record("session", form.session_id).data
    assert (saved["mood"], saved["visitors"]) == ("tenang", 2)
    again = SessionForm(ws, child.id, form.session_id)  # and read back into the form
    qtbot.addWidget(again)
    assert again.texts["mood"].toPlainText() == "tenang" and again.fields["visitors"].value() == 2
    form._timer.stop()
