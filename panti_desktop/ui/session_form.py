"""Logging a session: the most frequent task, so it opens filled in and saves itself.

Every edit restarts a short timer; when it fires the draft is sealed into the
store, so a crash or a power cut loses at most a few seconds of typing. A final
session is read-only; a correction is a new final record linked to it.

The form is built from the session's declaration (`RECORD_TYPES["session"]` in
domain/records.py): each field's type picks its widget and its place — dates, times,
numbers and single choices under "When and where", each multiple choice a box of its
own, each text a growing box under "What happened", in the order declared (any other
simple field is typed there as text, which the domain reads: "ya", "2.5", "a; b").
Only the goal-rating block (`GoalRow`) is written by hand; a field added to the
declaration appears here with nothing else to change.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain.records import RECORD_TYPES
from ..domain.vocab import PROGRESS_RATINGS, SYSTEMS
from ..errors import PantiError, ValidationError
from ..i18n import _
from .common import (
    CodeChecks,
    DateEdit,
    TimeEdit,
    confirm,
    fmt_date,
    scroll_area,
    set_combo_code,
    show_error,
    vocab_combo,
)

ERROR_STYLE = "border: 1px solid #b00020;"
# Set by the workspace (who, which child, draft or final, which session it corrects), not typed.
SYSTEM_FIELDS = ("child_id", "author_id", "status", "amends_id", "finalised_at")
GOALS = "goals"  # the one block written by hand
WHEN_TYPES = ("date", "time", "int", "code")  # under "When and where"
TALL_TEXTS = {"notes": 6}  # lines a text box starts with (others 2)
SPIN_HINTS = {"duration_minutes": (15, "min")}  # a number's step and unit


def session_type():
    """The session's declaration, read when a form is built (a test may replace it)."""
    return RECORD_TYPES["session"]


def session_fields() -> list[tuple[str, dict]]:
    """(name, metadata) of every field the form shows, in the declaration's order."""
    return [(f.name, f.metadata) for f in dataclasses.fields(session_type())
            if f.name not in SYSTEM_FIELDS and f.name != GOALS and f.metadata.get("type") not in ("list", "dict")]


class GoalRow(QWidget):
    """One active intermediate goal with its progress rating and a short note."""

    def __init__(self, goal, parent=None):
        super().__init__(parent)
        self.goal_id = goal.id
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        text = QLabel(f"<b>{SYSTEMS.label(goal.data.get('system'))}</b> — {goal.data.get('text') or ''}", self)
        text.setWordWrap(True)
        self.rating = vocab_combo(PROGRESS_RATINGS, parent=self)
        self.rating.setObjectName(f"rating_{goal.id}")
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(_("What changed for this goal?"))
        self.note.setMinimumWidth(160)
        self.rating.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.rating.setMinimumContentsLength(12)
        lay.addWidget(text, 0, 0, 1, 2)
        lay.addWidget(self.rating, 1, 0)
        lay.addWidget(self.note, 1, 1)
        lay.setColumnStretch(1, 1)

    def value(self) -> dict | None:
        rating = self.rating.currentData()
        note = self.note.text().strip()
        if rating is None and not note:
            return None
        return {"goal_id": self.goal_id, "rating": None if rating is None else int(rating), "note": note or None}

    def set_value(self, entry: dict) -> None:
        r = entry.get("rating")
        set_combo_code(self.rating, None if r is None else str(r))
        self.note.setText(entry.get("note") or "")


class GrowingText(QPlainTextEdit):
    """A text box as wide as the form that grows with what is written (up to a screenful), so a
    sentence never hides behind a scroll bar of its own."""

    MAX_LINES = 18

    def __init__(self, parent=None, lines: int = 2):
        super().__init__(parent)
        self.min_lines = lines
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit())
        self._fit()

    def _fit(self) -> None:
        lines = max(self.min_lines, min(self.MAX_LINES, int(self.document().size().height()) + 1))
        height = self.fontMetrics().lineSpacing() * lines + 2 * self.frameWidth() + 10
        if self.height() != height:
            self.setFixedHeight(height)


class SessionForm(QWidget):
    saved = Signal(str)
    finalised = Signal(str)
    amend_requested = Signal(str)

    AUTOSAVE_MS = 1500

    def __init__(self, ws, child_id: str, session_id: str | None = None, parent=None, amend_of: str | None = None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = ws.resolve_child(child_id)
        self.session_id = session_id
        self.amend_of = amend_of
        self._dirty = False
        self._loading = True
        if amend_of:
            original = ws.get_record("session", amend_of)
            data = {k: v for k, v in original.data.items() if k not in ("id",)}
            data.update({"author_id": ws.user.id, "status": "final", "amends_id": amend_of})
            self.original = original
        elif session_id:
            data = ws.get_record("session", session_id).data
        else:
            data = ws.new_session_defaults(self.child_id)
        self.data = dict(data)
        self._build()
        self._load(self.data)
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.AUTOSAVE_MS)
        self._timer.timeout.connect(self._autosave)
        self._apply_mode()

    # building ---------------------------------------------------------------------------

    def _build(self) -> None:
        row = self.ws.child_row(self.child_id)
        outer = QVBoxLayout(self)
        head = QHBoxLayout()
        word = _("Session")
        title = QLabel(f"<b>{word}</b> · {row.initials} · {row.register_no}", self)
        title.setObjectName("sessionTitle")
        f = title.font()
        f.setPointSize(13)
        title.setFont(f)
        head.addWidget(title)
        head.addStretch(1)
        self.badge = QLabel(self)
        self.badge.setObjectName("statusBadge")
        head.addWidget(self.badge)
        outer.addLayout(head)

        inner = QWidget()
        # Side by side where there is room; one column on a small laptop (1024×600), so that
        # nothing needs a horizontal scroll bar (see resizeEvent).
        self.cols = cols = QBoxLayout(QBoxLayout.Direction.LeftToRight, inner)
        left = QVBoxLayout()
        right = QVBoxLayout()
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)

        when = QGroupBox(_("When and where"), inner)
        self.when_form = QFormLayout(when)
        self.fields: dict[str, QWidget] = {}
        self.meta: dict[str, dict] = {}
        self.texts: dict[str, QPlainTextEdit] = {}
        checks: list[QGroupBox] = []
        for name, m in session_fields():
            self.meta[name] = m
            label = m["label"].text()
            if m.get("type") == "codes":
                box = QGroupBox(label, inner)
                longest = max((len(text) for _code, text in m["vocab"].items()), default=0)
                w = CodeChecks(m["vocab"], columns=2 if longest > 18 else 3, parent=box)
                QVBoxLayout(box).addWidget(w)
                checks.append(box)
            elif m.get("type") in WHEN_TYPES:
                w = self._when_widget(name, m, when)
                w.setMaximumWidth(260)
                self.when_form.addRow(label, w)
            else:
                continue  # a text: below the goals (made after them, so Tab reaches them first)
            w.setObjectName(name)
            self.fields[name] = w
        self.author = QLabel(self.ws.user_name(self.data.get("author_id")) or self.ws.user.name, when)
        self.when_form.addRow(_("Counsellor"), self.author)
        left.addWidget(when)
        for box in checks:
            left.addWidget(box)
        left.addStretch(1)

        goals = QGroupBox(_("Goals of the plan worked on"), inner)
        glay = QVBoxLayout(goals)
        self.goal_rows: list[GoalRow] = []
        active = self.ws.active_goals(self.child_id)
        known = {g.id for g in active}
        for entry in self.data.get("goals") or []:  # goals rated earlier but no longer active
            if entry.get("goal_id") not in known:
                with contextlib.suppress(PantiError):
                    active.append(self.ws.goal(entry["goal_id"]))
        for goal in active:
            r = GoalRow(goal, goals)
            self.goal_rows.append(r)
            glay.addWidget(r)
        if not active:
            glay.addWidget(QLabel(_("The plan has no active intermediate goals yet."), goals))
        right.addWidget(goals)

        notes = QGroupBox(_("What happened"), inner)
        nlay = QVBoxLayout(notes)
        for name, m in session_fields():  # label above, the box full width, growing with what is written
            if name in self.fields:
                continue
            w = GrowingText(notes, lines=TALL_TEXTS.get(name, 2))
            w.setObjectName(name)
            w.setTabChangesFocus(True)
            self.meta[name] = m
            self.texts[name] = self.fields[name] = w
            caption = QLabel(m["label"].text(), notes)
            caption.setBuddy(w)
            nlay.addWidget(caption)
            nlay.addWidget(w)

        right.addWidget(notes)
        right.addStretch(1)
        self.scroll = scroll_area(inner)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll, 1)

        bottom = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setObjectName("saveStatus")
        self.status.setStyleSheet("color: #555;")
        bottom.addWidget(self.status, 1)
        self.finalise_button = QPushButton(_("&Finalise"), self)
        self.finalise_button.setObjectName("finalise")
        self.finalise_button.setToolTip(_("Finalise (Ctrl+Enter): the session can then only be corrected by an amendment"))
        self.finalise_button.clicked.connect(self.finalise)
        self.amend_button = QPushButton(_("&Amend…"), self)
        self.amend_button.setObjectName("amend")
        self.amend_button.clicked.connect(lambda: self.amend_requested.emit(self.session_id))
        self.save_amendment_button = QPushButton(_("&Save amendment"), self)
        self.save_amendment_button.setObjectName("saveAmendment")
        self.save_amendment_button.clicked.connect(self.save_amendment)
        for b in (self.finalise_button, self.amend_button, self.save_amendment_button):
            bottom.addWidget(b)
        outer.addLayout(bottom)

        for seq in ("Ctrl+S",):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.save_now)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self._primary)

        # any edit marks the form dirty and restarts the autosave timer
        for name, w in self.fields.items():
            kind = self.meta[name].get("type")
            if kind == "codes":
                for box in w.boxes.values():
                    box.toggled.connect(self._edited)
            elif kind == "date":
                w.dateChanged.connect(self._edited)
            elif kind == "int":
                w.valueChanged.connect(self._edited)
            elif kind == "code":
                w.currentIndexChanged.connect(self._edited)
            else:
                w.textChanged.connect(self._edited)
        for r in self.goal_rows:
            r.rating.currentIndexChanged.connect(self._edited)
            r.note.textChanged.connect(self._edited)
        self.setFocusProxy(self.texts["notes"] if self.session_id else self.date)

    def _when_widget(self, name: str, m: dict, parent: QWidget) -> QWidget:
        kind = m.get("type")
        if kind == "date":
            return DateEdit(parent, optional=not m.get("required"))
        if kind == "time":
            return TimeEdit(parent)
        if kind == "int":
            w = QSpinBox(parent)
            w.setRange(0, m.get("hi") or 100_000)
            step, unit = SPIN_HINTS.get(name, (1, None))
            w.setSingleStep(step)
            w.setSpecialValueText("—")  # 0: not given
            if unit == "min":
                w.setSuffix(" " + _("min"))
            return w
        return vocab_combo(m["vocab"], empty=not m.get("required"), parent=parent)

    # the fields callers name (the form itself reads `fields`)
    date = property(lambda self: self.fields["session_date"])
    start = property(lambda self: self.fields["start_time"])
    duration = property(lambda self: self.fields["duration_minutes"])
    setting = property(lambda self: self.fields["setting"])
    participants = property(lambda self: self.fields["participants"])
    systems = property(lambda self: self.fields["systems"])
    interventions = property(lambda self: self.fields["interventions"])

    TWO_COLUMNS_FROM = 860  # px of form width: below it the columns stack

    def resizeEvent(self, event) -> None:
        wide = event.size().width() >= self.TWO_COLUMNS_FROM
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.cols.direction() != direction:
            self.cols.setDirection(direction)
        super().resizeEvent(event)

    # values -----------------------------------------------------------------------------

    def _load(self, d: dict) -> None:
        defaults = {f.name: f.default for f in dataclasses.fields(session_type())}
        for name, w in self.fields.items():
            kind, value = self.meta[name].get("type"), d.get(name)
            if kind == "date":
                w.set_iso(value)
            elif kind == "time":
                w.set_value(value)
            elif kind == "int":
                w.setValue(int(value or 0))
            elif kind == "code":
                set_combo_code(w, value or defaults.get(name))
            elif kind == "codes":
                w.set_codes(value)
            elif isinstance(value, list):  # a list of entries typed as "a; b"
                w.setPlainText("; ".join(str(v) for v in value))
            else:  # a text, or a yes/no or decimal number typed as text (the domain reads it)
                w.setPlainText("" if value is None else str(value))
        by_goal = {g.get("goal_id"): g for g in d.get(GOALS) or []}
        for r in self.goal_rows:
            if r.goal_id in by_goal:
                r.set_value(by_goal[r.goal_id])

    def _value(self, name: str):
        kind, w = self.meta[name].get("type"), self.fields[name]
        if kind == "date":
            return w.iso()
        if kind == "time":
            return w.value()
        if kind == "int":
            return w.value() or None
        if kind == "code":
            return w.currentData()
        if kind == "codes":
            return w.codes()
        return w.toPlainText().strip() or None

    def values(self) -> dict:
        return {"child_id": self.child_id, **{name: self._value(name) for name in self.fields},
                GOALS: [v for v in (r.value() for r in self.goal_rows) if v]}

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    @property
    def is_final(self) -> bool:
        return self.data.get("status") == "final" and not self.amend_of

    # saving -----------------------------------------------------------------------------

    def _edited(self, *_args) -> None:
        if self._loading or self.is_final:
            return
        self._dirty = True
        self._clear_marks()
        if not self.amend_of:
            self.status.setText(_("Not saved yet…"))
            self._timer.start()

    def _autosave(self) -> None:
        self.save_now()

    def save_now(self) -> bool:
        """Seal the draft into the store now. Quietly waits while the workspace is locked."""
        self._timer.stop()
        if not self._dirty or self.is_final or self.amend_of:
            return not self._dirty
        if self.ws.is_locked:
            self.status.setText(_("Locked: the draft will be saved after unlocking."))
            return False
        try:
            rec = self.ws.save_session_draft(self.values(), self.session_id)
        except ValidationError as exc:
            self._mark(exc.field)
            self.status.setText(_("Not saved: {reason}").format(reason=exc))
            return False
        except PantiError as exc:
            self.status.setText(_("Not saved: {reason}").format(reason=exc))
            return False
        self.session_id = rec.id
        self.data = rec.data
        self._dirty = False
        self.status.setText(_("Draft saved at {time}").format(time=datetime.now().strftime("%H:%M:%S")))
        self.saved.emit(rec.id)
        return True

    def _confirm_finalise(self) -> bool:
        return confirm(self, _("Finalise session"),
                       _("Finalise this session? It can then only be corrected by an amendment."))

    def _primary(self) -> None:
        if self.amend_of:
            self.save_amendment()
        elif not self.is_final:
            self.finalise()

    def _attempt(self, action):
        """What `action` returns, or None when it is refused: a refused value marks its field and
        says why in the status line, any other refusal shows a dialog."""
        try:
            return action()
        except ValidationError as exc:
            self._mark(exc.field)
            self.status.setText(str(exc))
        except PantiError as exc:
            show_error(self, exc)
        return None

    def finalise(self) -> bool:
        if self.is_final:
            return False
        self._dirty = True  # make sure what is on screen is what gets finalised
        if not self.save_now():
            return False
        # the rules for a final session are checked before the user is asked to confirm
        if not self._attempt(lambda: session_type().from_dict({**self.data, "status": "final"}).validate() or True):
            return False
        if not self._confirm_finalise():
            return False
        rec = self._attempt(lambda: self.ws.finalise_session(self.session_id))
        if rec is None:
            return False
        self.data = rec.data
        self._apply_mode()
        self.status.setText(_("Finalised on {date}").format(date=fmt_date(rec.data.get("finalised_at"))))
        self.finalised.emit(rec.id)
        return True

    def save_amendment(self) -> bool:
        if not self.amend_of:
            return False
        values = self.values()
        changes = {k: v for k, v in values.items() if self.original.data.get(k) != v}
        if not changes:
            self.status.setText(_("Nothing was changed."))
            return False
        rec = self._attempt(lambda: self.ws.amend_session(self.amend_of, changes))
        if rec is None:
            return False
        self.session_id = rec.id
        self.data = rec.data
        self.amend_of = None
        self._dirty = False
        self._apply_mode()
        self.saved.emit(rec.id)
        self.finalised.emit(rec.id)
        return True

    # modes and marks ------------------------------------------------------------------------

    def _apply_mode(self) -> None:
        final = self.is_final
        editable = not final
        for name, w in self.fields.items():
            if name not in self.texts:
                w.setEnabled(editable)
        for r in self.goal_rows:
            r.rating.setEnabled(editable)
            r.note.setReadOnly(final)
        for edit in self.texts.values():
            edit.setReadOnly(final)
        self.finalise_button.setVisible(not final and not self.amend_of)
        self.amend_button.setVisible(final)
        self.save_amendment_button.setVisible(bool(self.amend_of))
        if self.amend_of:
            text = _("Amendment of the session of {date}").format(date=fmt_date(self.original.data.get("session_date")))
            style = "background: #fff4d6; color: #7a5200;"
        elif final and self.data.get("amends_id"):
            text = _("Amendment (final)")
            style = "background: #e4f3e8; color: #1b5e20;"
        elif final:
            text = _("Final")
            style = "background: #e4f3e8; color: #1b5e20;"
        else:
            text = _("Draft")
            style = "background: #e8eef7; color: #1f3b63;"
        self.badge.setText(text)
        self.badge.setStyleSheet(style + " padding: 3px 8px; border-radius: 4px;")

    def _widget_for(self, field: str | None) -> QWidget | None:
        return self.fields.get(field or "")

    def _mark(self, field: str | None) -> None:
        w = self._widget_for(field)
        if w is not None:
            w.setStyleSheet(ERROR_STYLE if not isinstance(w, QComboBox) else "")
            w.setFocus()

    def _clear_marks(self) -> None:
        for w in self.fields.values():
            if w.styleSheet():
                w.setStyleSheet("")

    def hideEvent(self, event) -> None:
        if self._dirty:
            self.save_now()
        super().hideEvent(event)
