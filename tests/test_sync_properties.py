"""Property tests of sync, with the parts that are rare by chance made certain.

Three sites trust each other: A is a centre (it registered the child), B and C are
headquarters. Random operations at A and B: edits of the child, its family records and its
sessions, new draft sessions, finalised sessions, deletes, a manager settling a conflict,
bundles sent (some lost on the way, delivered late), acknowledgements, all under clocks set a
year apart. Every example ends with every bundle delivered and a full exchange between all
three sites; then A, B and C must hold the same state (the same winner and the same kept
conflicts for every record), and every version ever made must survive at each of them (as the
winner, a kept conflict, or history of a version made by someone who had seen it). Two copies
of C receive C's bundles shuffled and some twice, and must agree with C.

Concurrent edits are what a wrong merge gets wrong, and random operations rarely make them:
`@example` runs a concurrent case on every run, `target()` steers the search towards examples
with conflicts, and `test_concurrent_edits_in_every_arrival_order` is deterministic.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import time

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings, target
from hypothesis import strategies as st

from panti_desktop.errors import PantiError
from panti_desktop.store.records import vv_of
from panti_desktop.sync import exchange as X
from panti_desktop.sync.merge import dominates
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS
from .test_sync import make_site, trust_all

YEAR_MS = 365 * 24 * 3600 * 1000
KINDS = ("child", "family", "session")
SITES = ("PA", "PB", "PC")


def _session(ws, child_id: str, notes: str) -> dict:
    return {**ws.new_session_defaults(child_id), "session_date": "2026-03-02", "notes": notes,
            "participants": ["child"], "duration_minutes": 45, "setting": "centre", "systems": ["individual"]}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A (a centre) registered a child with two family records, a draft and a final session;
    B and C (headquarters) have received them."""
    root = tmp_path_factory.mktemp("tpl")
    a, b, c = make_site(root, "PA", "sentra"), make_site(root, "PB", "hq"), make_site(root, "PC", "hq")
    trust_all(root, [a, b, c])
    ch = a.register_child({"full_name": "Anak Uji", "birth_date": "2011-01-01", "intake_date": "2026-01-05"})
    ids = [("child", ch.id)]
    for s in ("intact", "divorced"):
        ids.append(("family", a.add_record("family", {"child_id": ch.id, "structure": s}).id))
    ids.append(("session", a.save_session_draft(_session(a, ch.id, "draf awal")).id))
    final = a.save_session_draft(_session(a, ch.id, "sesi final"))
    a.finalise_session(final.id)
    ids.append(("session", final.id))
    for dst in (b, c):
        X.import_bundle(dst, _export(a, dst, root), ack_out=root / f"ack-{dst.centre_code}.pantisync")
    for s in (a, b, c):
        s.close()
    return root, ids


_n = 0


def _export(src, dst, folder):
    global _n
    _n += 1
    path = folder / f"b{_n}-{src.centre_code}-{dst.centre_code}.pantisync"
    X.export_changes(src, dst.centre_code, path)
    return path


def _frontier(ws) -> dict:
    """A site's state: per record its winner and its kept conflicts."""
    state = {}
    for name in KINDS:
        for row in ws.db.query(f"SELECT * FROM {name}"):
            data = ws.records.open_row(name, row)
            state[(name, row["id"])] = {
                "winner": (row["hlc"], row["origin"], row["deleted"],
                           None if row["deleted"] else tuple(sorted((k, repr(v)) for k, v in data.items()))),
                "conflicts": set(),
            }
    for row in ws.db.query("SELECT kind, record_id, hlc, origin FROM conflict"):
        state[(row["kind"], row["record_id"])]["conflicts"].add((row["hlc"], row["origin"]))
    return state


def _versions(ws) -> set[tuple]:
    out = set()
    for name in KINDS:
        for row in ws.db.query(f"SELECT * FROM {name}"):
            out.add((name, row["id"], row["hlc"], row["origin"], tuple(sorted(vv_of(row).items()))))
    for row in ws.db.query("SELECT * FROM conflict"):
        vv = vv_of({"vv": row["vv"], "origin": row["origin"], "hlc": row["hlc"]})
        out.add((row["kind"], row["record_id"], row["hlc"], row["origin"], tuple(sorted(vv.items()))))
    return out


def _lost(ws, versions) -> list[tuple]:
    """The versions of which `ws` keeps nothing: not the version, nor one that saw it."""
    here: dict[tuple, list] = {}
    for v in _versions(ws):
        here.setdefault(v[:2], []).append(v)
    return [v for v in versions
            if not any((f[2], f[3]) == (v[2], v[3]) or dominates(dict(f[4]), dict(v[4])) for f in here.get(v[:2], []))]


def _open_copies(root, work, names):
    for code in names:
        shutil.copytree(root / code.lower(), work / code.lower())
    return {code: Workspace.open(work / code.lower(), "admin", ADMIN_PASS) for code in names}


def _full_exchange(sites: dict, work) -> None:
    """Two rounds of every site sending to every other: each then holds what any held."""
    for _round in range(2):
        for src, dst in itertools.permutations(sites.values(), 2):
            with contextlib.suppress(X.AlreadyImported):
                X.import_bundle(dst, _export(src, dst, work), ack_out=work / "ack-full.pantisync")


def _conflicts(sites: dict) -> int:
    return sum(len(s["conflicts"]) for s in _frontier(sites["PC"]).values())


op = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from("AB"), st.integers(0, 9), st.sampled_from(["x", "y", "z"])),
    st.tuples(st.just("delete"), st.sampled_from("AB"), st.integers(1, 9), st.none()),
    st.tuples(st.just("session"), st.sampled_from("AB"), st.none(), st.sampled_from(["baru 1", "baru 2"])),
    st.tuples(st.just("finalise"), st.sampled_from("AB"), st.integers(3, 9), st.none()),
    st.tuples(st.just("resolve"), st.sampled_from("AB"), st.integers(0, 3), st.sampled_from(["mine", "theirs"])),
    st.tuples(st.just("send"), st.sampled_from(["AB", "BA", "AC", "BC"]), st.booleans(), st.none()),
    st.tuples(st.just("ack"), st.sampled_from(["CA", "CB", "BA", "AB"]), st.none(), st.none()),
)

# Shrinking a failure takes minutes; it runs only when asked (PANTI_SHRINK=1).
PHASES = tuple(Phase) if os.environ.get("PANTI_SHRINK") else (Phase.explicit, Phase.reuse, Phase.generate,
                                                              Phase.target)
CONCURRENT = [("edit", "A", 1, "x"), ("edit", "B", 1, "y"), ("edit", "A", 3, "x"), ("edit", "B", 3, "y"),
              ("delete", "A", 2, None), ("edit", "B", 2, "z"), ("send", "AC", True, None),
              ("send", "BC", False, None), ("resolve", "A", 0, "mine")]
CONCURRENT_THEN_RESOLVED = [("edit", "A", 0, "x"), ("edit", "B", 0, "y"), ("send", "BA", True, None),
                            ("resolve", "A", 0, "theirs"), ("edit", "B", 1, "z"), ("send", "AC", True, None),
                            ("session", "B", None, "baru 1"), ("finalise", "B", 5, None),
                            ("edit", "A", 3, "y"), ("finalise", "A", 3, None), ("send", "BC", True, None)]


@settings(max_examples=int(os.environ.get("PANTI_EXAMPLES", "12")), deadline=None, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=4, max_size=18),
       skew=st.tuples(st.integers(-YEAR_MS, YEAR_MS), st.integers(-YEAR_MS, YEAR_MS)),
       seed=st.integers(0, 2**32 - 1))
@example(ops=CONCURRENT, skew=(0, 3_600_000), seed=1)
@example(ops=CONCURRENT, skew=(3_600_000, 0), seed=2)
@example(ops=CONCURRENT_THEN_RESOLVED, skew=(-YEAR_MS, YEAR_MS), seed=3)
def test_sites_converge_and_lose_nothing(template, tmp_path_factory, ops, skew, seed):
    root, template_ids = template
    ids = list(template_ids)
    work = tmp_path_factory.mktemp("ex")
    sites = _open_copies(root, work, SITES)
    a, b, c = sites["PA"], sites["PB"], sites["PC"]
    for ws, offset in ((a, skew[0]), (b, skew[1])):
        ws.records.clock._wall_ms = (lambda off: lambda: time.time_ns() // 1_000_000 + off)(offset)
    by = {"A": a, "B": b, "C": c}
    child_id = ids[0][1]
    made: set[tuple] = set()  # every version any site has held
    to_c: list = []  # bundles C imported, in order
    late: list = []  # bundles lost on the way, delivered at the end
    resolved = 0
    try:
        for kind_, who, x, y in ops:
            if kind_ in ("send", "ack"):
                src, dst = by[who[0]], by[who[1]]
                if kind_ == "ack":
                    X.import_bundle(dst, X.write_ack(src, dst.centre_code, work / f"ack-{_n}-{who}.pantisync"))
                    continue
                made |= _versions(src)
                path = _export(src, dst, work)
                if not x:
                    late.append((dst, path))
                    continue
                with contextlib.suppress(X.AlreadyImported):
                    X.import_bundle(dst, path, ack_out=work / f"ack-{_n}.pantisync")
                if dst is c:
                    to_c.append(path)
                continue
            site = by[who]
            if kind_ == "resolve":  # a manager settles a conflict; the result must travel and converge
                open_ = [c for c in X.list_conflicts(site) if c.reason != "duplicate"]
                if open_:
                    X.resolve_conflict(site, open_[x % len(open_)].id, y)
                    resolved += 1
                continue
            with contextlib.suppress(PantiError):  # a deleted record, a final session: refused, fine
                if kind_ == "edit":
                    name, rid = ids[x % len(ids)]
                    if name == "child":
                        site.update_child(rid, {"nickname": y})
                    elif name == "family":
                        site.update_record(name, rid, {"structure": {"x": "intact", "y": "divorced",
                                                                     "z": "other"}[y]})
                    else:
                        site.save_session_draft({**site.get_record("session", rid).data, "notes": y}, rid)
                elif kind_ == "delete":
                    site.delete_record(*ids[1 + x % (len(ids) - 1)])
                elif kind_ == "session":
                    ids.append(("session", site.save_session_draft(_session(site, child_id, y)).id))
                elif kind_ == "finalise":
                    sessions = [rid for name, rid in ids if name == "session"]
                    site.finalise_session(sessions[x % len(sessions)])
        target(float(_conflicts(sites)), label="conflicts kept at C before the full exchange")
        target(float(resolved), label="conflicts resolved")
        if resolved:
            event("a conflict was resolved")
        rng = random.Random(seed)
        rng.shuffle(late)
        for dst, path in late:  # every lost bundle arrives after all, late and out of order
            with contextlib.suppress(X.AlreadyImported):
                X.import_bundle(dst, path, ack_out=work / "ack-late.pantisync")
            if dst is c:
                to_c.append(path)
        for s in sites.values():
            made |= _versions(s)
        state_c = _frontier(c)
        _full_exchange(sites, work)
        states = {code: _frontier(s) for code, s in sites.items()}
        assert states["PA"] == states["PB"] == states["PC"]
        if any(v["conflicts"] for v in states["PC"].values()):
            event("conflicts kept after the full exchange")
        for code, s in sites.items():
            assert _lost(s, made) == [], code
        # two copies of C that receive C's bundles shuffled, some twice, reach C's state before the exchange
        copies = _open_copies(root, work / "copies", ("PC",))
        copy = copies["PC"]
        try:
            order = to_c + rng.sample(to_c, len(to_c) // 2)
            rng.shuffle(order)
            for path in order:
                with contextlib.suppress(X.AlreadyImported):
                    X.import_bundle(copy, path, ack_out=work / "ack-copy.pantisync")
            assert _frontier(copy) == state_c
            if to_c:
                before = _frontier(copy)
                with pytest.raises(X.AlreadyImported):
                    X.import_bundle(copy, rng.choice(to_c))
                assert _frontier(copy) == before
        finally:
            copy.close()
    finally:
        for ws in sites.values():
            ws.close()


def test_concurrent_edits_in_every_arrival_order(template, tmp_path_factory):
    """A and B edit the same records without having seen each other's edits (B's clock is an hour
    ahead): a family record both edit, a draft session both edit, and a family record A deletes
    while B edits it. C receives A's bundle, B's bundle and A's relay of B's edits in every one of
    the six orders: always the same state, B's edits winning on the clock, the deletion never
    undoing an edit, and every losing version kept as a conflict. (B's own bundle is refused at C,
    line by line: B does not hold A's case; B's edits reach C through A, which does.)"""
    root, ids = template
    work = tmp_path_factory.mktemp("orders")
    sites = _open_copies(root, work, ("PA", "PB"))
    a, b = sites["PA"], sites["PB"]
    b.records.clock._wall_ms = lambda: time.time_ns() // 1_000_000 + 3_600_000
    (_f, fam1), (_f2, fam2), (_s, draft) = ids[1:4]
    try:
        a.update_record("family", fam1, {"structure": "intact"})
        b.update_record("family", fam1, {"structure": "other"})
        a.save_session_draft({**a.get_record("session", draft).data, "notes": "versi A"}, draft)
        b.save_session_draft({**b.get_record("session", draft).data, "notes": "versi B"}, draft)
        a.delete_record("family", fam2)
        b.update_record("family", fam2, {"structure": "one_parent_deceased"})
        to_c = {"A": _export(a, _Peer("PC"), work), "B": _export(b, _Peer("PC"), work)}
        X.import_bundle(a, _export(b, a, work), ack_out=work / "ack-a.pantisync")
        to_c["A+B"] = _export(a, _Peer("PC"), work)  # A relays B's versions, and its own conflicts
    finally:
        a.close()
        b.close()
    states = []
    for n, order in enumerate(itertools.permutations(to_c)):
        shutil.copytree(root / "pc", work / f"c{n}")
        with Workspace.open(work / f"c{n}", "admin", ADMIN_PASS) as c:
            for key in order:
                with contextlib.suppress(X.AlreadyImported):
                    X.import_bundle(c, to_c[key], ack_out=work / f"ack-c{n}.pantisync")
            state = _frontier(c)
            assert c.get_record("family", fam1).data["structure"] == "other"  # B's clock is later
            assert c.get_record("session", draft).data["notes"] == "versi B"
            survivor = c.get_record("family", fam2)
            assert not survivor.deleted and survivor.data["structure"] == "one_parent_deceased"
            assert {k[1]: len(v["conflicts"]) for k, v in state.items() if v["conflicts"]} == {
                fam1: 1, draft: 1, fam2: 1}, order
            states.append(state)
    assert len(states) == 6 and all(s == states[0] for s in states)


class _Peer:
    """The receiving site of an export, named by its code (the export reads only that)."""

    def __init__(self, code: str):
        self.centre_code = code
