"""The register import wizard and the export dialog, driven as a person clicks them."""

from __future__ import annotations

from datetime import date

import openpyxl
from PySide6.QtCore import Qt

from panti_desktop.ui.registers import ExportSheetDialog, RegisterImportDialog

from ..test_registers import BAD, line_of, register_rows, write_csv, write_xlsx


def children(ws) -> int:
    return ws.db.execute("SELECT COUNT(*) FROM child WHERE deleted = 0").fetchone()[0]


def test_wizard_maps_previews_and_imports_only_when_asked(qtbot, ws, tmp_path):
    path = write_xlsx(tmp_path / "register.xlsx", register_rows(40))
    dialog = RegisterImportDialog(ws, path=str(path))
    qtbot.addWidget(dialog)
    assert dialog.sheet.currentText() == "Register 2024"
    qtbot.mouseClick(dialog.next, Qt.MouseButton.LeftButton)  # → columns
    assert dialog.pages.currentIndex() == 1
    assert dialog.column_boxes["TTL"].currentData() == "ttl"
    assert dialog.column_boxes["No"].currentData() == ""
    qtbot.mouseClick(dialog.next, Qt.MouseButton.LeftButton)  # → preview (every code fitted)
    assert dialog.pages.currentIndex() == 3
    refused_lines = sorted(line_of(i) for i in BAD if i < 40)
    shown = {int(dialog.table.text(r, 0)): dialog.table.text(r, 2) for r in range(dialog.table.rowCount())}
    assert sorted(line for line, what in shown.items() if what == "refused") == refused_lines
    assert not dialog.next.isEnabled()  # refused rows: nothing to import until the person chooses
    assert children(ws) == 0
    dialog.good_only.setChecked(True)
    assert dialog.next.isEnabled()
    # the refused rows' file: chosen without the file dialog in a test
    from panti_desktop.registers.importing import apply_import

    dialog.result = apply_import(ws, dialog.plan, True, tmp_path / "fix.csv")
    assert children(ws) == 40 - len([i for i in BAD if i < 40])
    assert (tmp_path / "fix.csv").exists()


def test_values_no_code_fits_are_asked_for_and_used(qtbot, ws, tmp_path):
    rows = [["No. Reg", "Nama Anak", "Jenis Kelamin", "Pendidikan"],
            ["A-1", "Budi Santoso", "cowok", "SD"], ["A-2", "Andi Wijaya", "L", "Paket B"]]
    path = write_csv(tmp_path / "r.csv", rows, "utf-8-sig", ";")
    dialog = RegisterImportDialog(ws, path=str(path))
    qtbot.addWidget(dialog)
    dialog.go_next()
    dialog.go_next()
    assert dialog.pages.currentIndex() == 2  # the values page
    assert set(dialog.value_boxes) == {("child.sex", "cowok"), ("child.education", "Paket B")}
    box = dialog.value_boxes[("child.sex", "cowok")]
    box.setCurrentIndex(box.findData("male"))
    dialog.go_next()  # → preview with the person's choice
    assert dialog.pages.currentIndex() == 3
    assert dialog.plan.rows[0].data["child"]["sex"] == "male"
    dialog.go_next()  # Import
    assert children(ws) == 2
    assert ws.child_data(ws.resolve_child("A-1"))["sex"] == "male"
    family = ws.records_for_child("family", ws.resolve_child("A-2"))[0].data
    assert "Paket B" in family["notes"]  # no code chosen: kept as a note
    assert "2 new children" in dialog.summary.text()
    dialog.grab().save(str(tmp_path / "wizard.png"))


def test_export_dialog_writes_the_caseload(qtbot, ws, tmp_path):
    ws.register_child({"full_name": "Budi Santoso", "intake_date": "2025-01-02"})
    dialog = ExportSheetDialog(ws)
    qtbot.addWidget(dialog)
    assert dialog.what.findData("statistics") >= 0  # the admin holds the clinical key
    dialog.save(str(tmp_path / "caseload"))
    rows = list(openpyxl.load_workbook(tmp_path / "caseload.xlsx").active.iter_rows(values_only=True))
    assert rows[4][1] == "B.S." and rows[4][rows[3].index("Tanggal masuk")].date() == date(2025, 1, 2)


def test_children_page_offers_import_and_export(qtbot, ws):
    from panti_desktop.ui.children import ChildrenPage

    page = ChildrenPage(ws)
    qtbot.addWidget(page)
    assert page.import_button.isVisibleTo(page) and page.export_button.isVisibleTo(page)

