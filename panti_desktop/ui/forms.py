"""Record forms, dialogs and lists built from the domain's field metadata.

Every record type of `domain.records` describes its fields (type, bilingual label,
required, vocabulary, bounds). `RecordForm` turns that into one widget per field,
`RecordDialog` saves a form through the workspace and shows what the domain refuses
next to the field it names, and `RecordList` lists a child's records of one type
with Add / Edit / Delete.

Values leave a form in the shape the domain expects ("60" typed in a number field
becomes 60, an empty field None or []); the domain still has the last word.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.records import RECORD_TYPES
from ..errors import PantiError, PermissionDenied, ValidationError
from ..i18n import _
from .common import (
    CodeChecks,
    DateEdit,
    TimeEdit,
    confirm,
    fmt_date,
    set_combo_code,
    show_error,
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


class RecordTableModel(QAbstractTableModel):
    """Records of one kind as rows, chosen fields as human-readable columns."""

    def __init__(self, kind: str, columns: list[str], ws=None, ref_choices: dict | None = None, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.columns = list(columns)
        self.ws = ws
        self.ref_labels = {f: dict(choices) for f, choices in (ref_choices or {}).items()}
        self._meta = {n: f.metadata for n, f in _fields(kind).items()}
        self._records: list = []

    def set_records(self, records: list) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int):
        return self._records[row]

    def row_of(self, record_id: str) -> int:
        return next((i for i, r in enumerate(self._records) if r.id == record_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        # the tooltip: a column narrowed to fit the list (RecordList._fit_columns) still names itself
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return RECORD_TYPES[self.kind].field_label(self.columns[section])
            return None
        return str(section + 1) if 0 <= section < len(self._records) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._records)) \
                or not (0 <= index.column() < len(self.columns)):
            return None
        rec = self._records[index.row()]
        name = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = self.display(name, rec.data.get(name))
            first = text.splitlines()[0] if text else ""
            return first[:117] + "…" if len(first) > 120 or first != text else first
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.display(name, rec.data.get(name))
            return text if len(text) > 40 or "\n" in text else None
        if role == Qt.ItemDataRole.UserRole:
            return rec.id
        return None

    def display(self, name: str, value: Any) -> str:
        m = self._meta.get(name, {})
        kind = m.get("type")
        if value is None or value == "" or value == [] or value == {}:
            return ""
        if kind == "date":
            return fmt_date(value)
        if kind == "bool":
            return _bool_text(value)
        if kind == "code":
            return m["vocab"].label(value)
        if kind == "codes":
            return ", ".join(m["vocab"].label(v) for v in value)
        if kind == "strings":
            return "; ".join(str(v) for v in value)
        if kind in ("int", "float"):
            return _number_text(value)
        if kind == "ref":
            if name in self.ref_labels and value in self.ref_labels[name]:
                return self.ref_labels[name][value] or ""
            if self.ws is not None:
                return self.ws.user_name(value)
            return str(value)
        if kind in ("list", "dict"):
            return _("{n} entries").format(n=len(value))
        return str(value)


class RecordList(QWidget):
    """A child's records of one kind, with Add / Edit / Delete."""

    changed = Signal()

    def __init__(self, ws, kind: str, child_id: str, parent: QWidget | None = None,
                 columns: list[str] | None = None, ref_choices: dict[str, list[tuple[str, str]]] | None = None,
                 defaults: dict | None = None, readonly: bool = False, fields: list[str] | None = None):
        super().__init__(parent)
        self.ws = ws
        self.kind = kind
        self.child_id = child_id
        self.ref_choices = dict(ref_choices or {})
        self.defaults = dict(defaults or {})
        self.readonly = readonly
        self.fields = fields
        self.denied = False
        self.setObjectName(f"recordList_{kind}")
        self.columns = columns or self._default_columns()
        self.model = RecordTableModel(kind, self.columns, ws, self.ref_choices, self)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button_row = QHBoxLayout()
        self.add_button = QPushButton(_("&Add…"), self)
        self.add_button.setObjectName("addRecord")
        self.edit_button = QPushButton(_("&Edit…"), self)
        self.edit_button.setObjectName("editRecord")
        self.delete_button = QPushButton(_("&Delete…"), self)
        self.delete_button.setObjectName("deleteRecord")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.delete_button.clicked.connect(self.delete)
        for b in (self.add_button, self.edit_button, self.delete_button):
            self.button_row.addWidget(b)
        self.button_row.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("recordCount")
        self.count_label.setStyleSheet("color: #555;")
        self.button_row.addWidget(self.count_label)
        lay.addLayout(self.button_row)

        self.stack = QStackedWidget(self)
        self.table = QTableView(self.stack)
        self.table.setObjectName("recordTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setAccessibleName(RECORD_TYPES[kind].TITLE.text())
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(key), self.table, activated=self.edit)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        del_sc = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, activated=self.delete)
        del_sc.setContext(Qt.ShortcutContext.WidgetShortcut)

        self.empty_label = QLabel(_("No records yet."), self.stack)
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setStyleSheet("color: #555; font-style: italic; padding: 4px 2px;")
        self.denied_label = QLabel(_("Your role has no access to this section."), self.stack)
        self.denied_label.setObjectName("noAccessLabel")
        self.denied_label.setWordWrap(True)
        self.denied_label.setStyleSheet("color: #8a5a00; padding: 6px 2px;")
        for w in (self.table, self.empty_label, self.denied_label):
            self.stack.addWidget(w)
        lay.addWidget(self.stack)
        self.stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.refresh()

    def _default_columns(self) -> list[str]:
        meta = {n: f.metadata for n, f in _fields(self.kind).items()}
        names = [n for n in form_fields(self.kind, self.fields)
                 if meta[n].get("type") != "ref" or n in self.ref_choices or n in USER_REFS]
        return names[:4]

    # state ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        current = self.current_record()
        keep = current.id if current is not None else None
        try:
            records = self.ws.records_for_child(self.kind, self.child_id)
        except PermissionDenied:
            self.denied = True
            self.model.set_records([])
            self.stack.setCurrentWidget(self.denied_label)
            for b in (self.add_button, self.edit_button, self.delete_button):
                b.hide()
            self.count_label.hide()
            self._fit_height()
            return
        self.denied = False
        self.model.set_records(records)
        self.stack.setCurrentWidget(self.table if records else self.empty_label)
        self.count_label.setText(_("{n} records").format(n=len(records)) if len(records) > 1 else "")
        if records:
            self.table.resizeColumnsToContents()
            header = self.table.horizontalHeader()
            self._natural = [min(max(header.sectionSize(c), 90), 320) for c in range(self.model.columnCount())]
            self._fit_columns()
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()
        self._fit_height()

    def _fit_columns(self, table_width: int | None = None) -> None:
        """Every column in view where the texts allow: the widest (a goal's text) gives up width, elided
        with its whole text in the tooltip, so the status at the end is never cut off."""
        natural = getattr(self, "_natural", None)
        if not natural:
            return
        header = self.table.horizontalHeader()
        width = (table_width if table_width is not None else self.table.viewport().width()) - 2
        sizes = list(natural)
        floor = 80
        excess = sum(sizes) - width
        for c in range(len(sizes) - 1):  # first the columns only their title makes wide (often empty)
            content = max(60, self.table.sizeHintForColumn(c))
            if excess > 0 and sizes[c] > content:
                step = min(excess, sizes[c] - content)
                sizes[c] -= step
                excess -= step
        while excess > 0:  # take from the widest column first (not the last one, often the status)
            widest = max(range(len(sizes) - 1 or 1), key=lambda c: sizes[c])
            if sizes[widest] <= floor:
                break  # too narrow for every column: the list scrolls sideways
            others = [sizes[c] for c in range(len(sizes) - 1) if c != widest] or [floor]
            step = min(excess, sizes[widest] - max(floor, max(others) - 1))
            sizes[widest] -= max(1, step)
            excess -= max(1, step)
        for c, size in enumerate(sizes):
            header.resizeSection(c, size)

    def _fit_height(self, table_width: int | None = None) -> None:
        """As tall as its rows (up to ten): lists sit in a scrolling page, one under another."""
        page = self.stack.currentWidget()
        if page is self.table:
            rows = min(self.model.rowCount(), 10)
            h = self.table.horizontalHeader().sizeHint().height()
            h += sum(self.table.verticalHeader().sectionSize(r) for r in range(rows)) or 30
            h += 2 * self.table.frameWidth() + 1
            header = self.table.horizontalHeader()
            last = self.model.columnCount() - 1
            needed = sum(header.sectionSize(c) for c in range(last)) + min(header.sectionSize(last),
                                                                          header.defaultSectionSize())
            width = (table_width if table_width is not None else self.table.width()) - 2 * self.table.frameWidth()
            if self.model.rowCount() > 10:
                width -= self.table.verticalScrollBar().sizeHint().width()
            if needed > width:
                h += self.table.horizontalScrollBar().sizeHint().height()
            self.table.setFixedHeight(h)
            self.stack.setFixedHeight(h)
        else:
            self.stack.setFixedHeight(page.sizeHint().height())

    def eventFilter(self, obj, event) -> bool:
        # the table's width decides whether a horizontal scroll bar needs room
        if obj is self.table and event.type() == QEvent.Type.Resize \
                and event.size().width() != event.oldSize().width() and self.stack.currentWidget() is self.table:
            self._fit_columns(event.size().width() - 2 * self.table.frameWidth())
            self._fit_height(event.size().width())
        return False

    def _update_buttons(self, *args) -> None:
        show = not self.readonly and not self.denied
        selected = self.current_record() is not None
        has_rows = self.model.rowCount() > 0
        self.add_button.setVisible(show)
        self.edit_button.setVisible(show and has_rows)
        self.delete_button.setVisible(show and has_rows)
        self.edit_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)

    def current_record(self):
        sel = self.table.selectionModel()
        rows = sel.selectedRows() if sel is not None else []
        if not rows:
            return None
        row = rows[0].row()
        return self.model.record(row) if 0 <= row < self.model.rowCount() else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    # actions --------------------------------------------------------------------------------

    def _dialog(self, record=None) -> RecordDialog:
        return RecordDialog(self.ws, self.kind, child_id=self.child_id, record=record, parent=self,
                            fields=self.fields, ref_choices=self.ref_choices, defaults=self.defaults)

    def add(self) -> None:
        if self.readonly or self.denied:
            return
        dialog = self._dialog()
        if dialog.exec() and dialog.saved_record is not None:
            self.refresh()
            row = self.model.row_of(dialog.saved_record.id)
            if row >= 0:
                self.table.selectRow(row)
            self.changed.emit()

    def edit(self) -> None:
        rec = self.current_record()
        if rec is None or self.denied:
            return
        dialog = self._dialog(rec)
        if self.readonly:
            dialog.form.set_readonly(True)
            dialog.save_button.hide()
            dialog.setWindowTitle(RECORD_TYPES[self.kind].TITLE.text())
        if dialog.exec() and dialog.saved_record is not None:
            self.refresh()
            self.changed.emit()

    def _confirm_delete(self) -> bool:
        return confirm(self, _("Delete record"),
                       _("Delete this record ({kind})? The deletion is kept in the history of changes.").format(
                           kind=RECORD_TYPES[self.kind].TITLE.text()))

    def delete(self) -> None:
        rec = self.current_record()
        if rec is None or self.readonly or self.denied:
            return
        if not self._confirm_delete():
            return
        try:
            self.ws.delete_record(self.kind, rec.id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.changed.emit()


__all__ = ["RecordDialog", "RecordForm", "RecordList", "RecordTableModel", "form_fields", "record_defaults"]
