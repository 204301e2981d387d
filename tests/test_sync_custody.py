"""A trusted peer is not an all-powerful peer: bundles validly signed by a trusted centre, built
as a compromised one would build them (tests/forge.py). Each refused line is quarantined with
its reason, the legitimate lines of the same bundle apply, and the receiver still saves,
exports and verifies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from panti_desktop import retention
from panti_desktop.errors import PermissionDenied
from panti_desktop.store import cases
from panti_desktop.sync import exchange as X
from panti_desktop.sync import quarantine as Q
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS
from .forge import DEVICE, dominating, forge, lines_of, version
from .test_sync import child, send


def _still_works(ws, tmp_path, child_id: str) -> None:
    """The receiver saves, exports and verifies after the import."""
    ws.update_child(child_id, {"nickname": "masih bisa"})
    assert ws.child_data(child_id)["nickname"] == "masih bisa"
    peer = "HQ" if ws.centre_code != "HQ" else "SA"
    assert X.export_changes(ws, peer, tmp_path / f"after-{ws.centre_code}.pantisync").records >= 1
    assert ws.verify() == []


def _snapshot(ws, child_id: str) -> dict:
    return {name: sorted(tuple(r) for r in ws.db.execute(
        f"SELECT id, hlc, origin, deleted, payload FROM {name} WHERE " + ("id" if name == "child" else "child_id")
        + " = ?", [child_id])) for name in ("child", "family", "session", "legal_hold")}


def _transfer_bundle_lines(b, a, tmp_path, name="Yudi Pratama") -> tuple[str, list[dict]]:
    """SB's real transfer of one of its cases to SA: the lines a legitimate bundle holds."""
    y = child(b, name, "2012-02-03")
    b.add_record("family", {"child_id": y.id, "structure": "intact"})
    path = X.export_child(b, y.id, "SA", tmp_path / f"transfer-{y.id}.pantisync").path
    return y.id, [o for o in lines_of(a, path) if o.get("t") != "centre"]


def test_a_record_never_shared_is_not_overwritten_and_the_rest_applies(sites, tmp_path):
    a, b, _hq = sites
    own = child(a, "Budi Santoso")
    before = _snapshot(a, own.id)
    y, legit = _transfer_bundle_lines(b, a, tmp_path)
    forged = dominating(a, "child", own.id, b, {**a.child_data(own.id), "full_name": "Diganti Penyerang"})
    res = X.import_bundle(a, forge(b, a, tmp_path / "f.pantisync", [forged, *legit], scope="transfer"))
    assert res.new == 2 and res.updated == 0  # SB's case and its family record
    [q] = res.quarantined
    assert q.kind == "child" and q.record_id == own.id and "SB" in q.reason and not q.held
    assert _snapshot(a, own.id) == before and a.child_data(y)["full_name"] == "Yudi Pratama"
    assert [x.id for x in Q.listed(a)] == [q.id]
    _still_works(a, tmp_path, own.id)


def test_a_final_session_is_never_replaced_a_different_version_is_an_amendment_conflict(sites, tmp_path):
    a, _b, hq = sites
    own = child(a)
    s = a.save_session_draft({**a.new_session_defaults(own.id), "notes": "Catatan asli", "participants": ["child"],
                              "duration_minutes": 60})
    a.finalise_session(s.id)
    X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(a, send(hq, a, tmp_path))  # headquarters may write SA's cases: they were shared
    original = a.get_record("session", s.id).data
    forged = dominating(a, "session", s.id, hq, {**original, "notes": "Catatan diganti"})
    res = X.import_bundle(a, forge(hq, a, tmp_path / "f.pantisync", [forged]))
    assert res.conflicts == 1 and res.updated == 0 and not res.quarantined
    assert a.get_record("session", s.id).data["notes"] == "Catatan asli"
    [conflict] = X.list_conflicts(a)
    assert conflict.reason == "amendment" and conflict.theirs["notes"] == "Catatan diganti"
    _still_works(a, tmp_path, own.id)


def test_the_receivers_centre_record_users_and_holds_are_not_a_peers_to_write(sites, tmp_path):
    a, b, hq = sites
    own = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(a, send(hq, a, tmp_path))
    hold = retention.place_hold(a, own.id, "Perkara berjalan", (date.today() + timedelta(days=90)).isoformat())
    centre = a.centre_record()
    profile = a.add_record("user_profile", {"user_id": a.user.id, "full_name": "Admin SA"}).id
    lines = [
        dominating(a, "centre", centre.id, b, {**centre.data, "name": "Lembaga Palsu"}),
        dominating(a, "user_profile", profile, b, {"user_id": "x", "full_name": "Penyusup"}),
        {"t": "centre", "id": a.centre_id, "code": "SB", "name": "SB", "type": "sentra"},
    ]
    res = X.import_bundle(a, forge(b, a, tmp_path / "b.pantisync", lines))
    assert len(res.quarantined) == 3 and a.centre_record().data["name"] == centre.data["name"]
    assert cases.centre_codes(a.db, a.centre_id, a.centre_code)[a.centre_id] == "SA"
    # headquarters may write SA's case, but not lift the hold SA placed
    lifted = dominating(a, "legal_hold", hold.id, hq, {**hold.data, "lifted_on": date.today().isoformat()})
    res = X.import_bundle(a, forge(hq, a, tmp_path / "hq.pantisync", [lifted]))
    [q] = res.quarantined
    assert q.kind == "legal_hold" and not a.get_record("legal_hold", hold.id).data.get("lifted_on")
    _still_works(a, tmp_path, own.id)


def test_an_erasure_under_a_legal_hold_here_is_held_for_a_manager(sites, tmp_path):
    a, b, hq = sites
    kept, other = child(a, "Dijaga Hukum"), child(a, "Anak Lain", "2012-01-01")
    X.import_bundle(hq, send(a, hq, tmp_path))
    retention.place_hold(hq, kept.id, "Diminta pengadilan", (date.today() + timedelta(days=400)).isoformat())
    for c in (kept, other):
        a.update_child(c.id, {"status": "dropped_out"})
        retention.erase(a, c.id, "selesai", today=date(2040, 1, 1))
    # SB, which holds neither case, also tries to erase one
    forged = {"t": "erasure", "child_id": other.id, "centre_id": b.centre_id, "erased_at": "2026-01-01",
              "hlc": b.records.clock.tick(), "origin": DEVICE}
    res = X.import_bundle(hq, forge(b, hq, tmp_path / "b.pantisync", [forged]))
    assert res.erased == 0 and "SB" in res.quarantined[0].reason and not res.quarantined[0].held
    res = X.import_bundle(hq, send(a, hq, tmp_path))
    assert res.erased == 0 and res.held == 2 and {kept.id, other.id} <= set(hq.child_ids())
    reasons = {q.record_id: q.reason for q in res.quarantined}
    assert "legal hold" in reasons[kept.id] and "retention" in reasons[other.id]
    # a counsellor cannot decide; a manager keeps the case under hold
    hq.add_user("mira", "manager", "manager-passphrase-1")
    hq.add_user("dewi", "counsellor", "counsellor-passphrase-1")
    folder = hq.data_dir
    with Workspace.open(folder, "dewi", "counsellor-passphrase-1") as counsellor, pytest.raises(PermissionDenied):
        Q.decide(counsellor, res.quarantined[0].id, erase=False)
    with Workspace.open(folder, "mira", "manager-passphrase-1") as manager:
        held = {q.record_id: q for q in Q.listed(manager)}
        assert Q.decide(manager, held[kept.id].id, erase=False).status == "kept"
    assert kept.id in hq.child_ids() and Q.held_count(hq) == 1
    # the next export from headquarters erases nothing anywhere
    X.import_bundle(a, send(hq, a, tmp_path))
    assert hq.verify() == []
    own = child(hq, "Anak Kantor Pusat", "2013-04-04")
    hq.update_child(own.id, {"nickname": "bisa"})
    # removing a user rotates the CASE key: the line still held is re-sealed with the records
    hq.remove_user("dewi")
    with Workspace.open(folder, "mira", "manager-passphrase-1") as manager:
        held = {q.record_id: q for q in Q.listed(manager) if q.held}
        assert Q.decide(manager, held[other.id].id, erase=True).status == "erased"
    assert other.id not in hq.child_ids() and hq.verify() == []


def test_a_transfer_is_accepted_only_from_the_centre_that_holds_the_case(sites, tmp_path):
    a, b, hq = sites
    own = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    grab = {"t": "transfer", "id": "f" * 32, "child_id": own.id, "from_code": "SA", "to_code": "SB",
            "at": "2026-01-01T00:00:00+00:00", "hlc": b.records.clock.tick(), "origin": DEVICE}
    self_grant = {**grab, "id": "e" * 32, "from_code": "SB", "to_code": "SB"}
    y, legit = _transfer_bundle_lines(b, a, tmp_path)
    for receiver in (a, hq):
        res = X.import_bundle(receiver, forge(b, receiver, tmp_path / f"t-{receiver.centre_code}.pantisync",
                                              [grab, self_grant] + (legit if receiver is a else [])))
        assert {q.line_type for q in res.quarantined} == {"transfer"} and len(res.quarantined) == 2
        assert cases.transferred_away(receiver.db, receiver.centre_code, own.id) is None
        assert receiver.custody()[own.id] == "SA"
    a.update_child(own.id, {"nickname": "tetap di sini"})  # not read-only
    assert a.custody()[y] == "SA"  # SB's real transfer of its own case applied
    _still_works(a, tmp_path, own.id)


def test_invalid_and_oversized_fields_are_quarantined_with_the_field(sites, tmp_path):
    a, b, _hq = sites
    own = child(a)
    y, legit = _transfer_bundle_lines(b, a, tmp_path)
    bad_child = "z" * 32
    lines = [
        version(b, "family", "f1" * 16, {"child_id": y, "structure": "bogus"}),
        version(b, "family", "f2" * 16, {"child_id": y, "structure": "intact", "backdoor": "1"}),
        version(b, "legal_track", "l1" * 16, {"child_id": y, "letter_date": "2026-13-45"}),
        version(b, "child", bad_child, {"full_name": "N" * 30_000, "birth_date": "2011-01-01"}),
        version(b, "family", "f3" * 16, {"child_id": bad_child, "structure": "intact"}),
        version(b, "family", "f4" * 16, {"child_id": y, "structure": "intact", "strengths": "x" * 5_000_000}),
        version(b, "child", y, {"full_name": "Yudi", "birth_date": "2012-02-03", "status": "nonsense"},
                hlc=b.records.clock.tick()),
    ]
    transfer = [o for o in legit if o.get("t") == "transfer"]
    records = [o for o in legit if o.get("t") != "transfer"]
    res = X.import_bundle(a, forge(b, a, tmp_path / "f.pantisync", records + lines + transfer, scope="transfer"))
    by_id = {q.record_id: q for q in res.quarantined}
    assert by_id["f1" * 16].field == "structure" and by_id["f2" * 16].field == "backdoor"
    assert by_id["l1" * 16].field == "letter_date"
    assert by_id[bad_child].field == "full_name" and "long" in by_id[bad_child].reason
    assert "f3" * 16 in by_id  # the records of a refused child go with it
    assert "KiB" in by_id["f4" * 16].reason  # a 5 MB line: refused on its own
    assert by_id[y].field == "status"
    assert len(res.quarantined) == 7 and res.new == 2  # SB's case and its real family record applied
    assert a.child_data(y)["full_name"] == "Yudi Pratama" and bad_child not in a.child_ids()
    _still_works(a, tmp_path, own.id)


def test_a_huge_clock_is_refused_and_saving_keeps_working_across_restarts(sites, tmp_path):
    a, _b, hq = sites
    own = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(a, send(hq, a, tmp_path))
    data = a.child_data(own.id)
    huge = 2**63 - 11
    lines = [version(hq, "child", own.id, {**data, "nickname": "jam besar"}, hlc=huge),
             version(hq, "family", "a1" * 16, {"child_id": own.id, "structure": "intact"},
                     vv={"other": huge, DEVICE: 5}, hlc=5),
             {"t": "erasure", "child_id": "9" * 32, "centre_id": hq.centre_id, "erased_at": "2026-01-01",
              "hlc": huge, "origin": DEVICE},
             version(hq, "family", "a2" * 16, {"child_id": own.id, "structure": "divorced"})]
    res = X.import_bundle(a, forge(hq, a, tmp_path / "f.pantisync", lines))
    assert len(res.quarantined) == 3 and all("clock" in q.reason for q in res.quarantined)
    assert res.new == 1 and a.get_record("family", "a2" * 16).data["structure"] == "divorced"
    folder = a.data_dir
    a.close()
    with Workspace.open(folder, "admin", ADMIN_PASS) as again:
        assert again.records.clock.last < 2**62
        _still_works(again, tmp_path, own.id)


@pytest.mark.parametrize("depth", [990, 1020, 5000])
def test_deeply_nested_json_is_refused_cleanly(sites, tmp_path, depth):
    a, _b, hq = sites
    own = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(a, send(hq, a, tmp_path))
    deep = (b'{"t":"v","k":"family","id":"' + b"d" * 32 + b'","h":1,"o":"x","vv":{"x":1},"d":0,"c":"c","ca":"",'
            b'"cb":"","ua":"","ub":"","data":{"child_id":"' + own.id.encode() + b'","answers":'
            + b"[" * depth + b"]" * depth + b"}}\n")
    good = version(hq, "family", "b1" * 16, {"child_id": own.id, "structure": "intact"})
    res = X.import_bundle(a, forge(hq, a, tmp_path / "f.pantisync", [deep, good],
                                   counts={"family": 2}))
    [q] = res.quarantined
    assert "nested" in q.reason and q.kind == "family" and res.new == 1
    _still_works(a, tmp_path, own.id)


def test_the_preview_shows_the_quarantined_lines_and_changes_nothing(sites, tmp_path):
    a, b, _hq = sites
    own = child(a)
    forged = dominating(a, "child", own.id, b, {**a.child_data(own.id), "full_name": "X"})
    path = forge(b, a, tmp_path / "f.pantisync", [forged])
    res = X.import_bundle(a, path, preview=True)
    assert res.preview and len(res.quarantined) == 1 and Q.listed(a) == []
    assert len(X.import_bundle(a, path).quarantined) == 1 and len(Q.listed(a)) == 1


def test_a_bundle_read_beside_refuses_the_same_lines(sites, tmp_path):
    """A large bundle is read (parsed, checked, sealed) by a second process: it refuses the same
    lines, with the same reasons, and the merge quarantines them."""
    a, _b, hq = sites
    own = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(a, send(hq, a, tmp_path))
    lines = [version(hq, "family", "c1" * 16, {"child_id": own.id, "structure": "bogus"}),
             version(hq, "family", "c2" * 16, {"child_id": own.id, "structure": "intact"}, hlc=2**63 - 11),
             version(hq, "family", "c3" * 16, {"child_id": own.id, "structure": "intact"}),
             b'{"t":"v","k":"family","id":"c4","data":' + b"[" * 40 + b"]" * 40 + b"}\n"]
    path = forge(hq, a, tmp_path / "f.pantisync", lines, counts={"family": 4})
    res = X.import_bundle(a, path, read_beside=True)
    reasons = {q.record_id: q.reason for q in res.quarantined}
    assert set(reasons) == {"c1" * 16, "c2" * 16, "c4"} and res.new == 1
    assert "clock" in reasons["c2" * 16] and "nested" in reasons["c4"]
    assert a.get_record("family", "c3" * 16).data["structure"] == "intact"
    _still_works(a, tmp_path, own.id)
