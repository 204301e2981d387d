"""A large bundle is read by a second process while this one merges it: same outcome, same refusals."""

from __future__ import annotations

import multiprocessing
import random

import pytest

from panti_desktop.bench import _session_like
from panti_desktop.errors import Cancelled, IntegrityError, PantiError
from panti_desktop.store.kinds import KINDS
from panti_desktop.sync import exchange as X
from panti_desktop.sync import importing
from panti_desktop.sync import reader as R

from .conftest import make_site, trust_all
from .test_sync_adversarial import _dump, _resigned


@pytest.fixture
def sites(tmp_path):
    """A centre and two headquarters that receive the same bundles: one reads them itself,
    the other has them read beside the merge."""
    a, here, beside = make_site(tmp_path, "SA"), make_site(tmp_path, "HQ", "hq"), make_site(tmp_path, "HQB", "hq")
    trust_all(tmp_path, [a, here, beside])
    yield a, here, beside
    for s in (a, here, beside):
        s.close()


def state(ws) -> dict:
    """Every record as the merge left it: versions and plaintext (not the seals' random nonces)."""
    out = {}
    for name in KINDS:
        for row in ws.db.query(f"SELECT * FROM {name}"):
            out[(name, row["id"])] = (row["hlc"], row["origin"], row["deleted"], row["vv"],
                                      ws.records.open_row(name, row))
    return out


def conflicts(ws) -> list:
    """Kept conflicts and flags (a flag names a child registered at that headquarters: no id)."""
    return sorted((c.kind, c.reason, "" if c.reason == "duplicate" else c.record_id, repr(c.mine), repr(c.theirs))
                  for c in X.list_conflicts(ws))


def both(a, here, beside, tmp_path, name):
    """The same changes of `a` imported at each headquarters, read here and read beside."""
    got = []
    for hq, read_beside in ((here, False), (beside, True)):
        path = tmp_path / f"{name}-{hq.centre_code}.pantisync"
        X.export_changes(a, hq.centre_code, path)
        got.append(X.import_bundle(hq, path, read_beside=read_beside))
    return got


def summary(res) -> tuple:
    return res.records, res.new, res.updated, res.unchanged, res.conflicts, res.duplicates


def test_reading_beside_merges_exactly_as_reading_here(sites, tmp_path):
    a, here, beside = sites
    kids = [a.register_child({"full_name": name, "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
            for name in ("Budi Santoso", "Agus Salim", "Dedi Kurnia", "Joko Susilo")]
    for hq in (here, beside):  # already registered at headquarters: flagged as a possible duplicate
        hq.register_child({"full_name": "Budi Santosa", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    fam = a.add_record("family", {"child_id": kids[0].id, "structure": "intact"})
    a.add_record("family", {"child_id": kids[1].id, "structure": "divorced"})
    draft = a.save_session_draft(_session_like(kids[0].id, a.user.id, random.Random(1)))
    a.finalise_session(draft.id)
    a.save_session_draft(_session_like(kids[1].id, a.user.id, random.Random(2)))
    first = both(a, here, beside, tmp_path, "first")
    assert summary(first[0]) == summary(first[1]) and first[0].duplicates == 1
    # concurrent edits: each headquarters edits what the centre edits too, and deletes one
    for hq in (here, beside):
        hq.update_child(kids[2].id, {"nickname": "di pusat"})
        hq.update_record("family", fam.id, {"structure": "other"})
    a.update_child(kids[2].id, {"nickname": "di sentra"})
    a.delete_record("family", fam.id)
    a.update_child(kids[3].id, {"nickname": "Dodo"})
    second = both(a, here, beside, tmp_path, "second")
    assert summary(second[0]) == summary(second[1]) and second[0].conflicts == 2
    assert conflicts(here) == conflicts(beside) and len(conflicts(here)) == 3
    mine, theirs, sent = state(here), state(beside), state(a).keys()
    edited_at_hq = {("child", kids[2].id), ("family", fam.id)}  # versions of each HQ's own: compare the content
    assert {k: mine[k] for k in sent - edited_at_hq} == {k: theirs[k] for k in sent - edited_at_hq}
    assert {k: mine[k][2:5:2] for k in edited_at_hq} == {k: theirs[k][2:5:2] for k in edited_at_hq}
    assert mine[("family", fam.id)][2] == 0  # the edit at headquarters outlived the centre's delete
    assert here.verify() == [] and beside.verify() == []
    third = both(a, here, beside, tmp_path, "third")  # nothing new: nothing changes
    assert summary(third[0]) == summary(third[1])


def test_a_record_the_reader_refuses_is_refused_with_its_message(sites, tmp_path):
    a, _here, beside = sites
    c = a.register_child({"full_name": "Budi", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    a.add_record("family", {"child_id": c.id, "structure": "intact"})
    good = tmp_path / "good.pantisync"
    X.export_changes(a, "HQB", good)

    def orphan(o):  # a family record that names no child
        if o.get("k") == "family":
            o = {**o, "data": {k: v for k, v in o["data"].items() if k != "child_id"}}
        return o

    bad = _resigned(a, beside, good, tmp_path / "bad.pantisync", change=orphan)
    before = _dump(beside.data_dir / "centre.db")
    with pytest.raises(IntegrityError, match="cannot read"):
        X.import_bundle(beside, bad, read_beside=True)
    assert _dump(beside.data_dir / "centre.db") == before
    assert X.import_bundle(beside, good, read_beside=True).new == 3 and beside.verify() == []


def many(a, n=1500):
    c = a.register_child({"full_name": "Budi", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    rng = random.Random(3)
    with a.db.atomic():
        a.bulk_insert("session", [_session_like(c.id, a.user.id, rng) for _i in range(n)])


def readers() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "panti-bundle-reader"]


def test_cancelled_or_with_its_reader_killed_an_import_changes_nothing(sites, tmp_path, monkeypatch):
    a, _here, beside = sites
    many(a)
    path = tmp_path / "many.pantisync"
    X.export_changes(a, "HQB", path)
    before = _dump(beside.data_dir / "centre.db")
    with pytest.raises(Cancelled):
        X.import_bundle(beside, path, read_beside=True, cancelled=lambda: True)
    assert _dump(beside.data_dir / "centre.db") == before and readers() == []

    class KilledReader(R._Drain):  # the reading process dies (out of memory, killed) as it starts
        def __init__(self, conn, *args):
            for p in readers():
                p.kill()
                p.join()
            super().__init__(conn, *args)

    monkeypatch.setattr(R, "_Drain", KilledReader)
    with pytest.raises(PantiError, match="process reading it stopped"):
        X.import_bundle(beside, path, read_beside=True)
    assert _dump(beside.data_dir / "centre.db") == before and readers() == []
    monkeypatch.undo()
    res = X.import_bundle(beside, path, read_beside=True)
    assert res.new == 1502 and beside.verify() == []


def test_large_bundles_and_their_previews_are_read_beside_and_small_ones_here(sites, tmp_path, monkeypatch):
    a, _here, beside = sites
    a.register_child({"full_name": "Budi", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    used, real = [], R.lines_read_beside

    def spy(ws, opened):
        used.append(opened.header["records"])
        return real(ws, opened)

    monkeypatch.setattr(R, "lines_read_beside", spy)
    X.import_bundle(beside, X.export_changes(a, "HQB", tmp_path / "1.pantisync").path)
    monkeypatch.setattr(importing, "READ_BESIDE_RECORDS", 2)
    a.register_child({"full_name": "Agus", "birth_date": "2012-03-04", "intake_date": "2026-01-05"})
    X.import_bundle(beside, X.export_changes(a, "HQB", tmp_path / "2.pantisync").path, preview=True)
    res = X.import_bundle(beside, X.export_changes(a, "HQB", tmp_path / "3.pantisync").path)
    assert used == [3, 3] and res.new == 1  # a preview is merged (then rolled back) the same way
