"""Reading a scanned form back: the QR code of a scanned image (JPEG, PNG, …) or PDF, decoded to
the form reference it carries, and that reference resolved to a child and a record of this vault.

`decode(data)` is plain Python on bytes (no Qt, no vault): a PDF's pages are rendered in memory with
pypdfium2, never written to a file, and the codes are read with zxing-cpp. `resolve(ws, ref)` checks
the reference against this centre; `propose(ws, data)` does both, for the attach flow: the child
and record it names, or None when the file holds no Panti code (the user then picks the child).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from ..attachments import Proposal
from ..errors import NotFound, PantiError
from ..i18n import _
from .reference import FormCodeError, FormRef, is_panti_code, parse
from .registry import FORMS

log = logging.getLogger(__name__)

MAX_BYTES = 60 * 1024 * 1024  # a scanned file larger than this is not a form
MAX_PAGES = 30  # a PDF's first pages are searched for a code, not a whole book
RENDER_DPI = 200  # enough for a 22 mm code; more only slows the search
MAX_PIXELS = 60_000_000  # a 600 dpi A3 scan; larger images are refused, not decoded


class ScanError(PantiError):
    """A file that is not an image or a PDF Panti can read."""


@dataclass(frozen=True)
class FormMatch:
    """What a scanned form's code points to in this vault."""

    kind: str  # a form kind (registry.FORMS)
    child_id: str | None  # None: a blank form (the user picks the child)
    record_id: str | None  # the record the form belongs to, when the code names one
    register_no: str | None


def decode(data: bytes, max_pages: int = MAX_PAGES) -> FormRef | None:
    """The Panti form reference in a scanned image or PDF; None when it holds no Panti code.

    Other QR codes (a school's, a payment's) are passed over. FormCodeError when the only Panti
    codes found are damaged or of a newer version; ScanError when the bytes are neither an
    image nor a PDF."""
    problem: FormCodeError | None = None
    for text in _qr_texts(data, max_pages):
        if not is_panti_code(text):
            continue
        try:
            return parse(text)
        except FormCodeError as exc:
            problem = problem or exc
    if problem is not None:
        raise problem
    return None


def resolve(ws, ref: FormRef) -> FormMatch:
    """The child and record of this vault a form reference names; FormCodeError for a code of
    another centre, NotFound for a child that is not (or no longer) here."""
    if ref.centre_code.upper() != ws.centre_code.upper():
        raise FormCodeError(_("This form was printed by centre {code}, not by this centre ({here}); it cannot be "
                              "filed here.").format(code=ref.centre_code, here=ws.centre_code))
    if ref.register_no is None:
        return FormMatch(kind=ref.kind, child_id=None, record_id=None, register_no=None)
    by_record = None
    if ref.record_id and FORMS[ref.kind].record_kind == "child":
        try:
            by_record = ws.resolve_child(ref.record_id)
        except NotFound:
            by_record = None
    try:
        by_register = ws.resolve_child(ref.register_no)
    except NotFound:
        by_register = None
    if by_record and by_register and by_record != by_register:
        raise FormCodeError(_("The form's register number {no} now belongs to another child than the one it was "
                              "printed for; choose the child yourself.").format(no=ref.register_no))
    child_id = by_record or by_register
    if child_id is None:
        raise NotFound(_("No child with register number {no} is in this centre (the case may have been "
                         "transferred or erased); choose the child yourself.").format(no=ref.register_no))
    return FormMatch(kind=ref.kind, child_id=child_id, record_id=ref.record_id if by_record else None,
                     register_no=ref.register_no)


def propose(ws, data: bytes, max_pages: int = MAX_PAGES) -> FormMatch | None:
    """The child and record a scanned form belongs to, or None when it carries no Panti code."""
    ref = decode(data, max_pages)
    return None if ref is None else resolve(ws, ref)


# A printed form filed as a document: the consent form is a consent document (sealed under the
# clinical key, as the consent record is); the others are the child's working papers.
# Every page of a printed form carries its code: adding a 200-page court file looks at two pages.
ATTACH_PAGES = 2
FORM_DOCUMENT_TYPES = {"consent": "consent_form"}


def attachment_proposal(ws, content: bytes) -> Proposal | None:
    """For the attach flow (the child's Dokumen section, `attach add`): the child a scanned form
    belongs to and the document type it is, or None when the file carries no code that names a
    child here (a photo, a blank form, another centre's form): then the user decides alone."""
    try:
        match = propose(ws, content, ATTACH_PAGES)
    except PantiError as exc:
        log.info("no proposal for an attached file: %s", exc)
        return None
    if match is None or match.child_id is None:
        return None
    return Proposal(child_id=match.child_id, doc_type=FORM_DOCUMENT_TYPES.get(match.kind, "other"),
                    register_no=match.register_no)


# --- reading the codes ------------------------------------------------------------------------


def _qr_texts(data: bytes, max_pages: int = MAX_PAGES) -> Iterator[str]:
    if not isinstance(data, bytes | bytearray | memoryview) or not data:
        raise ScanError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ScanError(_("The file is too large to be a scanned form ({mb} MB at most).").format(
            mb=MAX_BYTES // (1024 * 1024)))
    head = bytes(data[:1024])
    pages = (_pdf_pages(bytes(data), max_pages) if b"%PDF-" in head
             else _image_frames(_image(bytes(data)), max_pages))
    for image in pages:
        yield from _codes_in(image)


def _codes_in(image) -> list[str]:
    import zxingcpp

    gray = image.convert("L")
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    if not found and max(gray.size) > 2500:  # a phone photo: the code is often found at a smaller scale
        gray.thumbnail((2000, 2000))
        found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in found if r.valid and r.text]


def _image(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ScanError(_("The image is too large to read ({pixels} million pixels at most).").format(
                pixels=MAX_PIXELS // 1_000_000))
        image.load()
    except ScanError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.debug("not an image: %s", exc)
        raise ScanError(_("The file is neither an image nor a PDF that Panti can read.")) from None
    return image


def _image_frames(image, max_pages: int = MAX_PAGES):
    """Each page of a multi-page scan (TIFF), the first MAX_PAGES; a plain image is one page."""
    for i in range(min(getattr(image, "n_frames", 1), max_pages)):
        image.seek(i)
        yield image


def _pdf_pages(data: bytes, max_pages: int = MAX_PAGES):
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        log.debug("not a readable PDF: %s", exc)
        raise ScanError(_("The PDF cannot be read (it is damaged or protected by a password).")) from None
    try:
        for i in range(min(len(pdf), max_pages)):
            page = pdf[i]
            try:
                yield page.render(scale=RENDER_DPI / 72, grayscale=True).to_pil()
            finally:
                page.close()
    finally:
        pdf.close()
