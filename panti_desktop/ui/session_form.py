"""Logging a session: the most frequent task, so it opens filled in and saves itself.

Every edit restarts a short timer; when it fires the draft is sealed into the
store, so a crash or a power cut loses at most a few seconds of typing. A final
session is read-only; a correction is a new final record linked to it.
"""

from __future__ import annotations

import contextlib
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

from ..domain.records import Session
from ..domain.vocab import (
    INTERVENTION_TYPES,
    PARTICIPANTS,
    PROGRESS_RATINGS,
    SESSION_SETTINGS,
    SYSTEMS,
)
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

TEXT_FIELDS = ("family_task", "advances", "barriers", "safety_incidents", "next_steps", "notes")
ERROR_STYLE = "border: 1px solid #b00020;"


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
        form = QFormLayout(when)
        self.date = DateEdit(when, optional=False)
        self.date.setObjectName("session_date")
        self.start = TimeEdit(when)
        self.start.setObjectName("start_time")
        self.duration = QSpinBox(when)
        self.duration.setObjectName("duration_minutes")
        self.duration.setRange(0, 600)
        self.duration.setSingleStep(15)
        self.duration.setSpecialValueText("—")
        self.duration.setSuffix(" " + _("min"))
        self.setting = vocab_combo(SESSION_SETTINGS, empty=False, parent=when)
        self.setting.setObjectName("setting")
        for w in (self.date, self.start, self.duration, self.setting):
            w.setMaximumWidth(260)
        self.author = QLabel(self.ws.user_name(self.data.get("author_id")) or self.ws.user.name, when)
        form.addRow(Session.field_label("session_date"), self.date)
        form.addRow(Session.field_label("start_time"), self.start)
        form.addRow(Session.field_label("duration_minutes"), self.duration)
        form.addRow(Session.field_label("setting"), self.setting)
        form.addRow(_("Counsellor"), self.author)
        left.addWidget(when)

        who = QGroupBox(Session.field_label("participants"), inner)
        self.participants = CodeChecks(PARTICIPANTS, columns=2, parent=who)
        self.participants.setObjectName("participants")
        QVBoxLayout(who).addWidget(self.participants)
        left.addWidget(who)
        systems = QGroupBox(Session.field_label("systems"), inner)
        self.systems = CodeChecks(SYSTEMS, columns=3, parent=systems)
        self.systems.setObjectName("systems")
        QVBoxLayout(systems).addWidget(self.systems)
        left.addWidget(systems)
        interventions = QGroupBox(Session.field_label("interventions"), inner)
        self.interventions = CodeChecks(INTERVENTION_TYPES, columns=2, parent=interventions)
        self.interventions.setObjectName("interventions")
        QVBoxLayout(interventions).addWidget(self.interventions)
        left.addWidget(interventions)
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
        self.texts: dict[str, QPlainTextEdit] = {}
        for name in TEXT_FIELDS:  # label above, the box full width, growing with what is written
            edit = GrowingText(notes, lines=6 if name == "notes" else 2)
            edit.setObjectName(name)
            edit.setTabChangesFocus(True)
            self.texts[name] = edit
            label = QLabel(Session.field_label(name), notes)
            label.setBuddy(edit)
            nlay.addWidget(label)
            nlay.addWidget(edit)
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
        self.date.dateChanged.connect(self._edited)
        self.start.textChanged.connect(self._edited)
        self.duration.valueChanged.connect(self._edited)
        self.setting.currentIndexChanged.connect(self._edited)
        for checks in (self.participants, self.systems, self.interventions):
            for box in checks.boxes.values():
                box.toggled.connect(self._edited)
        for r in self.goal_rows:
            r.rating.currentIndexChanged.connect(self._edited)
            r.note.textChanged.connect(self._edited)
        for edit in self.texts.values():
            edit.textChanged.connect(self._edited)
        self.setFocusProxy(self.texts["notes"] if self.session_id else self.date)

    TWO_COLUMNS_FROM = 860  # px of form width: below it the columns stack

    def resizeEvent(self, event) -> None:
        wide = event.size().width() >= self.TWO_COLUMNS_FROM
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.cols.direction() != direction:
            self.cols.setDirection(direction)
        super().resizeEvent(event)

    # values -----------------------------------------------------------------------------

    def _load(self, d: dict) -> None:
        self.date.set_iso(d.get("session_date"))
        self.start.set_value(d.get("start_time"))
        self.duration.setValue(int(d.get("duration_minutes") or 0))
        set_combo_code(self.setting, d.get("setting") or "home")
        self.participants.set_codes(d.get("participants"))
        self.systems.set_codes(d.get("systems"))
        self.interventions.set_codes(d.get("interventions"))
        by_goal = {g.get("goal_id"): g for g in d.get("goals") or []}
        for r in self.goal_rows:
            if r.goal_id in by_goal:
                r.set_value(by_goal[r.goal_id])
        for name, edit in self.texts.items():
            edit.setPlainText(d.get(name) or "")

    def values(self) -> dict:
        return {
            "child_id": self.child_id,
            "session_date": self.date.iso(),
            "start_time": self.start.value(),
            "duration_minutes": self.duration.value() or None,
            "setting": self.setting.currentData(),
            "participants": self.participants.codes(),
            "systems": self.systems.codes(),
            "interventions": self.interventions.codes(),
            "goals": [v for v in (r.value() for r in self.goal_rows) if v],
            **{name: edit.toPlainText().strip() or None for name, edit in self.texts.items()},
        }

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
        if not self._attempt(lambda: Session.from_dict({**self.data, "status": "final"}).validate() or True):
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
        for w in (self.date, self.start, self.duration, self.setting, self.participants, self.systems,
                  self.interventions):
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
        return {"session_date": self.date, "start_time": self.start, "duration_minutes": self.duration,
                "setting": self.setting, "participants": self.participants, "systems": self.systems,
                "interventions": self.interventions, **self.texts}.get(field or "")

    def _mark(self, field: str | None) -> None:
        w = self._widget_for(field)
        if w is not None:
            w.setStyleSheet(ERROR_STYLE if not isinstance(w, QComboBox) else "")
            w.setFocus()

    def _clear_marks(self) -> None:
        for w in (self.date, self.start, self.duration, self.participants, *self.texts.values()):
            if w.styleSheet():
                w.setStyleSheet("")

    def hideEvent(self, event) -> None:
        if self._dirty:
            self.save_now()
        super().hideEvent(event)
