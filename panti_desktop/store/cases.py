"""Queries about cases that several capabilities share: custody, transfers, when a case ended,
erasing a child's rows, compacting the file, and the setting keys they agree on.

They lived in `sync/exchange.py`, `retention.py` and `backup.py`, which then imported each
other (a circle of six modules held together by function-local imports). Here they read
and write the database only: sync, reports, retention and backup all sit above the store
and none of them needs another for these.

Every function takes the open database (`db`, a sqlite-utils Database) and, where it
needs them, this installation's centre id and code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from ..errors import IntegrityError
from ..i18n import _
from ..vault.keyring import key_role
from ..vault.seal import open_sealed, seal
from . import attachments
from .kinds import KINDS

# Setting keys read by more than one module.
PARTIAL_ERASURE_SETTING = "last_partial_erasure_at"  # when record types past their period were last erased

# Years after the end of a case. Legal and outcome records are kept longer: a court
# or the Bapas may ask for them after the child's programme ended.
DEFAULT_RETENTION_YEARS: dict[str, int] = {name: 5 for name, k in KINDS.items() if k.per_child}
DEFAULT_RETENTION_YEARS.update({"child": 5, "legal_track": 10, "termination": 10, "follow_up": 10, "consent": 10,
                                "legal_hold": 10})

# A case in one of these states has ended; "aftercare" ends at its termination date.
ENDED_STATES = ("closed", "archived", "referred_out", "dropped_out")


def is_hq(db) -> bool:
    """Whether this installation is headquarters (it keeps every centre's records side by side)."""
    row = db.execute("SELECT value FROM store_meta WHERE key = 'centre_type'").fetchone()
    return bool(row and row[0] == "hq")


# --- custody: which centre holds a case ---------------------------------------------------


def centre_codes(db, centre_id: str, centre_code: str) -> dict[str, str]:
    """Centre id → code, for this centre and every centre a bundle came from."""
    out = {r[0]: r[1] for r in db.execute("SELECT centre_id, code FROM sync_centre")}
    out[centre_id] = centre_code
    return out


def custody(db, centre_id: str, centre_code: str, child_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Child id → code of the centre that holds the case: the latest transfer, else its creator."""
    codes = centre_codes(db, centre_id, centre_code)
    out = {cid: codes.get(centre, "?") for cid, centre in db.execute("SELECT id, centre_id FROM child")}
    for cid, to_code in db.execute("SELECT child_id, to_code FROM transfer ORDER BY hlc, origin"):
        out[cid] = to_code
    if child_ids is not None:
        wanted = set(child_ids)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def centres_with_records(db, centre_id: str, centre_code: str) -> set[str]:
    """Codes of the centres whose case records are here (they created or hold a case)."""
    codes = centre_codes(db, centre_id, centre_code)
    created = {codes.get(r[0], "?") for r in db.execute("SELECT DISTINCT centre_id FROM child")}
    return created | set(custody(db, centre_id, centre_code).values())


def transferred_away(db, centre_code: str, child_id: str | None) -> str | None:
    """The centre a case was transferred to, when this centre gave it away (its file is read-only)."""
    if not child_id:
        return None
    row = db.execute("SELECT from_code, to_code FROM transfer WHERE child_id = ? ORDER BY hlc DESC, origin DESC "
                     "LIMIT 1", [child_id]).fetchone()
    if row and row[0] == centre_code and row[1] != centre_code:
        return row[1]
    return None


def handed_on(db, centre_code: str) -> set[str]:
    """Every child whose latest transfer was from this centre (`transferred_away` for all at once)."""
    return {r[0] for r in db.execute(
        "SELECT child_id FROM transfer t WHERE from_code = ? AND hlc = (SELECT MAX(hlc) FROM transfer "
        "WHERE child_id = t.child_id)", [centre_code])}


# --- ended cases, erasure, compaction -------------------------------------------------------


def ended_on(db, child_id: str) -> date | None:
    """When the case ended, from plaintext columns only; None while it is open."""
    row = db.execute("SELECT status, updated_at FROM child WHERE id = ? AND deleted = 0", [child_id]).fetchone()
    if row is None:
        return None
    terminated = db.execute(
        "SELECT MAX(terminated_on) FROM termination WHERE child_id = ? AND deleted = 0", [child_id]).fetchone()[0]
    status = row[0]
    if status in ENDED_STATES or status == "aftercare":
        if terminated:
            return date.fromisoformat(terminated)
        if status in ENDED_STATES:
            return date.fromisoformat(row[1][:10])
    return None


def erase_child_rows(db, child_id: str) -> None:
    """Delete every row of a child, its kept conflicts and flags (the caller compacts the file)."""
    for name, k in KINDS.items():
        if k.per_child:
            db.execute(f"DELETE FROM {name} WHERE child_id = ?", [child_id])
    db.execute("DELETE FROM child WHERE id = ?", [child_id])
    attachments.erase_child(db, child_id)
    db.execute("DELETE FROM conflict WHERE child_id = ? OR (kind = 'child' AND record_id = ?)", [child_id, child_id])
    db.execute("DELETE FROM sync_flag WHERE a = ? OR b = ?", [child_id, child_id])


def retention_runs_until(db, child_id: str) -> date | None:
    """The last day of an ended case's retention here (its longest-kept live records, by this
    centre's periods); None while the case is open."""
    end = ended_on(db, child_id)
    if end is None:
        return None
    years = 1
    for name, k in KINDS.items():
        if name != "child" and not (k.per_child and db.execute(
                f"SELECT 1 FROM {name} WHERE child_id = ? AND deleted = 0 LIMIT 1", [child_id]).fetchone()):
            continue
        row = db.execute("SELECT value FROM setting WHERE key = ?", [f"retention_years:{name}"]).fetchone()
        try:
            kept = max(1, min(100, int(row[0]))) if row and row[0] else DEFAULT_RETENTION_YEARS.get(name, 5)
        except ValueError:
            kept = DEFAULT_RETENTION_YEARS.get(name, 5)
        years = max(years, kept)
    try:
        return end.replace(year=end.year + years)
    except ValueError:  # 29 February
        return end.replace(year=end.year + years, day=28)


def compact(db) -> None:
    """Rewrite the database file so that no freed page keeps an old payload."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- statistics bundles received at headquarters ---------------------------------------------


def stats_aad(bundle_id: str, centre: str, start: str, end: str, key_id: str) -> bytes:
    """What a kept statistics bundle's seal is bound to."""
    return json.dumps(["sync_stats", bundle_id, centre, start, end, key_id]).encode()


def received_stats(db, ring) -> list[dict]:
    """The latest statistics bundle of each centre that sent one: {centre, received_at, aggregate}.

    Opening needs the CLINICAL key; the caller checks the user may read clinical counts."""
    out = []
    for row in db.query("SELECT * FROM sync_stats s WHERE received_at = (SELECT MAX(received_at) FROM sync_stats "
                        "WHERE centre_code = s.centre_code) ORDER BY centre_code"):
        try:
            data = open_sealed(ring.aead(row["key_id"]), row["payload"], stats_aad(
                row["bundle_id"], row["centre_code"], row["period_start"], row["period_end"], row["key_id"]))
        except ValueError:
            raise IntegrityError(_("A sealed record failed verification.")) from None
        out.append({"centre": row["centre_code"], "received_at": row["received_at"], "aggregate": json.loads(data)})
    return out


def reseal_stats(db, ring, mapping: dict[str, str]) -> int:
    """Inside a key rotation: seal the kept statistics bundles under an old key with its replacement."""
    done = 0
    for old_id, new_id in mapping.items():
        for row in list(db.query("SELECT * FROM sync_stats WHERE key_id = ?", [old_id])):
            if key_role(old_id) != key_role(new_id):
                continue
            try:
                data = open_sealed(ring.aead(old_id), row["payload"], stats_aad(
                    row["bundle_id"], row["centre_code"], row["period_start"], row["period_end"], old_id))
            except ValueError:
                raise IntegrityError(_("A sealed record failed verification.")) from None
            blob = seal(ring.aead(new_id), data, stats_aad(
                row["bundle_id"], row["centre_code"], row["period_start"], row["period_end"], new_id))
            db.execute("UPDATE sync_stats SET key_id = ?, payload = ? WHERE bundle_id = ?",
                       [new_id, blob, row["bundle_id"]])
            done += 1
    return done
