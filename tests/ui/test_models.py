"""Every list's model obeys Qt's model rules (QAbstractItemModelTester, through pytest-qt's
`qtmodeltester`): row and column counts, parents, data roles, and resets while a view shows it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from panti_desktop.ui.children import ChildrenModel
from panti_desktop.ui.forms import RecordTableModel
from panti_desktop.ui.tables import Cell, RowsModel, RowsTable


def test_the_rows_model_of_every_list(qtbot, qtmodeltester):
    model = RowsModel(["Register no.", "Status", "Due now"])
    qtmodeltester.check(model, force_py=True)  # the tester keeps checking every reset below
    model.set_rows([["A-1", "Closed", Cell("Whole case", tooltip="all of it", colour="#9a3412")],
                    ["A-2", None, Cell("Part", background="#fff4d6", bold=True)],
                    ["A-3"]],  # a short row: the missing cells read as empty
                   keys=["id1", "id2", "id3"])
    assert model.data(model.index(1, 1)) == "" and model.data(model.index(2, 2)) == ""
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == "all of it"
    assert model.data(model.index(1, 2), Qt.ItemDataRole.FontRole).bold()
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Due now"
    model.set_rows([])
    assert model.rowCount() == 0


def test_a_rows_table_selects_by_key_and_activates_rows(qtbot):
    table = RowsTable(["A", "B"], name="t")
    qtbot.addWidget(table)
    table.set_rows([["x", "1"], ["y", "2"]], keys=[("c1", "s1"), ("c2", "s2")])
    seen, changed = [], []
    table.row_activated.connect(seen.append)
    table.selection_changed.connect(lambda: changed.append(table.selected_data()))
    table.show()
    table.selectRow(1)
    assert table.selected_row() == 1 and table.selected_data() == ("c2", "s2") and changed[-1] == ("c2", "s2")
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert seen == [1]
    table.set_rows([["z", "3"]], keys=["c3"])
    assert table.rowCount() == 1 and table.text(0, 0) == "z" and table.selected_data() is None


def test_the_caseload_model(qtbot, qtmodeltester, ws, child):
    ws.register_child({"full_name": "Bima Sakti", "birth_date": "2012-05-01", "sex": "male"})
    model = ChildrenModel(ws)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 2
    model.query = "bima"
    model.reload()  # checked by the tester attached above
    assert model.rowCount() == 1


def test_the_record_list_model(qtbot, qtmodeltester, ws, child):
    ws.add_record("legal_track", {"child_id": child.id, "case_no": "3/Pid.Sus-Anak/PN", "stage": "investigation"})
    model = RecordTableModel("legal_track", ["stage", "case_no"], ws)
    qtmodeltester.check(model, force_py=True)
    model.set_records(ws.records_for_child("legal_track", child.id))  # checked by the tester
    assert model.rowCount() == 1 and model.data(model.index(0, 1)) == "3/Pid.Sus-Anak/PN"


def test_a_rows_table_sorts_through_its_proxy_and_keeps_the_apps_rows(qtbot, qtmodeltester):
    table = RowsTable(["Name", "Sessions", "Last session"], name="t")
    qtbot.addWidget(table)
    qtmodeltester.check(table.proxy, force_py=True)  # the proxy too, through every reset and sort below
    table.set_rows([["budi", "10", "2 Desember 2026"], ["Agus", "9", "22 November 2026"],
                    ["citra", Cell("100", bold=True), "3 Jan 2025 10:38"]], keys=["b", "a", "c"])
    assert [table.proxy.index(r, 0).data() for r in range(3)] == ["budi", "Agus", "citra"]  # the app's order
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # a header click
    assert [table.proxy.index(r, 1).data() for r in range(3)] == ["9", "10", "100"]  # numbers by value
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert [table.proxy.index(r, 0).data() for r in range(3)] == ["citra", "Agus", "budi"]  # dates by the day
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [table.proxy.index(r, 0).data() for r in range(3)] == ["citra", "budi", "Agus"]  # case ignored
    table.selectRow(1)  # the app's row 1 ("Agus"), now last on screen
    assert table.selected_row() == 1 and table.selected_data() == "a"
    assert table.selectionModel().selectedRows()[0].row() == 2
    seen = []
    table.row_activated.connect(seen.append)
    table.activated.emit(table.proxy.index(0, 0))  # "citra" on top of the screen
    assert seen == [2] and table.text(2, 0) == "citra"
    table.set_rows([["z", "1"]], keys=["z"])
    assert table.rowCount() == 1 and table.selected_data() is None
