"""Damaged plaintext: a value of the wrong type, or text that is not UTF-8, in any table.

SQLite stores whatever it is given: `UPDATE child SET created_at = X'FF'` makes a row that
Python's sqlite3 cannot even read (it stops the whole query). This scan reads every
column's type with `typeof()` and every text column as bytes (`CAST(… AS BLOB)`), so one
damaged row is named instead of stopping `verify` or a backup. It needs no keys: it checks
plaintext only, and reads no payload (only its type).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..i18n import _

# declared type → the storage classes a value of that column may have
_ALLOWED = {"TEXT": ("text", "null"), "INTEGER": ("integer", "null"), "BLOB": ("blob", "null"),
            "REAL": ("real", "integer", "null")}


@dataclass
class Damage:
    table: str
    row: str  # the row's primary key (or rowid), printable
    column: str
    problem: str  # "utf8" or the storage class found

    def sentence(self) -> str:
        if self.problem == "utf8":
            return _("Row {row} of table {table} is damaged: its column {column} is not readable text.").format(
                row=self.row, table=self.table, column=self.column)
        return _("Row {row} of table {table} is damaged: its column {column} holds a value of the wrong type "
                 "({found}).").format(row=self.row, table=self.table, column=self.column, found=self.problem)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool]]:
    """(name, declared type, is primary key) of each column."""
    return [(r[1], (r[2] or "").upper(), bool(r[5])) for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]


def _printable(raw) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(raw)


def scan(conn: sqlite3.Connection, limit: int = 200) -> list[Damage]:
    """Every damaged value in every table (at most `limit`), without stopping at the first.

    Cheap enough for every backup: the types are checked by SQLite (`typeof()`, only the rows
    that fail come back), and the text of each row comes back as one byte string (its text
    columns joined), which Python checks at C speed (`isascii()`, a decode only when it is not
    plain ASCII). Only a row that fails is looked at column by column, to name the column.
    """
    found: list[Damage] = []
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        cols = [c for c in _columns(conn, table) if c[1] in _ALLOWED]
        if not cols:
            continue
        pk = [c[0] for c in cols if c[2]]
        key_sql = "CAST(" + " || '/' || ".join(_quote(c) for c in pk) + " AS BLOB)" if pk else "rowid"
        wrong = " OR ".join(_wrong_type(n, d) for n, d, _p in cols)
        ident = _ident(conn, table, pk)
        sel = ", ".join(ident)
        suspects = [tuple(r) for r in conn.execute(f"SELECT {sel} FROM {_quote(table)} WHERE {wrong}")]
        texts = [n for n, d, _p in cols if d == "TEXT"]
        if texts:
            joined = " || x'00' || ".join(f"CAST(coalesce({_quote(n)}, '') AS BLOB)" for n in texts)
            for *at, raw in conn.execute(f"SELECT {sel}, CAST({joined} AS BLOB) FROM {_quote(table)}"):
                if raw is None or raw.isascii():
                    continue
                try:
                    raw.decode("utf-8")
                except (UnicodeDecodeError, AttributeError):
                    suspects.append(tuple(at))
        for at in sorted(set(suspects), key=repr):
            found += _named(conn, table, cols, key_sql, ident, at)
            if len(found) >= limit:
                return found[:limit]
    return found


def _wrong_type(name: str, decl: str) -> str:
    """SQL true when a value's storage class is not one its column allows. A TEXT column converts
    numbers to text as they are stored, so only a blob can be wrong there, and SQLite orders every
    blob after every other value: one comparison instead of a string test per value."""
    if decl == "TEXT":
        return f"{_quote(name)} >= x''"
    return f"typeof({_quote(name)}) NOT IN ({', '.join(repr(t) for t in _ALLOWED[decl])})"


def _ident(conn: sqlite3.Connection, table: str, pk: list[str]) -> list[str]:
    """How to find one row again: its rowid, or its primary key in a table without rowids."""
    try:
        conn.execute(f"SELECT rowid FROM {_quote(table)} LIMIT 0")
        return ["rowid"]
    except sqlite3.OperationalError:
        return [f"CAST({_quote(c)} AS BLOB)" for c in pk]


def _named(conn: sqlite3.Connection, table: str, cols: list, key_sql: str, ident: list[str],
           at: tuple) -> list[Damage]:
    """The damaged columns of one row."""
    checks = []
    for name, decl, _is_pk in cols:
        checks.append(f"typeof({_quote(name)})")
        checks.append(f"CASE WHEN typeof({_quote(name)}) = 'text' THEN CAST({_quote(name)} AS BLOB) END"
                      if decl == "TEXT" else "NULL")
    where = " AND ".join(f"{c} IS ?" for c in ident)
    row = conn.execute(f"SELECT {key_sql}, {', '.join(checks)} FROM {_quote(table)} WHERE {where}",
                       list(at)).fetchone()
    out = []
    for i, (name, decl, _is_pk) in enumerate(cols):
        kind, raw = row[1 + 2 * i], row[2 + 2 * i]
        problem = None
        if kind not in _ALLOWED[decl]:
            problem = kind
        elif raw is not None:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                problem = "utf8"
        if problem:
            out.append(Damage(table, _printable(row[0]), name, problem))
    return out


def lenient_text(raw: bytes) -> str:
    """A text factory that never stops a query: undecodable bytes become U+FFFD."""
    return raw.decode("utf-8", "replace")
