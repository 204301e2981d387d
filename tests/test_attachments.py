"""Attachments (store/attachments.py, attachments.py, cli/attach.py): sealed in chunks, never a
plaintext file, opened by the right roles only, checked by verify, erased with the case, kept
in backups."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pytest

from panti_desktop import attachments as A
from panti_desktop import backup, retention
from panti_desktop.cli import main
from panti_desktop.errors import NotFound, PermissionDenied, ValidationError
from panti_desktop.store.db import DB_NAME
from panti_desktop.workspace import OutsideCaseload, Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_workspace import CHILD


def make_pdf(marker: bytes, pad: int = 0) -> bytes:
    """A one-page PDF whose page stream holds `marker` uncompressed (and `pad` bytes of comment)."""
    stream = b"BT /F1 12 Tf 72 720 Td (" + marker + b") Tj ET\n" + b"%" + b"x" * pad + b"\n"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def make_png(marker: bytes, side: int = 300) -> bytes:
    """A noisy PNG (several chunks' worth) carrying `marker` in a text chunk."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    info = PngInfo()
    info.add_text("Comment", marker.decode())
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _files_holding(roots: list[Path], marker: bytes) -> list[Path]:
    found = []
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                p = Path(dirpath) / name
                if p.is_file() and marker in p.read_bytes():
                    found.append(p)
    return found


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """A centre with a staff member, two counsellors and a child of siti's with a legal track."""
    d = tmp_path_factory.mktemp("att")
    ws, key = Workspace.init(d / "vault", "ATT", "Sentra Lampiran", "admin", ADMIN_PASS, kdf=FLOOR)
    siti = ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    ws.add_user("agus", "counsellor", "agus passphrase 1", kdf=FLOOR)
    ws.add_user("yanti", "staff", "yanti passphrase 1", kdf=FLOOR)
    child = ws.register_child({**CHILD, "counsellor_id": siti.id})
    legal = ws.add_record("legal_track", {"child_id": child.id, "stage": "trial"})
    yield ws, key, child, legal, d
    ws.close()


def as_user(ws, name):
    return Workspace.open(ws.data_dir, name, f"{name} passphrase 1")


def test_no_plaintext_anywhere_after_add_preview_and_close(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    # the system's temporary folder for this test alone (Python's and SQLite's), so all of it is searched
    temp = tmp_path / "system-temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    child = ws.register_child(CHILD)
    legal = ws.add_record("legal_track", {"child_id": child.id, "stage": "trial"})
    pdf_marker = b"PDFMARK-" + os.urandom(8).hex().encode()
    png_marker = b"PNGMARK-" + os.urandom(8).hex().encode()
    pdf, png = make_pdf(pdf_marker, pad=300_000), make_png(png_marker)
    src = tmp_path / "Putusan PN Sleman.pdf"
    src.write_bytes(pdf)
    assert main(["--lang", "en", "--data-dir", str(ws.data_dir), "--user", "admin", "attach", "add",
                 child.data["register_no"], str(src), "--type", "court_decision", "--record",
                 f"legal_track:{legal.id}", "--date", "2026-01-20", "--note", "salinan resmi"]) == 0
    img = A.add(ws, child.id, png, "foto-kunjungan.png", "photo", note="rumah")
    assert img.chunk_count == -(-len(png) // (256 * 1024)) >= 2
    listed = A.listing(ws, child.id)
    by_type = {i.doc_type: i for i in listed}
    assert by_type["court_decision"].meta.file_name == "Putusan PN Sleman.pdf"
    assert by_type["court_decision"].record_kind == "legal_track"
    meta, content = A.open_content(ws, by_type["court_decision"].id)  # the preview: in memory
    assert content == pdf and meta.media_type == "application/pdf" and meta.doc_date == "2026-01-20"
    assert A.open_content(ws, img.id)[1] == png
    db_bytes = (ws.data_dir / DB_NAME).read_bytes()
    wal = ws.data_dir / (DB_NAME + "-wal")
    wal_bytes = wal.read_bytes() if wal.exists() else b""
    ws.close()  # and close: nothing is left behind either
    for marker in (pdf_marker, png_marker, b"Putusan PN Sleman", b"salinan resmi"):
        assert marker not in db_bytes and marker not in wal_bytes
        assert _files_holding([ws.data_dir, Path(tempfile.gettempdir())], marker) == []


def test_staff_never_open_a_clinical_attachment_and_caseload_rules_apply(centre):
    ws, _key, child, _legal, _d = centre
    med = A.add(ws, child.id, b"%PDF-1.4 medical note", "surat-dokter.pdf", "medical", doc_date=date(2026, 2, 1))
    school = A.add(ws, child.id, b"%PDF-1.4 school letter", "sekolah.pdf", "school_letter")
    assert med.clinical and not school.clinical
    with as_user(ws, "yanti") as yanti:
        with pytest.raises(PermissionDenied, match="may not open a clinical document"):
            A.open_content(yanti, med.id)
        with pytest.raises(PermissionDenied):
            A.add(yanti, child.id, b"x", "lab.pdf", "medical")
        assert A.open_content(yanti, school.id)[1] == b"%PDF-1.4 school letter"
        locked = {i.id: i for i in A.listing(yanti, child.id)}
        assert locked[med.id].meta is None and locked[school.id].meta is not None
    with as_user(ws, "agus") as agus:  # another counsellor's child
        with pytest.raises(OutsideCaseload):
            A.open_content(agus, med.id)
        agus.open_anyway(child.id, "Pengganti konselor yang sedang cuti")
        assert A.open_content(agus, med.id)[1] == b"%PDF-1.4 medical note"
    with as_user(ws, "siti") as siti:
        assert A.open_content(siti, med.id)[0].file_name == "surat-dokter.pdf"
    actions = [e.action for e in ws.audit_entries(limit=20)]
    assert "read_clinical" in actions and "attachment_add" in actions


def test_cli_list_export_and_refusals(centre, tmp_path, capsys, monkeypatch):
    ws, _key, child, _legal, _d = centre
    monkeypatch.setenv("PANTI_PASSPHRASE", "yanti passphrase 1")
    base = ["--lang", "en", "--data-dir", str(ws.data_dir)]
    med = A.add(ws, child.id, b"%PDF-1.4 lab result", "lab.pdf", "medical")
    assert main([*base, "--user", "yanti", "attach", "export", med.id, "--out", str(tmp_path / "x.pdf")]) == 1
    err = capsys.readouterr().err
    assert "may not open a clinical document" in err and "Traceback" not in err and not (tmp_path / "x.pdf").exists()
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    assert main([*base, "--user", "admin", "attach", "list", child.id, "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert med.id in {i["id"] for i in items} and all("file_name" in i for i in items)
    out = tmp_path / "copy.pdf"
    assert main([*base, "--user", "admin", "attach", "export", med.id, "--out", str(out)]) == 0
    assert out.read_bytes() == b"%PDF-1.4 lab result"
    assert "no longer protected" in capsys.readouterr().err
    assert "attachment_export" in [e.action for e in ws.audit_entries(limit=5)]
    assert main([*base, "--user", "admin", "attach", "export", med.id, "--out", str(out)]) == 1  # exists
    assert main([*base, "--user", "admin", "attach", "export", med.id, "--out",
                 str(ws.data_dir / "inside.pdf")]) == 1
    assert main([*base, "--user", "admin", "attach", "add", child.id, str(tmp_path / "missing.pdf"),
                 "--type", "photo"]) == 1
    assert main([*base, "--user", "admin", "attach", "add", child.id, str(out), "--type", "letter"]) == 2
    assert main([*base, "--user", "admin", "attach", "add", child.id, str(out), "--type", "photo",
                 "--record", "plan:x"]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Unknown document type" in err and "KIND:ID" in err
    assert "Traceback" not in err


def test_limits_and_downscaling(centre):
    ws, _key, child, _legal, _d = centre
    A.set_limits(ws, 1, 2048)
    try:
        with pytest.raises(ValidationError, match="limit is 1 MB per file"):
            A.add(ws, child.id, b"%PDF-" + b"0" * (1024 * 1024 + 1), "big.pdf", "other")
    finally:
        A.set_limits(ws, A.DEFAULT_FILE_MB, A.DEFAULT_CENTRE_MB)
    with pytest.raises(ValidationError, match="cannot be larger"):
        A.set_limits(ws, 30, 20)
    from PIL import Image

    big = io.BytesIO()
    Image.new("RGB", (3200, 2400), (200, 180, 160)).save(big, "PNG")
    small = A.add(ws, child.id, big.getvalue(), "scan.png", "photo", downscale_image=True)
    shown = Image.open(io.BytesIO(A.open_content(ws, small.id)[1]))
    assert max(shown.size) == A.DOWNSCALE_MAX_SIDE and small.media_type == "image/jpeg"
    with pytest.raises(ValidationError, match="Only an image"):
        A.add(ws, child.id, b"%PDF-1.4", "a.pdf", "other", downscale_image=True)
    with pytest.raises(ValidationError, match="future"):
        A.add(ws, child.id, b"x", "a.txt", "other", doc_date="2999-01-01")


def test_a_flipped_byte_in_a_chunk_is_named_by_verify(tmp_path, ws):
    child = ws.register_child(CHILD)
    att = A.add(ws, child.id, make_pdf(b"flip", pad=5000), "litmas.pdf", "litmas")
    assert ws.verify() == []
    ws.close()
    conn = sqlite3.connect(ws.data_dir / DB_NAME)
    blob = bytearray(conn.execute("SELECT payload FROM attachment_chunk WHERE attachment_id = ? AND idx = 0",
                                  [att.id]).fetchone()[0])
    blob[len(blob) // 2] ^= 0x01
    conn.execute("UPDATE attachment_chunk SET payload = ? WHERE attachment_id = ? AND idx = 0", [bytes(blob), att.id])
    conn.commit()
    conn.close()
    with Workspace.open(ws.data_dir, "admin", ADMIN_PASS) as again:
        problems = again.verify()
        assert any(att.id in p and child.data["register_no"] in p for p in problems), problems
        with pytest.raises(Exception, match="verification"):
            A.open_content(again, att.id)


def test_deleting_one_attachment_and_erasing_the_case(ws):
    from .test_retention import TODAY

    child = ws.register_child({**CHILD, "birth_date": "2003-05-01", "intake_date": "2019-02-01"})
    for state in ("initial_engagement", "assessment", "planning", "intervention", "evaluation",
                  "reintegration_prep", "termination"):
        ws.transition(child.id, state)
    ws.add_record("termination", {"child_id": child.id, "terminated_on": "2020-06-30", "reason": "goals_achieved"})
    ws.transition(child.id, "closed")
    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        retention.set_years(ws, kind, 5)
    keep = A.add(ws, child.id, b"%PDF-1.4 keep", "a.pdf", "other")
    gone = A.add(ws, child.id, b"%PDF-1.4 gone", "b.pdf", "other")
    A.delete(ws, gone.id)
    assert [i.id for i in A.listing(ws, child.id)] == [keep.id]
    assert ws.db.execute("SELECT COUNT(*) FROM attachment_chunk WHERE attachment_id = ?", [gone.id]).fetchone()[0] == 0
    with pytest.raises(NotFound):
        A.open_content(ws, gone.id)
    referral = ws.add_record("referral", {"child_id": child.id, "direction": "outgoing", "agency": "school", "referred_on": "2019-02-01"})
    filed = A.add(ws, child.id, b"%PDF-1.4 rujukan", "rujukan.pdf", "other", record=("referral", referral.id))
    ws.delete_record("referral", referral.id)  # a record deleted takes its documents along
    assert filed.id not in [i.id for i in A.listing(ws, child.id)]
    retention.erase(ws, child.id, reason="retensi habis", today=TODAY)
    assert ws.db.execute("SELECT COUNT(*) FROM attachment").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM attachment_chunk").fetchone()[0] == 0


def test_backup_and_restore_keep_attachments(centre, tmp_path):
    ws, key, child, _legal, _d = centre
    att = A.add(ws, child.id, make_png(b"BACKUPMARK"), "rumah.png", "photo")
    info = backup.create_backup(ws, tmp_path / "stick")
    assert b"BACKUPMARK" not in info.path.read_bytes()
    target = tmp_path / "restored"
    backup.restore_backup(info.path, target, recovery_text=key)
    with Workspace.open(target, "admin", ADMIN_PASS) as back:
        meta, content = A.open_content(back, att.id)
        assert meta.file_name == "rumah.png" and b"BACKUPMARK" in content
        assert back.verify() == []


def test_removing_a_user_reseals_attachments(centre):
    ws, _key, child, _legal, _d = centre
    att = A.add(ws, child.id, b"%PDF-1.4 before rotation", "r.pdf", "medical")
    old = ws.db.execute("SELECT key_id FROM attachment WHERE id = ?", [att.id]).fetchone()[0]
    ws.add_user("tmp", "counsellor", "tmp passphrase 1", kdf=FLOOR)
    rotated = ws.remove_user("tmp")
    new = ws.db.execute("SELECT key_id FROM attachment WHERE id = ?", [att.id]).fetchone()[0]
    assert old in rotated and new == rotated[old]
    assert A.open_content(ws, att.id)[1] == b"%PDF-1.4 before rotation"
    assert not [p for p in ws.verify() if "Attachment" in p]
