"""The database schema as a sequence of sqlite-utils migrations. Never edit an applied one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..vault.vault import create_tables as create_vault_tables
from .kinds import KINDS

migrations = Migrations("panti_desktop")


def _record_table_sql(name: str, extra: tuple[str, ...], per_child: bool) -> list[str]:
    cols = [
        "id TEXT PRIMARY KEY",
        "centre_id TEXT NOT NULL",
        "hlc INTEGER NOT NULL",
        "origin TEXT NOT NULL",
        "deleted INTEGER NOT NULL DEFAULT 0",
        "key_id TEXT NOT NULL",
        "payload BLOB NOT NULL",
        "created_at TEXT NOT NULL",
        "created_by TEXT NOT NULL",
        "updated_at TEXT NOT NULL",
        "updated_by TEXT NOT NULL",
    ]
    if per_child:
        cols.append("child_id TEXT NOT NULL REFERENCES child(id) DEFERRABLE INITIALLY DEFERRED")
    cols += [f"{c} TEXT" for c in extra]
    sql = [f"CREATE TABLE {name} (\n  " + ",\n  ".join(cols) + "\n)"]
    sql.append(f"CREATE INDEX {name}_hlc ON {name}(hlc)")
    sql.append(f"CREATE INDEX {name}_key ON {name}(key_id)")
    if per_child:
        sql.append(f"CREATE INDEX {name}_child ON {name}(child_id)")
    for c in extra:
        if c.endswith("_id") or c in ("status", "register_no", "session_date", "due_date"):
            sql.append(f"CREATE INDEX {name}_{c} ON {name}({c})")
    return sql


# The record kinds m001 created. Kinds added later get their own migration, so a
# database made by any version reaches the same schema.
V1_KINDS = (
    "centre", "user_profile", "assessment_template", "child", "family", "caregiver", "legal_track",
    "referral", "case_conference", "consent", "offence", "victim", "assessment", "plan", "plan_version",
    "overarching_goal", "fit_driver", "intermediate_goal", "intervention", "session", "weekly_summary",
    "supervision", "fidelity", "safety_plan", "diversion", "diversion_item", "diversion_supervision",
    "termination", "follow_up",
)


@migrations()
def m001_initial(db: Database) -> None:
    create_vault_tables(db)
    db.execute(
        """CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"""
    )
    # child first: the other tables reference it.
    order = ["child"] + [k for k in V1_KINDS if k != "child"]
    for name in order:
        k = KINDS[name]
        v1_index = k.index_v2 if k.index_v2 is not None else k.index
        for stmt in _record_table_sql(name, v1_index, k.per_child):
            db.execute(stmt)
    db.execute(
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            key_id TEXT NOT NULL,
            sealed BLOB NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )"""
    )
    # Append-only, enforced by the database as well as by the code.
    db.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )


@migrations()
def m002_settings(db: Database) -> None:
    """Centre settings an admin changes (idle lock, backup age limit): plain values, no identity."""
    db.execute(
        """CREATE TABLE setting (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX session_child_date ON session(child_id, session_date)")


@migrations()
def m003_retention(db: Database) -> None:
    """Legal holds (sealed records) and erasure tombstones (no content, identify no one)."""
    k = KINDS["legal_hold"]
    for stmt in _record_table_sql("legal_hold", k.index, k.per_child):
        db.execute(stmt)
    db.execute(
        """CREATE TABLE erasure (
            child_id TEXT PRIMARY KEY,
            centre_id TEXT NOT NULL,
            erased_at TEXT NOT NULL,
            erased_by TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            origin TEXT NOT NULL
        )"""
    )


@migrations()
def m004_session_codes(db: Database) -> None:
    """Session setting and systems as plaintext codes (filled as sessions are sealed anew)."""
    db.execute("ALTER TABLE session ADD COLUMN setting TEXT")
    db.execute("ALTER TABLE session ADD COLUMN systems TEXT")
    db.execute("CREATE INDEX session_setting ON session(setting)")


@migrations()
def m005_sync_peers(db: Database) -> None:
    """This installation's sealed sync keys and the peers it trusts (public keys only)."""
    db.execute(
        """CREATE TABLE sync_identity (
            id INTEGER PRIMARY KEY,
            signing_public TEXT NOT NULL,
            kem_public TEXT NOT NULL,
            master_id TEXT NOT NULL,
            sealed BLOB NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE peer (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            signing_key TEXT NOT NULL,
            kem_key TEXT NOT NULL,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL,
            revoked_at TEXT
        )"""
    )


SCHEMA_VERSION = len(migrations._migrations)


def apply(db: Database, stop_before: str | None = None) -> None:
    migrations.apply(db, stop_before=stop_before)


def applied_count(db: Database) -> int:
    return len(migrations.applied(db))
