"""Export, import and merge between centres and headquarters."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from panti_desktop import retention
from panti_desktop.errors import PantiError, PermissionDenied
from panti_desktop.sync import common, importing, quarantine
from panti_desktop.sync import exchange as X
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, make_site, trust_all  # noqa: F401 - shared with other sync tests


def child(ws, name="Budi Santoso", birth="2011-03-04"):
    return ws.register_child({"full_name": name, "birth_date": birth, "intake_date": "2026-01-05"})


def send(src, dst, tmp_path, name=None):
    path = tmp_path / (name or f"{src.centre_code}-{dst.centre_code}-{len(list(tmp_path.iterdir()))}.pantisync")
    X.export_changes(src, dst.centre_code, path)
    return path


def test_records_travel_to_headquarters_and_back_is_a_no_op(sites, tmp_path):
    a, _b, hq = sites
    c = child(a)
    a.add_record("family", {"child_id": c.id, "structure": "intact"})
    path = send(a, hq, tmp_path)
    res = X.import_bundle(hq, path)
    assert res.new == 3 and res.conflicts == 0  # centre, child, family
    assert hq.child_data(c.id)["full_name"] == "Budi Santoso"
    assert hq.custody()[c.id] == "SA"
    assert hq.verify() == []
    with pytest.raises(X.AlreadyImported):
        X.import_bundle(hq, path)
    # the acknowledgement tells the centre what arrived: the next export is empty of records
    assert res.ack_path is not None and res.ack_path.exists()
    X.import_bundle(a, res.ack_path)
    again = X.export_changes(a, "HQ", tmp_path / "next.pantisync")
    assert again.records == 0


def test_an_import_lands_whether_or_not_it_may_leave_the_write_ahead_log(sites, tmp_path, monkeypatch):
    a, _b, hq = sites
    monkeypatch.setattr(importing, "ROLLBACK_JOURNAL_RECORDS", 1)  # merged as a large bundle is
    used, real = [], importing.rollback_journal

    @contextlib.contextmanager
    def spy(db):
        with real(db) as journal:
            used.append(journal)
            yield journal

    monkeypatch.setattr(importing, "rollback_journal", spy)
    c = child(a)
    first = send(a, hq, tmp_path)
    other = sqlite3.connect(hq.data_dir / "centre.db")  # a second reader keeps the import in WAL
    try:
        other.execute("SELECT COUNT(*) FROM child").fetchone()
        assert X.import_bundle(hq, first).new == 2
    finally:
        other.close()
    a.update_child(c.id, {"nickname": "Budi"})
    assert X.import_bundle(hq, send(a, hq, tmp_path)).updated == 1  # alone, through a rollback journal
    assert hq.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert hq.child_data(c.id)["nickname"] == "Budi" and hq.verify() == []
    assert used == [False, True]


def test_concurrent_edits_keep_both_sides_until_resolved(sites, tmp_path):
    a, b, hq = sites
    c = child(a)
    X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(b, X.export_child(a, c.register_no if hasattr(c, "register_no") else c.id, "SB",
                                      tmp_path / "transfer.pantisync").path)
    with pytest.raises(PermissionDenied, match="transferred"):
        a.update_child(c.id, {"nickname": "A"})
    # headquarters learns of the transfer from the centre that gave the case away, never from the
    # one that received it (which could claim any case so)
    X.import_bundle(hq, send(a, hq, tmp_path))
    assert hq.custody()[c.id] == "SB"
    b.update_child(c.id, {"nickname": "Budi B"})
    hq.update_child(c.id, {"nickname": "Budi HQ"})
    res = X.import_bundle(hq, send(b, hq, tmp_path))
    assert res.conflicts == 1
    [conf] = X.list_conflicts(hq)
    assert {conf.mine["nickname"], conf.theirs["nickname"]} == {"Budi B", "Budi HQ"}
    X.resolve_conflict(hq, conf.id, "theirs")
    assert X.list_conflicts(hq) == []
    kept = conf.theirs["nickname"]
    assert hq.records.get("child", c.id).data["nickname"] == kept
    # the resolution reaches the centre holding the case and replaces both sides there
    X.import_bundle(b, send(hq, b, tmp_path))
    assert b.records.get("child", c.id).data["nickname"] == kept
    assert X.list_conflicts(b) == []


def test_delete_against_an_edit_keeps_the_edit(sites, tmp_path):
    a, _b, hq = sites
    c = child(a)
    fam = a.add_record("family", {"child_id": c.id, "structure": "intact"})
    X.import_bundle(hq, send(a, hq, tmp_path))
    a.delete_record("family", fam.id)
    hq.update_record("family", fam.id, {"structure": "divorced"})
    X.import_bundle(hq, send(a, hq, tmp_path))
    rec = hq.records.get("family", fam.id)
    assert not rec.deleted and rec.data["structure"] == "divorced"
    [conf] = X.list_conflicts(hq)
    assert conf.reason == "deleted" and conf.theirs_deleted


def test_same_child_registered_twice_is_flagged_not_merged(sites, tmp_path):
    a, b, hq = sites
    child(a, "Budi Santoso", "2011-03-04")
    child(b, "Budi Santosa", "2011-03-04")
    child(b, "Agus Salim", "2011-03-04")
    X.import_bundle(hq, send(a, hq, tmp_path))
    res = X.import_bundle(hq, send(b, hq, tmp_path))
    assert res.duplicates == 1
    flags = [c for c in X.list_conflicts(hq) if c.reason == "duplicate"]
    assert len(flags) == 1 and len(hq.child_ids()) == 3
    with pytest.raises(PantiError):
        X.resolve_conflict(hq, flags[0].id, "mine")
    X.resolve_conflict(hq, flags[0].id, "both")
    assert X.list_conflicts(hq) == []


def test_an_erasure_travels_and_erases_at_headquarters(sites, tmp_path):
    a, _b, hq = sites
    c = child(a, "Rahasia Sekali")
    a.add_record("family", {"child_id": c.id, "structure": "intact", "strengths": "CATATAN-UNIK-123"})
    X.import_bundle(hq, send(a, hq, tmp_path))
    a.update_child(c.id, {"status": "dropped_out"})
    retention.erase(a, c.id, "test", today=__import__("datetime").date(2040, 1, 1))
    res = X.import_bundle(hq, send(a, hq, tmp_path))
    # erased at the centre in 2040, but here the case has not passed its retention yet: the
    # erasure is held for a manager, who accepts it
    assert res.erased == 0 and res.held == 1 and c.id in hq.child_ids()
    [held] = quarantine.listed(hq)
    assert held.held and held.line_type == "erasure" and "retention" in held.reason
    assert quarantine.decide(hq, held.id, erase=True).status == "erased"
    assert c.id not in hq.child_ids() and quarantine.listed(hq) == []
    hq.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = (hq.data_dir / "centre.db").read_bytes()
    assert b"Rahasia" not in blob and c.id.encode() in blob  # only the tombstone's random id stays


def test_headquarters_sees_each_centre_and_statistics_bundles(sites, tmp_path):
    from datetime import date

    from panti_desktop.reports import statistics
    from panti_desktop.sync import hq as H

    a, b, hq = sites
    for i, sex in enumerate(["male", "male", "female"]):
        c = child(a, f"Anak A{i}", f"2011-0{i + 1}-01")
        a.update_child(c.id, {"sex": sex})
    child(b, "Anak B", "2012-05-05")
    X.import_bundle(hq, send(b, hq, tmp_path))
    # A sends only its statistics: counts, no names
    res = X.export_stats(a, "HQ", tmp_path / "a-stats.pantisync", date(2026, 1, 1), date(2026, 6, 30))
    raw = (tmp_path / "a-stats.pantisync").read_bytes()
    assert b"Anak" not in raw and res.counts["children"] == 3
    got = X.import_bundle(hq, res.path)
    assert got.stats == 1 and got.records == 0
    with pytest.raises(PantiError, match="headquarters"):
        X.export_stats(a, "SB", tmp_path / "no.pantisync")
    rows = {r.code: r for r in H.overview(hq)}
    assert set(rows) == {"SA", "SB"}
    assert rows["SB"].children == 1 and not rows["SB"].from_statistics
    assert rows["SA"].from_statistics and rows["SA"].stats_children == 3
    assert rows["SA"].stats_period == ("2026-01-01", "2026-06-30")
    # the report across all centres adds A's bundle to B's records; per centre it keeps them apart
    every = statistics.compute(hq, date(2026, 1, 1), date(2026, 6, 30))
    assert every.children == 4 and len(every.sources) == 1 and "SA" in every.sources[0]
    sexes = {r.code: r.count for r in every.table("child_sex").rows}
    assert sum(sexes.values()) == 4
    only_b = statistics.compute(hq, date(2026, 1, 1), date(2026, 6, 30), centre="SB")
    assert only_b.children == 1 and not only_b.sources
    only_a = statistics.compute(hq, date(2026, 1, 1), date(2026, 6, 30), centre="SA")
    assert only_a.children == 3
    # at the centre itself the report is unchanged by any of this
    assert statistics.compute(a, date(2026, 1, 1), date(2026, 6, 30)).children == 3
    out = statistics.build(hq, tmp_path / "sb.pdf", date(2026, 1, 1), date(2026, 6, 30), centre="SB")
    assert out.exists() and out.stat().st_size > 1000


def test_headquarters_adds_exact_counts_before_it_hides_small_ones(sites, tmp_path):
    """A's statistics bundle carries its exact counts (two girls, a 2 that A's own report hides);
    B's records add one girl at headquarters: the sum, 3, is printed there."""
    from datetime import date

    from panti_desktop import statistics as S

    a, b, hq = sites
    for i, sex in enumerate(["male", "male", "male", "female", "female"]):
        c = child(a, f"Anak A{i}", f"2011-0{i + 1}-01")
        a.update_child(c.id, {"sex": sex})
    for i, sex in enumerate(["male", "male", "female"]):
        c = child(b, f"Anak B{i}", f"2012-0{i + 1}-05")
        b.update_child(c.id, {"sex": sex})
    own = S.compute(a, date(2026, 1, 1), date(2026, 6, 30)).table("child_sex")
    assert own.row("female").hidden and own.row("male").hidden  # 3 + 2 of 5 at A: both hidden
    res = X.export_stats(a, "HQ", tmp_path / "a.pantisync", date(2026, 1, 1), date(2026, 6, 30))
    X.import_bundle(hq, res.path)
    from panti_desktop.store import cases
    kept = cases.received_stats(hq.db, hq.ring)[0]["aggregate"]
    assert kept["tables"]["child_sex"]["counts"] == {"male": 3, "female": 2}  # exact in the bundle
    X.import_bundle(hq, send(b, hq, tmp_path))
    every = S.compute(hq, date(2026, 1, 1), date(2026, 6, 30)).table("child_sex")
    assert (every.row("female").count, every.row("female").hidden) == (3, False)
    assert (every.row("male").count, every.row("male").hidden) == (5, False)
    only_b = S.compute(hq, date(2026, 1, 1), date(2026, 6, 30), centre="SB").table("child_sex")
    assert only_b.withheld  # B alone: 2 + 1 of 3 cannot be protected, so it is not printed


def test_a_final_session_wins_over_a_concurrent_draft_without_a_conflict(sites, tmp_path):
    a, _b, hq = sites
    c = child(a)
    s = a.save_session_draft({**a.new_session_defaults(c.id), "notes": "Draf pertama", "participants": ["child"],
                              "duration_minutes": 60})
    X.import_bundle(hq, send(a, hq, tmp_path))
    hq.save_session_draft({"notes": "Diubah di kantor pusat"}, session_id=s.id)
    a.finalise_session(s.id)
    res = X.import_bundle(hq, send(a, hq, tmp_path))
    assert res.conflicts == 0 and X.conflict_count(hq) == 0 and X.list_conflicts(hq) == []
    final = hq.get_record("session", s.id)
    assert final.data["status"] == "final" and final.data["notes"] == "Draf pertama"
    # the losing draft is not thrown away: it is kept, sealed, as history
    kept = list(hq.db.query("SELECT * FROM conflict WHERE record_id = ?", [s.id]))
    assert len(kept) == 1 and common._conflict_version(hq, kept[0]).data["notes"] == "Diubah di kantor pusat"


def test_a_missing_bundle_is_shown_and_can_be_imported_later(sites, tmp_path):
    a, _b, hq = sites
    paths = []
    for i in range(3):
        child(a, f"Anak Urut {i}", f"2012-0{i + 1}-01")
        paths.append(send(a, hq, tmp_path))
    first = X.import_bundle(hq, paths[0])
    assert first.gaps == []
    third = X.import_bundle(hq, paths[2])
    assert third.gaps == [2]
    assert [s.gaps for s in X.peer_status(hq) if s.peer.code == "SA"] == [[2]]
    second = X.import_bundle(hq, paths[1])
    assert second.gaps == [] and second.new == 0  # nothing acknowledged: bundle 3 held it all already
    assert len(hq.child_ids()) == 3
    assert [s.gaps for s in X.peer_status(hq) if s.peer.code == "SA"] == [[]]


def test_a_clock_set_back_a_year_still_sends_new_changes(sites, tmp_path):
    import time

    a, _b, hq = sites
    c = child(a)
    res = X.import_bundle(hq, send(a, hq, tmp_path))
    X.import_bundle(a, res.ack_path)  # headquarters has everything up to now
    folder = a.data_dir
    a.close()
    a = Workspace.open(folder, "admin", ADMIN_PASS)
    try:
        a.records.clock._wall_ms = lambda: time.time_ns() // 1_000_000 - 365 * 24 * 3600 * 1000
        a.update_child(c.id, {"nickname": "Budi setelah jam mundur"})
        later = X.import_bundle(hq, send(a, hq, tmp_path))
        assert later.updated == 1
        assert hq.child_data(c.id)["nickname"] == "Budi setelah jam mundur"
    finally:
        a.close()


def test_versions_from_a_clock_ahead_keep_the_receiver_ahead_after_a_restart(sites, tmp_path, monkeypatch):
    """A peer whose clock runs a year fast: after importing its changes and restarting,
    the receiver still numbers its own new changes above them, so they are sent and win."""
    import time

    monkeypatch.setattr(importing, "BATCH", 1)  # every version merged as it arrives, before the clock saw the rest

    _a, b, a = sites  # a centre a year fast, and headquarters
    year = 365 * 24 * 3600 * 1000
    b.records.clock._wall_ms = lambda: time.time_ns() // 1_000_000 + year
    c = child(b)
    X.import_bundle(a, send(b, a, tmp_path))
    ahead = a.db.execute("SELECT hlc FROM child WHERE id = ?", [c.id]).fetchone()[0]
    folder = a.data_dir
    a.close()
    a = Workspace.open(folder, "admin", ADMIN_PASS)
    try:
        assert a.records.clock.last >= ahead
        a.update_child(c.id, {"nickname": "Budi"})
        assert a.db.execute("SELECT hlc FROM child WHERE id = ?", [c.id]).fetchone()[0] > ahead
    finally:
        a.close()


def test_the_clock_start_reads_index_ends_not_tables(sites):
    """Opening a vault must not read every session: each query behind `max_hlc` is answered
    from one end of an index (or a table that is small by nature)."""
    team = sites[0]
    small = {"erasure", "transfer", "sync_bundle", "store_meta", "sqlite_master"}
    plans = []
    real = team.records.db.execute

    def spy(sql, params=()):
        if sql.lstrip().upper().startswith("SELECT"):
            plans.extend(r[3] for r in real("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        return real(sql, params)

    team.records.db.execute = spy
    try:
        team.records.max_hlc()
    finally:
        del team.records.db.execute
    scans = [p for p in plans if p.startswith("SCAN") and p.split()[1] not in small]
    assert plans and scans == []


def test_duplicates_are_found_across_batches_reading_the_vault_once(sites, tmp_path, monkeypatch):
    a, _b, hq = sites
    here = child(hq, "Budi Santoso", "2011-03-04")
    child(hq, "Joko Widodo", "2012-05-06")
    child(a, "Budi Santosa", "2011-03-04")  # like the child at headquarters
    child(a, "Agus Salim", "2010-01-02")
    child(a, "Dedi Kurnia", "2013-07-08")
    child(a, "Agus Salim", "2010-01-02")  # like one two batches before it, in the same bundle
    monkeypatch.setattr(importing, "BATCH", 2)
    opened, real = [], hq.records.open_row

    def spy(k, row):
        opened.append(row["id"])
        return real(k, row)

    monkeypatch.setattr(hq.records, "open_row", spy)
    res = X.import_bundle(hq, send(a, hq, tmp_path))
    assert opened.count(here.id) == 1  # once for the whole import, not once a batch
    assert res.duplicates == 2
    pairs = {tuple(sorted(hq.child_data(i)["full_name"] for i in (r[0], r[1])))
             for r in hq.db.execute("SELECT a, b FROM sync_flag WHERE reason = 'duplicate'")}
    assert pairs == {("Budi Santosa", "Budi Santoso"), ("Agus Salim", "Agus Salim")}
