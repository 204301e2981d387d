"""An older payload put back into a row, as someone with an earlier copy of centre.db would.

After an edit that changes only sealed fields (the name), the plaintext columns of the row
are what they were, except its version and the time of the edit. Copying the older payload
back, with every plaintext column of the older row but its version, must fail to open: only
the version in the associated data tells the two apart.

(A whole older row, version included, opens: its seal is sound. Catching that needs state
kept outside the row; see issue 17, "committed state".)
"""

from __future__ import annotations

import sqlite3

import pytest

from panti_desktop.errors import IntegrityError
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR

VERSION_COLUMNS = {"hlc", "origin", "seq", "vv"}


def _row(db_file, table: str, record_id: str) -> dict:
    conn = sqlite3.connect(db_file)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute(f"SELECT * FROM {table} WHERE id = ?", [record_id]).fetchone())
    finally:
        conn.close()


def _put_back(db_file, table: str, old: dict, keep: set[str]) -> None:
    """Write the older row's columns over the current ones, except those in `keep`."""
    cols = [c for c in old if c not in keep and c != "id"]
    conn = sqlite3.connect(db_file)
    conn.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                 [*(old[c] for c in cols), old["id"]])
    conn.commit()
    conn.close()


@pytest.mark.parametrize("table", ["child", "session"])
def test_an_older_payload_put_back_with_the_plain_columns_fails_to_open(vault_dir, table):
    ws, _key = Workspace.init(vault_dir, "RBK", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)
    child = ws.register_child({"full_name": "Old Name", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    record_id = child.id
    if table == "session":
        record_id = ws.add_record("session", {"child_id": child.id, "session_date": "2026-01-06",
                                              "notes": "Old notes", "status": "draft"}).id
    db_file = Workspace.db_path(vault_dir)
    old = _row(db_file, table, record_id)
    if table == "child":
        ws.update_child(child.id, {"full_name": "New Name"})
    else:
        ws.update_record("session", record_id, {"notes": "New notes"})
    new = _row(db_file, table, record_id)
    changed = {c for c in new if new[c] != old[c]}
    assert changed <= VERSION_COLUMNS | {"payload", "updated_at", "vv"}, changed  # a sealed-only edit
    ws.close()

    _put_back(db_file, table, old, keep=VERSION_COLUMNS)
    rolled = _row(db_file, table, record_id)
    assert rolled["payload"] == old["payload"] and rolled["hlc"] == new["hlc"]

    ws = Workspace.open(vault_dir, "admin", ADMIN_PASS)
    try:
        with pytest.raises(IntegrityError):
            ws.records.get(table, record_id)
        problems = ws.verify()
        assert any(record_id in p and table in p for p in problems), problems
    finally:
        ws.close()
