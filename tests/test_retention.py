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
    no = retention.erase(ws, ended.id, reason="retensi habis", today=TODAY)
    assert no == ended.data["register_no"]
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = b"".join(p.read_bytes() for p in ws.data_dir.glob("centre.db*"))
    assert [s for s in secrets if s in blob] == []
    assert [p for p in payloads if p in blob] == []
    assert retention.erasures(ws)[0]["child_id"] == ended.id
    assert ws.child_ids() == [] and ws.verify() == []
    assert ws.audit_entries(limit=1)[0].action == "erase"


def test_open_or_not_yet_due_cases_cannot_be_erased(ws, ended):
    with pytest.raises(PantiError, match="runs until"):
        retention.erase(ws, ended.id, today=TODAY)
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

    for kind in ("termination", "follow_up", "consent", "legal_hold"):
        retention.set_years(ws, kind, 5)
    folder = tmp_path / "stick"
    folder.mkdir()
    n = count(1)  # a backup's name has the time to the second: give each its own
    monkeypatch.setattr(backup, "backup_name", lambda code: f"panti-{code}-2026112{next(n)}-000000.pantibak")

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
