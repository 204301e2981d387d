"""Sync identity, contact cards and trusted peers."""

from __future__ import annotations

import json

import pytest

from panti_desktop.errors import PantiError, PermissionDenied, ValidationError
from panti_desktop.sync import bundle, peers
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import run


@pytest.fixture
def hq(tmp_path):
    ws, _key = Workspace.init(tmp_path / "hq", "HQ", "Kantor Pusat", "admin", ADMIN_PASS, centre_type="hq",
                              kdf=FLOOR)
    yield ws
    ws.close()


def test_identity_is_made_once_and_sealed(ws):
    first = peers.identity(ws)
    again = peers.identity(ws)
    assert first.signing_public == again.signing_public and first.kem_public == again.kem_public
    blob = b"".join(p.read_bytes() for p in ws.data_dir.glob("centre.db*"))
    from cryptography.hazmat.primitives import serialization

    private = first.signing.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
    assert private not in blob


def test_cards_fingerprints_and_trust(ws, hq, tmp_path):
    card = peers.export_card(hq, tmp_path / "hq.card")
    assert card["role"] == "hq" and len(card["fingerprint"].split()) == 5
    with pytest.raises(PantiError, match="fingerprint"):
        peers.add_peer(ws, tmp_path / "hq.card", "0000 0000 0000 0000 0000")
    p = peers.add_peer(ws, tmp_path / "hq.card", card["fingerprint"].lower())
    assert p.code == "HQ" and p.fingerprint == card["fingerprint"]
    signer = peers.identity(hq).signing_public
    assert peers.trusted_signers(ws) == {signer: "HQ"}
    peers.revoke_peer(ws, "HQ")
    assert peers.trusted_signers(ws) == {}
    (tmp_path / "bad.card").write_text(json.dumps({**card, "signing_key": "00"}))
    with pytest.raises(ValidationError):
        peers.read_card(tmp_path / "bad.card")


def test_a_bundle_from_a_revoked_peer_is_refused(ws, hq, tmp_path):
    peers.export_card(hq, tmp_path / "hq.card")
    peers.add_peer(ws, tmp_path / "hq.card")
    peers.export_card(ws, tmp_path / "tst.card")
    peers.add_peer(hq, tmp_path / "tst.card")
    me = peers.identity(ws)
    to_hq = [bundle.Recipient("HQ", peers.peer(ws, "HQ").kem_key)]
    path = bundle.write_bundle(tmp_path / "b.pantisync", {"sender": "TST", "seq": 1}, [b"hello"], to_hq, me.signing)
    assert bundle.open_bundle(path, peers.identity(hq).kem, peers.trusted_signers(hq)).payload() == b"hello"
    peers.revoke_peer(hq, "TST")
    with pytest.raises(PantiError, match="trusted"):
        bundle.open_bundle(path, peers.identity(hq).kem, peers.trusted_signers(hq))


def test_only_admins_manage_peers_and_keys_follow_removals(ws, hq, tmp_path):
    peers.export_card(hq, tmp_path / "hq.card")
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    with Workspace.open(ws.data_dir, "siti", "siti passphrase 1") as siti, pytest.raises(PermissionDenied):
        peers.add_peer(siti, tmp_path / "hq.card")
    before = peers.identity(ws).signing_public
    ws.remove_user("siti")  # a counsellor never reached the sync keys: they stay
    assert peers.identity(ws).signing_public == before
    ws.add_user("admin2", "admin", "admin2 passphrase", kdf=FLOOR)
    ws.remove_user("admin2")  # an administrator reached them: they are replaced
    after = peers.identity(ws).signing_public
    assert after != before
    with Workspace.open(ws.data_dir, "admin", ADMIN_PASS) as again:
        assert peers.identity(again).signing_public == after


def test_peers_from_the_command_line(ws, hq, tmp_path):
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}
    r = run(["--lang", "en", "contact", "export", "--out", str(tmp_path / "hq.card")], env, hq.data_dir, check=0)
    fp = r.stdout.strip().split(": ")[-1]
    r = run(["--lang", "en", "peer", "add", str(tmp_path / "hq.card")], env, ws.data_dir, check=2)
    assert fp in r.stdout + r.stderr
    run(["peer", "add", str(tmp_path / "hq.card"), "--fingerprint", "1111 2222 3333 4444 5555"], env, ws.data_dir,
        check=1)
    run(["peer", "add", str(tmp_path / "hq.card"), "--fingerprint", fp], env, ws.data_dir, check=0)
    listed = json.loads(run(["peer", "list", "--json"], env, ws.data_dir, check=0).stdout)
    assert [(p["code"], p["fingerprint"], p["revoked_at"]) for p in listed] == [("HQ", fp, None)]
    run(["peer", "revoke", "HQ"], env, ws.data_dir, check=0)
    assert json.loads(run(["peer", "list", "--json"], env, ws.data_dir, check=0).stdout)[0]["revoked_at"]
