"""PySide6 6.12.0 drops a reference to None on every table cell until Python aborts (issue 15).

`pyproject.toml` keeps the app off that binding. These tests fail on it: the first fills a
`QTableWidget` the way the app once did; the second is a working day in the window, with every
list refreshed 50 times and 100 child files opened and closed; the third opens the admin's
settings with a retention review of thousands of cases (where the crash was first seen).

On Python 3.12 and newer None is immortal: its count is a constant and proves nothing there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+: its reference count proves nothing")

HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PANTI_KDF_TARGET_MS": "0"}

FILL = textwrap.dedent("""
    import gc, json, sys
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

    app = QApplication([])
    table = QTableWidget(5000, 6)
    gc.collect()
    before = sys.getrefcount(None)
    for i in range(5000):
        for j in range(6):
            item = QTableWidgetItem(f"{i}/{j}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            item.setData(Qt.ItemDataRole.UserRole + 1, (i, j))
            table.setItem(i, j, item)
    gc.collect()
    print(json.dumps({"before": before, "after": sys.getrefcount(None)}))
""")


def _run(args: list[str], timeout: int) -> dict:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=ENV, timeout=timeout)
    assert done.returncode == 0, f"the process died ({done.returncode}):\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_filling_a_table_keeps_every_reference_to_none():
    counts = _run(["-c", FILL], timeout=300)
    # 30,000 cells with two setData each: the broken binding loses 90,000 and aborts on the way.
    assert counts["after"] >= counts["before"] - 10, counts


@pytest.mark.slow
def test_a_working_day_in_the_window_keeps_every_reference_to_none(tmp_path):
    result = _run([str(HERE / "soak_window.py"), str(tmp_path / "vault"), "--rounds", "50", "--files", "100"],
                  timeout=900)
    print(f"None's reference count: {result['before']} after warm-up, {result['after']} at the end")
    assert result["calls"]["child file"] == 100 and min(result["calls"].values()) >= 50
    assert {"dashboard", "children", "sessions", "reports", "sync", "settings"} <= set(result["pages"])
    losing = {name: d for name, d in result["deltas"].items() if d < -result["calls"][name]}
    assert not losing, f"lists that lose references to None on every refresh: {losing}"
    assert result["after"] >= result["before"], result


def test_the_admins_settings_open_with_thousands_of_ended_cases(qtbot, ws):
    import gc

    from panti_desktop import retention
    from panti_desktop.ui.settings import SettingsPage

    n = 3000
    ws.bulk_insert("child", ({"register_no": f"TST-2019-{i:05d}", "full_name": f"Anak Nomor {i}",
                              "birth_date": "2004-03-04", "intake_date": "2018-01-10", "sex": "male",
                              "status": "closed"} for i in range(n)))
    for kind in retention.DEFAULT_YEARS:
        retention.set_years(ws, kind, 1)
    ws.db.execute("UPDATE child SET updated_at = '2019-06-01T00:00:00+00:00'")
    gc.collect()
    before = sys.getrefcount(None)
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    page.resize(1024, 600)
    page.show()
    qtbot.waitExposed(page)
    page.grab()
    page.retention_table.scrollToBottom()
    page.grab()
    table = page.retention_table
    assert table.rowCount() == n
    assert {table.text(0, 0), table.text(n - 1, 0)} == {"TST-2019-00000", f"TST-2019-{n - 1:05d}"}
    assert table.text(0, 5) == "Whole case" and "retention" in table.cell(0, 5).tooltip
    table.selectRow(n - 1)
    assert table.selected_data() == page.retention_items[n - 1].child_id
    assert page.retention_detail.text().startswith(table.text(n - 1, 0))
    page.refresh_retention()
    gc.collect()
    assert sys.getrefcount(None) >= before - 10

