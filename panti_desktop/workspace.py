"""The unlocked centre: one object that the CLI and the GUI use for every use case.

A `Workspace` opens the vault and the store for one user. What the user may do
follows from the keys the vault gave them: a staff workspace holds no CLINICAL
key, so clinical reads fail with a clear permission error.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from . import attachments as attachments_mod
from . import caseload as caseload_mod
from . import review
from .caseload import Caseload, OpenedAnyway, OutsideCaseload
from .domain import lifecycle
from .domain.diversion import diversion_eligibility
from .domain.records import RECORD_TYPES, Child, child_sections, record_from_dict
from .errors import (
    IntegrityError,
    NotFound,
    PantiError,
    PermissionDenied,
    ValidationError,
    VaultError,
)
from .files import is_device_name
from .i18n import _
from .store import audit as audit_mod
from .store import cadence, cases, damage, heads
from .store import consistency as rules
from .store.audit import AuditLog
from .store.db import DB_NAME, open_database, storage_error
from .store.hlc import HybridClock
from .store.kinds import KINDS, kind
from .store.records import Record, RecordStore, now_iso
from .sync import identity as sync_identity
from .sync.common import reseal_conflicts
from .sync.quarantine import reseal as reseal_quarantine
from .vault import ADMIN, CLINICAL, MASTER, KdfParams, KeyRing, User, Vault, authority, calibrate
from .vault.authority import checked as authority_checked
from .vault.vault import check_passphrase_strength

log = logging.getLogger(__name__)

# The sections of a child's file, in the order a reader expects them (`SECTION` of each kind).
CHILD_SECTIONS = child_sections()

ROLES_THAT_APPROVE = ("manager", "admin")
IDLE_LOCK_DEFAULT = 5  # minutes


def _fold(text: str) -> str:
    """Lower-case, accent-free text for searching names as people type them."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@dataclass
class ChildRow:
    """What the children list shows: never the full name."""

    id: str
    register_no: str
    initials: str
    age: int | None
    status: str
    counsellor_id: str | None
    intake_date: str | None
    last_session: str | None = None
    next_review: str | None = None
    consent: bool = False  # a parent's or guardian's consent is recorded and not withdrawn
    in_caseload: bool = True  # False: a counsellor's list marks a child of another counsellor


@dataclass
class Due:
    """One thing on the dashboard: which child, which record, by when."""

    child_id: str
    kind: str
    record_id: str
    when: str | None


@dataclass
class Dashboard:
    caseload: int = 0
    sessions_this_week: int = 0
    new_referrals: list[Due] = field(default_factory=list)
    drafts: list[Due] = field(default_factory=list)
    plans_due: list[Due] = field(default_factory=list)
    follow_ups_due: list[Due] = field(default_factory=list)
    diversion_items_due: list[Due] = field(default_factory=list)
    plans_to_approve: list[Due] = field(default_factory=list)
    weekly_summaries_due: list[Due] = field(default_factory=list)  # MST: each week in intervention
    supervision_due: list[Due] = field(default_factory=list)
    safety_reviews_overdue: list[Due] = field(default_factory=list)
    diversion_deadlines: list[Due] = field(default_factory=list)  # UU SPPA art. 29, 42, 52
    recommendations_to_review: list[Due] = field(default_factory=list)  # managers: the social report's
    recommendations_returned: list[Due] = field(default_factory=list)  # their authors (review.py)
    last_backup: str | None = None  # when the newest verified backup was made
    backup_overdue: bool = False
    tampered: list[str] = field(default_factory=list)  # admins: rows changed, planted or deleted in the file


@dataclass
class ChildFile:
    child: Record
    sections: dict[str, list[Record]] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)  # sections the user holds no key for, or outside the caseload
    outside_caseload: bool = False  # the clinical sections are hidden until "open anyway" (caseload.py)
    eligibility: object | None = None


class Workspace:
    def __init__(self, data_dir: Path, db: Database, vault: Vault, user: User, ring: KeyRing):
        self.data_dir = Path(data_dir)
        self.db = db
        self.vault = vault
        self.user = user
        self.ring = ring
        meta = dict(db.execute("SELECT key, value FROM store_meta").fetchall())
        if any(k not in meta for k in ("centre_id", "centre_code", "device_id")):
            raise IntegrityError(_("The centre's identity was deleted from the database outside the app. "
                                   "Restore the last verified backup."))
        self.centre_id: str = meta["centre_id"]
        self.centre_code: str = meta["centre_code"]
        self.centre_name: str = meta.get("centre_name", "")
        self.device_id: str = meta["device_id"]
        self.records = RecordStore(db, ring, self.centre_id, self.device_id, HybridClock())
        self.records.clock.observe(self.records.max_hlc())
        self.audit = AuditLog(db, ring)
        self.records.after_write = self.audit.refresh_head
        self.records.write_guard = self._refuse_transferred
        self._child_cache: dict[str, dict] = {}
        self._name_index: dict[str, str] | None = None
        self.listeners: list[Callable[[str, str, str], None]] = []
        self.caseload = Caseload(db, user.id, user.role, lambda child_id, reason: self.audit_event(
            caseload_mod.OPEN_ANYWAY, "child", child_id, child_id, detail=reason))
        self.reviews = review.Reviews(self)  # the social report's recommendation and its review

    # opening ------------------------------------------------------------------------

    @staticmethod
    def db_path(data_dir: Path) -> Path:
        return Path(data_dir) / DB_NAME

    @classmethod
    def exists(cls, data_dir: Path) -> bool:
        return cls.db_path(data_dir).exists()

    @classmethod
    def init(
        cls,
        data_dir: Path,
        centre_code: str,
        centre_name: str,
        admin_name: str,
        passphrase: str,
        centre_type: str = "sentra",
        province: str = "",
        kdf: KdfParams | None = None,
    ) -> tuple[Workspace, str]:
        """Create a centre vault. Returns the workspace and the recovery key (show it once)."""
        centre_code = centre_code.strip().upper()
        if not centre_code or not centre_code.replace("-", "").isalnum() or len(centre_code) > 12:
            raise ValidationError(
                _("The centre code must be 1–12 letters or digits."), field="centre_code"
            )
        if is_device_name(centre_code):  # NUL.pantipeer would be a device on Windows
            raise ValidationError(_("{code} is the name of a device on Windows; choose another centre code.").format(
                code=centre_code), field="centre_code")
        if not centre_name.strip():
            raise ValidationError(_("The centre name is required."), field="centre_name")
        path = cls.db_path(data_dir)
        if path.exists():
            raise PantiError(_("This folder already holds a centre vault."))
        centre = record_from_dict(
            "centre",
            {"code": centre_code, "name": centre_name.strip(), "type": centre_type, "province": province},
        )
        centre.validate()
        db = open_database(path, create=True)
        try:
            vault = Vault(db)
            with db.atomic():
                user, recovery_text, ring = vault.create(admin_name, passphrase, kdf or calibrate())
                centre_id = uuid.uuid4().hex
                db.table("store_meta").insert_all(
                    [
                        {"key": "centre_id", "value": centre_id},
                        {"key": "centre_code", "value": centre_code},
                        {"key": "centre_name", "value": centre_name.strip()},
                        {"key": "centre_type", "value": centre_type},
                        {"key": "device_id", "value": uuid.uuid4().hex},
                    ]
                )
                authority.seal_all(db, ring)  # the centre's identity, under the new master key
                ws = cls(data_dir, db, vault, user, ring)
                ws.records.commit_heads()
                authority.adopt_holds(db, ring)
                ws.records.insert("centre", centre.to_dict(), user.id, record_id=centre_id)
                ws.audit_event("init", detail=centre_code)
        except BaseException:
            db.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            raise
        return ws, recovery_text

    @classmethod
    def open(cls, data_dir: Path, user_name: str, passphrase: str) -> Workspace:
        db = open_database(cls.db_path(data_dir))
        try:
            vault = Vault(db)
            user, ring = vault.unlock(user_name, passphrase)
        except BaseException:
            db.close()
            raise
        return cls._opened(data_dir, db, vault, user, ring)

    @classmethod
    def _opened(cls, data_dir: Path, db: Database, vault: Vault, user: User, ring: KeyRing) -> Workspace:
        try:
            return cls(data_dir, db, vault, user, ring)._after_unlock()
        except BaseException:
            ring.wipe()
            db.close()
            raise

    def _after_unlock(self) -> Workspace:
        """Record the first authentication of the authority rows (the first unlock with the master
        key after the upgrade) in the audit log."""
        if self.vault.migrated is not None:
            self.audit_event("settings", detail=f"authority rows authenticated as they were: {self.vault.migrated}")
            self.vault.migrated = None
        if authority.holds_pending(self.db):  # the first unlock with the ADMIN key after the upgrade
            with self.db.atomic():
                holds = authority.adopt_holds(self.db, self.ring)
                if holds is not None:
                    self.audit_event("settings", detail=f"legal holds authenticated as they were: {holds}")
        if heads.pending(self.db.conn):  # the first unlock after the upgrade: recorded in the audit log
            with self.db.atomic():
                made, covered = self.records.commit_heads()
                if made:
                    self.audit_event("settings", detail=f"committed state of {made} record tables recorded as "
                                                        f"it was: {covered} rows")
        return self

    @classmethod
    def open_with_recovery(cls, data_dir: Path, recovery_text: str, user_name: str) -> Workspace:
        """Unlock with the recovery key, acting as `user_name` (whose passphrase is to be reset)."""
        db = open_database(cls.db_path(data_dir))
        try:
            vault = Vault(db)
            user = vault.user(user_name)
            ring = vault.unlock_with_recovery(recovery_text)
        except BaseException:
            db.close()
            raise
        return cls._opened(data_dir, db, vault, user, ring)

    @classmethod
    def list_users(cls, data_dir: Path) -> list[User]:
        """Users to pick from before unlocking (names and roles are not secret)."""
        db = open_database(cls.db_path(data_dir))
        try:
            return Vault(db).users()
        finally:
            db.close()

    def lock(self) -> None:
        """Overwrite every key and forget decrypted data."""
        self.ring.wipe()
        self.caseload.forget()
        self._child_cache.clear()
        self._name_index = None

    @property
    def is_locked(self) -> bool:
        return self.ring.locked

    def unlock_again(self, passphrase: str) -> None:
        """After `lock()`: the same user's passphrase brings the keys back into this workspace."""
        user, ring = self.vault.unlock(self.user.name, passphrase)
        self.user, self.ring = user, ring
        self.records.ring = ring
        self.audit.ring = ring
        self._after_unlock()

    @property
    def is_hq(self) -> bool:
        """Whether this installation is headquarters (every centre's records side by side)."""
        return cases.is_hq(self.db)

    def custody(self, child_ids: Iterable[str] | None = None) -> dict[str, str]:
        """Child id → code of the centre that holds the case."""
        return cases.custody(self.db, self.centre_id, self.centre_code, child_ids)

    def transferred_away(self, child_id: str | None) -> str | None:
        """The centre this centre transferred the case to (its file here is read-only), or None."""
        return cases.transferred_away(self.db, self.centre_code, child_id)

    def _refuse_transferred(self, kind_name: str, child_id: str | None) -> None:
        """Refuse local edits to a case this centre has transferred to another centre."""
        if kind_name != "child" and not KINDS[kind_name].per_child:
            return
        to = self.transferred_away(child_id)
        if to:
            raise PermissionDenied(_("This case was transferred to {code}; its file here is read-only.").format(
                code=to))

    @classmethod
    def record_restore(cls, data_dir: Path, path: Path, created_at: str, passphrase: str | None = None,
                       recovery_text: str | None = None) -> None:
        """Record a restore in the restored vault's own audit chain, as the first admin whose
        passphrase (or the recovery key) opens it."""
        admins = [u.name for u in cls.list_users(data_dir) if u.role == "admin" and u.removed_at is None]
        for name in admins:
            try:
                ws = (cls.open_with_recovery(data_dir, recovery_text, name) if recovery_text is not None
                      else cls.open(data_dir, name, passphrase or ""))
            except VaultError:  # not this admin's passphrase; a full disk or a busy database is reported
                continue
            with ws:
                ws.audit_event("restore", detail=f"{Path(path).name} {created_at}")
            return

    def close(self) -> None:
        self.lock()
        self.db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # permissions --------------------------------------------------------------------

    @property
    def role(self) -> str:
        return self.user.role

    def can_read(self, kind_name: str) -> bool:
        return self.ring.has(kind(kind_name).role)

    @property
    def can_read_clinical(self) -> bool:
        return self.ring.has(CLINICAL)

    def _require_kind(self, kind_name: str) -> None:
        if kind_name not in KINDS:
            raise PantiError(_("Unknown record type: {kind}").format(kind=kind_name))
        if not self.can_read(kind_name):
            raise PermissionDenied(
                _("Your role ({role}) does not allow access to clinical records.").format(
                    role=self.role
                )
            )

    def _require_case(self, kind_name: str, child_id: str | None) -> None:
        """A clinical record of a child outside a counsellor's caseload needs "open anyway"."""
        if kind(kind_name).role == CLINICAL and kind(kind_name).per_child:
            self.caseload.require(child_id)

    def open_anyway(self, ref: str, reason: str) -> str:
        """Open a child's clinical file outside the caseload, with a reason (audited); the child's id."""
        child_id = self.resolve_child(ref)
        self.caseload.open_anyway(child_id, reason)
        return child_id

    def opened_anyway(self, days: int = 14) -> list[OpenedAnyway]:
        """Clinical files opened outside a caseload in the last `days` days (managers, admins)."""
        seqs = self.caseload.recorded_seqs()
        return caseload_mod.opened_anyway(self.audit.entries(since=caseload_mod.since(days), seqs=seqs)) \
            if seqs else []

    def require_admin(self) -> None:
        if self.role != "admin" or not self.ring.has(MASTER):
            raise PermissionDenied(_("Only an administrator can do this."))

    # audit ----------------------------------------------------------------------------

    def audit_event(self, action: str, kind_name: str | None = None, record_id: str | None = None,
               child_id: str | None = None, detail: str | None = None) -> int:
        return self.audit.append(self.user.id, self.user.name, action, kind_name, record_id, child_id, detail)

    def audit_entries(self, limit: int | None = 200, child_id: str | None = None):
        return self.audit.entries(limit=limit, child_id=child_id)

    def notify_changed(self, action: str, kind_name: str, record_id: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(action, kind_name, record_id)
            except Exception:  # a broken listener must not undo a saved record
                log.exception("change listener failed")

    def forget_children(self, *child_ids: str) -> None:
        """Drop cached child data after the rows changed underneath (an import, an erasure):
        the named children, or all of them; the name index is rebuilt when next searched."""
        if child_ids:
            for child_id in child_ids:
                self._child_cache.pop(child_id, None)
        else:
            self._child_cache.clear()
        self._name_index = None

    # generic records ------------------------------------------------------------------

    def validated(self, kind_name: str, data: dict) -> dict:
        try:
            obj = record_from_dict(kind_name, data)
        except (TypeError, ValueError) as exc:
            raise ValidationError(str(exc)) from exc
        obj.validate()
        return obj.to_dict()

    def add_record(self, kind_name: str, data: dict) -> Record:
        self._require_kind(kind_name)
        review.refuse_generic_write(kind_name)
        if kind_name == "child":
            return self.register_child(data)
        k = kind(kind_name)
        if k.per_child:
            child_id = data.get("child_id")
            if not child_id:
                raise ValidationError(_("The record must belong to a child."), field="child_id")
            self._child_row(child_id)
            self._require_case(kind_name, child_id)
        clean = self.validated(kind_name, data)
        override = self._before_save(kind_name, None, clean, {})
        with self.db.atomic():
            rec = self.records.insert(kind_name, clean, self.user.id)
            self.audit_event("create", kind_name, rec.id, clean.get("child_id"))
            if override:
                self.audit_event("diversion_override", kind_name, rec.id, clean.get("child_id"), detail=override)
        self.notify_changed("create", kind_name, rec.id)
        if kind_name == "termination":
            self.schedule_follow_ups(rec)
        return rec

    def _before_save(self, kind_name: str, record_id: str | None, clean: dict, current: dict) -> str | None:
        """Who may save it and whether it fits the rest of the file; the override basis to audit, if any."""
        if kind_name == "user_profile" and clean.get("user_id") != self.user.id:
            self.require_admin()  # each user edits their own profile; an administrator anyone's
        override = self._override(kind_name, clean, current)
        self.check_rules(kind_name, record_id, clean)
        return override

    def check_rules(self, kind_name: str, record_id: str | None, clean: dict) -> None:
        """Refuse a save that would contradict the rest of the child's file (domain/consistency.py)."""
        rules.guard(self.records, self.can_read, kind_name, record_id, clean,
                    risk_months=self.risk_assessment_months)

    @property
    def risk_assessment_months(self) -> int:
        try:
            return max(1, int(self.setting(rules.RISK_MONTHS_SETTING) or 6))
        except ValueError:
            return 6

    def _override(self, kind_name: str, clean: dict, current: dict) -> str | None:
        """A diversion override of the eligibility rule: a manager's, with its legal basis, audited."""
        basis = (clean.get("override_basis") or "").strip() if kind_name == "diversion" else ""
        if not basis or basis == (current.get("override_basis") or "").strip():
            if kind_name == "diversion":
                for key in ("override_by", "override_on"):
                    clean[key] = current.get(key) if basis else None
            return None
        if self.role not in ROLES_THAT_APPROVE:
            raise PermissionDenied(_("Only a manager can record an override of the diversion rule."))
        clean["override_by"], clean["override_on"] = self.user.id, date.today().isoformat()
        return basis

    def _live(self, kind_name: str, record_id: str) -> Record:
        """The record, or NotFound when it was deleted (here or at a peer): it cannot change."""
        rec = self.records.get(kind_name, record_id)
        if rec.deleted:
            raise NotFound(_("The record was not found."))
        return rec

    def get_record(self, kind_name: str, record_id: str) -> Record:
        self._require_kind(kind_name)
        rec = self.records.get(kind_name, record_id)
        self._require_case(kind_name, rec.data.get("child_id"))
        if kind(kind_name).role == CLINICAL:
            self.audit_event("read_clinical", kind_name, record_id, rec.data.get("child_id"))
        return rec

    def update_record(self, kind_name: str, record_id: str, changes: dict) -> Record:
        self._require_kind(kind_name)
        review.refuse_generic_write(kind_name)
        if kind_name == "child":
            return self.update_child(record_id, changes)
        current = self._live(kind_name, record_id)
        self._require_case(kind_name, current.data.get("child_id"))
        if kind_name == "session" and current.data.get("status") == "final":
            raise ValidationError(
                _("A final session cannot be changed; add an amendment instead.")
            )
        if kind_name == "plan" and current.data.get("status") == "approved" and "status" not in changes:
            raise ValidationError(_("An approved plan cannot be changed; start a new version."))
        merged = {**current.data, **changes}
        clean = self.validated(kind_name, merged)
        override = self._before_save(kind_name, record_id, clean, current.data)
        with self.db.atomic():
            rec = self.records.update(kind_name, record_id, clean, self.user.id)
            self.audit_event("update", kind_name, record_id, clean.get("child_id"),
                        detail=",".join(sorted(changes)))
            if override:
                self.audit_event("diversion_override", kind_name, record_id, clean.get("child_id"), detail=override)
        self.notify_changed("update", kind_name, record_id)
        return rec

    def delete_record(self, kind_name: str, record_id: str) -> None:
        self._require_kind(kind_name)
        review.refuse_generic_write(kind_name)
        current = self._live(kind_name, record_id)
        self._require_case(kind_name, current.data.get("child_id"))
        if kind_name == "session" and current.data.get("status") == "final":
            raise ValidationError(_("A final session cannot be deleted; add an amendment instead."))
        with self.db.atomic():
            self.records.delete(kind_name, record_id, self.user.id)
            if current.data.get("child_id"):  # the documents filed with it go too
                attachments_mod.store(self).delete_for_kind(current.data["child_id"], kind_name, record_id)
            self.audit_event("delete", kind_name, record_id, current.data.get("child_id"))
        if kind_name == "child":
            self._child_cache.pop(record_id, None)
            self._name_index = None
        self.notify_changed("delete", kind_name, record_id)

    def records_for_child(self, kind_name: str, child_id: str) -> list[Record]:
        self._require_kind(kind_name)
        self._require_case(kind_name, child_id)
        order = {"session": "session_date, created_at", "assessment": "assessed_on"}.get(kind_name, "created_at")
        return self.records.for_child(kind_name, child_id, order)

    @staticmethod
    def per_child(kind_name: str) -> bool:
        """Whether records of this kind belong to one child (they carry its id)."""
        return kind(kind_name).per_child

    def record_count(self, kind_name: str, child_id: str, where: str = "") -> int:
        """How many live records of a kind a child has (plaintext columns only, nothing opened)."""
        k = kind(kind_name)
        self._require_kind(kind_name)
        return self.db.execute(f"SELECT COUNT(*) FROM {k.name} WHERE deleted = 0 AND child_id = ?"
                               + (f" AND ({where})" if where else ""), [child_id]).fetchone()[0]

    def has_active_consent(self, child_id: str) -> bool:
        """Whether a parent's or guardian's consent is recorded and not withdrawn."""
        return self.record_count("consent", child_id, "withdrawn_on IS NULL") > 0

    def plan_parts(self, plan_id: str) -> tuple[list[Record], list[Record], list[Record]]:
        """A plan's overarching goals, fit drivers and intermediate goals, oldest first."""
        self.caseload.require_for("plan", plan_id)
        return tuple(self.records.find(name, "plan_id = ?", [plan_id], "created_at")  # type: ignore[return-value]
                     for name in ("overarching_goal", "fit_driver", "intermediate_goal"))

    def goal(self, goal_id: str) -> Record:
        """One intermediate goal of a plan (a session rates it)."""
        self._require_kind("intermediate_goal")
        self.caseload.require_for("intermediate_goal", goal_id)
        return self.records.get("intermediate_goal", goal_id)

    def child_record(self, child_id: str) -> Record:
        """The child's own record, for editing identity and profile."""
        return self.records.get("child", child_id)

    def record_dates(self, child_id: str) -> list[tuple[str, str, str, str, bool, str]]:
        """When each record of a child the user may read was created and last changed, and by
        whom: (created_at, created_by, updated_at, updated_by, deleted, kind). For the history of
        a file when the user may not read the audit log; plaintext columns only."""
        out = []
        for name, k in KINDS.items():
            if (not k.per_child and name != "child") or not self.can_read(name):
                continue
            col = "id" if name == "child" else "child_id"
            for r in self.db.execute(f"SELECT created_at, created_by, updated_at, updated_by, deleted FROM {name} "
                                     f"WHERE {col} = ?", [child_id]):
                out.append((r[0], r[1], r[2], r[3], bool(r[4]), name))
        return out

    def handed_on(self) -> set[str]:
        """Children whose latest transfer was from this centre: their files here are read-only."""
        return cases.handed_on(self.db, self.centre_code)

    # children -----------------------------------------------------------------------

    def next_register_no(self, year: int | None = None) -> str:
        """The next free number of the year: CODE-YEAR-0001, …, CODE-YEAR-10000."""
        prefix = f"{self.centre_code}-{year or date.today().year}-"
        row = self.db.execute(
            "SELECT MAX(CAST(substr(register_no, ?) AS INTEGER)) FROM child WHERE register_no LIKE ?",
            [len(prefix) + 1, prefix + "%"],
        ).fetchone()
        return f"{prefix}{(row[0] or 0) + 1:04d}"

    def register_child(self, data: dict) -> Record:
        self._require_kind("child")
        data = self.caseload.assign_new(dict(data))
        data.setdefault("status", "referral_received")
        if not data.get("register_no"):
            data["register_no"] = self.next_register_no()
        elif self.db.execute(
            "SELECT 1 FROM child WHERE register_no = ? AND deleted = 0", [data["register_no"]]
        ).fetchone():
            raise ValidationError(
                _("Register number {no} is already in use.").format(no=data["register_no"]),
                field="register_no",
            )
        clean = self.validated("child", data)
        with self.db.atomic():
            rec = self.records.insert("child", clean, self.user.id)
            self.audit_event("create", "child", rec.id, rec.id)
        self._child_cache[rec.id] = rec.data
        self._name_index = None
        self.notify_changed("create", "child", rec.id)
        return rec

    def resolve_child(self, ref: str) -> str:
        """A child's id from an id or a register number."""
        ref = (ref or "").strip()
        row = self.db.execute(
            "SELECT id FROM child WHERE (id = ? OR register_no = ?) AND deleted = 0", [ref, ref.upper()]
        ).fetchone()
        if row is None:
            raise NotFound(_("No child with id or register number {ref}.").format(ref=ref))
        return row[0]

    def _child_row(self, child_id: str) -> dict:
        rows = self.records.rows("child", "id = ?", [child_id])
        if not rows:
            raise NotFound(_("No child with id or register number {ref}.").format(ref=child_id))
        return rows[0]

    def child_data(self, child_id: str) -> dict:
        data = self._child_cache.get(child_id)
        if data is None:
            data = self.records.get("child", child_id).data
            self._child_cache[child_id] = data
        return data

    def child_ids(self, status: str | None = None, counsellor_id: str | None = None,
                  order_by: str = "register_no") -> list[str]:
        """Ids of the caseload, filtered on plaintext columns only: nothing is decrypted."""
        clauses, params = ["deleted = 0"], []
        if status:
            clauses.append("status = ?")
            params.append(status)
        if counsellor_id:
            clauses.append("counsellor_id = ?")
            params.append(counsellor_id)
        sql = f"SELECT id FROM child WHERE {' AND '.join(clauses)} ORDER BY {order_by}"
        return [r[0] for r in self.db.execute(sql, params).fetchall()]

    def child_row(self, child_id: str, today: date | None = None) -> ChildRow:
        """One line of the children list, decrypting only this child's record."""
        data = self.child_data(child_id)
        child = Child.from_dict(data)
        last = self.db.execute(
            "SELECT MAX(session_date) FROM session WHERE child_id = ? AND deleted = 0", [child_id]
        ).fetchone()[0]
        review = self.db.execute(
            "SELECT MIN(review_date) FROM plan WHERE child_id = ? AND deleted = 0 "
            "AND status IN ('approved', 'draft', 'submitted')",
            [child_id],
        ).fetchone()[0]
        if data.get("status") not in lifecycle.OPEN_STATES:
            review = None  # a plan review is only due while the case is open
        consent = self.db.execute(
            "SELECT 1 FROM consent WHERE child_id = ? AND deleted = 0 AND withdrawn_on IS NULL LIMIT 1", [child_id]
        ).fetchone() is not None
        return ChildRow(
            id=child_id,
            register_no=data.get("register_no") or "",
            initials=child.initials(),
            age=child.age_on(today or date.today()),
            status=data.get("status") or "",
            counsellor_id=data.get("counsellor_id"),
            intake_date=data.get("intake_date"),
            last_session=last,
            next_review=review,
            consent=consent,
            in_caseload=self.caseload.assigned(data.get("counsellor_id")),
        )

    def list_children(self, status: str | None = None, counsellor_id: str | None = None,
                      limit: int | None = None) -> list[ChildRow]:
        ids = self.child_ids(status, counsellor_id)
        if limit is not None:
            ids = ids[:limit]
        return [self.child_row(i) for i in ids]

    def _build_name_index(self) -> dict[str, str]:
        index = {}
        for row in self.records.rows("child"):
            data = self._child_cache.get(row["id"])
            if data is None:
                data = self.records.open_row("child", row)
                self._child_cache[row["id"]] = data
            index[row["id"]] = _fold(
                " ".join(str(data.get(f) or "") for f in ("full_name", "nickname", "register_no"))
            )
        return index

    def search_children(self, query: str, status: str | None = None,
                        counsellor_id: str | None = None) -> list[str]:
        """Ids of children whose name, nickname or register number contains every word typed.

        Names are sealed, so the search runs over an in-memory index built once per unlock.
        """
        if self._name_index is None:
            self._name_index = self._build_name_index()
        words = _fold(query).split()
        allowed = None
        if status or counsellor_id:
            allowed = set(self.child_ids(status, counsellor_id))
        out = []
        for child_id, text in self._name_index.items():
            if allowed is not None and child_id not in allowed:
                continue
            if all(w in text for w in words):
                out.append(child_id)
        out.sort(key=lambda i: self._child_cache[i].get("register_no") or "")
        return out

    def update_child(self, ref: str, changes: dict) -> Record:
        child_id = self.resolve_child(ref)
        current = self._live("child", child_id)
        if "status" in changes and changes["status"] != current.data.get("status"):
            lifecycle.check_transition(current.data.get("status"), changes["status"])
        self.caseload.check_reassignment(current.data.get("counsellor_id"), changes)
        if "register_no" in changes and changes["register_no"] != current.data.get("register_no"):
            raise ValidationError(_("The register number cannot be changed."), field="register_no")
        merged = {**current.data, **changes}
        clean = self.validated("child", merged)
        self.check_rules("child", child_id, clean)
        with self.db.atomic():
            rec = self.records.update("child", child_id, clean, self.user.id)
            self.audit_event("update", "child", child_id, child_id, detail=",".join(sorted(changes)))
            if "status" in changes:
                self.audit_event("lifecycle", "child", child_id, child_id, detail=changes["status"])
        self._child_cache[child_id] = rec.data
        self._name_index = None
        self.notify_changed("update", "child", child_id)
        return rec

    def transition(self, ref: str, new_status: str) -> Record:
        return self.update_child(ref, {"status": new_status})

    def reveal_identity(self, ref: str) -> dict:
        """The full identity block, on an explicit, audited action."""
        child_id = self.resolve_child(ref)
        data = self.child_data(child_id)
        self.audit_event("reveal_identity", "child", child_id, child_id)
        return data

    def child_file(self, ref: str) -> ChildFile:
        """Every section of one child's file the user may read; clinical reading is audited."""
        child_id = self.resolve_child(ref)
        child = self.records.get("child", child_id)
        self._child_cache[child_id] = child.data
        cf = ChildFile(child=child, outside_caseload=not self.caseload.allows(child_id))
        for name in CHILD_SECTIONS:
            if not self.can_read(name) or (cf.outside_caseload and kind(name).role == CLINICAL):
                cf.hidden.append(name)
                continue
            cf.sections[name] = self.records_for_child(name, child_id)
        if self.can_read_clinical and not cf.outside_caseload:
            self.audit_event("read_clinical", "child", child_id, child_id, detail="file")
        legal = cf.sections.get("legal_track") or []
        if legal:
            lt = legal[-1].data
            age = Child.from_dict(child.data).age_at_offence()
            cf.eligibility = diversion_eligibility(
                lt.get("threatened_penalty_months"), lt.get("repeat_offence"), age
            )
        return cf

    # sessions -------------------------------------------------------------------------

    def new_session_defaults(self, child_id: str, today: date | None = None) -> dict:
        """What the session form opens with: child, date, setting and counsellor already filled in."""
        child_id = self.resolve_child(child_id)
        self.caseload.require(child_id)
        last = self.records.rows("session", "child_id = ?", [child_id], order_by="session_date DESC", limit=1)
        setting = "home"
        if last and self.can_read_clinical:
            setting = self.records.open_row("session", last[0]).get("setting") or setting
        return {
            "child_id": child_id,
            "session_date": (today or date.today()).isoformat(),
            "setting": setting,
            "author_id": self.user.id,
            "status": "draft",
        }

    def active_goals(self, child_id: str) -> list[Record]:
        """The intermediate goals of the child's current plan that are still being worked on."""
        self.caseload.require(child_id)
        plans = self.records.for_child("plan", child_id, "created_at")
        plans = [p for p in plans if p.data.get("status") in ("approved", "submitted", "draft")]
        if not plans:
            return []
        plan = plans[-1]
        goals = self.records.find("intermediate_goal", "plan_id = ?", [plan.id], "created_at")
        return [g for g in goals if g.data.get("status") in (None, "", "not_started", "in_progress")]

    def save_session_draft(self, data: dict, session_id: str | None = None) -> Record:
        """Insert or update a draft. Drafts are saved often, so no audit entry per keystroke save."""
        self._require_kind("session")
        data = {**data, "status": "draft"}
        data.setdefault("author_id", self.user.id)
        if session_id is None:
            self._child_row(data.get("child_id") or "")
            self.caseload.require(data.get("child_id"))
            clean = self.validated("session", data)
            with self.db.atomic():
                rec = self.records.insert("session", clean, self.user.id)
                self.audit_event("create", "session", rec.id, clean.get("child_id"))
        else:
            current = self.records.get("session", session_id)
            self.caseload.require(current.data.get("child_id"))
            if current.data.get("status") == "final":
                raise ValidationError(_("A final session cannot be changed; add an amendment instead."))
            clean = self.validated("session", {**current.data, **data})
            rec = self.records.update("session", session_id, clean, self.user.id)
        self.notify_changed("save", "session", rec.id)
        return rec

    def finalise_session(self, session_id: str) -> Record:
        self._require_kind("session")
        current = self.records.get("session", session_id)
        self.caseload.require(current.data.get("child_id"))
        if current.data.get("status") == "final":
            raise ValidationError(_("This session is already final."))
        data = {**current.data, "status": "final", "finalised_at": date.today().isoformat()}
        clean = self.validated("session", data)
        self.check_rules("session", session_id, clean)
        with self.db.atomic():
            rec = self.records.update("session", session_id, clean, self.user.id)
            self.audit_event("finalise", "session", session_id, clean.get("child_id"))
        self.notify_changed("finalise", "session", session_id)
        return rec

    def amend_session(self, session_id: str, changes: dict) -> Record:
        """A final session stays as it was; the correction is a new final record linked to it."""
        self._require_kind("session")
        original = self.records.get("session", session_id)
        self.caseload.require(original.data.get("child_id"))
        if original.data.get("status") != "final":
            raise ValidationError(_("Only a final session can be amended; edit the draft instead."))
        data = {**original.data, **changes}
        data.pop("id", None)
        data.update({"amends_id": session_id, "status": "final", "author_id": self.user.id,
                     "finalised_at": date.today().isoformat()})
        clean = self.validated("session", data)
        self.check_rules("session", None, clean)
        with self.db.atomic():
            rec = self.records.insert("session", clean, self.user.id)
            self.audit_event("create", "session", rec.id, clean.get("child_id"), detail=f"amends {session_id}")
        self.notify_changed("create", "session", rec.id)
        return rec

    def recent_sessions(self, limit: int = 200, mine: bool = False) -> list[dict]:
        """Newest sessions from plaintext columns only: id, child, date, status, author."""
        sql = ("SELECT id, child_id, session_date, status, author_id, amends_id FROM session "
               "WHERE deleted = 0" + (" AND author_id = ?" if mine else "")
               + " ORDER BY session_date DESC, updated_at DESC LIMIT ?")
        params = ([self.user.id] if mine else []) + [int(limit)]
        cols = ("id", "child_id", "session_date", "status", "author_id", "amends_id")
        return [dict(zip(cols, r, strict=True)) for r in self.db.execute(sql, params).fetchall()]

    # plans ----------------------------------------------------------------------------

    def submit_plan(self, plan_id: str) -> Record:
        """The counsellor hands a draft plan to a manager for approval."""
        plan = self.records.get("plan", plan_id)
        if plan.data.get("status") not in ("draft", None):
            raise ValidationError(_("Only a draft plan can be submitted for approval."))
        return self.update_record("plan", plan_id, {"status": "submitted"})

    def approve_plan(self, plan_id: str) -> Record:
        """A manager approves a plan; the approved content is kept as a plan version."""
        if self.role not in ROLES_THAT_APPROVE:
            raise PermissionDenied(_("Only a manager can approve a plan."))
        plan = self.records.get("plan", plan_id)
        snapshot = {
            "plan": plan.data,
            **{
                name: [r.data for r in self.records.find(name, "plan_id = ?", [plan_id], "created_at")]
                for name in ("overarching_goal", "fit_driver", "intermediate_goal", "intervention")
            },
        }
        version_no = int(plan.data.get("version_no") or 0) + 1
        today = date.today().isoformat()
        data = {**plan.data, "status": "approved", "approved_by": self.user.id,
                "approved_at": today, "version_no": version_no}
        clean = self.validated("plan", data)
        version = self.validated("plan_version", {
            "child_id": plan.data["child_id"], "plan_id": plan_id, "version_no": version_no,
            "snapshot": snapshot, "approved_by": self.user.id, "approved_at": today,
        })
        with self.db.atomic():
            rec = self.records.update("plan", plan_id, clean, self.user.id)
            v = self.records.insert("plan_version", version, self.user.id)
            self.audit_event("update", "plan", plan_id, clean["child_id"], detail="approved")
            self.audit_event("create", "plan_version", v.id, clean["child_id"])
        self.notify_changed("update", "plan", plan_id)
        return rec

    # users ----------------------------------------------------------------------------

    def users(self) -> list[User]:
        return self.vault.users()

    def add_user(self, name: str, role: str, passphrase: str, kdf: KdfParams | None = None) -> User:
        self.require_admin()
        with self.db.atomic():
            user = self.vault.add_user(self.ring, name, role, passphrase, kdf or self._kdf_params())
            self.audit_event("user_add", detail=f"{name}:{role}")
        return user

    def _kdf_params(self) -> KdfParams:
        """Reuse the parameters calibrated for this machine at init."""
        import json

        row = self.db.execute(
            "SELECT kdf FROM user WHERE removed_at IS NULL AND kdf IS NOT NULL LIMIT 1"
        ).fetchone()
        return KdfParams.from_dict(json.loads(row[0])) if row else calibrate()

    def change_passphrase(self, old: str, new: str) -> None:
        with self.db.atomic():
            self.vault.change_passphrase(self.user.name, old, new)
            self.audit_event("passphrase_change", detail=self.user.name)

    def reset_passphrase(self, name: str, new: str) -> None:
        """After unlocking with the recovery key (or as admin): a new slot for `name`."""
        with self.db.atomic():
            self.vault.reset_passphrase(self.ring, name, new, self._kdf_params())
            self.audit_event("recover", detail=name)

    def remove_user(self, name: str, progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> dict[str, str]:
        """Remove a user and rotate the keys they held; all data is re-sealed in one transaction.

        Cancelling (or any failure) rolls the whole transaction back: the user, the keys and
        every record stay exactly as they were.
        """
        self.require_admin()
        admin_key = self.ring.current.get(ADMIN)

        def reseal(ring: KeyRing, mapping: dict[str, str]) -> None:
            self.records.reseal(ring, mapping, progress, cancelled)
            # every table with ciphertext under a retired key (tests/test_reseal.py lists them from the schema)
            reseal_conflicts(self, ring, mapping)
            reseal_quarantine(self, ring, mapping)
            cases.reseal_stats(self.db, ring, mapping)
            attachments_mod.store(self).reseal(ring, mapping)
            # an administrator or a manager left (the ADMIN key changed): new sync keys, notices to the peers
            sync_identity.follow_key_rotation(self, ring, admin_key)

        try:
            with self.db.atomic():
                rotated = self.vault.remove_user(self.ring, name, self.user.id, reseal)
                self.audit.ring = self.ring
                self.audit_event("user_remove", detail=name)
        finally:  # after a rollback the stores must use the keys that are still valid
            self.records.ring = self.ring
            self.audit.ring = self.ring
        return rotated

    def regenerate_recovery_key(self) -> str:
        self.require_admin()
        with self.db.atomic():
            text = self.vault.regenerate_recovery(self.ring)
            self.audit_event("recover", detail="recovery key regenerated")
        return text

    # settings -------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str, admin_only: bool = True) -> None:
        """Centre settings are plain values that identify no one (idle lock, backup age)."""
        if admin_only:
            self.require_admin()
        with self.db.atomic():
            self.db.table("setting").upsert(
                {"key": key, "value": str(value), "updated_at": now_iso(), "updated_by": self.user.id},
                pk="key",
            )
            self.audit_event("settings", detail=f"{key}={value}")

    @property
    def idle_lock_minutes(self) -> int:
        try:
            return max(1, min(240, int(self.setting("idle_lock_minutes") or IDLE_LOCK_DEFAULT)))
        except ValueError:
            return IDLE_LOCK_DEFAULT

    @property
    def backup_keep(self) -> int:
        """How many backups to keep on a destination (the newest verified one is never deleted)."""
        try:
            return max(1, min(100, int(self.setting("backup_keep") or 5)))
        except ValueError:
            return 5

    @property
    def backup_max_age_days(self) -> int:
        try:
            return max(1, min(365, int(self.setting("backup_max_age_days") or 7)))
        except ValueError:
            return 7

    def last_verified_backup(self) -> str | None:
        return self.setting("last_verified_backup_at")

    def user_language(self) -> str | None:
        return self.setting(f"lang:{self.user.id}")

    def set_user_language(self, lang: str) -> None:
        self.set_setting(f"lang:{self.user.id}", lang, admin_only=False)

    def centre_record(self) -> Record:
        return self.records.get("centre", self.centre_id)

    def update_centre(self, name: str, province: str = "", centre_type: str | None = None) -> Record:
        """An admin corrects the centre's name, province or type; the code never changes."""
        self.require_admin()
        current = self.centre_record()
        changes = {"name": name.strip(), "province": province.strip() or None}
        if centre_type:
            changes["type"] = centre_type
        clean = self.validated("centre", {**current.data, **changes})
        with self.db.atomic(), authority.changing(self.db, self.ring):
            rec = self.records.update("centre", self.centre_id, clean, self.user.id)
            self.db.table("store_meta").upsert({"key": "centre_name", "value": clean["name"]}, pk="key")
            self.db.table("store_meta").upsert({"key": "centre_type", "value": clean["type"]}, pk="key")
            self.audit_event("update", "centre", self.centre_id, detail=",".join(sorted(changes)))
        self.centre_name = clean["name"]
        return rec

    # dashboard --------------------------------------------------------------------------

    def draft_count(self) -> int:
        """How many session drafts this user has left to finish (plaintext columns only)."""
        return self.db.execute("SELECT COUNT(*) FROM session WHERE deleted = 0 AND status = 'draft' "
                               "AND author_id = ?", [self.user.id]).fetchone()[0]

    def dashboard(self, today: date | None = None, horizon_days: int = 14) -> Dashboard:
        """What needs attention, from plaintext columns (only the few open diversions are opened, for
        their statutory deadlines)."""
        today = today or date.today()
        soon = (today + timedelta(days=horizon_days)).isoformat()
        monday = today - timedelta(days=today.weekday())
        mine = self.role in ("counsellor",)
        open_states = ",".join("?" * len(lifecycle.OPEN_STATES + ("aftercare",)))
        states = list(lifecycle.OPEN_STATES + ("aftercare",))
        d = Dashboard()
        q = f"SELECT COUNT(*) FROM child WHERE deleted = 0 AND status IN ({open_states})"
        params: list = list(states)
        if mine:
            q += " AND counsellor_id = ?"
            params.append(self.user.id)
        d.caseload = self.db.execute(q, params).fetchone()[0]
        d.last_backup = self.last_verified_backup()
        if self.ring.has(MASTER):  # small tables and one head: cheap enough for every dashboard
            d.tampered = self.authority_problems() + audit_mod.verify_head(
                self.db, self.ring, required=authority_checked(self.db)) + self.records.check_heads(quick=True)
        if self.role in ("admin", "manager"):
            age_limit = timedelta(days=self.backup_max_age_days)
            made = datetime.fromisoformat(d.last_backup).date() if d.last_backup else None
            d.backup_overdue = made is None or today - made > age_limit
        d.new_referrals = [
            Due(r[0], "child", r[0], r[1])
            for r in self.db.execute(
                "SELECT id, intake_date FROM child WHERE deleted = 0 AND status = 'referral_received' "
                "ORDER BY intake_date", []
            )
        ]
        if not self.can_read_clinical:
            return d

        def child_filter(alias: str = "t") -> tuple[str, list]:
            sql = (f" AND {alias}.child_id IN (SELECT id FROM child WHERE deleted = 0 AND status IN ({open_states})"
                   + (" AND counsellor_id = ?" if mine else "") + ")")
            return sql, states + ([self.user.id] if mine else [])

        cf, cp = child_filter()
        author = " AND t.author_id = ?" if mine else ""
        aparams = [self.user.id] if mine else []
        d.sessions_this_week = self.db.execute(
            "SELECT COUNT(*) FROM session t WHERE t.deleted = 0 AND t.session_date BETWEEN ? AND ?" + author,
            [monday.isoformat(), (monday + timedelta(days=6)).isoformat(), *aparams],
        ).fetchone()[0]
        d.drafts = [Due(r[0], "session", r[1], r[2]) for r in self.db.execute(
            "SELECT t.child_id, t.id, t.session_date FROM session t WHERE t.deleted = 0 AND t.status = 'draft' "
            "AND t.author_id = ? ORDER BY t.session_date", [self.user.id])]
        d.plans_due = [Due(r[0], "plan", r[1], r[2]) for r in self.db.execute(
            "SELECT t.child_id, t.id, t.review_date FROM plan t WHERE t.deleted = 0 AND t.status = 'approved' "
            "AND t.review_date <= ?" + cf + " ORDER BY t.review_date", [soon, *cp])]
        d.follow_ups_due = [Due(r[0], "follow_up", r[1], r[2]) for r in self.db.execute(
            "SELECT t.child_id, t.id, t.due_date FROM follow_up t WHERE t.deleted = 0 AND t.done_on IS NULL "
            "AND t.due_date <= ? AND t.child_id IN (SELECT id FROM child WHERE deleted = 0"
            + (" AND counsellor_id = ?" if mine else "") + ") ORDER BY t.due_date",
            [soon, *([self.user.id] if mine else [])])]
        d.diversion_items_due = [Due(r[0], "diversion_item", r[1], r[2]) for r in self.db.execute(
            "SELECT t.child_id, t.id, t.due_date FROM diversion_item t WHERE t.deleted = 0 "
            "AND t.compliance = 'pending' AND t.due_date <= ?" + cf + " ORDER BY t.due_date", [soon, *cp])]
        mine_ids = ([r[0] for r in self.db.execute("SELECT id FROM child WHERE deleted = 0 AND counsellor_id = ?",
                                                   [self.user.id])] if mine else None)
        d.weekly_summaries_due = [Due(*r) for r in cadence.weekly_summaries_due(self.db, today, mine_ids)]
        d.supervision_due = [Due(*r) for r in cadence.supervision_due(self.db, today, mine_ids)]
        d.safety_reviews_overdue = [Due(*r) for r in cadence.safety_reviews_overdue(self.db, today, mine_ids)]
        d.diversion_deadlines = [Due(*r[:4]) for r in cadence.diversion_deadlines(
            self.records, today, today + timedelta(days=horizon_days), mine_ids)]
        d.recommendations_to_review = [Due(w.child_id, review.KIND, w.record_id, w.when)
                                       for w in self.reviews.waiting_for_me()]
        d.recommendations_returned = [Due(w.child_id, review.KIND, w.record_id, w.when)
                                      for w in self.reviews.returned_to_me()]
        if self.role in ROLES_THAT_APPROVE:
            d.plans_to_approve = [Due(r[0], "plan", r[1], r[2]) for r in self.db.execute(
                "SELECT t.child_id, t.id, t.updated_at FROM plan t WHERE t.deleted = 0 AND t.status = 'submitted'"
                " ORDER BY t.updated_at", [])]
        return d

    # follow-ups and consistency ------------------------------------------------------

    def schedule_follow_ups(self, termination: Record) -> list[Record]:
        """At termination, the follow-ups on the centre's pattern (setting `follow_up_months`,
        default 1, 3, 6, 12 months); none when the child already has follow-ups."""
        child_id = termination.data["child_id"]
        if self.record_count("follow_up", child_id):
            return []
        return [self.add_record("follow_up", {"child_id": child_id, "month": month, "due_date": due})
                for month, due in lifecycle.follow_up_schedule(termination.data["terminated_on"],
                                                               self.follow_up_pattern)]

    def due_in_file(self, child_id: str, today: date | None = None) -> list[tuple[str, str]]:
        """What the MST cadence and the diversion deadlines make due in one child's file:
        (what, ISO date), what = weekly_summary, supervision, safety_plan, attempt or process."""
        today = today or date.today()
        if not self.can_read_clinical:
            return []
        out = [(r[1], r[3]) for r in cadence.weekly_summaries_due(self.db, today, [child_id])
               + cadence.supervision_due(self.db, today, [child_id])
               + cadence.safety_reviews_overdue(self.db, today, [child_id])]
        out += [(r[4], r[3]) for r in cadence.diversion_deadlines(self.records, today, date.max, [child_id])]
        return sorted(out, key=lambda x: x[1])

    @property
    def follow_up_pattern(self) -> tuple[int, ...]:
        """Months after termination at which follow-ups are scheduled (setting `follow_up_months`)."""
        try:
            return lifecycle.parse_follow_up_pattern(self.setting("follow_up_months"))
        except ValidationError:
            return lifecycle.FOLLOW_UP_PATTERN_DEFAULT

    def set_case_rules(self, follow_up_months: str, risk_assessment_months: int) -> None:
        """The centre's follow-up pattern and how recent a risk assessment must be for a diversion
        agreement (administrators)."""
        pattern = lifecycle.parse_follow_up_pattern(follow_up_months)
        if not 1 <= int(risk_assessment_months) <= 24:
            raise ValidationError(_("A risk assessment must be valid for 1 to 24 months."),
                                  field=rules.RISK_MONTHS_SETTING)
        self.set_setting("follow_up_months", ", ".join(str(m) for m in pattern))
        self.set_setting(rules.RISK_MONTHS_SETTING, str(int(risk_assessment_months)))

    def consistency_findings(self, today: date | None = None, child_id: str | None = None):
        """Every contradiction between the records of each child's file (`verify --consistency`), or of one."""
        if child_id is not None:
            return rules.child_findings(self.records, child_id, self.can_read, today, self.risk_assessment_months)
        return rules.all_findings(self.records, self.can_read, today, self.risk_assessment_months)

    # verification ---------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Open every sealed record the user can read and check the audit chain and key slots."""
        problems = [d.sentence() for d in damage.scan(self.db.conn)]
        problems += self.authority_problems()
        problems += self.records.check_heads()
        conn = self.db.conn
        saved, conn.text_factory = conn.text_factory, damage.lenient_text  # a damaged row never stops the check
        try:
            for name in self.vault.check_slots():
                problems.append(_("The key slot of user {name} is damaged.").format(name=name))
            for name, k in KINDS.items():
                if not self.ring.has(k.role):
                    continue
                for row, result in self.records.iter_all(name):
                    if isinstance(result, Exception):
                        problems.append(
                            _("{kind} record {id} failed verification: {error}").format(
                                kind=name, id=row["id"], error=result
                            )
                        )
            problems += attachments_mod.verify_problems(self)
            problems += audit_mod.verify_chain(self.db)
            problems += audit_mod.verify_head(self.db, self.ring, required=authority_checked(self.db))
            problems += audit_mod.verify_checkpoints(self.db)
        finally:
            conn.text_factory = saved
        return problems

    def authority_problems(self) -> list[str]:
        """The authority rows this user's keys can check that fail (users, keys, peers, rules),
        or a sentence saying they were not checked: what `verify` and an admin's dashboard show."""
        if not self.ring.has(MASTER) and not authority_checked(self.db):
            return [_("The rows that decide who may do what are not authenticated yet: an administrator's "
                      "next unlock authenticates them.")]
        return self.vault.authority_problems(self.ring)

    def record_counts(self) -> dict[str, int]:
        return {
            name: self.db.execute(f"SELECT COUNT(*) FROM {name} WHERE deleted = 0").fetchone()[0]
            for name in KINDS
        }

    def user_profile(self, user_id: str) -> dict:
        """A user's full name, NIP or staff number, position and phone (what a report signs with)."""
        rows = self.records.rows("user_profile", "user_id = ?", [user_id], "updated_at DESC", limit=1)
        return {**self.records.open_row("user_profile", rows[0]), "id": rows[0]["id"]} if rows else \
            {"user_id": user_id}

    def save_user_profile(self, user_id: str, changes: dict) -> Record:
        """Each user edits their own profile; an administrator edits anyone's."""
        current = self.user_profile(user_id)
        fields = ("full_name", "staff_no", "position", "phone")
        data = {k: v for k, v in changes.items() if k in fields}
        if current.get("id"):
            return self.update_record("user_profile", current["id"], data)
        return self.add_record("user_profile", {**data, "user_id": user_id})

    def user_id(self, name: str) -> str:
        """The id of the user with this name; a translated error if there is none."""
        return self.vault.user(name).id

    def master_key_for_backups(self) -> bytearray:
        """The master key, to check a backup file against this vault (admins)."""
        self.require_admin()
        _master_id, master, _unlockers = self.vault.master_unlockers(self.ring)
        return bytearray(master)

    def check_recovery_key(self, recovery_text: str) -> None:
        """Raise a translated error unless this is this vault's recovery key."""
        self.vault.unlock_with_recovery(recovery_text).wipe()

    def counsellors(self) -> list[User]:
        return [u for u in self.vault.users() if u.role in ("counsellor", "manager")]

    def user_name(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        row = self.db.execute("SELECT name FROM user WHERE id = ?", [user_id]).fetchone()
        return row[0] if row else user_id

    def bulk_insert(self, kind_name: str, items: Iterable[dict]) -> int:
        """Insert many already-valid records at once (demo data); one audit entry for the lot."""
        self._require_kind(kind_name)
        n = self.records.insert_many(kind_name, items, self.user.id)
        if kind_name == "child":
            self._name_index = None
        return n


# storage_error and check_passphrase_strength are offered here so the CLI and the window
# need nothing below the workspace (docs/architecture.md).
__all__ = ["ADMIN", "RECORD_TYPES", "ChildFile", "ChildRow", "OutsideCaseload", "Workspace",
           "check_passphrase_strength", "storage_error"]
