"""Backups as an attacker or a failing disk would leave them: every flipped byte, a database
inside that fails `integrity_check`, a recovery key of another centre.

Some backups here are sealed by the test itself, following the file format described in
`backup/format.py` (the backup key, the chunks, their associated data), so that the file can
hold exactly the database the test needs: a damaged one, or one small enough that every byte
of the file can be flipped in turn.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from panti_desktop import backup, demo
from panti_desktop.backup import format as fmt
from panti_desktop.backup import service
from panti_desktop.backup.check import _counts
from panti_desktop.errors import IntegrityError, PantiError, WrongPassphrase
from panti_desktop.store.schema import SCHEMA_VERSION
from panti_desktop.vault import recovery
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import run


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "default_data_dir", lambda: tmp_path / "home")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    d = tmp_path_factory.mktemp("tamper")
    ws, key = Workspace.init(d / "vault", "TMP", "Sentra Uji Cadangan", "admin", ADMIN_PASS, kdf=FLOOR)
    demo.generate(ws, children=4, seed=11)
    _id, master, unlockers = ws.vault.master_unlockers(ws.ring)
    yield ws, key, bytearray(master), unlockers, d
    ws.close()


def seal_backup(path: Path, master: bytearray, unlockers: dict, database: bytes, counts: dict,
                centre_id: str = "c" * 32, chunk: int = fmt.CHUNK) -> Path:
    """A `.pantibak` file of `database`, written as docs/backup-format (format.py) describes it."""
    backup_id = os.urandom(16)
    unlock_bytes = json.dumps(unlockers, separators=(",", ":")).encode()
    preamble = fmt.MAGIC + struct.pack(">H", fmt.FORMAT) + backup_id + struct.pack(">I", len(unlock_bytes))
    preamble += unlock_bytes
    preamble_hash = hashlib.sha256(preamble).digest()
    aead = AESGCM(fmt._backup_key(master, backup_id))
    pieces = [database[i:i + chunk] for i in range(0, len(database), chunk)]
    header = {"format": fmt.FORMAT, "backup_id": backup_id.hex(), "centre_id": centre_id, "centre_code": "TMP",
              "centre_name": "Sentra Uji Cadangan", "created_at": "2026-12-01T10:00:00.000000+00:00",
              "schema_version": SCHEMA_VERSION, "counts": counts, "size": len(database), "chunks": len(pieces),
              "created_by": "admin"}
    out = [preamble]

    def put(index: int, plain: bytes, last: bool) -> None:
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, plain, fmt._aad(backup_id, preamble_hash, index, last))
        out.append(struct.pack(">I", len(sealed)) + nonce + sealed)

    put(0, json.dumps(header).encode(), False)
    for i, piece in enumerate(pieces, 1):
        put(i, piece, i == len(pieces))
    path.write_bytes(b"".join(out))
    return path


def _database_bytes(path: Path) -> bytes:
    """One file holding the whole database (no write-ahead log beside it)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path.read_bytes()


def _copy_of_centre(ws, to: Path) -> Path:
    src = sqlite3.connect(Workspace.db_path(ws.data_dir))
    dst = sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()
    return to


def _break_an_index(db_file: Path) -> None:
    """The session_seq index redefined over another column: its entries no longer match the
    rows, which only `integrity_check` sees (quick_check and the record counts do not)."""
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX session_seq ON session(session_date)' "
                 "WHERE name = 'session_seq'")
    conn.commit()
    conn.close()
    conn = sqlite3.connect(db_file)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    conn.close()


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_sealed_copy_of_a_sound_database_verifies_and_restores(centre, tmp_path):
    """The test's own sealing is the product's format: a sound database in it is accepted."""
    ws, key, master, unlockers, _d = centre
    db_file = _copy_of_centre(ws, tmp_path / "copy.db")
    conn = sqlite3.connect(db_file)
    counts = _counts(conn)
    conn.close()
    path = seal_backup(tmp_path / "sound.pantibak", master, unlockers, _database_bytes(db_file), counts,
                       centre_id=ws.centre_id, chunk=64 * 1024)
    assert backup.verify_backup(path, recovery_text=key).counts == counts
    restored = backup.restore_backup(path, tmp_path / "target", recovery_text=key)
    with Workspace.open(restored.data_dir, "admin", ADMIN_PASS) as back:
        assert sorted(back.child_ids()) == sorted(ws.child_ids())


def test_a_backup_whose_database_fails_the_integrity_check_is_refused(centre, tmp_path):
    ws, key, master, unlockers, _d = centre
    db_file = _copy_of_centre(ws, tmp_path / "copy.db")
    conn = sqlite3.connect(db_file)
    counts = _counts(conn)
    conn.close()
    _break_an_index(db_file)
    path = seal_backup(tmp_path / "broken.pantibak", master, unlockers, _database_bytes(db_file), counts,
                       centre_id=ws.centre_id, chunk=64 * 1024)
    with pytest.raises(IntegrityError, match="damaged"):
        backup.verify_backup(path, recovery_text=key, stage_in=tmp_path / "stage")
    assert list((tmp_path / "stage").iterdir()) == []

    # restore: the data folder it would replace keeps every byte, and nothing is left beside it
    target = tmp_path / "target"
    backup.restore_backup(seal_backup(tmp_path / "sound.pantibak", master, unlockers,
                                      _database_bytes(_copy_of_centre(ws, tmp_path / "sound.db")), counts,
                                      centre_id=ws.centre_id), target, recovery_text=key)
    before = _tree(target)
    with pytest.raises(IntegrityError, match="damaged"):
        backup.restore_backup(path, target, recovery_text=key)
    assert _tree(target) == before
    r = run(["--lang", "en", "backup", "verify", str(path), "--recovery-key"], {"PANTI_RECOVERY_KEY": key},
            tmp_path / "cli-home", check=1)
    assert "damaged" in r.stderr
    r = run(["--lang", "en", "restore", str(path), "--recovery-key"], {"PANTI_RECOVERY_KEY": key}, target, check=1)
    assert "damaged" in r.stderr and _tree(target) == before


def _tiny_database(path: Path) -> bytes:
    """The smallest database a backup can verify: the tables the record counts read."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA page_size = 512")
    conn.execute("CREATE TABLE user (id TEXT PRIMARY KEY, removed_at TEXT)")
    conn.execute("CREATE TABLE audit (seq INTEGER PRIMARY KEY, at TEXT)")
    conn.execute("INSERT INTO user VALUES ('u1', NULL), ('u2', '2026-01-01')")
    conn.execute("INSERT INTO audit VALUES (1, '2026-01-01'), (2, '2026-01-02')")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return _database_bytes(path)


def _refused_flips(path: Path, positions, master: bytearray, stage: Path) -> list[int]:
    """Flip one bit of each position in turn (in place, then back): the positions verify accepted."""
    accepted = []
    with open(path, "r+b") as f:
        for pos in positions:
            f.seek(pos)
            byte = f.read(1)[0]
            f.seek(pos)
            f.write(bytes([byte ^ (1 << (pos % 8))]))
            f.flush()
            try:
                backup.verify_backup(path, master=master, stage_in=stage)
            except PantiError:
                pass
            else:
                accepted.append(pos)
            f.seek(pos)
            f.write(bytes([byte]))
            f.flush()
    return accepted


def test_every_flipped_byte_of_a_small_backup_is_refused(centre, tmp_path, monkeypatch):
    """Each byte of the file in turn (preamble, unlockers, header, every chunk's length, nonce,
    ciphertext and tag), one bit flipped: verify refuses every one of them."""
    _ws, _key, master, unlockers, _d = centre
    monkeypatch.setattr(fmt, "MAX_CHUNK", 512 + 64)  # the reader's buffers, sized to these chunks
    database = _tiny_database(tmp_path / "tiny.db")
    assert len(database) <= 2048
    path = seal_backup(tmp_path / "tiny.pantibak", master, unlockers, database, {"user": 1, "audit": 2},
                       chunk=512)
    stage = tmp_path / "stage"
    assert backup.verify_backup(path, master=master, stage_in=stage).counts == {"user": 1, "audit": 2}
    size = path.stat().st_size
    assert size < 4096
    assert _refused_flips(path, range(size), master, stage) == []
    assert backup.verify_backup(path, master=master, stage_in=stage).counts == {"user": 1, "audit": 2}
    assert list(stage.iterdir()) == []


def test_every_structural_byte_of_a_product_backup_is_refused(centre, tmp_path, monkeypatch):
    """A backup written by the product in 16 KiB chunks, one bit flipped in turn: every byte of
    its fixed preamble, of the header and of the framing of the first and last chunks; bytes of
    the unlockers and of every other chunk's length, nonce, ciphertext and tag."""
    ws, _key, master, _unlockers, _d = centre
    for module in (service, backup.durable):
        monkeypatch.setattr(module, "CHUNK", 16 * 1024)
    info = backup.create_backup(ws, tmp_path / "stick")
    data = info.path.read_bytes()
    (n,) = struct.unpack(">I", data[26:30])
    positions = set(range(30)) | set(range(30, 30 + n, 13)) | {30 + n - 1}  # magic, format, id; unlockers
    starts, pos = [], 30 + n
    while pos < len(data):
        starts.append(pos)
        pos += 16 + struct.unpack(">I", data[pos:pos + 4])[0]
    assert len(starts) > 10 and pos == len(data)
    for i, start in enumerate(starts):
        size = struct.unpack(">I", data[start:start + 4])[0]
        body, end = start + 16, start + 16 + size
        if i in (0, 1, len(starts) - 1):  # the header, the first and the last chunk: every framing byte
            positions |= set(range(start, body)) | set(range(end - 16, end))  # length, nonce; tag
        else:
            positions |= {start + i % 4, start + 4 + i % 12, end - 1 - i % 16}
        positions |= set(range(body, end)) if i == 0 else {body, body + size // 2}  # the header whole
    stage = tmp_path / "stage"
    assert _refused_flips(info.path, sorted(positions), master, stage) == []
    assert info.path.read_bytes() == data
    bad = tmp_path / "longer.pantibak"
    bad.write_bytes(data + b"\0")  # one byte added at the end
    with pytest.raises(PantiError):
        backup.verify_backup(bad, master=master, stage_in=stage)


def test_a_recovery_key_of_another_centre_opens_no_backup_and_prints_no_kit(centre, tmp_path):
    """Well-formed (its checksum is right), and another vault's: refused as not this backup's."""
    ws, key, _master, _unlockers, _d = centre
    other, other_key = Workspace.init(tmp_path / "other", "OTH", "LPA Lain", "admin", ADMIN_PASS, kdf=FLOOR)
    other.close()
    recovery.decode(other_key)  # a key that passes its own checksum
    info = backup.create_backup(ws, tmp_path / "stick")
    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        backup.verify_backup(info.path, recovery_text=other_key, stage_in=tmp_path / "stage")
    target = tmp_path / "target"
    backup.restore_backup(info.path, target, recovery_text=key)
    before = _tree(target)
    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        backup.restore_backup(info.path, target, recovery_text=other_key)
    assert _tree(target) == before
    r = run(["--lang", "en", "backup", "verify", str(info.path), "--recovery-key"],
            {"PANTI_RECOVERY_KEY": other_key}, tmp_path / "cli-home", check=1)
    assert "does not open this backup" in r.stderr
    run(["backup", "verify", str(info.path), "--recovery-key"], {"PANTI_RECOVERY_KEY": key},
        tmp_path / "cli-home", check=0)

    # nor does it print this centre's Recovery Kit
    with pytest.raises(WrongPassphrase, match="does not belong to this centre's vault"):
        ws.check_recovery_key(other_key)
    ws.check_recovery_key(key)
    kit = tmp_path / "kit.pdf"
    r = run(["--lang", "en", "report", "recovery-kit", "--out", str(kit)],
            {"PANTI_USER": "admin", "PANTI_RECOVERY_KEY": other_key}, ws.data_dir, check=1)
    assert "does not belong to this centre's vault" in r.stderr and not kit.exists()
