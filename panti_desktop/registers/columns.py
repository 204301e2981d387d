"""What people typed in a register, read as field values: which column is which field,
dates in the forms people write them, and vocabulary codes from the labels people use.

A *target* is where a column goes: `kind.field` for a field of the child, its family or its
legal track (`child.full_name`, `family.structure`, `legal_track.case_no`), `ttl` for the
Indonesian "tempat, tanggal lahir" (place and date of birth in one cell), `note` for free
text kept on the family record, or `counsellor` for a user's name. Field types, labels and
vocabularies come from the record declarations (domain/records.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..dates import MONTHS_EN, MONTHS_ID
from ..domain.records import RECORD_TYPES
from ..domain.vocab import Vocabulary
from ..i18n import _

# the kinds a register row fills: the child, and one family and one legal track per child
KINDS = ("child", "family", "legal_track")
SPECIAL = ("ttl", "counsellor", "note")
# fields no register supplies: the record links and what the app keeps itself
_NOT_IMPORTED = {"child_id", "counsellor_id", "family_id"}

# header forms seen in centres' registers, folded (see `fold`); the fields' own labels in
# both languages and their English keys are recognised as well
HEADER_FORMS: dict[str, tuple[str, ...]] = {
    "child.register_no": ("no register", "no reg", "nomor register", "no registrasi", "nomor registrasi",
                          "no induk", "nomor induk", "register no", "reg no", "register"),
    "child.full_name": ("nama", "nama lengkap", "nama anak", "nama klien", "name", "full name"),
    "child.nickname": ("nama panggilan", "panggilan", "nickname"),
    "child.nik": ("nik", "nik kia", "no kia", "kia", "nik anak", "no nik"),
    "child.birth_date": ("tgl lahir", "tanggal lahir", "tgl lhr", "date of birth", "dob", "birth date"),
    "ttl": ("ttl", "tempat tanggal lahir", "tempat tgl lahir", "tempat dan tanggal lahir", "tmp tgl lahir"),
    "child.birth_place": ("tempat lahir", "tmp lahir", "place of birth", "birthplace"),
    "child.sex": ("jenis kelamin", "jk", "l p", "kelamin", "sex", "gender"),
    "child.address": ("alamat", "alamat rumah", "alamat lengkap", "address"),
    "child.school_name": ("sekolah", "nama sekolah", "asal sekolah", "school"),
    "child.education": ("pendidikan", "pendidikan terakhir", "pend", "kelas pendidikan", "education"),
    "child.school_status": ("status sekolah", "masih sekolah", "school status"),
    "child.religion": ("agama", "religion"),
    "child.father_name": ("nama ayah", "ayah", "father", "father s name", "fathers name"),
    "child.mother_name": ("nama ibu", "ibu", "nama ibu kandung", "mother", "mother s name", "mothers name"),
    "child.guardian_name": ("nama wali", "wali", "guardian", "nama orang tua wali", "orang tua wali"),
    "child.guardian_contact": ("kontak wali", "no hp wali", "hp wali", "telepon wali", "no hp", "no telp",
                               "telepon", "kontak", "no hp orang tua"),
    "child.intake_date": ("tgl masuk", "tanggal masuk", "tgl registrasi", "tanggal registrasi", "tgl diterima",
                          "tanggal diterima", "intake date", "date of intake", "admitted"),
    "child.offence_date": ("tgl kejadian", "tanggal kejadian", "tgl peristiwa", "offence date"),
    "child.status": ("status", "status kasus", "status anak", "case status"),
    "counsellor": ("pekerja sosial", "peksos", "konselor", "pendamping", "petugas", "counsellor", "counselor",
                   "case worker", "social worker"),
    "family.structure": ("struktur keluarga", "status keluarga", "kondisi keluarga", "family structure"),
    "family.household_size": ("jumlah anggota keluarga", "jumlah anggota rumah tangga", "jml anggota keluarga",
                              "household size"),
    "family.welfare_register": ("dtks", "terdaftar dtks", "penerima bantuan", "welfare register"),
    "legal_track.case_no": ("no perkara", "nomor perkara", "no lp", "case no", "case number"),
    "legal_track.referral_source": ("sumber rujukan", "rujukan dari", "perujuk", "asal rujukan", "referral source",
                                    "referred by"),
    "legal_track.letter_no": ("no surat rujukan", "nomor surat rujukan", "no surat", "letter no"),
    "legal_track.stage": ("tahap perkara", "tahap hukum", "proses hukum", "legal stage"),
    "legal_track.articles": ("pasal", "pasal yang disangkakan", "pasal disangkakan", "articles"),
    "legal_track.threatened_penalty_months": ("ancaman pidana", "ancaman pidana bulan", "ancaman hukuman",
                                              "threatened penalty"),
    "legal_track.pk_officer": ("pk", "pembimbing kemasyarakatan", "nama pk", "probation officer"),
    "legal_track.decision": ("putusan", "penetapan", "decision"),
    "note": ("catatan", "keterangan", "ket", "notes", "remarks"),
}

# what people write for codes, beyond the vocabularies' own labels (folded)
VALUE_FORMS: dict[str, dict[str, str]] = {
    "sexes": {"l": "male", "lk": "male", "laki": "male", "laki laki": "male", "pria": "male", "m": "male",
              "p": "female", "pr": "female", "wanita": "female", "f": "female"},
    "education_levels": {"sd": "primary", "mi": "primary", "smp": "junior", "mts": "junior", "sma": "senior",
                         "smk": "senior", "ma": "senior", "slta": "senior", "sltp": "junior",
                         "tidak sekolah": "none", "belum sekolah": "none", "ts": "none", "d3": "higher",
                         "s1": "higher", "kuliah": "higher"},
    "school_statuses": {},
    "religions": {"kristen": "protestant", "protestan": "protestant", "budha": "buddhist",
                  "konghucu": "confucian"},
    "lifecycle_states": {"aktif": "intervention", "baru": "referral_received", "selesai": "closed"},
    # the label before docs/glossary.md, and the word registers use
    "legal_stages": {"persidangan": "trial", "sidang": "trial"},
    "family_structures": {"cerai": "divorced", "lengkap": "intact", "yatim": "one_parent_deceased",
                          "piatu": "one_parent_deceased", "yatim piatu": "both_parents_deceased"},
    "referral_sources": {"polisi": "police", "polres": "police", "polsek": "police", "polda": "police",
                         "jaksa": "prosecutor", "kejari": "prosecutor", "pn": "court", "dinsos": "social_affairs"},
}


def fold(text: Any) -> str:
    """Lower case, accents and punctuation gone: "Tgl. Lahir" → "tgl lahir"."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def targets() -> dict[str, str]:
    """Every target a column can be mapped to, with the label a person reads."""
    out: dict[str, str] = {}
    for kind in KINDS:
        cls = RECORD_TYPES[kind]
        for name in cls.field_names():
            if name in _NOT_IMPORTED:
                continue
            meta = cls.field_meta(name)
            if meta.get("type") in ("list", "dict", "ref"):
                continue
            label = cls.field_label(name)
            out[f"{kind}.{name}"] = label if kind == "child" else f"{cls.TITLE.text()}: {label}"
    out["ttl"] = _("Place and date of birth (one cell)")
    out["counsellor"] = _("Counsellor (user name)")
    out["note"] = _("Note (kept on the family record)")
    return out


@functools.cache
def target_meta(target: str) -> dict:
    if target in SPECIAL:
        return {"type": target}
    kind, name = target.split(".", 1)
    return RECORD_TYPES[kind].field_meta(name)


@functools.cache
def _header_index() -> dict[str, str]:
    """Folded header → target: the forms above first, then each field's labels in both
    languages and its English key (the child's fields before its family's and legal track's)."""
    index: dict[str, str] = {}
    for target, forms in HEADER_FORMS.items():
        for form in forms:
            index[form] = target
    for target in targets():
        if "." not in target:
            continue
        kind, name = target.split(".", 1)
        cls = RECORD_TYPES[kind]
        for form in (cls.field_label(name, "id"), cls.field_label(name, "en"), name):
            index.setdefault(fold(form), target)
    return index


def suggest(header: list[str]) -> dict[int, str]:
    """Column index → target, from the header's names; a target goes to its first column only."""
    index = _header_index()
    out: dict[int, str] = {}
    taken: set[str] = set()
    for i, name in enumerate(header):
        target = index.get(fold(name))
        if target is None:
            continue
        if target in taken:
            continue
        out[i] = target
        taken.add(target)
    return out


def header_score(header: list[str]) -> int:
    index = _header_index()
    return sum(1 for h in header if fold(h) in index)


# --- values ----------------------------------------------------------------------------

_MONTHS = {fold(m): i + 1 for i, m in enumerate(MONTHS_ID)} | {fold(m): i + 1 for i, m in enumerate(MONTHS_EN)}
_MONTHS |= {k[:3]: v for k, v in list(_MONTHS.items())}
_MONTHS |= {"agt": 8, "ags": 8, "agu": 8, "peb": 2, "nop": 11, "okt": 10, "des": 12, "mei": 5, "sept": 9}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:[ T].*)?$")
_WORDS = re.compile(r"^(\d{1,2})\s+([a-z]+)\s+(\d{4})$")
_EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read as its field's type; the message says why, translated."""


def _year(y: str, today: date) -> int:
    if len(y) == 4:
        return int(y)
    yy = int(y)
    return 2000 + yy if 2000 + yy <= today.year else 1900 + yy


def parse_date_cell(value: Any, today: date | None = None) -> str | None:
    """A date as people write it → ISO `YYYY-MM-DD`: a spreadsheet date, an Excel serial number,
    `12/03/2010`, `12-03-2010`, `12.03.10`, `2010-03-12`, `12 Maret 2010`, `12 Mar 2010`.
    Day before month, as in Indonesia."""
    today = today or date.today()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{4,5}(\.0+)?", text):
        return _serial(float(text))
    try:
        m = _ISO.match(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        m = _NUMERIC.match(text)
        if m:
            return date(_year(m[3], today), int(m[2]), int(m[1])).isoformat()
        m = _WORDS.match(fold(text))
        if m and m[2] in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2]], int(m[1])).isoformat()
    except ValueError:
        pass
    raise CellError(_("“{value}” is not a date (write e.g. 12/03/2010 or 12 Maret 2010)").format(value=text))


def _serial(number: float) -> str:
    if not 10_000 <= number <= 80_000:  # 1927–2119; a year alone (2010) is no serial
        raise CellError(_("“{value}” is not a date (write e.g. 12/03/2010 or 12 Maret 2010)").format(value=number))
    return (_EXCEL_EPOCH + timedelta(days=int(number))).isoformat()


def split_ttl(value: Any, today: date | None = None) -> tuple[str | None, str | None]:
    """ "Jakarta, 12 Maret 2010" → ("Jakarta", "2010-03-12"); a date alone gives no place."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, date | int | float):
        return None, parse_date_cell(value, today)
    text = str(value).strip()
    if "," in text:
        place, when = text.rsplit(",", 1)
        return (place.strip() or None), parse_date_cell(when.strip(), today)
    m = re.match(r"^(.*?)\s*(\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}|\d{1,2}\s+\w+\s+\d{4})$", text)
    if m:
        return (m[1].strip() or None), parse_date_cell(m[2], today)
    raise CellError(_("“{value}” is not a place and date of birth (write e.g. Jakarta, 12 Maret 2010)").format(
        value=text))


def cell_text(value: Any) -> str | None:
    """A text cell: numbers the spreadsheet stored (a register or NIK number) without ".0"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


@dataclass
class CodeMatch:
    code: str | None
    kept_as_note: bool = False


def _value_index(vocab: Vocabulary) -> dict[str, str]:
    """Folded label (or one unambiguous part of a label, "SD" of "SD / sederajat") → code."""
    index: dict[str, str] = {}
    parts: dict[str, set[str]] = {}
    for lang in ("id", "en"):
        for code, label in vocab.items(lang):
            index[fold(label)] = code
            for part in re.split(r"[/()]", label):
                if fold(part):
                    parts.setdefault(fold(part), set()).add(code)
    for code in vocab.codes():
        index[fold(code)] = code
    for part, codes in parts.items():
        if len(codes) == 1:
            index.setdefault(part, next(iter(codes)))
    for form, code in VALUE_FORMS.get(vocab.name, {}).items():
        index.setdefault(form, code)
    return index


_VALUE_INDEXES: dict[str, dict[str, str]] = {}


def match_code(vocab: Vocabulary, value: Any, user_map: dict[str, str] | None = None) -> str | None:
    """The code a cell means, or None when none fits. `user_map` (folded value → code) is what
    the person mapped themselves and wins over every guess."""
    text = cell_text(value)
    if text is None:
        return None
    key = fold(text)
    if user_map:
        folded = {fold(k): v for k, v in user_map.items()}
        if key in folded and folded[key] in vocab:
            return folded[key]
    if text in vocab:
        return text
    index = _VALUE_INDEXES.get(vocab.name)
    if index is None:
        index = _VALUE_INDEXES[vocab.name] = _value_index(vocab)
    return index.get(key)
