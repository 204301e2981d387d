"""Property test: a trusted centre's bundle, with lines of every record kind plus erasure, transfer
and statistics lines, their fields mutated as a compromised peer could. Whatever it holds, nothing
outside that peer's custody changes at the receiver, nothing fails with a traceback, and the
receiver still saves and exports."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from panti_desktop.domain.records import RECORD_TYPES
from panti_desktop.errors import PantiError
from panti_desktop.store.kinds import KINDS
from panti_desktop.sync import exchange as X
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, make_site, trust_all
from .forge import DEVICE, forge

HUGE = 2**63 - 11


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """SA holds its own case X (never shared with SB) and case Y, which SB transferred to it.
    SB stays open as the sender; SA's folder is copied for each example."""
    root = tmp_path_factory.mktemp("custody")
    a, b, hq = make_site(root, "SA"), make_site(root, "SB"), make_site(root, "HQ", "hq")
    trust_all(root, [a, b, hq])
    x = a.register_child({"full_name": "Anak Milik SA", "birth_date": "2011-01-01", "intake_date": "2026-01-05"})
    a.add_record("family", {"child_id": x.id, "structure": "intact"})
    s = a.save_session_draft({**a.new_session_defaults(x.id), "notes": "Sesi", "participants": ["child"],
                              "duration_minutes": 45})
    a.finalise_session(s.id)
    a.add_record("legal_hold", {"child_id": x.id, "reason": "Perkara", "until": "2030-01-01", "placed_by": "a",
                                "placed_on": "2026-01-01"})
    y = b.register_child({"full_name": "Anak Dari SB", "birth_date": "2012-01-01", "intake_date": "2026-01-05"})
    b.add_record("family", {"child_id": y.id, "structure": "divorced"})
    X.import_bundle(a, X.export_child(b, y.id, "SA", root / "y.pantisync").path, ack_out=root / "ack.pantisync")
    ids = {name: [r[0] for r in a.db.execute(f"SELECT id FROM {name}")] for name in KINDS}
    folder = a.data_dir
    a.close()
    hq.close()
    yield {"root": root, "folder": folder, "sender": b, "x": x.id, "y": y.id, "ids": ids, "sa_id": a.centre_id}
    b.close()


def _protected(path, x: str) -> list:
    """Everything at SA outside SB's custody: case X's rows, centre-wide records, users, keys,
    settings, peers, transfers and erasures, byte for byte."""
    con = sqlite3.connect(path)
    try:
        out = []
        for name, k in KINDS.items():
            if k.per_child:
                out += con.execute(f"SELECT * FROM {name} WHERE child_id = ? ORDER BY id", [x]).fetchall()
            elif name == "child":
                out += con.execute("SELECT * FROM child WHERE id = ?", [x]).fetchall()
            else:
                out += con.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()
        for table in ("conflict", "setting", "peer", "transfer", "erasure", "sync_centre", "user", "data_key", "key_grant",
                      "vault_meta"):
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [table]).fetchone():
                rows = con.execute(f"SELECT * FROM {table}").fetchall()
                if table == "conflict":
                    rows = [r for r in rows if x in (r[2], r[3])]
                if table == "erasure":
                    # an erasure of a case that is not here keeps only its tombstone (sync/custody.py:
                    # `erasure`), so the case cannot arrive later from a peer that has not heard of it;
                    # it changes nothing that is here
                    here = {r[0] for r in con.execute("SELECT id FROM child")}
                    rows = [r for r in rows if r[0] in here or r[0] == x]
                out += sorted(rows, key=repr)
        return out
    finally:
        con.close()


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=30),
                    st.sampled_from(["2026-01-01", "2026-13-45", "final", "draft", "intact", "closed", "", " "]),
                    st.integers(20_001, 30_000).map(lambda n: "x" * n))  # longer than any field allows
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                      max_leaves=6)
_clock = st.one_of(st.integers(1, 2**40), st.just(HUGE), st.integers(2**62, 2**63 - 1))


@st.composite
def _line(draw, world):
    what = draw(st.sampled_from(["v"] * 6 + ["erasure", "transfer", "stats", "centre"]))
    x, y = world["x"], world["y"]
    child = draw(st.sampled_from([x, y, "n" * 32]))
    hlc = draw(_clock)
    if what == "erasure":
        return {"t": "erasure", "child_id": child, "centre_id": draw(st.text(max_size=8)), "erased_at": "2026-01-01",
                "hlc": hlc, "origin": DEVICE}
    if what == "transfer":
        return {"t": "transfer", "id": draw(st.sampled_from(["t" * 32, "u" * 32])), "child_id": child,
                "from_code": draw(st.sampled_from(["SA", "SB", "HQ"])), "to_code": draw(st.sampled_from(["SA", "SB"])),
                "at": "2026-01-01", "hlc": hlc, "origin": DEVICE}
    if what == "stats":
        return {"t": "stats", "aggregate": draw(st.dictionaries(st.sampled_from(["start", "end", "tables"]), _value))}
    if what == "centre":
        return {"t": "centre", "id": draw(st.sampled_from(["c" * 32, "SA-id"])), "code": draw(
            st.sampled_from(["SA", "SB", "HQ"])), "name": "x", "type": "sentra"}
    kind = draw(st.sampled_from(sorted(KINDS)))
    known = world["ids"].get(kind) or []
    rid = draw(st.sampled_from(known + ["r" * 32])) if known else "r" * 32
    fields = RECORD_TYPES[kind].field_names()
    data = draw(st.dictionaries(st.sampled_from(fields + ["unknown_field"]), _value, max_size=5))
    if KINDS[kind].per_child:
        data["child_id"] = child
    data["id"] = rid
    vv = {DEVICE: hlc}
    if draw(st.booleans()):  # claims to have seen everything
        vv.update({d: draw(_clock) for d in draw(st.lists(st.text(min_size=1, max_size=4), max_size=2))})
        vv.update({"ffff": 2**40})
    return {"t": "v", "k": kind, "id": rid, "h": hlc, "o": DEVICE, "vv": vv, "d": int(draw(st.booleans())),
            "c": draw(st.sampled_from(["SB-id", "c" * 32, ""])), "ca": "2026-01-01", "cb": "x", "ua": "2026-01-01",
            "ub": "x", "data": data}


@settings(max_examples=int(os.environ.get("PANTI_EXAMPLES", "12")), deadline=None,
          phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_a_trusted_peer_changes_nothing_outside_its_custody(world, tmp_path_factory, data):
    b = world["sender"]
    lines = data.draw(st.lists(_line(world), min_size=1, max_size=8))
    for line in lines:  # the sender's real centre id where the line names "SB-id"
        if line.get("c") == "SB-id":
            line["c"] = b.centre_id
        if line.get("id") == "SA-id":
            line["id"] = world["sa_id"]
    work = tmp_path_factory.mktemp("ex")
    shutil.copytree(world["folder"], work / "sa")
    before = _protected(work / "sa" / "centre.db", world["x"])
    path = forge(b, type("Receiver", (), {"centre_code": "SA"})(), work / "f.pantisync", lines,
                 scope=data.draw(st.sampled_from(["changes", "transfer", "stats"])))
    with Workspace.open(work / "sa", "admin", ADMIN_PASS) as a:
        try:
            X.import_bundle(a, path, ack_out=work / "ack.pantisync")
        except PantiError as exc:
            assert str(exc) and "Traceback" not in str(exc)
        a.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert _protected(work / "sa" / "centre.db", world["x"]) == before
        a.update_child(world["x"], {"nickname": "tetap"})
        a.add_record("family", {"child_id": world["x"], "structure": "intact"})
        assert X.export_changes(a, "HQ", work / "out.pantisync").records >= 2
