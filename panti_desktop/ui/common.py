"""Small pieces every window uses: dates, vocab pickers, passphrase field, errors, progress dialogs.

All user-facing text goes through the same gettext catalogue as the core
(`panti_desktop.i18n._`). Qt's own strings (standard buttons, the context menu of
text fields) are translated by `GettextTranslator`, which looks them up in that
catalogue too, since Qt ships no Indonesian translation.
"""

from __future__ import annotations

import importlib.util
import logging
import traceback
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import (
    QDate,
    QEvent,
    QLocale,
    QObject,
    QRegularExpression,
    Qt,
    QTranslator,
)
from PySide6.QtGui import QFont, QFontDatabase, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..dates import long_date, long_moment, to_date
from ..domain.vocab import Vocabulary
from ..errors import PantiError
from ..i18n import _, current_language
from ..workspace import storage_error
from .tables import RowsTable
from .worker import Worker
from .worker import busy_bar as busy_bar  # re-exported: the windows import them from here
from .worker import off_ui_thread as off_ui_thread

log = logging.getLogger(__name__)

NULL_DATE = QDate(1900, 1, 1)


# --- language --------------------------------------------------------------------------


class GettextTranslator(QTranslator):
    """Qt's own strings ("&OK", "Cancel", "Copy") from our catalogue; see ui/qt_messages.py."""

    def translate(self, context, source_text, disambiguation=None, n=-1):
        if current_language() == "en" or not source_text:
            return None
        from . import qt_messages

        if source_text not in qt_messages.KNOWN:
            return None
        text = _(source_text)
        return text if text != source_text else None


class WheelGuard(QObject):
    """The mouse wheel scrolls the page, not the value of a spin box or list box it passes over.

    Turning the wheel over Pengaturan once changed "warn when the backup is older than" from 7
    to 3 days. A spin box or combo box takes the wheel only while it has the keyboard focus
    (clicked or tabbed into); otherwise the wheel goes to the scroll area around it."""

    def eventFilter(self, obj, event) -> bool:
        if not isinstance(obj, QAbstractSpinBox | QComboBox):
            return False
        if event.type() == QEvent.Type.Polish and obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone no longer focuses it
            return False
        if event.type() != QEvent.Type.Wheel or obj.hasFocus():
            return False
        area = obj.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:
            vertical = abs(event.angleDelta().y()) >= abs(event.angleDelta().x())
            bar = area.verticalScrollBar() if vertical else area.horizontalScrollBar()
            QApplication.sendEvent(bar, event)
        return True


def guard_wheel(app: QApplication) -> None:
    """Install the `WheelGuard` once for the whole application."""
    if not getattr(app, "_panti_wheel_guard", None):
        app._panti_wheel_guard = WheelGuard(app)
        app.installEventFilter(app._panti_wheel_guard)


def qt_locale() -> QLocale:
    return QLocale("id_ID") if current_language() == "id" else QLocale("en_GB")


def apply_language(app: QApplication) -> None:
    """Install the translator once and set the default locale to the current language."""
    if not getattr(app, "_panti_translator", None):
        app._panti_translator = GettextTranslator(app)
        app.installTranslator(app._panti_translator)
    QLocale.setDefault(qt_locale())


def has_module(name: str) -> bool:
    """Whether an optional part of the app (reports, sync) is installed; no empty screens otherwise."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


# --- dates -----------------------------------------------------------------------------


def fmt_date(value: str | date | None, lang: str | None = None, short: bool = False) -> str:
    """`2026-11-22` → "22 November 2026" (or "22 Nov 2026" when short); "" when empty."""
    return long_date(value, lang, short)


def fmt_when(iso: str | None) -> str:
    """A stored moment ("2026-12-02T03:38:12+00:00") as this laptop's local time, the way people
    read it: "2 Desember 2026 10:38"; "" when empty."""
    return long_moment(iso)


class DateEdit(QDateEdit):
    """A date field shown as "22 November 2026", with a calendar, that may be left empty."""

    def __init__(self, parent: QWidget | None = None, optional: bool = True):
        super().__init__(parent)
        self.optional = optional
        self.setCalendarPopup(True)
        self.setLocale(qt_locale())
        self.setDisplayFormat("d MMMM yyyy")
        if optional:
            self.setMinimumDate(NULL_DATE)
            self.setSpecialValueText("—")
            self.setDate(NULL_DATE)
        else:
            self.setDate(QDate.currentDate())

    def iso(self) -> str | None:
        d = self.date()
        if self.optional and d == NULL_DATE:
            return None
        return d.toString("yyyy-MM-dd")

    def set_iso(self, value: str | date | None) -> None:
        d = to_date(value)
        if d is None:
            self.setDate(NULL_DATE if self.optional else QDate.currentDate())
        else:
            self.setDate(QDate(d.year, d.month, d.day))

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab moves day → month → year and then on; an empty date ("—") has no sections, and
        Qt's date field kept the keyboard there forever: Tab leaves it at once."""
        if self.optional and self.date() == NULL_DATE:
            return QWidget.focusNextPrevChild(self, next)
        return super().focusNextPrevChild(next)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Delete/Backspace on a whole date empties it
        if self.optional and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) \
                and self.currentSection() == QDateEdit.Section.DaySection and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.setDate(NULL_DATE)
            return
        super().keyPressEvent(event)


def normal_time(text: str) -> str | None:
    """What a person types for a time of day, as HH:MM: "1430", "14.30", "14:30" → "14:30";
    "930" → "09:30"; "9" → "09:00"; "" → None. Anything else comes back as typed, for the
    record's own check to refuse with its sentence."""
    text = (text or "").strip().replace(".", ":")
    if not text:
        return None
    digits = text.replace(":", "")
    if ":" in text:
        hours, _sep, minutes = text.partition(":")
    elif len(digits) <= 2:
        hours, minutes = digits, "0"
    else:
        hours, minutes = digits[:-2], digits[-2:]
    if not (hours.isdigit() and minutes.isdigit() and len(hours) <= 2 and len(minutes) <= 2):
        return text
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59 or (":" in text and len(minutes) != 2):
        return text
    return f"{h:02d}:{m:02d}"


class TimeEdit(QLineEdit):
    """A time of day typed like a clock: "1430" or "14:30"; empty is allowed and is not 00:00.

    A plain line: Tab leaves it, Ctrl+A selects it, digits are never appended after a
    placeholder dash (QTimeEdit trapped the keyboard on all three). The text becomes HH:MM when
    the field is left."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"^[0-9]{0,2}[:.]?[0-9]{0,2}$"), self))
        self.setPlaceholderText(_("HH:MM"))
        self.setMaxLength(5)
        self.setMaximumWidth(120)
        self.editingFinished.connect(self._tidy)

    def _tidy(self) -> None:
        value = normal_time(self.text())
        if value is not None and value != self.text():
            self.setText(value)

    def value(self) -> str | None:
        return normal_time(self.text())

    def set_value(self, value: str | None) -> None:
        self.setText(value or "")


# --- vocabularies ------------------------------------------------------------------------


def vocab_combo(vocab: Vocabulary, empty: bool = True, parent: QWidget | None = None) -> QComboBox:
    """A drop-down of a vocabulary's labels; `currentData()` is the code (None when empty)."""
    combo = QComboBox(parent)
    if empty:
        combo.addItem("—", None)
    for code_, label in vocab.items():
        combo.addItem(label, code_)
    return combo


def set_combo_code(combo: QComboBox, code_: str | None) -> None:
    i = combo.findData(code_)
    combo.setCurrentIndex(max(0, i))


class CodeChecks(QWidget):
    """Checkboxes for a multi-valued vocabulary field (participants, systems, …)."""

    def __init__(self, vocab: Vocabulary, columns: int = 3, parent: QWidget | None = None):
        super().__init__(parent)
        self.vocab = vocab
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, (code_, label) in enumerate(vocab.items()):
            box = QCheckBox(label, self)
            box.setObjectName(f"check_{code_}")
            self.boxes[code_] = box
            grid.addWidget(box, i // columns, i % columns)

    def codes(self) -> list[str]:
        return [c for c, b in self.boxes.items() if b.isChecked()]

    def set_codes(self, codes_: list[str] | None) -> None:
        wanted = set(codes_ or [])
        for c, b in self.boxes.items():
            b.setChecked(c in wanted)


# --- passphrase --------------------------------------------------------------------------


class PassphraseField(QWidget):
    """A hidden-text passphrase field with a caps-lock warning below it.

    Qt cannot ask the keyboard for the caps-lock state on every platform, so the
    warning shows when a letter arrives in the opposite case to what Shift says.
    """

    def __init__(self, parent: QWidget | None = None, placeholder: str = ""):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.edit.installEventFilter(self)
        self.caps = QLabel(_("Caps Lock is on."), self)
        self.caps.setObjectName("capsWarning")
        self.caps.setStyleSheet("color: #b35c00;")
        self.caps.hide()
        lay.addWidget(self.edit)
        lay.addWidget(self.caps)
        self.setFocusProxy(self.edit)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and event.type() == event.Type.KeyPress:
            text = event.text()
            if len(text) == 1 and text.isalpha() and text.lower() != text.upper():
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.caps.setVisible(text.isupper() != shift)
        return False

    def text(self) -> str:
        return self.edit.text()

    def clear(self) -> None:
        self.edit.clear()


# --- messages ----------------------------------------------------------------------------


def show_error(parent: QWidget | None, error: BaseException | str, title: str | None = None) -> None:
    """A translated error dialog. Known errors show their sentence; others add copyable details."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or _("Something went wrong"))
    if isinstance(error, BaseException) and not isinstance(error, PantiError):
        error = storage_error(error) or error  # the disk or another program: a sentence, not a traceback
    if isinstance(error, PantiError):
        box.setText(str(error))
    elif isinstance(error, ModuleNotFoundError):  # an installation without a library it needs
        box.setText(_("A part of Panti is not installed ({module}). Install Panti again with its installer, or: "
                      "pip install panti-desktop").format(module=error.name or error))
        log.error("missing module", exc_info=error)
    elif isinstance(error, BaseException):
        box.setText(_("An unexpected error occurred. Nothing already saved was lost."))
        box.setDetailedText("".join(traceback.format_exception(error)))
        log.error("unexpected error", exc_info=error)
    else:
        box.setText(str(error))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def make_table(headers: list[str], parent: QWidget | None = None, name: str = "",
               stretch: bool = False) -> RowsTable:
    """A read-only, row-selecting list with compact rows: every list in the app looks alike."""
    return RowsTable(headers, parent, name, stretch)


def notify(widget: QWidget, text: str, seconds: int = 10) -> None:
    """Say in the main window's status bar that something was done (a file written, a status
    changed): every such action answers, without a dialog to click away."""
    window = widget.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, seconds * 1000)


def scroll_area(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def button_row(parent: QWidget, specs: list[tuple[str, str, Callable[[], object]]]) -> QHBoxLayout:
    """Buttons side by side, left-aligned: (text, objectName, slot) each."""
    lay = QHBoxLayout()
    for text, name, slot in specs:
        b = QPushButton(text, parent)
        b.setObjectName(name)
        b.clicked.connect(slot)
        lay.addWidget(b)
    lay.addStretch(1)
    return lay


def fixed_font(point_size: int = 0, bold: bool = False) -> QFont:
    """A fixed-width font for recovery keys and fingerprints, where every character must be told
    apart and lined up: Consolas where it exists (Windows has no font named "monospace", and
    its default fixed font is Courier New), else the system's fixed font (DejaVu Sans Mono,
    Menlo)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setFamilies(["Consolas", font.family()])
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    if point_size:
        font.setPointSize(point_size)
    font.setBold(bold)
    return font


def open_file(path) -> None:
    """Open a finished file (a report) with the system's viewer."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def run_busy(parent: QWidget, label: str, fn: Callable[[], object],
             on_done: Callable[[object], None] | None = None) -> Worker:
    """Run `fn` off the UI thread behind a busy dialog; errors come back as a dialog."""
    progress = QProgressDialog(label, None, 0, 0, parent)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)
    worker = Worker(lambda _report, _cancelled: fn())

    def done(result) -> None:
        progress.close()
        if on_done is not None:
            on_done(result)

    def failed(exc) -> None:
        progress.close()
        show_error(parent, exc)

    worker.signals.finished.connect(done)
    worker.signals.failed.connect(failed)
    parent._busy_worker = worker  # keep it alive while it runs
    return worker.start()


def run_with_progress(parent: QWidget, title: str, label: str, name: str, fn, on_done, on_failed) -> Worker:
    """Long work with a progress bar and Cancel: `fn(report, cancelled)` runs off the UI thread."""
    progress = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    progress.setObjectName(name)
    progress.setWindowTitle(title)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    progress.show()
    worker = Worker(fn)

    def advance(done: int, total: int) -> None:
        progress.setMaximum(max(total, 1))
        progress.setValue(done)

    def finished(result) -> None:
        progress.close()
        on_done(result)

    def failed(exc) -> None:
        progress.close()
        on_failed(exc)

    worker.signals.progress.connect(advance)
    worker.signals.finished.connect(finished)
    worker.signals.failed.connect(failed)
    progress.canceled.connect(worker.cancel)
    parent._progress_worker = worker  # keep it alive while it runs
    return worker.start()


def heading(text: str, parent: QWidget | None = None, size: int = 15) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSize(size)
    font.setBold(True)
    label.setFont(font)
    return label


NOTE_STYLE = "color: #555;"
MESSAGE_STYLE = "color: #b00020;"


def note_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A grey sentence that explains, wrapped to the width it is given."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    return label


def message_label(parent: QWidget | None = None, name: str = "message") -> QLabel:
    """Where a dialog says in red what stops it, wrapped; empty until then."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setStyleSheet(MESSAGE_STYLE)
    label.setWordWrap(True)
    return label


def new_passphrase_rows(form: QFormLayout, parent: QWidget) -> tuple[PassphraseField, PassphraseField]:
    """The "New passphrase" and "Repeat it" rows of `form`."""
    first = PassphraseField(parent)
    first.setObjectName("newPassphrase")
    second = PassphraseField(parent)
    second.setObjectName("newPassphraseConfirm")
    form.addRow(_("New passphrase"), first)
    form.addRow(_("Repeat it"), second)
    return first, second


def row(*widgets: QWidget) -> QHBoxLayout:
    lay = QHBoxLayout()
    for w in widgets:
        lay.addWidget(w)
    return lay
