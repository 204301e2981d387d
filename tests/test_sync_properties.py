"""Property tests of sync: random edits, deletes and clock skew at a centre (A, which holds the
case) and headquarters (B); a second headquarters (C) receives a random subset of their bundles
(managers at A and B also settle conflicts), and two copies of it receive the same bundles
shuffled and duplicated. All three must agree, re-import must change nothing, and every
version the centre holding the case exported must survive as a winner, a kept conflict, or as
history of a version made by someone who had seen it. B's own bundles to C are refused there
(B does not hold the case): its edits reach C through A, which may write the case."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import time

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from panti_desktop.errors import NotFound
from panti_desktop.store.records import vv_of
from panti_desktop.sync import exchange as X
from panti_desktop.sync.merge import dominates
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS
from .test_sync import make_site, trust_all

YEAR_MS = 365 * 24 * 3600 * 1000
KINDS = ("child", "family")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Three sites that trust each other (all receive everything); A registered a child and two
    family records, and everyone has them."""
    root = tmp_path_factory.mktemp("tpl")
    a, b, c = (make_site(root, code, kind) for code, kind in (("PA", "sentra"), ("PB", "hq"), ("PC", "hq")))
    trust_all(root, [a, b, c])
    ch = a.register_child({"full_name": "Anak Uji", "birth_date": "2011-01-01"})
    ids = [("child", ch.id)]
    for s in ("intact", "divorced"):
        ids.append(("family", a.add_record("family", {"child_id": ch.id, "structure": s}).id))
    for dst in (b, c):
        X.import_bundle(
            dst, _export(a, dst, root), ack_out=root / f"ack-{dst.centre_code}.pantisync"
        )
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
                "winner": (
                    row["hlc"],
                    row["origin"],
                    row["deleted"],
                    None if row["deleted"] else tuple(sorted(data.items())),
                ),
                "conflicts": set(),
            }
    for row in ws.db.query("SELECT kind, record_id, hlc, origin FROM conflict"):
        state[(row["kind"], row["record_id"])]["conflicts"].add((row["hlc"], row["origin"]))
    return state


def _versions(ws) -> list[tuple[str, str, int, str, dict]]:
    out = []
    for name in KINDS:
        for row in ws.db.query(f"SELECT * FROM {name}"):
            out.append((name, row["id"], row["hlc"], row["origin"], vv_of(row)))
    for row in ws.db.query("SELECT * FROM conflict"):
        out.append(
            (
                row["kind"],
                row["record_id"],
                row["hlc"],
                row["origin"],
                vv_of({"vv": row["vv"], "origin": row["origin"], "hlc": row["hlc"]}),
            )
        )
    return out


def _survives(ws, version) -> bool:
    name, rid, hlc, origin, vv = version
    frontier = [v for v in _versions(ws) if v[0] == name and v[1] == rid]
    return any((f[2], f[3]) == (hlc, origin) or dominates(f[4], vv) for f in frontier)


op = st.one_of(
    st.tuples(
        st.just("edit"),
        st.sampled_from("AB"),
        st.integers(0, 2),
        st.sampled_from(["intact", "divorced", "one_parent_deceased", "other"]),
    ),
    st.tuples(st.just("delete"), st.sampled_from("AB"), st.integers(1, 2), st.none()),
    st.tuples(st.just("resolve"), st.sampled_from("AB"), st.integers(0, 3), st.sampled_from(["mine", "theirs"])),
    st.tuples(st.just("send"), st.sampled_from(["AB", "BA", "AC", "BC"]), st.booleans(), st.none()),
    st.tuples(st.just("ack"), st.sampled_from(["CA", "CB", "BA", "AB"]), st.none(), st.none()),
)


# Shrinking a failure takes minutes; it runs only when asked (PANTI_SHRINK=1).
PHASES = (
    tuple(Phase)
    if os.environ.get("PANTI_SHRINK")
    else (Phase.explicit, Phase.reuse, Phase.generate)
)


@settings(
    max_examples=int(os.environ.get("PANTI_EXAMPLES", "25")),
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    ops=st.lists(op, min_size=4, max_size=22),
    skew=st.tuples(st.integers(-YEAR_MS, YEAR_MS), st.integers(-YEAR_MS, YEAR_MS)),
    seed=st.integers(0, 2**32 - 1),
)
def test_sites_converge_and_lose_nothing(template, tmp_path_factory, ops, skew, seed):
    root, ids = template
    work = tmp_path_factory.mktemp("ex")
    for code in ("pa", "pb", "pc"):
        shutil.copytree(root / code, work / code)
    for n in (1, 2):
        shutil.copytree(root / "pc", work / f"pc{n}")
    sites = {k: Workspace.open(work / k.lower(), "admin", ADMIN_PASS) for k in ("PA", "PB", "PC")}
    a, b, c = sites["PA"], sites["PB"], sites["PC"]
    for ws, offset in ((a, skew[0]), (b, skew[1])):
        ws.records.clock._wall_ms = (lambda off: lambda: time.time_ns() // 1_000_000 + off)(offset)
    by = {"A": a, "B": b, "C": c}
    to_c: list = []  # bundles C imported, in order
    exported: list = []  # versions each bundle carried
    try:
        for kind_, who, x, y in ops:
            if kind_ == "edit":
                name, rid = ids[x]
                try:
                    if name == "child":
                        by[who].update_child(rid, {"nickname": y})
                    else:
                        by[who].update_record(name, rid, {"structure": y})
                except NotFound:
                    pass
            elif kind_ == "delete":
                with contextlib.suppress(NotFound):
                    by[who].delete_record(*ids[x])
            elif kind_ == "resolve":  # a manager settles a conflict; the result must travel and converge
                open_ = [c for c in X.list_conflicts(by[who]) if c.reason != "duplicate"]
                if open_:
                    X.resolve_conflict(by[who], open_[x % len(open_)].id, y)
                    event("a conflict was resolved")
            elif kind_ == "send":
                src, dst = by[who[0]], by[who[1]]
                carried = _versions(src)
                path = _export(src, dst, work)
                if x:  # delivered
                    with contextlib.suppress(X.AlreadyImported):
                        X.import_bundle(dst, path, ack_out=work / f"ack-{_n}.pantisync")
                    if dst is c:
                        to_c.append(path)
                        if src is a:  # only the centre holding the case writes it at C
                            exported.extend(carried)
            else:  # an acknowledgement goes back
                src, dst = by[who[0]], by[who[1]]
                X.import_bundle(
                    dst, X.write_ack(src, dst.centre_code, work / f"ack-{_n}-{who}.pantisync")
                )
        state = _frontier(c)
        for v in exported:
            assert _survives(c, v), v
        rng = random.Random(seed)
        for n in (1, 2):
            copy = Workspace.open(work / f"pc{n}", "admin", ADMIN_PASS)
            try:
                order = to_c + rng.sample(to_c, len(to_c) // 2)  # some twice
                rng.shuffle(order)
                for path in order:
                    with contextlib.suppress(X.AlreadyImported):
                        X.import_bundle(copy, path, ack_out=work / "ack-copy.pantisync")
                assert _frontier(copy) == state
                if to_c:
                    again = rng.choice(to_c)
                    before = _frontier(copy)
                    with pytest.raises(X.AlreadyImported):
                        X.import_bundle(copy, again)
                    assert _frontier(copy) == before
            finally:
                copy.close()
    finally:
        for ws in sites.values():
            ws.close()
