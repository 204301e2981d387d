"""`RecordDialog`: add or edit one record through the workspace; what the domain refuses
is shown at the field it names."""

from __future__ import annotations

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...domain.records import RECORD_TYPES
from ...errors import PantiError, ValidationError
from ...i18n import _
from ..common import (
    show_error,
)
from .fields import RecordForm, record_defaults


class RecordDialog(QDialog):
    """Add or edit one record; what the domain refuses is shown at the field it names."""

    def __init__(self, ws, kind: str, child_id: str | None = None, record=None, parent: QWidget | None = None,
                 fields: list[str] | None = None, ref_choices: dict[str, list[tuple[str, str]]] | None = None,
                 defaults: dict | None = None):
        super().__init__(parent)
        self.ws = ws
        self.kind = kind
        self.child_id = child_id or (record.data.get("child_id") if record is not None else None)
        self.record = record
        self.defaults = dict(defaults or {})
        self.saved_record = None
        self.setObjectName(f"recordDialog_{kind}")
        title = RECORD_TYPES[kind].TITLE.text()
        self.setWindowTitle(_("{title} — edit").format(title=title) if record is not None
                            else _("{title} — new").format(title=title))
        data = record.data if record is not None else {**record_defaults(kind), **self.defaults}
        self.form = RecordForm(kind, data, fields=fields, ref_choices=ref_choices)
        self.form.setObjectName("recordForm")

        lay = QVBoxLayout(self)
        self.hint = None
        if any(m.get("required") for n, m in self.form._meta.items()
               if n in self.form.field_names and not self.form.is_hidden(n)):
            hint = QLabel(_("Fields marked * are required."), self)
            hint.setObjectName("requiredHint")
            hint.setStyleSheet("color: #555;")
            lay.addWidget(hint)
            self.hint = hint
        inner = QWidget()
        inner_lay = QVBoxLayout(inner)
        inner_lay.setContentsMargins(4, 4, 12, 4)
        inner_lay.addWidget(self.form)
        inner_lay.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(inner)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.form.error_label)  # outside the scroll area: always in view

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.save_button.setToolTip(_("Save (Ctrl+Enter)"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, activated=self.save)
        self._fit_size(inner)
        first = next((self.form.widget(n) for n in self.form.field_names if not self.form.is_hidden(n)), None)
        if first is not None:
            first.setFocus()

    def _fit_size(self, inner: QWidget) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        max_w = int(avail.width() * 0.9) if avail else 1000
        max_h = int(avail.height() * 0.88) if avail else 680
        hint = inner.sizeHint()
        width = min(max(hint.width() + 60, 680), min(max_w, 960))
        extra = self.buttons.sizeHint().height() + 48
        if self.hint is not None:
            extra += self.hint.sizeHint().height() + 6
        height = min(hint.height() + extra, max_h)
        self.resize(width, max(height, 240))

    def values(self) -> dict:
        return self.form.values()

    def save(self) -> bool:
        """Save through the workspace; on a refused value stay open and point at the field."""
        if self.form.is_readonly():
            return False
        self.form.clear_errors()
        values = self.form.values()
        try:
            if self.record is None:
                data = {**self.defaults, **values}
                if self.ws.per_child(self.kind):
                    data["child_id"] = self.child_id
                else:
                    data.pop("child_id", None)
                rec = self.ws.add_record(self.kind, data)
            else:
                changes = {k: v for k, v in values.items() if self.record.data.get(k) != v}
                rec = self.ws.update_record(self.kind, self.record.id, changes) if changes else self.record
        except ValidationError as exc:
            self.form.set_error(exc.field, str(exc))
            return False
        except PantiError as exc:
            show_error(self, exc)
            return False
        self.saved_record = rec
        self.accept()
        return True
