"""The database schema as a sequence of sqlite-utils migrations. Never edit an applied one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..vault.vault import create_tables as create_vault_tables
from .attachments import TABLE_SQL as attachment_tables
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


@migrations()
def m006_sync_state(db: Database) -> None:
    """What sync needs: per-record version vectors and local change numbers, kept conflicts,
    bundles sent and received, case transfers and the centres records came from.

    `vv` is NULL for a version whose history is one edit on one device ({origin: hlc});
    `seq` is the local clock when this installation last changed the row (written or
    imported), so an export to a peer takes every row changed since its acknowledgement.
    """
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in [k for k in KINDS if k in tables]:  # a kind added later gets these in its own migration
        db.execute(f"ALTER TABLE {name} ADD COLUMN vv TEXT")
        db.execute(f"ALTER TABLE {name} ADD COLUMN seq INTEGER")
        db.execute(f"UPDATE {name} SET seq = hlc")
        db.execute(f"CREATE INDEX {name}_seq ON {name}(seq)")
    db.execute("ALTER TABLE erasure ADD COLUMN seq INTEGER")
    db.execute("UPDATE erasure SET seq = hlc")
    db.execute(
        """CREATE TABLE conflict (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            child_id TEXT,
            centre_id TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            origin TEXT NOT NULL,
            vv TEXT,
            deleted INTEGER NOT NULL,
            key_id TEXT NOT NULL,
            payload BLOB NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            noted_at TEXT NOT NULL,
            seq INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX conflict_record ON conflict(kind, record_id)")
    db.execute("CREATE INDEX conflict_seq ON conflict(seq)")
    db.execute(
        """CREATE TABLE sync_flag (
            id TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            kind TEXT NOT NULL,
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            noted_at TEXT NOT NULL,
            dismissed_at TEXT,
            dismissed_by TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE sync_bundle (
            bundle_id TEXT PRIMARY KEY,
            direction TEXT NOT NULL,
            peer TEXT NOT NULL,
            scope TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            prev_hash TEXT,
            base INTEGER,
            upto INTEGER,
            audit_seq INTEGER,
            audit_hash TEXT,
            records INTEGER NOT NULL,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            acked_at TEXT,
            summary TEXT
        )"""
    )
    db.execute("CREATE INDEX sync_bundle_peer ON sync_bundle(peer, direction, seq)")
    db.execute(
        """CREATE TABLE transfer (
            id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            from_code TEXT NOT NULL,
            to_code TEXT NOT NULL,
            at TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            origin TEXT NOT NULL,
            seq INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX transfer_child ON transfer(child_id)")
    db.execute(
        """CREATE TABLE sync_centre (
            centre_id TEXT PRIMARY KEY,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            type TEXT NOT NULL
        )"""
    )



@migrations()
def m007_sync_stats(db: Database) -> None:
    """Statistics bundles received at headquarters: a centre's de-identified counts for a
    period, sealed like clinical records (small counts of offences can still be sensitive)."""
    db.execute(
        """CREATE TABLE sync_stats (
            bundle_id TEXT PRIMARY KEY,
            centre_code TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            received_at TEXT NOT NULL,
            key_id TEXT NOT NULL,
            payload BLOB NOT NULL
        )"""
    )
    db.execute("CREATE INDEX sync_stats_centre ON sync_stats(centre_code, received_at)")


@migrations()
def m008_drop_redundant_index(db: Database) -> None:
    """`session_child` repeats the first column of `session_child_date`: one index less to
    update for every session written or imported."""
    db.execute("DROP INDEX IF EXISTS session_child")


@migrations()
def m009_drop_unused_indexes(db: Database) -> None:
    """Indexes no query uses, which every write, import and integrity check paid for: the key id
    of every record table (only a key rotation filters on it, and it reads every row anyway),
    and a session's `amends_id` and `setting` (statistics select sessions by date)."""
    for name in KINDS:
        db.execute(f"DROP INDEX IF EXISTS {name}_key")
    db.execute("DROP INDEX IF EXISTS session_amends_id")
    db.execute("DROP INDEX IF EXISTS session_setting")


@migrations()
def m010_clock_floor_and_draft_index(db: Database) -> None:
    """Indexes that cost every write, import and integrity check more than they saved.

    `{kind}_hlc`: the clock's starting point was read as `MAX(hlc), MAX(seq)`, which SQLite
    answers by reading the whole table, never from the index. The highest clock value ever
    stored is kept as `clock_floor` instead (an import raises it), and the change numbers
    (`seq`, indexed) cover every local write.
    `session_status`, `session_author_id`: only the drafts list filters on them, and a
    partial index of the drafts alone (a few hundred rows, not half a million) serves it.
    """
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    floor = 0
    for name in [*KINDS, "conflict", "erasure", "transfer"]:
        if name in tables:
            value = db.execute(f"SELECT MAX(hlc) FROM {name}").fetchone()[0]
            floor = max(floor, value or 0)
    db.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('clock_floor', ?)", [str(floor)])
    for name in KINDS:
        db.execute(f"DROP INDEX IF EXISTS {name}_hlc")
    db.execute("DROP INDEX IF EXISTS session_status")
    db.execute("DROP INDEX IF EXISTS session_author_id")
    db.execute("CREATE INDEX session_draft ON session(author_id, session_date) WHERE status = 'draft'")

@migrations()
def m011_sync_custody(db: Database) -> None:
    """What a peer may write here, and the lines of its bundles that were refused.

    `sync_share`: the children whose records this installation sent to a peer or received from
    it; a centre accepts a peer's records of those children only. Filled for the bundles
    exchanged before: with headquarters every case, with a centre the cases it created or
    that moved between it and this one (what an export to it carried).
    `sync_quarantine`: a bundle's line that was refused (policy, not damage: the rest of the
    bundle applied) with its reason; an erasure held for a manager keeps its line, sealed.
    """
    db.execute("CREATE TABLE sync_share (peer TEXT NOT NULL, child_id TEXT NOT NULL, "
               "PRIMARY KEY (peer, child_id)) WITHOUT ROWID")
    db.execute(
        """CREATE TABLE sync_quarantine (
            id TEXT PRIMARY KEY,
            bundle_id TEXT NOT NULL,
            peer TEXT NOT NULL,
            line_type TEXT NOT NULL,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            child_id TEXT,
            field TEXT,
            reason TEXT NOT NULL,
            status TEXT NOT NULL,
            noted_at TEXT NOT NULL,
            decided_at TEXT,
            decided_by TEXT,
            key_id TEXT,
            payload BLOB
        )"""
    )
    db.execute("CREATE INDEX sync_quarantine_status ON sync_quarantine(status, noted_at)")
    peers = db.execute("SELECT code, role FROM peer").fetchall() if db["peer"].exists() else []
    synced = {r[0] for r in db.execute("SELECT DISTINCT peer FROM sync_bundle WHERE scope IN ('changes', 'transfer')")}
    for code, role in peers:
        if code not in synced:
            continue
        if role == "hq":
            db.execute("INSERT OR IGNORE INTO sync_share SELECT ?, id FROM child", [code])
            continue
        db.execute("INSERT OR IGNORE INTO sync_share SELECT ?, c.id FROM child c JOIN sync_centre s "
                   "ON s.centre_id = c.centre_id WHERE s.code = ?", [code, code])
        db.execute("INSERT OR IGNORE INTO sync_share SELECT ?, child_id FROM transfer "
                   "WHERE from_code = ? OR to_code = ?", [code, code, code])



@migrations()
def m012_authority_auth(db: Database) -> None:
    """A MAC on every row that decides authority (vault/authority.py). Empty until the first
    unlock with the master key authenticates the rows as they are (and records it)."""
    for table in ("user", "key_grant", "data_key", "vault_meta", "store_meta", "sync_identity", "peer", "setting"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN auth TEXT")


@migrations()
def m013_record_heads(db: Database) -> None:
    """The committed state of every record table (store/heads.py), recorded at the next unlock; and
    legal holds authenticated under the ADMIN-derived key, like the retention rules (vault/authority.py)."""
    db.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('record_heads_pending', '1')")
    db.execute("ALTER TABLE legal_hold ADD COLUMN auth TEXT")
    db.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('legal_holds_pending', '1')")


@migrations()
def m014_sync_key_rotation(db: Database) -> None:
    """Replacing the sync identity when a manager or an administrator is removed (sync/identity.py).

    `sync_rotation`: each replacement of this centre's sync keys, with the notice signed by the
    old signing key (public: it names keys, no one); `sync_rotation_peer`: which trusted peer
    still waits for which notice. `peer_key_history`: a peer's keys replaced by its notice here,
    so a bundle signed with them is refused with the reason.
    """
    db.execute(
        """CREATE TABLE sync_rotation (
            n INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            old_signing TEXT NOT NULL,
            old_kem TEXT NOT NULL,
            new_signing TEXT NOT NULL,
            new_kem TEXT NOT NULL,
            notice TEXT NOT NULL,
            signature TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE sync_rotation_peer (peer TEXT NOT NULL, n INTEGER NOT NULL, delivered_at TEXT, "
               "PRIMARY KEY (peer, n))")
    db.execute(
        """CREATE TABLE peer_key_history (
            code TEXT NOT NULL,
            signing_key TEXT NOT NULL,
            kem_key TEXT NOT NULL,
            replaced_by TEXT NOT NULL,
            replaced_at TEXT NOT NULL,
            PRIMARY KEY (code, signing_key)
        )"""
    )


@migrations()
def m015_court_recommendation(db: Database) -> None:
    """The social report's recommendation and its manager's review (review.py)."""
    k = KINDS["court_recommendation"]
    _add_record_table(db, k.name, k.index, k.per_child)


def _add_record_table(db: Database, name: str, index: tuple[str, ...], per_child: bool) -> None:
    """A record table added after m010, in the shape the migrations up to m010 gave the others:
    sync's version vector and change number (m006), no key or clock index (m009, m010)."""
    for stmt in _record_table_sql(name, index, per_child):
        db.execute(stmt)
    db.execute(f"ALTER TABLE {name} ADD COLUMN vv TEXT")
    db.execute(f"ALTER TABLE {name} ADD COLUMN seq INTEGER")
    db.execute(f"CREATE INDEX {name}_seq ON {name}(seq)")
    db.execute(f"DROP INDEX IF EXISTS {name}_key")
    db.execute(f"DROP INDEX IF EXISTS {name}_hlc")


@migrations()
def m016_attachments(db: Database) -> None:
    """Sealed attachments of a child's file and its records, their content in sealed chunks
    (store/attachments.py)."""
    for stmt in attachment_tables:
        db.execute(stmt)

SCHEMA_VERSION = len(migrations._migrations)


def apply(db: Database, stop_before: str | None = None) -> None:
    migrations.apply(db, stop_before=stop_before)


def applied_count(db: Database) -> int:
    return len(migrations.applied(db))
