"""Attachments of a child's file: who may add, open and copy out which document, the limits,
and images made smaller on request. The sealing is store/attachments.py.

Content is held in memory only: a file is read whole into memory, sealed in chunks, and
opened back into memory for a preview. The one way out as a plaintext file is `export`,
a deliberate act that is audited.
"""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .domain.vocab import ATTACHMENT_TYPES
from .errors import NotFound, PantiError, PermissionDenied, ValidationError
from .i18n import _
from .store.attachments import RECORD_KINDS, TO_HQ_SETTING, Attachment, AttachmentStore, role_for
from .store.records import now_iso
from .vault.keyring import CLINICAL, key_role

MB = 1024 * 1024
FILE_LIMIT_SETTING = "attachment_max_file_mb"
CENTRE_LIMIT_SETTING = "attachment_max_centre_mb"
DEFAULT_FILE_MB = 25
DEFAULT_CENTRE_MB = 2048
DOWNSCALE_MAX_SIDE = 1600  # pixels: a scanned A4 page stays readable at this size
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp", "image/tiff")

_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"BM", "image/bmp"), (b"II*\x00", "image/tiff"),
          (b"MM\x00*", "image/tiff"))


@dataclass(frozen=True)
class Proposal:
    """Whose file (and which record of it) a document seems to belong to, and as what type of
    document: made by `forms.scan.attachment_proposal` from a printed form's QR code."""

    child_id: str
    record_kind: str | None = None
    record_id: str | None = None
    doc_type: str | None = None  # a code of ATTACHMENT_TYPES
    register_no: str | None = None


@dataclass
class Listed:
    """One attachment in a list: `meta` is None when this user's keys cannot open it."""

    id: str
    doc_type: str
    size: int
    clinical: bool
    record_kind: str | None
    record_id: str | None
    added_at: str
    meta: Attachment | None


def store(ws) -> AttachmentStore:
    return AttachmentStore(ws.db, ws.ring, ws.centre_id, ws.device_id, ws.records.clock)


# --- limits ----------------------------------------------------------------------------------


def _mb_setting(ws, key: str, default: int) -> int:
    try:
        return max(1, min(100_000, int(ws.setting(key) or default)))
    except ValueError:
        return default


def file_limit_mb(ws) -> int:
    return _mb_setting(ws, FILE_LIMIT_SETTING, DEFAULT_FILE_MB)


def centre_limit_mb(ws) -> int:
    return _mb_setting(ws, CENTRE_LIMIT_SETTING, DEFAULT_CENTRE_MB)


def used_bytes(ws) -> int:
    return store(ws).used_bytes()


def set_limits(ws, file_mb: int, centre_mb: int) -> None:
    """Administrators set the largest file and the most all attachments together may take."""
    ws.require_admin()
    if not (1 <= int(file_mb) <= 1000) or not (1 <= int(centre_mb) <= 100_000):
        raise ValidationError(_("A size limit must be between 1 MB and 1,000 MB per file and 100,000 MB in all."))
    if int(file_mb) > int(centre_mb):
        raise ValidationError(_("The limit per file cannot be larger than the limit for the centre."))
    if int(file_mb) != file_limit_mb(ws):
        ws.set_setting(FILE_LIMIT_SETTING, str(int(file_mb)))
    if int(centre_mb) != centre_limit_mb(ws):
        ws.set_setting(CENTRE_LIMIT_SETTING, str(int(centre_mb)))


def sent_to_hq(ws) -> bool:
    """Whether this centre sends its documents to headquarters (off unless an administrator chose it)."""
    return ws.setting(TO_HQ_SETTING) == "1"


def set_sent_to_hq(ws, on: bool) -> None:
    if on != sent_to_hq(ws):
        ws.set_setting(TO_HQ_SETTING, "1" if on else "0")


def _check_size(ws, size: int) -> None:
    if size > file_limit_mb(ws) * MB:
        raise ValidationError(_("The file is {size} MB; the limit is {limit} MB per file.").format(
            size=_mb(size), limit=file_limit_mb(ws)))
    if used_bytes(ws) + size > centre_limit_mb(ws) * MB:
        raise ValidationError(_("The centre's attachments would take more than {limit} MB; delete old documents "
                                "or ask an administrator to raise the limit.").format(limit=centre_limit_mb(ws)))


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


# --- content -----------------------------------------------------------------------------------


def media_type_of(content: bytes, file_name: str = "") -> str:
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    guessed, _enc = mimetypes.guess_type(file_name)
    return guessed or "application/octet-stream"


def is_image(media_type: str) -> bool:
    return media_type in IMAGE_TYPES


def downscale(content: bytes, max_side: int = DOWNSCALE_MAX_SIDE) -> tuple[bytes, str]:
    """An image made at most `max_side` pixels on its longer side, as JPEG (PNG where it has
    transparency); in memory only. Content that is already small enough is returned as it is."""
    from PIL import (  # Pillow: only when an image is downscaled
        Image,
        ImageOps,
        UnidentifiedImageError,
    )

    try:
        with Image.open(io.BytesIO(content)) as img:
            img = ImageOps.exif_transpose(img)
            if max(img.size) <= max_side:
                return content, media_type_of(content)
            img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            if (img.mode in ("RGBA", "LA", "P") and "transparency" in img.info) or img.mode in ("RGBA", "LA"):
                img.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(_("The image could not be read, so it could not be made smaller.")) from None


# --- use cases ---------------------------------------------------------------------------------


def parse_record(text: str | None) -> tuple[str, str] | None:
    """"KIND:ID" → (kind, id); None for an empty value."""
    if not text:
        return None
    kind, sep, record_id = text.partition(":")
    if not sep or kind not in RECORD_KINDS or not record_id.strip():
        raise ValidationError(_("A record is named KIND:ID, where KIND is one of {kinds}.").format(
            kinds=", ".join(RECORD_KINDS)), field="record")
    return kind, record_id.strip()


def _require_role(ws, role: str, child_id: str) -> None:
    if not ws.ring.has(role):
        raise PermissionDenied(_("Your role ({role}) may not open a clinical document.").format(role=ws.role))
    if role == CLINICAL:
        ws.caseload.require(child_id)


def add(ws, ref: str, content: bytes, file_name: str, doc_type: str, record: tuple[str, str] | None = None,
        doc_date: str | date | None = None, note: str = "", downscale_image: bool = False) -> Attachment:
    """Attach a document (held in memory) to a child's file or one of its records."""
    child_id = ws.resolve_child(ref)
    ATTACHMENT_TYPES.validate(doc_type, "type", _("Document type"))
    record_kind, record_id = record or (None, None)
    if record_kind is not None:
        if record_kind not in RECORD_KINDS:
            raise ValidationError(_("A record is named KIND:ID, where KIND is one of {kinds}.").format(
                kinds=", ".join(RECORD_KINDS)), field="record")
        row = ws.db.execute(f"SELECT child_id, deleted FROM {record_kind} WHERE id = ?", [record_id]).fetchone()
        if row is None or row[1]:
            raise NotFound(_("The record was not found."))
        if row[0] != child_id:
            raise ValidationError(_("That record belongs to another child's file."), field="record")
    if isinstance(doc_date, str) and doc_date.strip():
        try:
            doc_date = date.fromisoformat(doc_date.strip())
        except ValueError:
            raise ValidationError(_("The date must be written as YYYY-MM-DD."), field="date") from None
    if isinstance(doc_date, date) and doc_date > date.today():
        raise ValidationError(_("The document's date cannot be in the future."), field="date")
    role = role_for(record_kind, doc_type)
    _require_role(ws, role, child_id)
    away = ws.transferred_away(child_id)
    if away:
        raise PermissionDenied(_("This case was transferred to {code}; its file is read-only here.").format(
            code=away))
    media_type = media_type_of(content, file_name)
    if downscale_image:
        if not is_image(media_type):
            raise ValidationError(_("Only an image can be made smaller."))
        content, media_type = downscale(content)
    _check_size(ws, len(content))
    meta = {"file_name": Path(file_name).name[:200], "media_type": media_type,
            "date": doc_date.isoformat() if isinstance(doc_date, date) else "", "note": (note or "").strip()[:2000]}
    s = store(ws)
    with ws.db.atomic():
        row = s.add(child_id, record_kind, record_id, doc_type, content, meta, ws.user.id, now_iso())
        ws.audit_event("attachment_add", "attachment", row["id"], child_id, detail=doc_type)
    ws.notify_changed("create", "attachment", row["id"])
    return s.open_meta(row)


def listing(ws, ref: str) -> list[Listed]:
    """A child's attachments; those this user may not open are listed by type and size only."""
    child_id = ws.resolve_child(ref)
    s = store(ws)
    out = []
    for row in s.rows(child_id):
        role = key_role(row["key_id"])
        readable = ws.ring.has(role) and (role != CLINICAL or ws.caseload.allows(child_id))
        out.append(Listed(id=row["id"], doc_type=row["doc_type"], size=row["size"], clinical=role == CLINICAL,
                          record_kind=row["record_kind"], record_id=row["record_id"], added_at=row["created_at"],
                          meta=s.open_meta(row) if readable else None))
    return out


def _live_row(s: AttachmentStore, attachment_id: str) -> dict:
    row = s.row((attachment_id or "").strip())
    if row["deleted"]:
        raise NotFound(_("No attachment with this number."))
    return row


def child_of(ws, attachment_id: str) -> str:
    """The id of the child an attachment belongs to."""
    return _live_row(store(ws), attachment_id)["child_id"]


def open_content(ws, attachment_id: str) -> tuple[Attachment, bytes]:
    """An attachment and its content, in memory (a clinical one's opening is audited)."""
    s = store(ws)
    row = _live_row(s, attachment_id)
    _require_role(ws, key_role(row["key_id"]), row["child_id"])
    meta = s.open_meta(row)
    content = s.content(row, meta)
    if meta.clinical:
        ws.audit_event("read_clinical", "attachment", row["id"], row["child_id"])
    return meta, content


def export(ws, attachment_id: str, out: Path) -> Attachment:
    """Write a plaintext copy of an attachment to `out`: deliberate and audited."""
    out = Path(out)
    data_dir = ws.data_dir.resolve()
    target = out.resolve()
    if target == data_dir or data_dir in target.parents:
        raise ValidationError(_("A copy cannot be saved inside the data folder; choose another folder."))
    meta, content = open_content(ws, attachment_id)
    try:
        with open(out, "xb") as f:
            f.write(content)
    except FileExistsError:
        raise PantiError(_("{path} exists already; choose another name.").format(path=out)) from None
    except OSError as exc:
        raise PantiError(_("The copy could not be written: {error}").format(error=exc.strerror or exc)) from None
    ws.audit_event("attachment_export", "attachment", meta.id, meta.child_id, detail=meta.doc_type)
    return meta


def delete(ws, attachment_id: str) -> None:
    s = store(ws)
    row = _live_row(s, attachment_id)
    _require_role(ws, key_role(row["key_id"]), row["child_id"])
    away = ws.transferred_away(row["child_id"])
    if away:
        raise PermissionDenied(_("This case was transferred to {code}; its file is read-only here.").format(
            code=away))
    with ws.db.atomic():
        s.delete(row["id"])
        ws.audit_event("attachment_delete", "attachment", row["id"], row["child_id"], detail=row["doc_type"])
    ws.notify_changed("delete", "attachment", row["id"])


def verify_problems(ws) -> list[str]:
    """Each attachment that fails verification, named with its child's register number."""
    out = []
    for row, error in store(ws).problems():
        reg = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [row["child_id"]]).fetchone()
        out.append(_("Attachment {id} of child {child} failed verification: {error}").format(
            id=row["id"], child=reg[0] if reg and reg[0] else row["child_id"], error=error))
    return out
