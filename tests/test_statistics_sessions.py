"""The services of a period are counted by SQLite from the codes bound into each session's seal;
a session sealed before the codes were bound (format 2) is opened and counted the same way."""

from __future__ import annotations

from datetime import date

from panti_desktop import statistics as S
from panti_desktop.store.kinds import kind
from panti_desktop.store.records import _dumps
from panti_desktop.vault.seal import seal


def _session(ws, child_id: str, day: str, setting: str, systems: list[str]) -> str:
    return ws.add_record("session", {"child_id": child_id, "session_date": day, "setting": setting,
                                     "systems": systems, "participants": ["child"], "duration_minutes": 60,
                                     "status": "final"}).id


def _as_format_2(ws, sid: str) -> None:
    """Seal one session again as format 2 did: its setting and systems columns empty, unbound."""
    row = dict(next(ws.db.query("SELECT * FROM session WHERE id = ?", [sid])))
    data = ws.records.open_row("session", row)
    row["setting"] = row["systems"] = None
    payload = seal(ws.ring.aead(row["key_id"]), _dumps(data), ws.records._aad(kind("session"), row, 2), 2)
    ws.db.execute("UPDATE session SET payload = ?, setting = NULL, systems = NULL WHERE id = ?", [payload, sid])


def test_sessions_are_counted_from_bound_codes_and_older_seals_alike(ws):
    a = ws.register_child({"full_name": "Anak Satu", "intake_date": "2026-01-05"})
    b = ws.register_child({"full_name": "Anak Dua", "intake_date": "2026-01-05"})
    _session(ws, a.id, "2026-02-03", "home", ["family", "school"])
    _session(ws, a.id, "2026-02-10", "school", ["school"])
    old = _session(ws, b.id, "2026-02-11", "home", ["family"])
    _session(ws, b.id, "2025-12-01", "home", ["family"])  # before the period
    _as_format_2(ws, old)
    systems, settings, n = S._session_codes(ws, {a.id, b.id}, date(2026, 1, 1), date(2026, 3, 31))
    assert n == 3
    assert settings == {"home": 2, "school": 1}
    assert systems == {"family": 2, "school": 2}
    # a child not served in the period is not counted
    assert S._session_codes(ws, {a.id}, date(2026, 1, 1), date(2026, 3, 31))[2] == 2
