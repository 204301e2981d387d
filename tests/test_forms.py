"""Printable forms and reading a scanned one back: each form pre-filled and blank, its QR code decoded
from the printed page (300 dpi) and from a poor scan (150 dpi, turned 3°, JPEG quality 60) to the
right child; codes of another centre, of a newer version and garbage refused in one sentence;
`form print` for every kind; what a role that cannot read the plan gets."""

from __future__ import annotations

import io
import shutil
import subprocess

import pypdfium2 as pdfium
import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from panti_desktop.cli import main as cli_main
from panti_desktop.errors import NotFound
from panti_desktop.forms import scan
from panti_desktop.forms.reference import FormCodeError, FormRef, parse
from panti_desktop.forms.registry import FORMS, print_form
from panti_desktop.i18n import set_language
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_court_report import _embedded_only

GOALS = ("Ibu menyimpan ponsel anak setiap malam", "Anak hadir di sekolah setiap hari")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """A centre with two children; the first has a plan with two goals in progress (and one achieved)."""
    d = tmp_path_factory.mktemp("forms")
    ws, _key = Workspace.init(d / "vault", "TST", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)
    ws.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    first = ws.register_child({"full_name": "Rizki Aditya Pratama", "birth_date": "2011-04-12",
                               "intake_date": "2026-02-01", "register_no": "12/PSMP/XI/2026"})
    second = ws.register_child({"full_name": "Bayu Santoso", "birth_date": "2010-01-05", "intake_date": "2026-03-01"})
    plan = ws.add_record("plan", {"child_id": first.id, "start_date": "2026-02-15", "status": "approved"})
    for system, text in zip(("family", "school"), GOALS, strict=True):
        ws.add_record("intermediate_goal", {"child_id": first.id, "plan_id": plan.id, "system": system,
                                            "text": text, "status": "in_progress"})
    ws.add_record("intermediate_goal", {"child_id": first.id, "plan_id": plan.id, "system": "peers",
                                        "text": "Tujuan yang sudah tercapai", "status": "achieved"})
    ws.close()
    return d / "vault", first.id, second.id


@pytest.fixture(scope="module")
def ws(centre):
    ws = Workspace.open(centre[0], "admin", ADMIN_PASS)
    yield ws
    ws.close()


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _page_image(pdf_path, dpi: int, page: int = 0) -> Image.Image:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return pdf[page].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)  # fast; a scanner's PNG decodes the same
    return out.getvalue()


def _qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text).save(out, kind="png", scale=6)
    return out.getvalue()


# --- the code ---------------------------------------------------------------------------------


def test_the_code_round_trips_and_holds_no_name():
    ref = FormRef("TST", "consent", "12/PSMP|XI 2026", "0" * 32)
    text = ref.encode()
    assert text == "PANTI1|TST|12/PSMP%7CXI%202026|consent|" + "0" * 32
    assert parse(text) == ref
    assert parse(FormRef("TST", "intake").encode()) == FormRef("TST", "intake", None, None)
    assert parse(FormRef("TST", "intake", "-").encode()).register_no == "-"  # a lone dash is not "none"


@pytest.mark.parametrize(("text", "sentence"), [
    ("PANTI2|TST|1|intake|-", "newer version"),
    ("PANTI1|TST|1|intake", "damaged or incomplete"),
    ("PANTI1|TST|1|letter|-", "damaged or incomplete"),
    ("PANTI1|TST|1|intake|abc", "damaged or incomplete"),
    ("PANTI1|TST|%FF%FE|intake|-", "damaged or incomplete"),
    ("https://example.org", "not a Panti form code"),
])
def test_a_code_that_is_not_ours_is_refused_in_one_sentence(text, sentence):
    with pytest.raises(FormCodeError, match=sentence):
        parse(text)


# --- printed and scanned ----------------------------------------------------------------------


def test_a_printed_form_decodes_back_to_its_record(ws, centre, tmp_path):
    _vault, first, _second = centre
    out = print_form(ws, "intake", tmp_path / "intake.pdf", "12/PSMP/XI/2026")
    match = scan.propose(ws, _png(_page_image(out, 300)))
    assert (match.child_id, match.kind, match.record_id) == (first, "intake", first)
    # every page carries the code: the last page, scanned alone as the second page of a TIFF
    last = _page_image(out, 120, page=len(PdfReader(str(out)).pages) - 1).convert("L")
    tiff = io.BytesIO()
    Image.new("L", (300, 300), 255).save(tiff, "TIFF", save_all=True, append_images=[last])
    assert scan.propose(ws, tiff.getvalue()).child_id == first


def test_a_degraded_scan_is_proposed_for_the_right_child(ws, centre, tmp_path):
    _vault, _first, second = centre
    register_no = ws.child_data(second)["register_no"]
    out = print_form(ws, "session-log", tmp_path / "s.pdf", register_no)
    scanned = _page_image(out, 150).rotate(3, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    jpeg = io.BytesIO()
    scanned.convert("RGB").save(jpeg, "JPEG", quality=60)
    match = scan.propose(ws, jpeg.getvalue())
    assert (match.child_id, match.kind, match.record_id, match.register_no) == (second, "session-log", None,
                                                                               register_no)


def test_codes_of_another_centre_and_garbage_are_refused_cleanly(ws):
    forged = _qr_png(FormRef("OTH", "consent", "12/PSMP/XI/2026").encode())  # same register no, other centre
    with pytest.raises(FormCodeError, match="printed by centre OTH, not by this centre"):
        scan.propose(ws, forged)
    with pytest.raises(FormCodeError, match="newer version"):
        scan.propose(ws, _qr_png("PANTI7|TST|12/PSMP/XI/2026|consent|-"))
    with pytest.raises(NotFound, match="No child with register number 99/X"):
        scan.propose(ws, _qr_png(FormRef("TST", "consent", "99/X").encode()))
    for junk in (b"", b"\x00garbage" * 50, b"%PDF-1.7\n broken"):
        with pytest.raises(scan.ScanError):
            scan.decode(junk)
    blank_page = io.BytesIO()
    Image.new("L", (400, 400), 255).save(blank_page, "PNG")
    assert scan.decode(blank_page.getvalue()) is None  # no code: the user picks the child
    assert scan.decode(_qr_png("https://example.org/pay?id=1")) is None  # another QR code is passed over
    blank = scan.propose(ws, _qr_png(FormRef("TST", "home-visit").encode()))
    assert blank.child_id is None and blank.kind == "home-visit"


# --- the forms --------------------------------------------------------------------------------


def test_form_print_from_the_command_line_for_each_kind(centre, tmp_path, monkeypatch, capsys):
    vault = centre[0]
    monkeypatch.setenv("PANTI_HOME", str(vault))
    monkeypatch.setenv("PANTI_USER", "admin")
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    for kind in FORMS:
        out = tmp_path / f"{kind}.pdf"
        assert cli_main(["--lang", "en", "form", "print", kind, "12/PSMP/XI/2026", "--out", str(out)]) == 0
        text = _text(out)
        assert "12/PSMP/XI/2026" in text and FORMS[kind].title_text() in text
        assert "Rizki" not in text and "Pratama" not in text  # never the name, only R.A.P.
        if kind in ("session-log", "home-visit"):
            assert all(goal in text for goal in GOALS) and "Tujuan yang sudah tercapai" not in text
        _embedded_only(out)
    assert cli_main(["--lang", "en", "form", "read", str(tmp_path / "consent.pdf")]) == 0
    assert "Consent Form of 12/PSMP/XI/2026 (R.A.P.)" in capsys.readouterr().out
    assert cli_main(["--lang", "en", "form", "print", "letter", "--out", str(tmp_path / "x.pdf")]) == 2


def test_the_consent_form_speaks_indonesian(ws, tmp_path):
    set_language("id")
    out = print_form(ws, "consent", tmp_path / "c.pdf")
    text = _text(out)
    assert "Saya yang bertanda tangan di bawah ini" in text and "Cap jempol" in text
    assert "No. register" in text and "12/PSMP" not in text  # blank: the number is written by hand
    if shutil.which("qpdf"):
        subprocess.run(["qpdf", "--check", str(out)], check=True, capture_output=True)


def test_a_role_that_cannot_read_the_plan_gets_no_goals_and_is_told(ws, centre, tmp_path):
    vault, first, _second = centre
    with Workspace.open(vault, "budi", "budi passphrase 1") as staff:
        out = print_form(staff, "session-log", tmp_path / "s.pdf", first)
    entry = next(e for e in ws.audit_entries() if e.action == "print")
    text = _text(out)
    assert GOALS[0] not in text and "goals are not pre-printed" in text
    assert (entry.user, entry.detail, entry.child_id) == ("budi", "form session-log", first)
