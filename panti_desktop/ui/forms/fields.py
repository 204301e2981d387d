"""One form per record kind, laid out from the fields' metadata (`RecordForm`).

Values leave a form in the shape the domain expects ("60" typed in a number field
becomes 60, an empty field None or []); the domain still has the last word.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QRegularExpression,
    Qt,
    Signal,
)
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...domain.records import RECORD_TYPES
from ...i18n import _
from ..common import (
    CodeChecks,
    DateEdit,
    TimeEdit,
    set_combo_code,
    vocab_combo,
)

SHORT_TEXT = 200  # longer texts get a multi-line field
LABEL_MIN, LABEL_MAX = 110, 240  # label column width (px)
SKIPPED = ("id", "child_id")
HIDDEN_TYPES = ("list", "dict")
# Ref fields that hold a user's id: a list shows the user's name for them.
USER_REFS = ("author_id", "assessor_id", "counsellor_id", "user_id", "approved_by")
ERROR_STYLE = "border: 2px solid #c62828; border-radius: 3px;"
ERROR_COLOUR = "#c62828"

_INPUT_EVENTS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
                 QEvent.Type.Wheel, QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
_INT_RE = QRegularExpression(r"^-?\d*$")
_FLOAT_RE = QRegularExpression(r"^-?\d*([.,]\d*)?$")


def _fields(kind: str) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(RECORD_TYPES[kind])}  # type: ignore[arg-type]


def form_fields(kind: str, fields: list[str] | None = None) -> list[str]:
    """The fields a form of `kind` shows: `fields` as given, or every simple field in order."""
    known = _fields(kind)
    if fields is not None:
        unknown = [f for f in fields if f not in known]
        if unknown:
            raise KeyError(f"{kind} has no field(s) {', '.join(unknown)}")
        return list(fields)
    return [n for n, f in known.items() if n not in SKIPPED and f.metadata.get("type") not in HIDDEN_TYPES]


def record_defaults(kind: str) -> dict:
    """The defaults the record type declares (a referral is outgoing, a consent written, …)."""
    out = {}
    for f in dataclasses.fields(RECORD_TYPES[kind]):  # type: ignore[arg-type]
        if f.default is not dataclasses.MISSING and f.default is not None:
            out[f.name] = f.default
    return out


def _number_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        return text
    return str(value)


def _parse_number(text: str, kind: str) -> Any:
    """"60" → 60, "2,5" → 2.5; text that is not a number is returned for the domain to refuse."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text) if kind == "int" else float(text.replace(",", "."))
    except ValueError:
        return text


def _bool_text(value: Any) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


class RecordForm(QWidget):
    """A form for one record type, laid out from the fields' metadata."""

    changed = Signal()

    def __init__(self, kind: str, data: dict | None = None, parent: QWidget | None = None,
                 readonly: bool = False, fields: list[str] | None = None,
                 ref_choices: dict[str, list[tuple[str, str]]] | None = None):
        super().__init__(parent)
        if kind not in RECORD_TYPES:
            raise KeyError(kind)
        self.kind = kind
        self.record_type = RECORD_TYPES[kind]
        self.ref_choices = dict(ref_choices or {})
        self._meta = {n: f.metadata for n, f in _fields(kind).items()}
        self.field_names = form_fields(kind, fields)
        self._widgets: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._extra_codes: dict[str, list[str]] = {}  # codes a newer version wrote, kept as they are
        self._hidden: set[str] = set()
        self._raw: dict[str, Any] = {}  # list / dict fields shown but not edited here
        self._readonly = False
        self._loading = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.layout_form = QFormLayout()
        self.layout_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.layout_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        outer.addLayout(self.layout_form)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("formError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        outer.addWidget(self.error_label)

        for name in self.field_names:
            self._add_row(name)
        self._fit_labels()
        self.set_values(data or {})
        self.set_readonly(readonly)

    # building ---------------------------------------------------------------------------

    def _label_text(self, name: str) -> str:
        m = self._meta[name]
        text = m["label"].text() if "label" in m else name
        return text + (" *" if m.get("required") else "")

    def _add_row(self, name: str) -> None:
        m = self._meta[name]
        widget = self._make_widget(name, m)
        widget.setObjectName(name)
        label = QLabel(self._label_text(name), self)
        label.setObjectName(f"label_{name}")
        widget.setAccessibleName(m["label"].text() if "label" in m else name)
        self._widgets[name] = widget
        self._labels[name] = label
        self.layout_form.addRow(label, widget)
        if name in self._hidden:
            label.hide()
            widget.hide()

    def _fit_labels(self) -> None:
        """One label column, wide enough for most labels on one line; the longest wrap."""
        shown = [lab for n, lab in self._labels.items() if n not in self._hidden]
        if not shown:
            return
        widest = max(lab.fontMetrics().horizontalAdvance(lab.text()) for lab in shown) + 6
        width = max(LABEL_MIN, min(widest, LABEL_MAX))
        for lab in self._labels.values():
            lab.setFixedWidth(width)
            # only labels too long for the column wrap (wrapping labels make layouts settle slowly)
            lab.setWordWrap(lab.fontMetrics().horizontalAdvance(lab.text()) + 6 > width)

    def _make_widget(self, name: str, m: dict) -> QWidget:
        kind = m.get("type")
        if kind == "text":
            if m.get("max_len", SHORT_TEXT + 1) <= SHORT_TEXT:
                w = QLineEdit(self)
                w.setMaxLength(m["max_len"])
                w.textChanged.connect(self._emit_changed)
                return w
            w = QPlainTextEdit(self)
            w.setTabChangesFocus(True)
            lines = 3 if m.get("max_len", 0) <= 1000 else 4
            height = w.fontMetrics().lineSpacing() * lines + 14
            w.setFixedHeight(height)
            w.textChanged.connect(self._emit_changed)
            return w
        if kind == "date":
            w = DateEdit(self, optional=not m.get("required"))
            w.setMaximumWidth(240)
            w.dateChanged.connect(self._emit_changed)
            return w
        if kind == "time":
            w = TimeEdit(self)
            w.textChanged.connect(self._emit_changed)
            return w
        if kind in ("int", "float"):
            w = QLineEdit(self)
            w.setValidator(QRegularExpressionValidator(_INT_RE if kind == "int" else _FLOAT_RE, w))
            lo, hi = m.get("lo"), m.get("hi")
            if lo is not None and hi is not None:
                w.setPlaceholderText(_("{lo} to {hi}").format(lo=_number_text(lo), hi=_number_text(hi)))
            w.setMaximumWidth(160)
            w.textChanged.connect(self._emit_changed)
            return w
        if kind == "bool":
            w = QComboBox(self)
            w.addItem("—", None)
            w.addItem(_("Yes"), True)
            w.addItem(_("No"), False)
            w.setMaximumWidth(160)
            w.currentIndexChanged.connect(self._emit_changed)
            return w
        if kind == "code":
            w = vocab_combo(m["vocab"], empty=True, parent=self)
            w.currentIndexChanged.connect(self._emit_changed)
            return w
        if kind == "codes":
            vocab = m["vocab"]
            longest = max((len(label) for _code, label in vocab.items()), default=0)
            w = CodeChecks(vocab, columns=2 if longest > 18 else 3, parent=self)
            w.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            for box in w.boxes.values():
                box.toggled.connect(self._emit_changed)
            return w
        if kind == "strings":
            w = QLineEdit(self)
            w.setPlaceholderText(_("Separate several entries with “;”"))
            w.setToolTip(_("Separate several entries with “;”"))
            w.textChanged.connect(self._emit_changed)
            return w
        if kind == "ref":
            w = QComboBox(self)
            w.addItem("—", None)
            choices = self.ref_choices.get(name)
            for id_, label in choices or []:
                w.addItem(label or "—", id_)
            if choices is None:
                self._hidden.add(name)
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(20)
            w.currentIndexChanged.connect(self._emit_changed)
            return w
        # list / dict asked for explicitly: shown, not edited here
        w = QLabel(self)
        w.setWordWrap(True)
        return w

    def _emit_changed(self, *args) -> None:
        if not self._loading:
            self.changed.emit()

    # values -------------------------------------------------------------------------------

    def widget(self, field: str) -> QWidget:
        return self._widgets[field]

    def label(self, field: str) -> QLabel:
        return self._labels[field]

    def is_hidden(self, field: str) -> bool:
        return field in self._hidden

    def value(self, name: str) -> Any:
        m, w = self._meta[name], self._widgets[name]
        kind = m.get("type")
        if kind == "text":
            text = w.text() if isinstance(w, QLineEdit) else w.toPlainText()
            return text if text.strip() else None
        if kind == "date":
            return w.iso()
        if kind == "time":
            return w.value()
        if kind in ("int", "float"):
            return _parse_number(w.text(), kind)
        if kind in ("bool", "code", "ref"):
            return w.currentData()
        if kind == "codes":
            return w.codes() + [c for c in self._extra_codes.get(name, []) if c not in w.codes()]
        if kind == "strings":
            return [s.strip() for s in w.text().split(";") if s.strip()]
        raw = self._raw.get(name)
        if raw is None:
            return [] if kind == "list" else {}
        return raw

    def values(self) -> dict:
        """The form's fields (hidden references left out), empty ones as None or []."""
        return {n: self.value(n) for n in self.field_names if n not in self._hidden}

    def set_value(self, name: str, value: Any) -> None:
        m, w = self._meta[name], self._widgets[name]
        kind = m.get("type")
        if kind == "text":
            text = "" if value is None else str(value)
            if isinstance(w, QLineEdit):
                w.setText(text)
            else:
                w.setPlainText(text)
        elif kind == "date":
            w.set_iso(value)
        elif kind == "time":
            w.set_value(None if value is None else str(value))
        elif kind in ("int", "float"):
            w.setText(_number_text(value))
        elif kind == "bool":
            w.setCurrentIndex({None: 0, True: 1, False: 2}.get(None if value is None else bool(value), 0))
        elif kind in ("code", "ref"):
            if value not in (None, "") and w.findData(value) < 0:
                # a code of a newer version, or a record not offered as a choice: keep it as it is
                label = m["vocab"].label(value) if kind == "code" else str(value)
                w.addItem(label, value)
            set_combo_code(w, None if value == "" else value)
        elif kind == "codes":
            codes_ = [str(c) for c in (value or [])]
            w.set_codes(codes_)
            self._extra_codes[name] = [c for c in codes_ if c not in w.boxes]
        elif kind == "strings":
            items = value if isinstance(value, list | tuple) else ([] if value in (None, "") else [value])
            w.setText("; ".join(str(v) for v in items))
        else:
            self._raw[name] = value
            w.setText(_("{n} entries").format(n=len(value)) if isinstance(value, list | dict) else "")

    def set_values(self, data: dict | None) -> None:
        """Fill every field of the form from `data`; fields it lacks are emptied."""
        data = data or {}
        self._loading = True
        try:
            for name in self.field_names:
                self.set_value(name, data.get(name))
        finally:
            self._loading = False

    # state ----------------------------------------------------------------------------------

    def set_readonly(self, readonly: bool) -> None:
        self._readonly = readonly
        for name, w in self._widgets.items():
            if isinstance(w, QLineEdit | QPlainTextEdit):
                w.setReadOnly(readonly)
            elif isinstance(w, QAbstractSpinBox):
                w.setReadOnly(readonly)
                w.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons if readonly
                                   else QAbstractSpinBox.ButtonSymbols.UpDownArrows)
                if isinstance(w, DateEdit):
                    w.setCalendarPopup(not readonly)
            elif isinstance(w, QComboBox):
                self._guard(w, readonly)
            elif isinstance(w, CodeChecks):
                for box in w.boxes.values():
                    self._guard(box, readonly)
            if self._meta[name].get("type") == "strings":
                w.setPlaceholderText("" if readonly else _("Separate several entries with “;”"))

    def _guard(self, w: QWidget, readonly: bool) -> None:
        """Readonly choices stay legible (a disabled widget greys its text out) but ignore input."""
        w.setProperty("panti_readonly", readonly)
        if readonly and not w.property("panti_guarded"):
            w.installEventFilter(self)
            w.setProperty("panti_guarded", True)

    def eventFilter(self, obj, event) -> bool:
        if not obj.property("panti_readonly") or event.type() not in _INPUT_EVENTS:
            return False
        is_key = event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
        return not (is_key and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab))

    def is_readonly(self) -> bool:
        return self._readonly

    def set_error(self, field: str | None, message: str) -> None:
        """Mark `field` (if the form shows it) and show `message` below the form."""
        self.clear_errors()
        self.error_label.setText(message)
        self.error_label.show()
        w = self._widgets.get(field or "")
        if w is None or field in self._hidden:
            return
        w.setStyleSheet(f"#{field} {{ {ERROR_STYLE} }}")
        w.setProperty("panti_error", True)
        self._labels[field].setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold;")
        w.setFocus(Qt.FocusReason.OtherFocusReason)
        area = self._scroll_area()
        if area is not None:
            area.ensureWidgetVisible(w, 20, 40)

    def error_field(self) -> str | None:
        for name, w in self._widgets.items():
            if w.property("panti_error"):
                return name
        return None

    def clear_errors(self) -> None:
        for name, w in self._widgets.items():
            if w.property("panti_error"):
                w.setStyleSheet("")
                w.setProperty("panti_error", False)
                self._labels[name].setStyleSheet("")
        self.error_label.clear()
        self.error_label.hide()

    def _scroll_area(self) -> QScrollArea | None:
        p = self.parentWidget()
        while p is not None:
            if isinstance(p, QScrollArea):
                return p
            p = p.parentWidget()
        return None
