"""Bundles an attacker or an accident could produce: each is refused with a clear message and
the receiving database stays byte-for-byte as it was. A killed import leaves nothing behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap

import pytest

from panti_desktop.errors import PantiError
from panti_desktop.sync import bundle as B
from panti_desktop.sync import exchange as X
from panti_desktop.sync import importing, peers
from panti_desktop.sync import lines as L

from .conftest import ADMIN_PASS
from .test_sync import child, make_site, trust_all


@pytest.fixture
def sites(tmp_path, monkeypatch):
    """Centres SA and SB and headquarters; bundles are cut in 200-byte chunks so a small one has many."""
    monkeypatch.setattr(B, "CHUNK", 200)
    a, b, hq = make_site(tmp_path, "SA"), make_site(tmp_path, "SB"), make_site(tmp_path, "HQ", "hq")
    trust_all(tmp_path, [a, b, hq])
    for i in range(3):
        c = child(a, f"Anak Uji {i}", f"2011-0{i + 1}-02")
        a.add_record("family", {"child_id": c.id, "structure": "intact"})
    yield a, b, hq
    for s in (a, b, hq):
        s.close()


def _files(ws) -> dict[str, bytes]:
    """The database as it is on disk: the main file and its write-ahead log."""
    ws.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    base = ws.data_dir / "centre.db"
    return {p.name: p.read_bytes() for p in (base, base.with_name("centre.db-wal")) if p.exists()}


def _spans(path) -> list[tuple[int, int]]:
    """(start, end) of every chunk record (length, nonce, ciphertext) in a bundle file."""
    data = path.read_bytes()
    pos = 10
    (n,) = struct.unpack(">I", data[pos:pos + 4])
    pos += 4 + n
    (count,) = struct.unpack(">H", data[pos:pos + 2])
    pos += 2
    for _i in range(count):
        (length,) = struct.unpack(">H", data[pos + 16:pos + 18])
        pos += 18 + length
    out = []
    while True:
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if length == 0:
            return out
        out.append((pos, pos + 4 + 12 + length))
        pos += 4 + 12 + length


def _refused(ws, path) -> str:
    with pytest.raises(PantiError) as info:
        X.import_bundle(ws, path)
    assert not isinstance(info.value, X.AlreadyImported)
    message = str(info.value)
    assert message and "Traceback" not in message
    return message


def test_every_flipped_byte_is_refused(sites, tmp_path):
    a, _b, hq = sites
    good = tmp_path / "good.pantisync"
    X.export_changes(a, "HQ", good)
    data = good.read_bytes()
    assert len(_spans(good)) > 5
    before = _files(hq)
    bad = tmp_path / "bad.pantisync"
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 0x01 << (i % 8)
        bad.write_bytes(bytes(flipped))
        _refused(hq, bad)
    assert _files(hq) == before
    X.import_bundle(hq, good)  # the original still imports


def test_truncation_garbage_and_spliced_chunks_are_refused(sites, tmp_path):
    a, _b, hq = sites
    good, other = tmp_path / "good.pantisync", tmp_path / "other.pantisync"
    X.export_changes(a, "HQ", good)
    a.update_child(a.child_ids()[0], {"nickname": "lain"})
    X.export_changes(a, "HQ", other)
    data, spans, o_spans = good.read_bytes(), _spans(good), _spans(other)
    before = _files(hq)
    cut = tmp_path / "cut.pantisync"
    ends = sorted({s for s, _e in spans} | {e for _s, e in spans} | {len(data) - 64, len(data) - 68})
    messages = set()
    for end in ends:
        cut.write_bytes(data[:end])
        messages.add(_refused(hq, cut))
    cut.write_bytes(data + b"\0" * 100)  # appended garbage
    messages.add(_refused(hq, cut))
    cut.write_bytes(data + os.urandom(5000))
    messages.add(_refused(hq, cut))
    # a chunk of another bundle of the same sender, in the same place
    s, e = spans[1]
    os_, oe = o_spans[1]
    cut.write_bytes(data[:s] + other.read_bytes()[os_:oe] + data[e:])
    messages.add(_refused(hq, cut))
    # two chunks swapped
    (s1, e1), (s2, e2) = spans[1], spans[2]
    cut.write_bytes(data[:s1] + data[s2:e2] + data[s1:e1] + data[e2:])
    messages.add(_refused(hq, cut))
    assert _files(hq) == before
    assert all("Panti" in m or "paket" in m.lower() or "bundle" in m.lower() for m in messages), messages


def test_wrong_sender_recipient_version_and_replay_are_refused(sites, tmp_path):
    a, _b, hq = sites
    # a stranger who has headquarters' card, but whom headquarters never trusted
    stranger = make_site(tmp_path, "SX")
    try:
        peers.add_peer(stranger, tmp_path / "HQ.card")
        strange = tmp_path / "stranger.pantisync"
        X.export_changes(stranger, "HQ", strange)
    finally:
        stranger.close()
    to_b = tmp_path / "to-b.pantisync"
    X.export_changes(a, "SB", to_b)
    first, second = tmp_path / "1.pantisync", tmp_path / "2.pantisync"
    X.export_changes(a, "HQ", first)
    a.update_child(a.child_ids()[0], {"nickname": "baru"})
    X.export_changes(a, "HQ", second)
    X.import_bundle(hq, first)
    X.import_bundle(hq, second)
    newer = tmp_path / "newer.pantisync"
    raw = bytearray(first.read_bytes())
    raw[8:10] = struct.pack(">H", 9)
    newer.write_bytes(bytes(raw))
    # a bundle in a payload format this version does not know, correctly signed
    odd = tmp_path / "odd.pantisync"
    ident = peers.identity(a)
    hq_card = peers.peer(a, "HQ")
    B.write_bundle(odd, {"kind": "panti-sync", "payload_format": 99, "sender": "SA", "scope": "changes", "seq": 7},
                   [b"{}\n"], [B.Recipient("HQ", hq_card.kem_key)], ident.signing)
    before = _files(hq)
    assert "trusted" in _refused(hq, strange) or "dipercaya" in _refused(hq, strange)
    assert "SA" not in _refused(hq, to_b) and _refused(hq, to_b)
    assert "9" in _refused(hq, newer)
    _refused(hq, odd)
    with pytest.raises(X.AlreadyImported):  # a replayed older bundle
        X.import_bundle(hq, first)
    assert _files(hq) == before
    peers.revoke_peer(hq, "SA")
    before = _files(hq)
    third = tmp_path / "3.pantisync"
    a.update_child(a.child_ids()[0], {"nickname": "lagi"})
    X.export_changes(a, "HQ", third)
    assert "SA" in _refused(hq, third)
    assert _files(hq) == before


def _dump(db) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return sorted(con.iterdump())
    finally:
        con.close()


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from panti_desktop.sync import exchange as X
    from panti_desktop.sync import importing
    from panti_desktop.workspace import Workspace

    merge = importing._merge_batch
    def merge_then_die(ws, *args, **kwargs):
        merge(ws, *args, **kwargs)
        ws.db.conn.execute("PRAGMA cache_spill=ON")
        ws.db.conn.execute("PRAGMA cache_size=10")  # the changed pages go to the file before the commit
        ws.db.conn.execute("SELECT COUNT(*) FROM audit").fetchone()
        os.kill(os.getpid(), signal.SIGKILL)  # power cut after rows were written, before commit
    importing._merge_batch = merge_then_die
    importing.ROLLBACK_JOURNAL_RECORDS = 1  # merged as a large bundle is, in a rollback journal
    ws = Workspace.open(Path(sys.argv[1]), "admin", sys.argv[3])
    X.import_bundle(ws, Path(sys.argv[2]))
""")


def test_an_import_killed_midway_changes_nothing_and_can_run_again(sites, tmp_path):
    a, _b, hq = sites
    path = tmp_path / "big.pantisync"
    X.export_changes(a, "HQ", path)
    hq_dir = hq.data_dir
    hq.close()
    before = _dump(hq_dir / "centre.db")
    proc = subprocess.run([sys.executable, "-c", KILLER, str(hq_dir), str(path), ADMIN_PASS],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    journal = hq_dir / "centre.db-journal"  # the import wrote pages into the file itself, and kept
    assert journal.exists(), proc.stderr
    assert journal.stat().st_size > 0  # their old content in the rollback journal
    assert _dump(hq_dir / "centre.db") == before
    assert not journal.exists()  # the next open rolled the import back
    from panti_desktop.workspace import Workspace

    with Workspace.open(hq_dir, "admin", ADMIN_PASS) as again:
        res = X.import_bundle(again, path)
        assert res.new >= 6 and again.verify() == []


def _resigned(a, hq, good, out, counts: dict | None = None, keep=None, change=None):
    """`good` (from `a` to `hq`) signed again by `a`: with other `counts` in its header (as
    they were by default), only the lines `keep` accepts (all by default), each passed through
    `change` (unchanged by default)."""
    header = B.read_header(good)
    fields = {k: v for k, v in header.items() if k not in ("format", "recipients", "sender_key")}
    if counts is not None:
        fields["counts"] = counts
    opened = X.open_for_import(hq, good)
    if keep is None and change is None:
        payload = opened.iter_chunks()
    else:
        if keep is not None:
            fields["records"] = sum(fields["counts"].values())
        payload = [b"".join(L.dump(change(o) if change else o) for o in L.read_lines(opened) if keep is None or keep(o))]
    B.write_bundle(out, fields, payload, [B.Recipient(hq.centre_code, peers.peer(a, hq.centre_code).kem_key)],
                   peers.identity(a).signing)
    return out


def test_the_header_describes_the_payload_and_must_match_it(sites, tmp_path):
    a, _b, hq = sites
    good = tmp_path / "good.pantisync"
    X.export_changes(a, "HQ", good)
    header = B.read_header(good)
    assert header["counts"]["child"] == 3 and header["counts"]["family"] == 3
    assert header["records"] == sum(header["counts"].values())
    lo, hi = header["clock"]
    assert 0 < lo <= hi
    # a correctly signed bundle whose header promises more than it holds
    lying = _resigned(a, hq, good, tmp_path / "lying.pantisync", counts={**header["counts"], "child": 4})
    before = _files(hq)
    assert "header" in _refused(hq, lying) or "kepala" in _refused(hq, lying)
    assert _files(hq) == before


@pytest.mark.parametrize("large", [False, True])
def test_records_of_a_child_the_bundle_does_not_carry_are_refused(sites, tmp_path, monkeypatch, large):
    a, _b, hq = sites
    good = tmp_path / "good.pantisync"
    X.export_changes(a, "HQ", good)
    counts = {k: n for k, n in B.read_header(good)["counts"].items() if k != "child"}
    orphans = _resigned(a, hq, good, tmp_path / "orphans.pantisync", counts, keep=lambda o: o.get("k") != "child")
    if large:  # merged in a rollback journal
        monkeypatch.setattr(importing, "ROLLBACK_JOURNAL_RECORDS", 1)
    before, content = _files(hq), _dump(hq.data_dir / "centre.db")
    message = _refused(hq, orphans)
    assert "child" in message or "anak" in message
    assert _dump(hq.data_dir / "centre.db") == content
    if not large:
        assert _files(hq) == before
    assert X.import_bundle(hq, good).new >= 6 and hq.verify() == []


def test_a_large_bundle_refused_while_merged_leaves_every_table_as_it_was(sites, tmp_path, monkeypatch):
    a, _b, hq = sites
    good = tmp_path / "good.pantisync"
    X.export_changes(a, "HQ", good)
    lying = _resigned(a, hq, good, tmp_path / "lying.pantisync", {**B.read_header(good)["counts"], "family": 2})
    monkeypatch.setattr(importing, "ROLLBACK_JOURNAL_RECORDS", 1)  # merged in a rollback journal
    before = _dump(hq.data_dir / "centre.db")
    assert "header" in _refused(hq, lying) or "kepala" in _refused(hq, lying)
    assert _dump(hq.data_dir / "centre.db") == before
    assert hq.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert X.import_bundle(hq, good).new >= 6 and hq.verify() == []
