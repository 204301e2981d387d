"""The sync bundle container: round trip, and every kind of tampering refused without a crash."""

from __future__ import annotations

import struct

import pytest

from panti_desktop.errors import PantiError
from panti_desktop.sync import bundle as B


@pytest.fixture
def sites():
    sign_a, kem_a = B.new_identity()
    sign_hq, kem_hq = B.new_identity()
    sign_x, kem_x = B.new_identity()
    return {"a": (sign_a, kem_a), "hq": (sign_hq, kem_hq), "x": (sign_x, kem_x)}


def _to_hq(sites):
    return [B.Recipient("HQ", B.raw_public(sites["hq"][1].public_key()))]


def _trusted(sites, *names):
    return {B.raw_public(sites[n][0].public_key()): n.upper() for n in names}


def _write(tmp_path, sites, payload, name="b.pantisync", sender="a", monkeypatch=None):
    return B.write_bundle(tmp_path / name, {"sender": sender.upper(), "seq": 1, "prev_hash": None,
                                           "counts": {"session": 3}}, payload, _to_hq(sites), sites[sender][0])


def test_round_trip_and_readable_header(tmp_path, sites):
    data = [b"record-%d\n" % i for i in range(1000)]
    path = _write(tmp_path, sites, data)
    header = B.read_header(path)
    assert header["sender"] == "A" and header["recipients"][0]["code"] == "HQ"
    opened = B.open_bundle(path, sites["hq"][1], _trusted(sites, "a"))
    assert opened.payload() == b"".join(data)
    assert b"record-5" not in path.read_bytes()  # the payload is encrypted
    assert len(B.fingerprint_text(B.raw_public(sites["hq"][1].public_key())).split()) == 5


def test_every_flipped_byte_is_refused(tmp_path, sites):
    path = _write(tmp_path, sites, [b"small payload"])
    data = path.read_bytes()
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= 0x40
        p = tmp_path / "flip.pantisync"
        p.write_bytes(bytes(bad))
        with pytest.raises(PantiError):
            B.open_bundle(p, sites["hq"][1], _trusted(sites, "a"))


def test_truncation_garbage_and_foreign_chunks_are_refused(tmp_path, sites, monkeypatch):
    monkeypatch.setattr(B, "CHUNK", 64)
    path = _write(tmp_path, sites, [bytes(range(256)) * 2])
    data = path.read_bytes()
    for cut in range(20, len(data), 37):
        (tmp_path / "cut.pantisync").write_bytes(data[:cut])
        with pytest.raises(PantiError):
            B.open_bundle(tmp_path / "cut.pantisync", sites["hq"][1], _trusted(sites, "a"))
    (tmp_path / "more.pantisync").write_bytes(data + b"garbage")
    with pytest.raises(PantiError):
        B.open_bundle(tmp_path / "more.pantisync", sites["hq"][1], _trusted(sites, "a"))
    other = _write(tmp_path, sites, [bytes(range(256)) * 2], name="other.pantisync").read_bytes()
    spliced = data[:-200] + other[-200:]
    (tmp_path / "spliced.pantisync").write_bytes(spliced)
    with pytest.raises(PantiError):
        B.open_bundle(tmp_path / "spliced.pantisync", sites["hq"][1], _trusted(sites, "a"))


def test_untrusted_sender_wrong_recipient_and_newer_format(tmp_path, sites):
    path = _write(tmp_path, sites, [b"x"], sender="x")
    with pytest.raises(PantiError, match="trusted"):
        B.open_bundle(path, sites["hq"][1], _trusted(sites, "a"))
    path = _write(tmp_path, sites, [b"x"])
    with pytest.raises(PantiError, match="another centre"):
        B.open_bundle(path, sites["a"][1], _trusted(sites, "a"))
    newer = bytearray(path.read_bytes())
    newer[8:10] = struct.pack(">H", 7)
    (tmp_path / "newer.pantisync").write_bytes(bytes(newer))
    with pytest.raises(PantiError, match="newer"):
        B.open_bundle(tmp_path / "newer.pantisync", sites["hq"][1], _trusted(sites, "a"))
    (tmp_path / "text.txt").write_text("hello")
    with pytest.raises(PantiError, match="not a Panti bundle"):
        B.open_bundle(tmp_path / "text.txt", sites["hq"][1], _trusted(sites, "a"))


def test_a_failed_write_leaves_no_bundle(tmp_path, sites, monkeypatch):
    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(B.os, "fsync", boom)
    with pytest.raises(OSError):
        _write(tmp_path, sites, [b"x"])
    assert list(tmp_path.iterdir()) == []
