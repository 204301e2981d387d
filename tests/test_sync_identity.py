"""Who may sync, and a sync identity that leaves with the people who held it (issues 17 and 18).

As an attacker would act: an administrator copies centre.db before being removed; after the
removal the centre's bundles carry a rotation notice signed with the old key, headquarters
accepts it, and from then on the copy's bundles are refused and the copy cannot open what is
sent to the centre."""

from __future__ import annotations

import shutil

import pytest

from panti_desktop.cli import main
from panti_desktop.errors import PantiError
from panti_desktop.sync import bundle as B
from panti_desktop.sync import exchange as X
from panti_desktop.sync import identity as I
from panti_desktop.sync import peers as P
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR, make_site, trust_all
from .test_sync import child

X_PASS = "xavier passphrase 1"


@pytest.fixture
def pair(tmp_path):
    """Centre SA and headquarters HQ, trusting each other."""
    a, hq = make_site(tmp_path, "SA"), make_site(tmp_path, "HQ", "hq")
    trust_all(tmp_path, [a, hq])
    yield a, hq
    for s in (a, hq):
        if not s.ring.locked:
            s.close()


def _copy(ws, dest):
    """What an insider takes home: the data folder as it is on disk."""
    ws.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(ws.data_dir, dest)
    return dest


def test_a_removed_administrators_copy_neither_signs_nor_reads(pair, tmp_path):
    a, hq = pair
    a.add_user("xavier", "admin", X_PASS, kdf=FLOOR)
    old_key = I.identity(a).signing_public
    stolen = _copy(a, tmp_path / "stolen")

    a.remove_user("xavier")
    assert I.identity(a).signing_public != old_key
    assert I.pending_by_peer(a).keys() == {"HQ"}
    assert [s.key_notices != [] for s in X.peer_status(a)] == [True]  # what `sync status` prints
    c = child(a, "Dewi Lestari")
    to_hq = tmp_path / "after.pantisync"
    X.export_changes(a, "HQ", to_hq)
    assert X.read_header(to_hq)["rotations"][0]["notice"]["old_signing"] == old_key.hex()

    res = X.import_bundle(hq, to_hq)  # the notice is accepted: HQ now trusts SA's new keys only
    assert hq.child_data(c.id)["full_name"] == "Dewi Lestari"
    assert any("replaced its sync keys" in w for w in res.warnings)
    assert P.peer(hq, "SA").signing_key == I.identity(a).signing_public
    assert hq.verify() == []

    with Workspace.open(stolen, "xavier", X_PASS) as x:
        assert I.identity(x).signing_public == old_key  # the copy still holds the old keys
        child(x, "Anak Palsu")
        forged = tmp_path / "forged.pantisync"
        X.export_changes(x, "HQ", forged)
        # what HQ sends the centre after the removal is made for the new receiving key
        back = tmp_path / "back.pantisync"
        X.export_changes(hq, "SA", back)
        with pytest.raises(PantiError, match="addressed to another centre"):
            X.import_bundle(x, back)
        with pytest.raises(PantiError):
            B.open_bundle(back, I.identity(x).kem, P.trusted_signers(x))
    before = hq.child_ids()
    with pytest.raises(PantiError, match="signed with the old sync key of SA, replaced on"):
        X.import_bundle(hq, forged)
    assert hq.child_ids() == before

    X.import_bundle(a, back)  # the centre opens it: HQ has the new keys, no notice is pending any more
    assert I.pending_by_peer(a) == {}
    assert a.verify() == [] and hq.verify() == []


def test_staff_leave_the_keys_a_manager_replaces_them_and_forged_or_competing_notices_are_refused(pair, tmp_path):
    a, hq = pair
    old = I.identity(a)  # what a removed person who kept the old keys can sign with
    a.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    a.remove_user("budi")  # staff never reached the sync keys: nothing is replaced
    assert I.identity(a).signing_public == old.signing_public and I.pending_by_peer(a) == {}
    a.add_user("xavier", "manager", X_PASS, kdf=FLOOR)
    a.remove_user("xavier")  # a manager reached the sync keys too
    out = tmp_path / "b.pantisync"
    X.export_changes(a, "HQ", out)
    header = X.read_header(out)
    notice = header["rotations"][0]
    forged = {**header, "rotations": [{**notice, "sig": "00" * 64}]}
    with pytest.raises(PantiError, match="not signed with the key of SA"):
        I.trust_notices(hq, forged, P.trusted_signers(hq), P.peer(hq, "SA"))
    X.import_bundle(hq, out)
    # a second, different replacement of the same old key: someone who kept the old key made one of them
    other = {**notice["notice"], "new_signing": "11" * 32}
    twin = {**header, "sender_key": "11" * 32,
            "rotations": [{"notice": other, "sig": old.signing.sign(I.notice_bytes(other)).hex()}]}
    with pytest.raises(PantiError, match="other keys than an earlier notice did"):
        I.trust_notices(hq, twin, P.trusted_signers(hq), P.peer(hq, "SA"))
    unsigned = {**twin, "rotations": [{"notice": other, "sig": "00" * 64}]}
    assert I.trust_notices(hq, unsigned, P.trusted_signers(hq), P.peer(hq, "SA"))[1] == []  # not believed


def test_managers_sync_from_the_command_line_staff_and_counsellors_are_refused(pair, tmp_path, monkeypatch,
                                                                                capsys):
    a, hq = pair
    child(a, "Rina Wulandari")
    for name, role in (("mira", "manager"), ("budi", "staff"), ("siti", "counsellor")):
        a.add_user(name, role, f"{name} passphrase 1", kdf=FLOOR)
    hq.add_user("hana", "manager", "hana passphrase 1", kdf=FLOOR)
    a_dir, hq_dir = a.data_dir, hq.data_dir
    a.close()
    hq.close()
    out = tmp_path / "m.pantisync"

    def cli(data_dir, user, *args):
        monkeypatch.setenv("PANTI_USER", user)
        monkeypatch.setenv("PANTI_PASSPHRASE", f"{user} passphrase 1")
        code = main(["--lang", "en", "--data-dir", str(data_dir), *args])
        return code, capsys.readouterr()

    for user, args in (("budi", ["export", "--to", "HQ", "--out", str(tmp_path / "budi.pantisync")]),
                       ("siti", ["import", str(tmp_path / "none.pantisync")])):
        code, io = cli(a_dir, user, *args)
        assert code != 0 and "Traceback" not in io.err
        assert io.err.strip().splitlines()[-1].endswith(
            "Only a manager or an administrator can export or import sync bundles.")
    code, io = cli(a_dir, "mira", "export", "--to", "HQ", "--out", str(out))
    assert code == 0, io.err
    code, io = cli(hq_dir, "hana", "import", str(out))
    assert code == 0, io.err
    assert "Imported bundle 1 from SA" in io.out
    with Workspace.open(hq_dir, "admin", ADMIN_PASS) as h:
        assert len(h.child_ids()) == 1


def test_keys_sealed_by_an_older_version_move_under_the_admin_key_at_an_administrators_first_use(pair):
    import json
    import os

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from panti_desktop.errors import PermissionDenied
    from panti_desktop.vault import authority
    from panti_desktop.vault.keyring import MASTER

    a, _hq = pair
    ident = I.identity(a)
    # the identity as the version before managers synced sealed it: under a key derived from the master key
    master_id = a.ring.current_id(MASTER)
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"panti-sync-identity/1").derive(bytes(a.ring.keys[master_id]))
    secret = json.dumps({"signing": I._private_bytes(ident.signing).hex(), "kem": I._private_bytes(ident.kem).hex()})
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, secret.encode(), f"panti-sync-identity/1|{a.centre_id}|{master_id}".encode())
    with a.db.atomic(), authority.changing(a.db, a.ring):
        a.db.execute("UPDATE sync_identity SET master_id = ?, sealed = ? WHERE id = 1", [master_id, sealed])
    a.add_user("mira", "manager", "mira passphrase 1", kdf=FLOOR)
    with Workspace.open(a.data_dir, "mira", "mira passphrase 1") as mira:
        with pytest.raises(PermissionDenied, match="An administrator must open Sync once"):
            I.identity(mira)
        assert I.identity(a).signing_public == ident.signing_public  # moved, the same keys
        assert a.db.execute("SELECT master_id FROM sync_identity").fetchone()[0].startswith("ADMIN:")
        assert I.identity(mira).signing_public == ident.signing_public
    assert a.verify() == []
