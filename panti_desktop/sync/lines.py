"""The line format of a sync bundle's payload: a record version ⇄ one JSON line.

Shared by the export, the merge (`export.py`, `importing.py`) and the reading process that
parses and seals the lines of a large bundle beside it (`reader.py`); the merge and the
reader do not import each other's privates.
A line that cannot be read refuses the whole bundle with one translated sentence.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .. import jsonio
from ..domain import fields as F
from ..domain.records import RECORD_TYPES
from ..errors import IntegrityError, ValidationError
from ..i18n import _
from ..store.hlc import COUNTER_MASK, pack
from ..store.kinds import KINDS
from .merge import Version

MAX_LINE = 16 * 1024 * 1024  # bytes; a longer line refuses the bundle before it fills memory
# A line longer than this, or nested deeper, is refused on its own (quarantined): far below what
# the parsers and Python's recursion allow. Records are a few kilobytes; attachments, when they
# travel, come as bounded chunk lines of their own.
LINE_LIMIT = 1024 * 1024
MAX_DEPTH = 32
# A clock later than the receiver's time plus this is refused: a save must always have room above it.
CLOCK_AHEAD_MS = 2 * 366 * 24 * 3600 * 1000
STORE_MAX_HLC = 1 << 62  # far below SQLite's 2^63 - 1, whatever the receiver's clock says
MAX_META = 64  # characters of a record's centre, device and who/when columns


@dataclass
class Refused:
    """A line refused on its own: quarantined with its reason; the rest of the bundle applies."""

    t: str  # the line's type: "v", "erasure", "transfer", "centre" or "line" (unreadable)
    kind: str
    record_id: str
    child_id: str
    field: str
    reason: str  # one translated sentence
    hold: dict | None = None  # an erasure held for a manager: its line


def clock_bound(now_ms: int | None = None) -> int:
    """The highest clock a bundle line may carry here."""
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    return min(pack(now_ms + CLOCK_AHEAD_MS, COUNTER_MASK), STORE_MAX_HLC)


def clock_refusal(hlc, bound: int) -> str | None:
    if not isinstance(hlc, int) or isinstance(hlc, bool) or hlc < 0:
        return _("Its clock is not a number.")
    if hlc > bound:
        return _("Its clock is later than this computer's time plus two years.")
    return None


def check_version(v: Version, bound: int, today: date) -> Refused | None:
    """A record version's bounds and fields, as the form and `child update` check them."""
    cid = v.id if v.kind == "child" else str((v.data or {}).get("child_id") or "")
    reason = clock_refusal(v.hlc, bound) or next(
        (r for r in (clock_refusal(c, bound) for c in v.vv.values()) if r), None)
    if reason:
        return Refused("v", v.kind, v.id, cid, "", reason)
    for name, value in (("c", v.centre_id), ("ca", v.created_at), ("cb", v.created_by), ("ua", v.updated_at),
                        ("ub", v.updated_by)):
        if len(value) > MAX_META:
            return Refused("v", v.kind, v.id, cid, name, _("A value of its record columns is too long."))
    if v.deleted or v.data is None:
        return None
    problem = field_refusal(v.kind, v.data, today)
    if problem:
        return Refused("v", v.kind, v.id, cid, problem[0], problem[1])
    return None


_FIELDS = {name: frozenset(cls.field_names()) | {"id"} for name, cls in RECORD_TYPES.items()}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _canonical_check(m: dict):
    """A test that a value is as the form stores it (normalised, valid), for one field: the fast
    path of `field_refusal`; a value it does not pass goes through the form's own validation."""
    kind_ = m.get("type")
    if kind_ == "text":
        most = m.get("max_len", F.TEXT_MAX)
        return lambda v: type(v) is str and 0 < len(v) <= most and v == v.strip()
    if kind_ == "date":
        return lambda v: type(v) is str and _DATE.match(v) is not None and _is_date(v)
    if kind_ == "time":
        return lambda v: type(v) is str and _TIME.match(v) is not None
    if kind_ in ("int", "float"):
        lo, hi = m.get("lo"), m.get("hi")
        types = (int,) if kind_ == "int" else (int, float)
        return lambda v: type(v) in types and (lo is None or v >= lo) and (hi is None or v <= hi)
    if kind_ == "bool":
        return lambda v: type(v) is bool
    if kind_ == "code":
        vocab = m["vocab"]
        return lambda v: type(v) is str and v in vocab
    if kind_ == "codes":
        vocab = m["vocab"]
        return lambda v: type(v) is list and all(type(c) is str and c in vocab for c in v) and len(set(v)) == len(v)
    if kind_ == "strings":
        return lambda v: type(v) is list and all(type(c) is str and c and c == c.strip() for c in v)
    if kind_ == "list":
        return lambda v: type(v) is list and all(type(c) is dict for c in v)
    if kind_ == "dict":
        return lambda v: type(v) is dict
    if kind_ == "ref":
        return lambda v: type(v) is str and v == v.strip()
    return lambda v: False


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _compiled(cls) -> tuple[dict, tuple, bool]:
    checks = {f.name: _canonical_check(f.metadata) for f in dataclasses.fields(cls)}
    required = tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("required"))
    return checks, required, cls.check is not F.DomainRecord.check


_CANONICAL = {name: _compiled(cls) for name, cls in RECORD_TYPES.items()}


def _canonical(kind_name: str, data: dict, today: date) -> bool:
    """Whether `data` is exactly what the form would store: every field present is valid and
    normalised, every required one is there, and the record's own rules hold."""
    checks, required, rules = _CANONICAL[kind_name]
    for name, v in data.items():
        if v is not None and name in checks and not checks[name](v):
            return False
    for name in required:
        if not data.get(name):
            return False
    if rules:
        try:
            RECORD_TYPES[kind_name](**{k: v for k, v in data.items() if k != "id"}).check(today)
        except (ValidationError, TypeError, ValueError, AttributeError, KeyError):
            return False
    return True


def field_refusal(kind_name: str, data: dict, today: date) -> tuple[str, str] | None:
    """(field, reason) when `data` would be refused by the form: unknown fields, types,
    vocabularies, dates, lengths and the record's own rules; None when it passes."""
    if not _FIELDS[kind_name].issuperset(data):
        unknown = sorted(set(data) - _FIELDS[kind_name])
        return unknown[0][:40], _("The field {field} is not known to this version.").format(field=unknown[0][:40])
    if _canonical(kind_name, data, today):
        return None
    try:
        obj = RECORD_TYPES[kind_name].from_dict(data)
        obj.validate(today)
    except ValidationError as exc:
        return exc.field or "", str(exc)
    except (TypeError, ValueError, AttributeError, KeyError):
        return "", _("Its fields cannot be read.")
    return None


def line_of(v: Version) -> dict:
    return {"t": "v", "k": v.kind, "id": v.id, "h": v.hlc, "o": v.origin, "vv": v.vv, "d": int(v.deleted),
            "c": v.centre_id, "ca": v.created_at, "cb": v.created_by, "ua": v.updated_at, "ub": v.updated_by,
            "data": v.data}


def version_from_line(obj: dict) -> Version:
    try:
        k = KINDS[obj["k"]]
        rid, hlc, origin = str(obj["id"]), int(obj["h"]), str(obj["o"])
        vv = obj.get("vv")
        if not vv or (len(vv) == 1 and vv.get(origin) == hlc):
            vv = {origin: hlc}  # the usual history: this one edit
        else:
            vv = {str(d): int(c) for d, c in dict(vv).items()}
        data = obj.get("data")
        if not isinstance(data, dict):
            data = {}
        if not rid or len(rid) > 64 or not origin or len(origin) > 64 or hlc < 0 or vv.get(origin) != hlc:
            raise ValueError
        if k.per_child and not isinstance(data.get("child_id"), str):
            raise ValueError
        if data.get("id") != rid:
            data = {**data, "id": rid}
        return Version(k.name, rid, hlc, origin, vv, bool(obj.get("d")), data, str(obj["c"]), str(obj["ca"]),
                       str(obj["cb"]), str(obj["ua"]), str(obj["ub"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read.")) from None


def dump(obj: dict) -> bytes:
    return jsonio.dumps(obj) + b"\n"


def read_lines(opened) -> Iterator[dict | Refused]:
    """The payload's lines: objects, and a `Refused` for each line too long or too deep."""
    buf = b""
    for chunk in opened.iter_chunks():
        buf += chunk
        *complete, buf = buf.split(b"\n")
        yield from parse_many([raw for raw in complete if raw])
        if len(buf) > MAX_LINE:
            raise IntegrityError(_("The bundle was refused: it holds a line longer than {n} MiB.").format(
                n=MAX_LINE // (1024 * 1024)))
    if buf:
        yield from parse_many([buf])


def _depth(raw: bytes) -> int:
    """How deep a JSON line nests, without parsing it (strings left out)."""
    depth = deepest = 0
    for b in re.sub(rb'[^\[\]{}]', b"", re.sub(rb'"(?:[^"\\]|\\.)*"', b"", raw)):
        depth += 1 if b in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _named(raw: bytes, key: bytes) -> str:
    found = re.search(rb'"' + key + rb'"\s*:\s*"([^"\\]{1,64})"', raw[:4096])
    return found.group(1).decode("utf-8", "replace") if found else ""


def _unbounded(raw: bytes) -> Refused | None:
    """A line too long or nested too deep, refused on its own before it is parsed."""
    if len(raw) > LINE_LIMIT and _named(raw, b"t") not in ("audit", "ack"):  # a chain of checkpoints may be long
        reason = _("The line is longer than {n} KiB.").format(n=LINE_LIMIT // 1024)
    elif raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _depth(raw) > MAX_DEPTH:
        reason = _("The line is nested more than {n} levels deep.").format(n=MAX_DEPTH)
    else:
        return None
    kind_name = _named(raw, b"k")
    t = _named(raw, b"t") or "line"
    return Refused(t if t in ("v", "erasure", "transfer", "centre") else "line",
                   kind_name if kind_name in KINDS else (t if t in ("erasure", "transfer") else ""),
                   _named(raw, b"id") or _named(raw, b"child_id"), _named(raw, b"child_id"), "", reason)


def parse_many(raws: list[bytes]) -> list[dict | Refused]:
    """Many lines in one call of the JSON parser (a chunk's worth); each must be an object."""
    if not raws:
        return []
    refused = [r for r in map(_unbounded, raws)]
    if any(refused):
        return [r or parse(raw) for r, raw in zip(refused, raws, strict=True)]
    try:
        objs = jsonio.loads(b"[" + b",".join(raws) + b"]")
    except ValueError:
        return [parse(raw) for raw in raws]  # finds the bad line and refuses with the usual message
    if len(objs) != len(raws) or not all(isinstance(o, dict) for o in objs):
        return [parse(raw) for raw in raws]
    return objs


def parse(raw: bytes) -> dict:
    try:
        obj = jsonio.loads(raw)
    except ValueError:
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read.")) from None
    if not isinstance(obj, dict):
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read."))
    return obj


def sealed_fields(records, k, v: Version, data: dict) -> dict:
    """Version `v` sealed under `records`' current keys: its row but for `vv` and `seq`."""
    row = {"id": v.id, "centre_id": v.centre_id, "hlc": v.hlc, "origin": v.origin, "deleted": int(v.deleted),
           "created_at": v.created_at, "created_by": v.created_by, "updated_at": v.updated_at,
           "updated_by": v.updated_by}
    if v.deleted:
        row.update({c: None for c in k.columns})
        if k.per_child:
            row["child_id"] = data.get("child_id") or v.meta.get("child_id") or ""
        data = {"id": v.id, **({"child_id": row["child_id"]} if k.per_child else {})}
    else:
        row.update(records.index_values(k, data))
    if k.per_child and not row.get("child_id"):
        raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read."))
    records.seal_row(k, row, data)
    return row
