"""A scanned printed form, attached: the app proposes the child (and the document type) from the
form's code, refuses to file one child's form in another child's file, and leaves the choice to
the user when the file carries no code of this centre (issue 23)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from panti_desktop.attachments import listing
from panti_desktop.cli import main as cli_main
from panti_desktop.forms.reference import FormRef
from panti_desktop.forms.registry import print_form
from panti_desktop.forms.scan import attachment_proposal
from panti_desktop.i18n import set_language
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_forms import _page_image, _qr_png


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    d = tmp_path_factory.mktemp("forms-attach")
    ws, _key = Workspace.init(d / "vault", "TST", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)
    first = ws.register_child({"full_name": "Rizki Aditya Pratama", "birth_date": "2011-04-12",
                               "intake_date": "2026-02-01", "register_no": "12/PSMP/XI/2026"})
    second = ws.register_child({"full_name": "Bayu Santoso", "birth_date": "2010-01-05",
                                "intake_date": "2026-03-01", "register_no": "13/PSMP/XI/2026"})
    consent = print_form(ws, "consent", d / "consent.pdf", first.data["register_no"])
    # the scan a counsellor brings back: 150 dpi, turned 3 degrees, JPEG quality 60
    scanned = _page_image(consent, 150).rotate(3, expand=True, fillcolor="white",
                                               resample=Image.Resampling.BICUBIC)
    jpeg = io.BytesIO()
    scanned.convert("RGB").save(jpeg, "JPEG", quality=60)
    (d / "scan.jpg").write_bytes(jpeg.getvalue())
    ws.close()
    return d, first.id, second.id


@pytest.fixture
def ws(centre):
    ws = Workspace.open(centre[0] / "vault", "admin", ADMIN_PASS)
    yield ws
    ws.close()


def test_a_scanned_consent_form_is_proposed_for_its_child_as_a_consent_document(ws, centre):
    d, first, _second = centre
    proposal = attachment_proposal(ws, (d / "scan.jpg").read_bytes())
    assert (proposal.child_id, proposal.doc_type, proposal.register_no) == (first, "consent_form", "12/PSMP/XI/2026")


def test_no_proposal_without_a_code_of_this_centre(ws):
    assert attachment_proposal(ws, _qr_png("https://sekolah.example/rapor")) is None
    assert attachment_proposal(ws, _qr_png(FormRef("OTH", "consent", "12/PSMP/XI/2026").encode())) is None
    assert attachment_proposal(ws, b"%PDF-1.4 not really a pdf") is None


def test_the_command_line_files_a_form_only_in_its_own_childs_file(centre, monkeypatch, capsys):
    d, first, second = centre
    set_language("en")
    monkeypatch.setenv("PANTI_HOME", str(d / "vault"))
    monkeypatch.setenv("PANTI_USER", "admin")
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    base = ["--lang", "en", "attach", "add"]
    assert cli_main([*base, "13/PSMP/XI/2026", str(d / "scan.jpg"), "--type", "consent_form"]) != 0
    err = capsys.readouterr().err
    assert "names register number 12/PSMP/XI/2026, another child" in err and "Traceback" not in err
    ws = Workspace.open(d / "vault", "admin", ADMIN_PASS)
    try:
        assert listing(ws, second) == []
    finally:
        ws.close()

    assert cli_main([*base, "12/PSMP/XI/2026", str(d / "scan.jpg"), "--type", "consent_form"]) == 0
    assert "Recognised from its code" in capsys.readouterr().out
    ws = Workspace.open(d / "vault", "admin", ADMIN_PASS)
    try:
        assert [item.doc_type for item in listing(ws, first)] == ["consent_form"]
    finally:
        ws.close()
