"""The Centres tab (Lembaga, headquarters only): every centre side by side, and the statistics report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...dates import long_date
from ...files import safe_file_name
from ...i18n import _
from ...sync import hq as H
from ..common import Worker, make_table, note_label, open_file, run_busy, show_error
from .common import _period, _when


class CentresTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.rows: list[H.CentreOverview] = []
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("Every centre whose bundles reach headquarters, side by side. Numbers come from the "
                              "records received; a centre that sends only statistics shows its latest statistics "
                              "bundle."), self))
        self.table = make_table([_("Centre"), _("Name"), _("Children"), _("Active"), _("Sessions (30 days)"),
                                 _("Conflicts"), _("Last received"), _("Missing")], self, "centreOverview")
        lay.addWidget(self.table, 1)
        box = QGroupBox(_("Centre statistics report"), self)
        form = QFormLayout(box)
        period, self.start, self.end = _period(box, "centreStats")
        form.addRow(_("Period"), period)
        buttons = QHBoxLayout()
        one = QPushButton(_("Report for the selected centre…"), box)
        one.setObjectName("statsOne")
        one.clicked.connect(lambda: self._ask_report(self.selected_code() or ""))
        every = QPushButton(_("Report across all centres…"), box)
        every.setObjectName("statsAll")
        every.clicked.connect(lambda: self._ask_report(None))
        buttons.addWidget(one)
        buttons.addWidget(every)
        buttons.addStretch(1)
        form.addRow(buttons)
        lay.addWidget(box)

    def refresh(self) -> None:
        self.rows = H.overview(self.ws)
        out = []
        for r in self.rows:
            if r.from_statistics:
                out.append([r.code, r.name, str(r.stats_children), "—", "—", "—",
                            _("statistics {start} – {end}").format(start=long_date(date.fromisoformat(
                                r.stats_period[0])), end=long_date(date.fromisoformat(r.stats_period[1]))), ""])
            else:
                out.append([r.code, r.name, str(r.children), str(r.active), str(r.sessions_30d),
                            str(r.open_conflicts), _when(r.last_received), ", ".join(map(str, r.gaps)) or ""])
        self.table.set_rows(out, [r.code for r in self.rows])
        self.table.resizeColumnsToContents()

    def selected_code(self) -> str | None:
        return self.table.selected_data()

    def _ask_report(self, code: str | None) -> None:
        if code == "":
            show_error(self, _("Choose a centre in the table first."))
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save the statistics report"), safe_file_name(f"statistics-{code or 'all'}.pdf"), "PDF (*.pdf)")
        if name:
            self.report(Path(name), code)

    def report(self, path: Path, code: str | None, open_after: bool = True) -> Worker:
        from ...reports import statistics

        start, end = date.fromisoformat(self.start.iso()), date.fromisoformat(self.end.iso())
        ws = self.ws
        self.last_report = None

        def done(out) -> None:
            self.last_report = out
            if open_after:
                open_file(out)

        return run_busy(self, _("Counting and writing the report…"),
                        lambda: statistics.build(ws, path, start, end, centre=code), done)
