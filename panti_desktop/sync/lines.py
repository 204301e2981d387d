"""The line format of a sync bundle's payload: a record version ⇄ one JSON line.

Shared by the export, the merge (`export.py`, `importing.py`) and the reading process that
parses and seals the lines of a large bundle beside it (`reader.py`); the merge and the
reader do not import each other's privates.
A line that cannot be read refuses the whole bundle with one translated sentence.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import jsonio
from ..errors import IntegrityError
from ..i18n import _
from ..store.kinds import KINDS
from .merge import Version

MAX_LINE = 16 * 1024 * 1024  # bytes; a longer line refuses the bundle before it fills memory


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


def read_lines(opened) -> Iterator[dict]:
    buf = b""
    for chunk in opened.iter_chunks():
        buf += chunk
        *complete, buf = buf.split(b"\n")
        yield from parse_many([raw for raw in complete if raw])
        if len(buf) > MAX_LINE:
            raise IntegrityError(_("The bundle was refused: it holds a record this version cannot read."))
    if buf:
        yield parse(buf)


def parse_many(raws: list[bytes]) -> list[dict]:
    """Many lines in one call of the JSON parser (a chunk's worth); each must be an object."""
    if not raws:
        return []
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
