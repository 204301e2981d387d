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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import repeat

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
    hlc = v.hlc
    if type(hlc) is not int or not 0 <= hlc <= bound or any(
            type(c) is not int or not 0 <= c <= bound for c in v.vv.values()):
        reason = clock_refusal(hlc, bound) or next(
            (r for r in (clock_refusal(c, bound) for c in v.vv.values()) if r), None)
        if reason:
            return Refused("v", v.kind, v.id, _child_of(v), "", reason)
    if max(len(v.centre_id), len(v.created_at), len(v.created_by), len(v.updated_at), len(v.updated_by)) > MAX_META:
        for name, value in (("c", v.centre_id), ("ca", v.created_at), ("cb", v.created_by), ("ua", v.updated_at),
                            ("ub", v.updated_by)):
            if len(value) > MAX_META:
                return Refused("v", v.kind, v.id, _child_of(v), name, _("A value of its record columns is too long."))
    if v.deleted or v.data is None:
        return None
    problem = field_refusal(v.kind, v.data, today)
    if problem:
        return Refused("v", v.kind, v.id, _child_of(v), problem[0], problem[1])
    return None


def _child_of(v: Version) -> str:
    return v.id if v.kind == "child" else str((v.data or {}).get("child_id") or "")


_FIELDS = {name: frozenset(cls.field_names()) | {"id"} for name, cls in RECORD_TYPES.items()}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STRIPPED = "(not {v}[0].isspace() and not {v}[-1].isspace())"  # `v == v.strip()` for a non-empty v, no copy


def _canonical_test(m: dict, consts: dict, n: int) -> str:
    """The test that a value `v` is as the form stores it (normalised, valid), for one field, as
    a Python expression: the fast path of `field_refusal`; a value it does not pass goes through
    the form's own validation. Constants it needs go into `consts`."""
    kind_ = m.get("type")
    if kind_ == "text":
        return f"type(v) is str and 0 < len(v) <= {int(m.get('max_len', F.TEXT_MAX))} and " + _STRIPPED.format(v="v")
    if kind_ == "date":
        return "type(v) is str and _date(v) is not None and _is_date(v)"
    if kind_ == "time":
        return "type(v) is str and _time(v) is not None"
    if kind_ in ("int", "float"):
        lo, hi = m.get("lo"), m.get("hi")
        consts[f"lo{n}"], consts[f"hi{n}"] = lo, hi
        test = "type(v) is int" if kind_ == "int" else "(type(v) is int or type(v) is float)"
        return test + ("" if lo is None else f" and v >= lo{n}") + ("" if hi is None else f" and v <= hi{n}")
    if kind_ == "bool":
        return "type(v) is bool"
    if kind_ == "code":
        consts[f"vocab{n}"] = frozenset(m["vocab"])
        return f"type(v) is str and v in vocab{n}"
    if kind_ == "codes":
        consts[f"vocab{n}"] = frozenset(m["vocab"])
        # the vocabulary holds strings only: a value it holds is one (JSON gives no str subclass)
        return f"type(v) is list and vocab{n}.issuperset(v) and len(set(v)) == len(v)"
    if kind_ == "strings":
        return ("type(v) is list and (not v or all(type(c) is str and c and " + _STRIPPED.format(v="c")
                + " for c in v))")
    if kind_ == "list":
        return "type(v) is list and (not v or all(type(c) is dict for c in v))"
    if kind_ == "dict":
        return "type(v) is dict"
    if kind_ == "ref":
        return "type(v) is str and v == v.strip()"
    return "False"


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _fields_test(cls) -> Callable[[dict], bool]:
    """One function per record kind testing every field present and every required one, with
    the tests of `_canonical_test` written out in its body: a record of twenty fields is
    checked without twenty calls (an import checks every record it receives)."""
    consts: dict = {"_date": _DATE.match, "_time": _TIME.match, "_is_date": _is_date}
    body = ["def test(data):", "    get = data.get"]
    for n, f in enumerate(dataclasses.fields(cls)):
        body += [f"    v = get({f.name!r})",
                 f"    if v is not None and not ({_canonical_test(f.metadata, consts, n)}):", "        return False"]
        if f.metadata.get("required"):
            body += ["    if not v:", "        return False"]
    body.append("    return True")
    exec("\n".join(body), consts)  # the source is built above from the field declarations alone
    return consts["test"]


def _instance_maker(cls) -> Callable[[dict], F.DomainRecord]:
    """`cls(**data)` without `id`, as a dataclass's `__init__` would fill it, without the call's
    cost: the defaults, then the data (a kind with a `__post_init__` is built by its `__init__`)."""
    if hasattr(cls, "__post_init__"):
        return lambda data: cls(**{k: v for k, v in data.items() if k != "id"})
    defaults = [(f.name, f.default, f.default_factory) for f in dataclasses.fields(cls)]
    names = frozenset(name for name, _d, _f in defaults)
    new = object.__new__

    def make(data: dict) -> F.DomainRecord:
        d = data.copy()  # the rules may set fields (a derived flag): on the copy, never on the data
        if not names <= d.keys():  # a record of an earlier version: the fields it lacks take their defaults
            for name, default, factory in defaults:
                if name not in d:
                    d[name] = factory() if factory is not dataclasses.MISSING else default
        d.pop("id", None)
        obj = new(cls)
        obj.__dict__ = d
        return obj

    return make


def _compiled(cls) -> tuple[Callable[[dict], bool], Callable[[dict], F.DomainRecord] | None]:
    rules = cls.check is not F.DomainRecord.check
    return _fields_test(cls), _instance_maker(cls) if rules else None


_CANONICAL = {name: _compiled(cls) for name, cls in RECORD_TYPES.items()}


def _canonical(kind_name: str, data: dict, today: date) -> bool:
    """Whether `data` is exactly what the form would store: every field present is valid and
    normalised, every required one is there, and the record's own rules hold."""
    fields_ok, make = _CANONICAL[kind_name]
    try:
        if not fields_ok(data):
            return False
    except TypeError:  # an unhashable code in a list: the form's validation names it
        return False
    if make is not None:
        try:
            make(data).check(today)
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
    # A line nested deeper than MAX_DEPTH opens more brackets than that: when no line of the chunk
    # could (the most braces of one line plus the most brackets of one), none is measured alone.
    if max(map(len, raws)) > LINE_LIMIT or (max(map(bytes.count, raws, repeat(b"{")))
                                            + max(map(bytes.count, raws, repeat(b"["))) > MAX_DEPTH):
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
