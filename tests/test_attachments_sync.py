"""Attachments in sync bundles (sync/attachments.py): a case transfer carries them, headquarters gets
them only where the centre chose it, an erasure removes them at the receiver, and forged chunk
lines are refused on their own."""

from __future__ import annotations

import base64
import datetime

import pytest

from panti_desktop import attachments as A
from panti_desktop import retention
from panti_desktop.sync import exchange as X
from panti_desktop.sync import quarantine

from .conftest import make_site, trust_all
from .forge import forge, lines_of
from .test_attachments import make_pdf, make_png
from .test_sync import child, send


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """SA, SB and HQ trusting each other, shared by this module's tests (each uses its own children)."""
    root = tmp_path_factory.mktemp("att-sync")
    made = make_site(root, "SA"), make_site(root, "SB"), make_site(root, "HQ", "hq")
    trust_all(root, list(made))
    yield made
    for s in made:
        s.close()


def test_a_transfer_carries_the_documents_and_they_open_at_the_receiver(sites, tmp_path):
    a, b, _hq = sites
    c = child(a)
    legal = a.add_record("legal_track", {"child_id": c.id, "stage": "trial"})
    pdf = make_pdf(b"transfer", pad=600_000)  # three chunks
    court = A.add(a, c.id, pdf, "putusan.pdf", "court_decision", record=("legal_track", legal.id),
                  doc_date="2026-01-20", note="salinan")
    med = A.add(a, c.id, make_png(b"med", side=80), "lab.png", "medical")
    gone = A.add(a, c.id, b"%PDF-1.4 wrong file", "salah.pdf", "other")
    A.delete(a, gone.id)
    path = X.export_child(a, c.id, "SB", tmp_path / "transfer.pantisync").path
    res = X.import_bundle(b, path, read_beside=True)  # a large bundle's lines are read by a second process
    assert res.quarantined == []
    meta, content = A.open_content(b, court.id)
    assert content == pdf and meta.file_name == "putusan.pdf" and meta.record_id == legal.id
    assert meta.doc_date == "2026-01-20" and meta.note == "salinan"
    assert A.open_content(b, med.id)[0].clinical
    assert [i.id for i in A.listing(b, c.id)] == [court.id, med.id]  # the deleted one stays deleted
    assert b.verify() == []
    keys = {r["id"]: r["key_id"].split(":")[0] for r in A.store(b).rows(c.id)}
    assert keys == {court.id: "CASE", med.id: "CLINICAL"}  # sealed under the receiver's keys by type


def test_headquarters_gets_documents_only_by_choice_and_an_erasure_removes_them(sites, tmp_path):
    a, _b, hq = sites
    c = child(a, "Rahasia Sekali")
    att = A.add(a, c.id, make_pdf(b"HQDOC"), "litmas.pdf", "litmas")
    X.import_bundle(hq, send(a, hq, tmp_path))
    assert hq.db.execute("SELECT COUNT(*) FROM attachment WHERE child_id = ?", [c.id]).fetchone()[0] == 0  # default
    A.set_sent_to_hq(a, True)
    second = A.add(a, c.id, make_pdf(b"HQDOC2"), "sekolah.pdf", "school_letter")
    X.import_bundle(hq, send(a, hq, tmp_path))
    # what the headquarters has not acknowledged travels: both documents
    assert hq.db.execute("SELECT COUNT(*) FROM attachment WHERE child_id = ?", [c.id]).fetchone()[0] == 2
    assert A.open_content(hq, att.id)[1] == make_pdf(b"HQDOC")
    a.update_child(c.id, {"status": "dropped_out"})
    retention.erase(a, c.id, "test", today=datetime.date(2040, 1, 1))
    res = X.import_bundle(hq, send(a, hq, tmp_path))
    [held] = [q for q in quarantine.listed(hq) if q.child_id == c.id]
    assert res.held == 1 and held.line_type == "erasure", [(q.line_type, q.reason) for q in quarantine.listed(hq)]
    quarantine.decide(hq, held.id, erase=True)
    assert hq.db.execute("SELECT COUNT(*) FROM attachment WHERE child_id = ?", [c.id]).fetchone()[0] == 0
    assert hq.db.execute("SELECT COUNT(*) FROM attachment_chunk WHERE attachment_id IN (?, ?)",
                         [att.id, second.id]).fetchone()[0] == 0


def test_forged_document_lines_are_refused_on_their_own(sites, tmp_path):
    """A trusted peer's own bundle, forged: a flipped byte in a chunk, a chunk too many, a clinical
    document claimed as a photo. Each bad document is quarantined; the rest applies."""
    a, b, _hq = sites
    c = child(a)
    good = A.add(a, c.id, make_pdf(b"good"), "good.pdf", "photo")
    flipped = A.add(a, c.id, make_pdf(b"forge", pad=300_000), "flip.pdf", "photo")
    extra = A.add(a, c.id, make_pdf(b"extra"), "extra.pdf", "school_letter")
    med = A.add(a, c.id, make_pdf(b"medis"), "lab.pdf", "medical")
    path = X.export_child(a, c.id, "SB", tmp_path / "t.pantisync").path
    lines = [x for x in lines_of(b, path) if x.get("t") != "centre"]
    chunk = next(x for x in lines if x.get("t") == "attc" and x["id"] == flipped.id and x["i"] == 1)
    raw = bytearray(base64.b64decode(chunk["data"]))
    raw[10] ^= 1
    chunk["data"] = base64.b64encode(bytes(raw)).decode()
    lines.append({"t": "attc", "id": extra.id, "i": 1, "n": 1, "data": base64.b64encode(b"more").decode()})
    counts = {}
    for x in lines:
        key = x.get("k") if x.get("t") == "v" else x.get("t")
        if key not in ("attc", "ack", "audit"):
            counts[key] = counts.get(key, 0) + 1
    res = X.import_bundle(b, forge(a, b, tmp_path / "forged.pantisync", lines, scope="transfer", counts=counts))
    assert sorted(q.record_id for q in res.quarantined) == sorted([flipped.id, extra.id])
    assert {q.kind for q in res.quarantined} == {"attachment"}
    assert {i.id for i in A.listing(b, c.id)} == {good.id, med.id}
    # the receiver seals by the document type it reads, whatever key the sender used
    assert A.open_content(b, med.id)[0].clinical


def test_a_record_type_past_its_retention_takes_its_documents_along_at_the_peers(sites, tmp_path):
    from .test_retention import TODAY

    a, _b, hq = sites
    A.set_sent_to_hq(a, True)
    c = a.register_child({"full_name": "Yoga Dwi Saputra", "birth_date": "2003-05-01", "intake_date": "2019-02-01"})
    for state in ("initial_engagement", "assessment", "planning", "intervention", "evaluation",
                  "reintegration_prep", "termination"):
        a.transition(c.id, state)
    session = a.save_session_draft({**a.new_session_defaults(c.id, today=datetime.date(2020, 3, 1)),
                                    "notes": "Kunjungan rumah"})
    a.add_record("termination", {"child_id": c.id, "terminated_on": "2020-06-30", "reason": "goals_achieved"})
    a.transition(c.id, "closed")
    on_session = A.add(a, c.id, make_pdf(b"catatan sesi"), "sesi.pdf", "other", record=("session", session.id))
    on_file = A.add(a, c.id, make_pdf(b"putusan"), "putusan.pdf", "court_decision")
    X.import_bundle(hq, send(a, hq, tmp_path))
    assert {i.id for i in A.listing(hq, c.id)} == {on_session.id, on_file.id}
    done = retention.erase(a, c.id, reason="retensi sesi habis", today=TODAY)
    assert not done.whole and "session" in done.kinds
    assert [i.id for i in A.listing(a, c.id)] == [on_file.id]
    X.import_bundle(hq, send(a, hq, tmp_path))
    assert [i.id for i in A.listing(hq, c.id)] == [on_file.id]
    assert hq.db.execute("SELECT COUNT(*) FROM attachment_chunk WHERE attachment_id = ?",
                         [on_session.id]).fetchone()[0] == 0
