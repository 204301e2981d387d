"""Consent flags, retention review, legal holds and erasure that leaves nothing behind."""

from __future__ import annotations

import json
from datetime import date

import pytest

from panti_desktop import retention
from panti_desktop.errors import PantiError, PermissionDenied
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import run

TODAY = date(2026, 11, 24)


@pytest.fixture
def ended(ws):
    """A case that ended with a termination six years ago, with a session, a family, a consent."""
    child = ws.register_child({"full_name": "Yoga Dwi Saputra", "nickname": "Yogi", "birth_date": "2003-05-01",
                               "intake_date": "2019-02-01", "address": "Jl. Cempaka No. 9, Bantul",
                               "nik": "3402010105030007"})
    for state in ("initial_engagement", "assessment", "planning", "intervention", "evaluation",
                  "reintegration_prep", "termination"):
        ws.transition(child.id, state)
    ws.add_record("family", {"child_id": child.id, "structure": "intact", "needs": "Pengawasan malam hari"})
    ws.save_session_draft({**ws.new_session_defaults(child.id, today=date(2020, 3, 1)),
                           "notes": "Catatan rahasia kunjungan rumah keluarga Saputra"})
    ws.add_record("consent", {"child_id": child.id, "given_by": "Ibu Sri", "relation": "mother",
                              "given_on": "2019-02-01"})
    ws.add_record("termination", {"child_id": child.id, "terminated_on": "2020-06-30", "reason": "goals_achieved"})
    ws.transition(child.id, "closed")
    return child


def test_a_child_without_consent_is_flagged(ws, ended):
    other = ws.register_child({"full_name": "Tanpa Persetujuan"})
    assert ws.child_row(ended.id).consent is True
    assert ws.child_row(other.id).consent is False
    consent = ws.records_for_child("consent", ended.id)[0]
    ws.update_record("consent", consent.id, {"withdrawn_on": "2020-01-01", "withdrawn_by": "Ibu Sri"})
    assert ws.child_row(ended.id).consent is False


def test_review_lists_cases_past_their_retention(ws, ended):
    open_case = ws.register_child({"full_name": "Masih Aktif"})
    items = retention.review(ws, TODAY)
    assert [i.child_id for i in items] == [ended.id]
    item = items[0]
    assert item.ended_on == "2020-06-30" and item.due_on == "2030-06-30" and not item.past_due  # 10 years
    retention.set_years(ws, "legal_track", 3)
    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        retention.set_years(ws, kind, 5)
    item = retention.review(ws, TODAY)[0]
    assert item.due_on == "2025-06-30" and item.past_due
    assert open_case.id not in [i.child_id for i in retention.review(ws, TODAY)]


def test_review_names_the_record_types_past_their_own_period(ws, ended):
    [item] = retention.review(ws, TODAY)
    # family and sessions: 5 years; consent and termination 10, the child's identity goes with the whole case
    assert item.kinds_due == ["family", "session"] and item.partial and not item.past_due
    assert item.due_by_kind == {"child": "2030-06-30", "family": "2025-06-30", "consent": "2030-06-30",
                                "session": "2025-06-30", "termination": "2030-06-30",
                                "follow_up": "2030-06-30"}  # scheduled at termination
    assert retention.review(ws, date(2025, 6, 29), only_due=True) == []
    [early] = retention.review(ws, date(2025, 6, 29))
    assert early.kinds_due == [] and not early.partial
    [whole] = retention.review(ws, date(2030, 6, 30), only_due=True)
    assert whole.past_due and not whole.partial and set(whole.kinds_due) == set(whole.due_by_kind)


def test_a_record_is_kept_as_long_as_the_records_that_refer_to_it(ws, ended):
    plan = ws.add_record("plan", {"child_id": ended.id, "start_date": "2019-03-01"})
    ws.add_record("overarching_goal", {"child_id": ended.id, "plan_id": plan.id, "text": "Aman di rumah"})
    retention.set_years(ws, "overarching_goal", 8)
    retention.set_years(ws, "termination", 3)  # dates the end of the case: it goes only with the whole case
    [item] = retention.review(ws, TODAY)
    assert item.due_by_kind["plan"] == item.due_by_kind["overarching_goal"] == "2028-06-30"
    assert item.due_by_kind["termination"] == item.due_on == "2030-06-30"
    assert "plan" not in item.kinds_due and "termination" not in item.kinds_due


def test_legal_hold_blocks_erasure_and_erasure_leaves_nothing(ws, ended):
    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        retention.set_years(ws, kind, 5)
    secrets = [b"Yoga Dwi Saputra", b"3402010105030007", b"Jl. Cempaka No. 9", b"Catatan rahasia kunjungan",
               b"Pengawasan malam hari"]
    payloads = [r[0] for name in ("child", "session", "family", "consent") for r in ws.db.execute(
        f"SELECT payload FROM {name} WHERE {'id' if name == 'child' else 'child_id'} = ?", [ended.id])]
    assert len(payloads) == 4
    hold = retention.place_hold(ws, ended.id, "Perkara banding di Pengadilan Tinggi", "2027-12-31")
    with pytest.raises(PantiError, match="legal hold"):
        retention.erase(ws, ended.id, today=TODAY)
    retention.lift_hold(ws, hold.id)
    done = retention.erase(ws, ended.id, reason="retensi habis", today=TODAY)
    assert done.register_no == ended.data["register_no"] and done.whole
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = b"".join(p.read_bytes() for p in ws.data_dir.glob("centre.db*"))
    assert [s for s in secrets if s in blob] == []
    assert [p for p in payloads if p in blob] == []
    assert retention.erasures(ws)[0]["child_id"] == ended.id
    assert ws.child_ids() == [] and ws.verify() == []
    assert ws.audit_entries(limit=1)[0].action == "erase"


def test_open_or_not_yet_due_cases_cannot_be_erased(ws, ended):
    with pytest.raises(PantiError, match="first records are due on 2025-06-30, the whole case on 2030-06-30"):
        retention.erase(ws, ended.id, today=date(2024, 1, 1))
    for kind in ("family", "session"):
        retention.set_years(ws, kind, 10)
    with pytest.raises(PantiError, match="runs until 2030-06-30"):
        retention.erase(ws, ended.id, today=TODAY)
    assert ws.records_for_child("session", ended.id) != []
    open_case = ws.register_child({"full_name": "Masih Aktif"})
    with pytest.raises(PantiError, match="still open"):
        retention.erase(ws, open_case.id, today=TODAY)


def test_only_managers_and_admins_decide(ws, ended):
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    with Workspace.open(ws.data_dir, "siti", "siti passphrase 1") as siti:
        with pytest.raises(PermissionDenied):
            retention.place_hold(siti, ended.id, "x", "2030-01-01")
        with pytest.raises(PermissionDenied):
            retention.erase(siti, ended.id)


def test_retention_from_the_command_line(ws, ended):
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}
    d = ws.data_dir
    items = json.loads(run(["retention", "list", "--all", "--json"], env, d, check=0).stdout)
    assert [i["register_no"] for i in items] == [ended.data["register_no"]]
    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        run(["retention", "rules", "--set", f"{kind}=5"], env, d, check=0)
    assert json.loads(run(["retention", "list", "--json"], env, d, check=0).stdout)[0]["past_due"] is True
    run(["retention", "hold", ended.data["register_no"], "--reason", "Banding", "--until", "2030-01-01"], env, d,
        check=0)
    r = run(["--lang", "en", "retention", "erase", ended.data["register_no"]], env, d, check=1)
    assert "legal hold" in r.stderr
    r = run(["--lang", "en", "retention", "hold", ended.data["register_no"], "--reason", "x", "--until",
             "2030-02-30"], env, d, check=1)
    assert "date" in r.stderr


def test_the_review_names_backups_that_still_hold_an_erased_case(ws, ended, tmp_path):
    from panti_desktop import backup

    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        retention.set_years(ws, kind, 5)
    before = backup.create_backup(ws, tmp_path / "before.pantibak")
    assert backup.backups_holding_erased(ws) == []
    retention.erase(ws, ended.id, today=TODAY)
    assert [h["path"] for h in backup.backups_holding_erased(ws)] == [str(before.path)]
    backup.create_backup(ws, tmp_path / "after.pantibak")
    before.path.unlink()  # deleted by rotation or by hand
    assert backup.backups_holding_erased(ws) == []


def test_rotation_deletes_backups_holding_an_erased_case_first(ws, ended, tmp_path, monkeypatch):
    from itertools import count

    from panti_desktop import backup
    from panti_desktop.backup import service

    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        retention.set_years(ws, kind, 5)
    folder = tmp_path / "stick"
    folder.mkdir()
    n = count(1)  # a backup's name has the time to the second: give each its own
    monkeypatch.setattr(service, "backup_name", lambda code: f"panti-{code}-2026112{next(n)}-000000.pantibak")

    def made(k: int):
        return [backup.create_backup(ws, folder, keep=5).path for _i in range(k)]

    old = made(2)
    retention.erase(ws, ended.id, today=TODAY)
    first_after = made(1)
    # one clean backup is not enough to rely on: the older ones stay (keep=5)
    assert all(p.exists() for p in old + first_after)
    second_after = made(1)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in first_after + second_after)
    assert backup.backups_holding_erased(ws) == []


@pytest.fixture
def with_legal_track(ws, ended):
    """The ended case with its legal track (kept 10 years, for the court)."""
    ws.add_record("legal_track", {"child_id": ended.id, "case_no": "7/Pid.Sus-Anak/2019/PN Btl",
                                  "decision": "Putusan pelatihan kerja di LPKS"})
    return ended


def _db_bytes(ws) -> bytes:
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in ws.data_dir.glob("centre.db*"))


def test_sessions_are_erased_when_their_period_ends_and_the_legal_track_stays(ws, with_legal_track):
    child = with_legal_track
    [item] = retention.review(ws, TODAY, only_due=True)
    assert item.partial and "session" in item.kinds_due and "legal_track" not in item.kinds_due
    sealed = [r[0] for name in ("session", "family") for r in ws.db.execute(
        f"SELECT payload FROM {name} WHERE child_id = ?", [child.id])]
    assert len(sealed) == 2
    done = retention.erase(ws, child.id, reason="masa retensi sesi habis", today=TODAY)
    assert not done.whole and done.kinds == ["family", "session"] and done.records == 2
    blob = _db_bytes(ws)
    assert b"Catatan rahasia kunjungan" not in blob and b"Pengawasan malam hari" not in blob
    assert [p for p in sealed if p in blob] == []
    # the rest of the file is there and readable; sessions are just gone
    assert ws.records_for_child("legal_track", child.id)[0].data["case_no"] == "7/Pid.Sus-Anak/2019/PN Btl"
    assert ws.records_for_child("session", child.id) == [] and ws.records_for_child("family", child.id) == []
    assert ws.child_ids() == [child.id] and ws.child_data(child.id)["full_name"] == "Yoga Dwi Saputra"
    entry = ws.audit_entries(limit=1)[0]
    assert entry.action == "erase" and "session" in entry.detail and child.data["register_no"] in entry.detail
    cf = ws.child_file(child.id)
    assert cf.sections["session"] == [] and len(cf.sections["legal_track"]) == 1
    assert retention.erasures(ws) == [] and ws.verify() == []
    # what was erased holds no live records: nothing is due until the rest runs out
    assert retention.review(ws, TODAY, only_due=True) == []
    with pytest.raises(PantiError, match="already been erased"):
        retention.erase(ws, child.id, today=TODAY)
    # eleven years after: the whole case goes, as before
    whole = retention.erase(ws, child.id, today=date(2031, 7, 1))
    assert whole.whole and retention.erasures(ws)[0]["child_id"] == child.id
    assert ws.child_ids() == [] and b"Yoga Dwi Saputra" not in _db_bytes(ws)


def test_a_legal_hold_blocks_a_partial_erasure(ws, with_legal_track):
    retention.place_hold(ws, with_legal_track.id, "Perkara banding", "2027-12-31")
    [item] = retention.review(ws, TODAY)
    assert item.partial and item.hold_until == "2027-12-31"
    with pytest.raises(PantiError, match="legal hold"):
        retention.erase(ws, with_legal_track.id, today=TODAY)
    assert len(ws.records_for_child("session", with_legal_track.id)) == 1


def test_a_partial_erasure_deletes_the_records_at_peers_too(sites, tmp_path):
    from panti_desktop.sync import exchange as X

    a, _b, hq = sites
    child = a.register_child({"full_name": "Rahasia Sekali", "intake_date": "2019-02-01"})
    for state in ("initial_engagement", "assessment", "planning", "intervention", "evaluation",
                  "reintegration_prep", "termination"):
        a.transition(child.id, state)
    a.add_record("legal_track", {"child_id": child.id, "case_no": "7/Pid.Sus-Anak/2019/PN Btl"})
    a.save_session_draft({**a.new_session_defaults(child.id, today=date(2020, 3, 1)),
                          "notes": "CATATAN-SESI-UNIK-42"})
    fam = a.add_record("family", {"child_id": child.id, "structure": "intact", "needs": "awal"})
    a.add_record("termination", {"child_id": child.id, "terminated_on": "2020-06-30", "reason": "goals_achieved"})
    a.transition(child.id, "closed")
    n = iter(range(100))

    def send(src, dst):
        path = tmp_path / f"{src.centre_code}-{dst.centre_code}-{next(n)}.pantisync"
        X.export_changes(src, dst.centre_code, path)
        return X.import_bundle(dst, path)

    send(a, hq)
    # both sides edited the family at once: each keeps the other's version as a conflict (the centre's,
    # made last, wins; the deletion must also replace headquarters' version, which it never descended from)
    hq.update_record("family", fam.id, {"needs": "VERSI-PUSAT"})
    a.update_record("family", fam.id, {"needs": "VERSI-SENTRA"})
    send(a, hq)
    send(hq, a)
    assert a.records.get("family", fam.id).data["needs"] == "VERSI-SENTRA"
    assert X.list_conflicts(a) and X.list_conflicts(hq)
    at_hq = [r[0] for r in hq.db.execute("SELECT payload FROM session WHERE child_id = ? UNION ALL "
                                         "SELECT payload FROM family WHERE child_id = ? UNION ALL "
                                         "SELECT payload FROM conflict WHERE child_id = ?", [child.id] * 3)]
    assert len(at_hq) == 3
    done = retention.erase(a, child.id, today=TODAY)
    assert done.kinds == ["family", "session"] and X.list_conflicts(a) == []
    res = send(a, hq)
    assert res.erased == 0  # no tombstone: the deletions travel as ordinary versions
    assert hq.records_for_child("session", child.id) == [] and hq.records_for_child("family", child.id) == []
    assert X.list_conflicts(hq) == []
    assert hq.records_for_child("legal_track", child.id)[0].data["case_no"] == "7/Pid.Sus-Anak/2019/PN Btl"
    blob = _db_bytes(hq)
    assert [p for p in at_hq if p in blob] == [] and b"CATATAN-SESI-UNIK-42" not in blob
    assert hq.verify() == []
    # and back again: headquarters' next bundle brings nothing back to life
    send(hq, a)
    assert a.records_for_child("family", child.id) == [] and X.list_conflicts(a) == []


def test_partial_erasure_from_the_command_line(ws, with_legal_track):
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}
    d, no = ws.data_dir, with_legal_track.data["register_no"]
    ws.close()
    [item] = json.loads(run(["retention", "list", "--json"], env, d, check=0).stdout)
    assert item["register_no"] == no and item["partial"] is True and item["past_due"] is False
    assert item["kinds_due"] == ["family", "session"] and item["due_by_kind"]["legal_track"] == "2030-06-30"
    r = run(["--lang", "en", "retention", "list"], env, d, check=0)
    assert "part (2 of 7 record types)" in r.stdout and "Family, Session" in r.stdout
    assert "Identity, Legal track, Consent, Termination, Follow-up until 2030-06-30" in r.stdout
    r = run(["--lang", "en", "retention", "erase", no, "--reason", "masa retensi"], env, d, check=0)
    assert f"From case {no}" in r.stdout and "Family, Session" in r.stdout and "2 in all" in r.stdout
    r = run(["retention", "erase", no], env, d, check=1)  # Indonesian by default
    assert "sudah dihapus" in r.stderr
    assert json.loads(run(["retention", "list", "--json"], env, d, check=0).stdout) == []
    with Workspace.open(d, "admin", ADMIN_PASS) as again:
        assert again.records_for_child("session", with_legal_track.id) == []
        assert len(again.records_for_child("legal_track", with_legal_track.id)) == 1


def test_backups_made_before_a_partial_erasure_are_named_and_rotated_first(ws, with_legal_track, tmp_path):
    from panti_desktop import backup

    before = backup.create_backup(ws, tmp_path / "before.pantibak")
    assert backup.backups_holding_erased(ws) == []
    done = retention.erase(ws, with_legal_track.id, today=TODAY)
    assert not done.whole  # only the sessions and the family went
    assert [h["path"] for h in backup.backups_holding_erased(ws)] == [str(before.path)]
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}
    d = ws.data_dir
    r = run(["--lang", "en", "retention", "list", "--all"], env, d, check=0)
    assert "still hold erased records" in r.stdout and str(before.path) in r.stdout
    backup.create_backup(ws, tmp_path / "after.pantibak")
    before.path.unlink()
    assert backup.backups_holding_erased(ws) == []


def test_a_manager_erases_record_types_past_their_period(ws, with_legal_track):
    ws.add_user("hendra", "manager", "hendra passphrase 1", kdf=FLOOR)
    with Workspace.open(ws.data_dir, "hendra", "hendra passphrase 1") as hendra:
        done = retention.erase(hendra, with_legal_track.id, reason="masa retensi", today=TODAY)
        assert not done.whole and "session" in done.kinds
        assert hendra.records_for_child("session", with_legal_track.id) == []
