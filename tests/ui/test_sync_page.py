"""The Sinkronisasi page: send, preview and apply an import, history, conflicts, peers, centres."""

from __future__ import annotations

import pytest

from panti_desktop.sync import exchange as X
from panti_desktop.sync import peers as P
from panti_desktop.ui.sync import SyncPage

from ..conftest import make_site
from ..test_sync import child, send
from .conftest import open_as

WAIT = 30_000


@pytest.fixture
def errors(monkeypatch):
    seen: list = []
    for module in ("page", "centres", "send", "receive", "conflicts", "quarantine", "peers"):  # each looks up show_error
        monkeypatch.setattr(f"panti_desktop.ui.sync.{module}.show_error", lambda parent, e, *a: seen.append(e))
    return seen


def _page(qtbot, ws) -> SyncPage:
    page = SyncPage(ws)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.refresh()
    return page


def _import(qtbot, page: SyncPage, path):
    page.receive.preview(path)
    qtbot.waitUntil(lambda: not page.receive.apply_button.isHidden(), timeout=WAIT)
    page.receive.last_result = None
    page.receive.apply()
    qtbot.waitUntil(lambda: page.receive.last_result is not None, timeout=WAIT)
    return page.receive.last_result


def test_send_preview_apply_and_acknowledge(qtbot, sites, tmp_path):
    a, _b, hq = sites
    c = child(a)
    page = _page(qtbot, a)
    assert page.centres is None  # only headquarters sees every centre
    page.send.peer.setCurrentIndex(page.send.peer.findData("HQ"))
    assert page.send.stats.isEnabled() and not page.send.transfer.isEnabled()
    page.send.export_to(tmp_path / "stick")
    qtbot.waitUntil(lambda: page.send.last_result is not None, timeout=WAIT)
    bundle = page.send.last_result.path
    assert bundle.exists() and bundle.parent == tmp_path / "stick"
    assert "HQ" in page.send.result.text()

    hpage = _page(qtbot, hq)
    hpage.receive.preview(bundle)
    qtbot.waitUntil(lambda: not hpage.receive.apply_button.isHidden(), timeout=WAIT)
    assert "SA" in hpage.receive.preview_box.toPlainText()
    assert hq.child_ids() == []  # a preview changes nothing
    hpage.receive.apply()
    qtbot.waitUntil(lambda: hpage.receive.last_result is not None, timeout=WAIT)
    assert hq.child_data(c.id)["full_name"] == "Budi Santoso"
    ack = hpage.receive.last_result.ack_path
    assert ack is not None and ack.exists()
    assert str(ack) in hpage.receive.preview_box.toPlainText()
    codes = [hpage.centres.table.text(i, 0) for i in range(hpage.centres.table.rowCount())]
    assert codes == ["SA", "SB"]  # every trusted centre, whether it sent anything yet or not
    assert hpage.centres.table.text(0, 2) == "1" and hpage.centres.table.text(1, 2) == "0"
    assert hpage.history.history.rowCount() >= 1

    # the acknowledgement goes back: nothing of SA's stays unacknowledged
    _import(qtbot, page, ack)
    status = {s.peer.code: s for s in X.peer_status(a)}
    assert status["HQ"].sent == 1 and status["HQ"].unacked == 0
    # importing the same bundle again is not an error: a new acknowledgement can be written
    hpage.receive.preview(bundle)
    qtbot.waitUntil(lambda: not hpage.receive.ack_button.isHidden(), timeout=WAIT)
    assert hpage.receive.write_ack().exists()


def test_a_damaged_bundle_is_refused_and_changes_nothing(qtbot, sites, tmp_path, errors):
    a, _b, hq = sites
    child(a)
    path = send(a, hq, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))
    hpage = _page(qtbot, hq)
    hpage.receive.preview(path)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert hpage.receive.apply_button.isHidden() and hpage.receive.path is None
    assert hq.child_ids() == [] and X.history(hq) == []


def test_a_case_transfer_and_a_gap(qtbot, sites, tmp_path, monkeypatch):
    a, b, hq = sites
    c = child(a)
    page = _page(qtbot, a)
    page.send.peer.setCurrentIndex(page.send.peer.findData("SB"))
    assert page.send.transfer.isEnabled() and not page.send.stats.isEnabled()
    page.send.transfer.setChecked(True)
    page.send.child.setCurrentIndex(page.send.child.findData(c.id))
    monkeypatch.setattr("panti_desktop.ui.sync.send.confirm", lambda *a: True)
    page.send.export_to(tmp_path / "out")
    qtbot.waitUntil(lambda: page.send.last_result is not None, timeout=WAIT)
    assert a.transferred_away(c.id) == "SB"
    assert page.send.child.findData(c.id) == -1  # a transferred case cannot be sent again
    bpage = _page(qtbot, b)
    res = _import(qtbot, bpage, page.send.last_result.path)
    assert res.new >= 1 and b.child_data(c.id)["full_name"] == "Budi Santoso"
    # two bundles to HQ, only the second arrives: the gap is shown
    send(a, hq, tmp_path)
    child(a, "Anak Kedua", "2012-02-02")
    second = send(a, hq, tmp_path)
    hpage = _page(qtbot, hq)
    _import(qtbot, hpage, second)
    assert "1" in hpage.history.gaps.text() and not hpage.history.gaps.isHidden()


def test_conflicts_are_resolved_field_by_field(qtbot, sites, tmp_path):
    a, _b, hq = sites
    c = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    a.update_child(c.id, {"nickname": "Budi A", "address": "Jl. Mawar 1"})
    hq.update_child(c.id, {"nickname": "Budi HQ", "address": "Jl. Melati 2"})
    X.import_bundle(hq, send(a, hq, tmp_path))
    page = _page(qtbot, hq)
    assert page.conflicts.table.rowCount() == 1
    assert "(1)" in page.tabs.tabText(page.tabs.indexOf(page.conflicts))
    page.conflicts.table.selectRow(0)
    c0 = page.conflicts.selected()
    in_use = c0.mine["nickname"]
    other = c0.theirs["nickname"]
    other_address = c0.theirs["address"]
    page.conflicts.choose("address", "theirs")
    assert page.conflicts.merged() == {"nickname": in_use, "address": other_address}
    assert page.conflicts.resolve("merged")
    data = hq.child_data(c.id)
    assert data["nickname"] == in_use and data["address"] == other_address and data["nickname"] != other
    assert page.conflicts.table.rowCount() == 0 and X.conflict_count(hq) == 0


def test_peers_are_trusted_only_with_the_right_fingerprint(qtbot, sites, tmp_path, errors):
    _a, _b, hq = sites
    newcomer = make_site(tmp_path, "SC")
    try:
        card = tmp_path / "SC.pantipeer"
        fp = P.export_card(newcomer, card)["fingerprint"]
    finally:
        newcomer.close()
    page = _page(qtbot, hq)
    assert page.peers.table.rowCount() == 2
    assert page.peers.add_peer(card, "0000 1111 2222 3333 4444") is None and errors
    assert "SC" not in {p.code for p in P.peers(hq)}
    assert page.peers.add_peer(card, fp).code == "SC"
    assert page.peers.table.rowCount() == 3
    assert page.send.peer.findData("SC") >= 0  # the other tabs see the new peer
    assert page.peers.revoke("SC")
    page.refresh()
    assert page.send.peer.findData("SC") == -1
    out = page.peers.save_card(tmp_path / "hq.pantipeer")
    assert out.exists() and page.peers.my_fp.text() in page.peers.card_note.text()


def test_headquarters_sees_a_statistics_only_centre(qtbot, sites, tmp_path):
    a, b, hq = sites
    child(a)
    child(b, "Anak B", "2012-05-05")
    X.import_bundle(hq, send(b, hq, tmp_path))
    page = _page(qtbot, a)
    page.send.peer.setCurrentIndex(page.send.peer.findData("HQ"))
    page.send.stats.setChecked(True)
    page.send.export_to(tmp_path / "stats")
    qtbot.waitUntil(lambda: page.send.last_result is not None, timeout=WAIT)
    assert page.send.last_result.scope == "stats"
    hpage = _page(qtbot, hq)
    _import(qtbot, hpage, page.send.last_result.path)
    rows = {hpage.centres.table.text(i, 0): [hpage.centres.table.text(i, j) for j in range(8)]
            for i in range(hpage.centres.table.rowCount())}
    assert rows["SB"][2] == "1" and rows["SA"][2] == "1" and rows["SA"][3] == "—"
    hpage.centres.table.selectRow(list(rows).index("SB"))
    hpage.centres.report(tmp_path / "sb.pdf", hpage.centres.selected_code(), open_after=False)
    qtbot.waitUntil(lambda: hpage.centres.last_report is not None, timeout=WAIT)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "sb.pdf")).pages)
    assert "Centre Statistics Report" in text and "Centre: SB" in text and "Period:" in text


def test_a_counsellor_sees_no_sync_actions(qtbot, team_ws):
    with open_as(team_ws, "siti", "siti passphrase 1") as siti:
        page = _page(qtbot, siti)
        assert not page.send.write.isEnabled() or not page.send.write.parentWidget().isEnabled()
        assert not page.receive.choose.isEnabled()
        assert not page.peers.add_button.isEnabled()
        assert page.conflicts.keep_mine.isHidden()


def test_refused_lines_show_in_the_preview_and_a_manager_decides_a_held_erasure(qtbot, sites, tmp_path):
    from datetime import date, timedelta

    from panti_desktop import retention
    from panti_desktop.sync import quarantine as Q

    from ..forge import dominating, forge

    a, b, hq = sites
    kept, other = child(a, "Dijaga Hukum"), child(a, "Anak Lain", "2012-01-01")
    X.import_bundle(hq, send(a, hq, tmp_path))
    retention.place_hold(hq, kept.id, "Diminta pengadilan", (date.today() + timedelta(days=400)).isoformat())
    for c in (kept, other):
        a.update_child(c.id, {"status": "dropped_out"})
        retention.erase(a, c.id, "selesai", today=date(2040, 1, 1))
    forged = dominating(hq, "child", kept.id, b, {**hq.child_data(kept.id), "full_name": "Penyusup"})
    hpage = _page(qtbot, hq)
    _import(qtbot, hpage, forge(b, hq, tmp_path / "forged.pantisync", [forged]))
    text = hpage.receive.preview_box.toPlainText()
    assert "Refused" in text and "SB does not hold this case" in text and "Refused tab" in text
    hpage.receive.preview(send(a, hq, tmp_path))
    qtbot.waitUntil(lambda: not hpage.receive.apply_button.isHidden(), timeout=WAIT)
    assert "legal hold" in hpage.receive.preview_box.toPlainText()  # the preview names the held erasures
    hpage.receive.last_result = None
    hpage.receive.apply()
    qtbot.waitUntil(lambda: hpage.receive.last_result is not None, timeout=WAIT)
    tab = hpage.quarantine
    assert hpage.tabs.tabText(hpage.tabs.indexOf(tab)) == "Refused (2 held)"
    assert tab.table.rowCount() == 3 and tab.items[0].held and tab.items[1].held
    reasons = [tab.table.text(i, 6) for i in range(3)]
    assert any("legal hold" in r for r in reasons) and any("SB" in r for r in reasons)
    row = next(i for i, q in enumerate(tab.items) if q.record_id == other.id)
    tab.table.selectRow(row)
    assert not tab.erase_button.isHidden() and not tab.keep_button.isHidden()
    assert tab.decide(True) and other.id not in hq.child_ids()
    row = next(i for i, q in enumerate(tab.items) if q.record_id == kept.id)
    tab.table.selectRow(row)
    assert tab.decide(False) and kept.id in hq.child_ids()
    assert hpage.tabs.tabText(hpage.tabs.indexOf(tab)) == "Refused" and Q.held_count(hq) == 0
    tab.table.selectRow(0)
    assert tab.erase_button.isHidden()  # the forged record: nothing to decide
    hpage.resize(1024, 600)
    hpage.tabs.setCurrentWidget(tab)
    tab.everything.setChecked(True)
    assert tab.table.rowCount() == 3
    hpage.grab().save(str(tmp_path / "refused.png"))


def test_a_manager_sends_and_receives_staff_see_one_sentence(qtbot, sites, tmp_path):
    from panti_desktop.sync import identity as I

    from ..conftest import FLOOR

    a, _b, hq = sites
    c = child(a)
    a.add_user("mira", "manager", "mira passphrase 1", kdf=FLOOR)
    a.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    hq.add_user("hana", "manager", "hana passphrase 1", kdf=FLOOR)
    with open_as(a, "budi", "budi passphrase 1") as budi:
        page = _page(qtbot, budi)
        assert not page.send.peer.isEnabled() and not page.receive.choose.isEnabled()
        assert page.send.result.text() == "Only a manager or an administrator writes and imports sync bundles."
    a.add_user("xavier", "admin", "xavier passphrase 1", kdf=FLOOR)
    a.remove_user("xavier")  # the sync keys are replaced: HQ waits for the notice
    with open_as(a, "mira", "mira passphrase 1") as mira:
        page = _page(qtbot, mira)
        row = next(i for i in range(page.peers.table.rowCount()) if page.peers.table.text(i, 0) == "HQ")
        assert page.peers.table.text(row, 6).startswith("not yet received")
        assert "HQ" in page.peers.notice_note.text() and page.peers.notice_note.isVisibleTo(page.peers)
        page.send.peer.setCurrentIndex(page.send.peer.findData("HQ"))
        page.send.export_to(tmp_path / "stick")
        qtbot.waitUntil(lambda: page.send.last_result is not None, timeout=WAIT)
        bundle = page.send.last_result.path
        page.resize(1024, 600)
        page.tabs.setCurrentWidget(page.peers)
        page.grab().save(str(tmp_path / "peers.png"))
    with open_as(hq, "hana", "hana passphrase 1") as hana:
        hpage = _page(qtbot, hana)
        res = _import(qtbot, hpage, bundle)
        assert any("replaced its sync keys" in w for w in res.warnings)
        assert hana.child_data(c.id)["full_name"] == "Budi Santoso"
    assert hq.verify() == []  # the peer's new keys, written by a manager, are authenticated under the ADMIN key
    back = send(hq, a, tmp_path)
    X.import_bundle(a, back)
    assert I.pending_by_peer(a).keys() == {"SB"}  # HQ has the new keys; SB still waits for a bundle
