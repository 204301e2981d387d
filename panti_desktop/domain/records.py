"""One dataclass per record kind of DESIGN §2, with its fields, labels and rules.

Field names are the stable English keys of the store and of the JSON output. A
record is built with `record_from_dict(kind, data)` (unknown keys are ignored, so
records written by a newer version still open) and checked with `validate()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from ..errors import ValidationError
from ..i18n import Label, _
from . import fields as F
from . import vocab as V
from .fields import DomainRecord

_NIK = re.compile(r"^\d{16}$")


def _title(id_: str, en: str) -> Label:
    return Label(id_, en)


@dataclass
class Centre(DomainRecord):
    KIND: ClassVar[str] = "centre"
    TITLE: ClassVar[Label] = _title("Lembaga", "Centre")
    INDEX: ClassVar[tuple[str, ...]] = ("code",)
    code: str | None = F.text("Kode lembaga", "Centre code", required=True, max_len=12)
    name: str | None = F.text("Nama lembaga", "Centre name", required=True, max_len=200)
    type: str | None = F.code(V.CENTRE_TYPES, "Jenis lembaga", "Centre type", required=True, default="sentra")
    province: str | None = F.text("Provinsi", "Province", max_len=100)
    address: str | None = F.text("Alamat", "Address", max_len=500)
    phone: str | None = F.text("Telepon", "Phone", max_len=50)


@dataclass
class UserProfile(DomainRecord):
    KIND: ClassVar[str] = "user_profile"
    TITLE: ClassVar[Label] = _title("Profil pengguna", "User profile")
    INDEX: ClassVar[tuple[str, ...]] = ("user_id",)
    user_id: str | None = F.ref("Pengguna", "User", required=True)
    full_name: str | None = F.text("Nama lengkap", "Full name", max_len=200)
    staff_no: str | None = F.text("NIP / nomor pegawai", "NIP or staff number", max_len=40)
    position: str | None = F.text("Jabatan", "Position", max_len=200)
    phone: str | None = F.text("Telepon", "Phone", max_len=50)


@dataclass
class AssessmentTemplate(DomainRecord):
    """A template a centre loaded itself (e.g. a licensed instrument it holds)."""

    KIND: ClassVar[str] = "assessment_template"
    TITLE: ClassVar[Label] = _title("Templat asesmen", "Assessment template")
    INDEX: ClassVar[tuple[str, ...]] = ("template_id",)
    template_id: str | None = F.text("Kode templat", "Template id", required=True, max_len=80)
    version: int | None = F.integer("Versi", "Version", 1, 10_000, required=True)
    definition: dict = F.mapping("Isi templat", "Template definition")

    def check(self, today: date) -> None:
        from .templates import Template

        Template.from_dict(self.definition)


@dataclass
class Child(DomainRecord):
    KIND: ClassVar[str] = "child"
    TITLE: ClassVar[Label] = _title("Anak", "Child")
    INDEX: ClassVar[tuple[str, ...]] = ("register_no", "status", "counsellor_id", "intake_date")
    register_no: str | None = F.text("Nomor register", "Register number", max_len=40)
    # identity block: sealed, never listed
    full_name: str | None = F.text("Nama lengkap", "Full name", required=True, max_len=200)
    nickname: str | None = F.text("Nama panggilan", "Nickname", max_len=80)
    nik: str | None = F.text("NIK / KIA", "NIK / child ID number", max_len=20)
    birth_date: str | None = F.day("Tanggal lahir", "Date of birth")
    birth_place: str | None = F.text("Tempat lahir", "Place of birth", max_len=100)
    address: str | None = F.text("Alamat", "Address", max_len=500)
    school_name: str | None = F.text("Nama sekolah", "School name", max_len=200)
    father_name: str | None = F.text("Nama ayah", "Father's name", max_len=200)
    mother_name: str | None = F.text("Nama ibu", "Mother's name", max_len=200)
    guardian_name: str | None = F.text("Nama wali", "Guardian's name", max_len=200)
    guardian_contact: str | None = F.text("Kontak wali", "Guardian's contact", max_len=100)
    # profile
    sex: str | None = F.code(V.SEXES, "Jenis kelamin", "Sex", default="male")
    education: str | None = F.code(V.EDUCATION_LEVELS, "Pendidikan", "Education")
    school_status: str | None = F.code(V.SCHOOL_STATUSES, "Status sekolah", "School status")
    religion: str | None = F.code(V.RELIGIONS, "Agama", "Religion")
    disability: str | None = F.text("Disabilitas / kesehatan", "Disability / health", max_len=1000)
    living_arrangement: str | None = F.code(V.LIVING_ARRANGEMENTS, "Tinggal bersama", "Living arrangement")
    intake_date: str | None = F.day("Tanggal masuk", "Intake date")
    offence_date: str | None = F.day("Tanggal kejadian", "Date of the offence")
    counsellor_id: str | None = F.ref("Pekerja sosial", "Counsellor")
    status: str | None = F.code(V.LIFECYCLE_STATES, "Status kasus", "Case status", default="referral_received")

    def check(self, today: date) -> None:
        if self.nik is not None:
            nik = re.sub(r"[\s.-]", "", self.nik)
            if not _NIK.match(nik):
                raise ValidationError(_("NIK / KIA must be exactly 16 digits."), field="nik")
            self.nik = nik
        self._not_after("birth_date", today)
        self._not_after("intake_date", today)
        self._not_after("offence_date", today)
        self._order("birth_date", "offence_date")
        self._order("birth_date", "intake_date")
        if self.birth_date:
            age = self.age_on(date.fromisoformat(self.intake_date) if self.intake_date else today)
            if age is not None and not 5 <= age <= 25:
                raise ValidationError(
                    _("The date of birth gives an age of {age} years; please check it.").format(age=age),
                    field="birth_date",
                )

    # derived -------------------------------------------------------------------------

    def initials(self) -> str:
        """"Rizki Aditya Pratama" → "R.A.P.": what lists and reports show instead of the name."""
        firsts = [next((c for c in w if c.isalpha()), "") for w in re.split(r"[\s\-]+", self.full_name or "")]
        return "".join(c.upper() + "." for c in firsts if c) or "?"

    def age_on(self, when: date | None) -> int | None:
        if not self.birth_date or when is None:
            return None
        try:
            born = date.fromisoformat(self.birth_date)
        except ValueError:
            return None
        return when.year - born.year - ((when.month, when.day) < (born.month, born.day))

    def age_at_offence(self) -> int | None:
        return self.age_on(date.fromisoformat(self.offence_date)) if self.offence_date else None

    def age_at_intake(self) -> int | None:
        return self.age_on(date.fromisoformat(self.intake_date)) if self.intake_date else None


@dataclass
class Family(DomainRecord):
    KIND: ClassVar[str] = "family"
    TITLE: ClassVar[Label] = _title("Keluarga", "Family")
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("structure", "household_size", "household_income", "supervision_capacity",
                                               "welfare_register")
    SECTION: ClassVar[int | None] = 10
    child_id: str | None = F.ref("Anak", "Child", required=True)
    structure: str | None = F.code(V.FAMILY_STRUCTURES, "Struktur keluarga", "Family structure")
    household_size: int | None = F.integer("Jumlah anggota rumah tangga", "Household size", 1, 40)
    # the household's, not one caregiver's (each caregiver keeps an income of their own)
    household_income: str | None = F.code(V.INCOME_BANDS, "Penghasilan rumah tangga per bulan",
                                          "Household monthly income")
    welfare_register: bool | None = F.flag("Terdaftar DTKS / penerima bantuan", "On the welfare register (DTKS)")
    supervision_capacity: str | None = F.code(V.SUPERVISION_CAPACITIES, "Kemampuan pengawasan", "Supervision capacity")
    strengths: str | None = F.text("Kekuatan keluarga", "Family strengths")
    needs: str | None = F.text("Kebutuhan keluarga", "Family needs")
    notes: str | None = F.text("Catatan", "Notes")


@dataclass
class Caregiver(DomainRecord):
    KIND: ClassVar[str] = "caregiver"
    TITLE: ClassVar[Label] = _title("Pengasuh", "Caregiver")
    INDEX: ClassVar[tuple[str, ...]] = ("family_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("relation", "education", "occupation", "income_band", "primary")
    SECTION: ClassVar[int | None] = 20
    child_id: str | None = F.ref("Anak", "Child", required=True)
    family_id: str | None = F.ref("Keluarga", "Family")
    relation: str | None = F.code(V.CAREGIVER_RELATIONS, "Hubungan", "Relation", required=True)
    name: str | None = F.text("Nama", "Name", max_len=200)
    phone: str | None = F.text("Telepon", "Phone", max_len=50)
    education: str | None = F.code(V.EDUCATION_LEVELS, "Pendidikan", "Education")
    occupation: str | None = F.code(V.OCCUPATIONS, "Pekerjaan", "Occupation")
    income_band: str | None = F.code(V.INCOME_BANDS, "Penghasilan", "Income")
    lives_with_child: bool | None = F.flag("Tinggal bersama anak", "Lives with the child")
    primary: bool | None = F.flag("Pengasuh utama", "Primary caregiver")


@dataclass
class LegalTrack(DomainRecord):
    KIND: ClassVar[str] = "legal_track"
    TITLE: ClassVar[Label] = _title("Perkara", "Legal track")
    INDEX: ClassVar[tuple[str, ...]] = ("stage",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("stage", "referral_source", "threatened_penalty_months", "repeat_offence", "decision_date")
    SECTION: ClassVar[int | None] = 30
    child_id: str | None = F.ref("Anak", "Child", required=True)
    referral_source: str | None = F.code(V.REFERRAL_SOURCES, "Sumber rujukan", "Referral source")
    letter_no: str | None = F.text("Nomor surat rujukan", "Referral letter number", max_len=100)
    letter_date: str | None = F.day("Tanggal surat", "Letter date")
    case_no: str | None = F.text("Nomor perkara", "Case number", max_len=100)
    stage: str | None = F.code(V.LEGAL_STAGES, "Tahap perkara", "Legal stage")
    articles: str | None = F.text("Pasal yang disangkakan", "Articles charged", max_len=500)
    threatened_penalty_months: int | None = F.integer(
        "Ancaman pidana penjara (bulan)", "Threatened penalty (months)", 0, 240
    )
    prior_offences: int | None = F.integer("Jumlah perkara sebelumnya", "Prior offences", 0, 50)
    repeat_offence: bool | None = F.flag("Pengulangan tindak pidana", "Repeat offence")
    decision: str | None = F.text("Putusan / penetapan", "Decision", max_len=2000)
    decision_date: str | None = F.day("Tanggal putusan", "Decision date")
    placement: str | None = F.text("Penempatan", "Placement", max_len=500)
    pk_officer: str | None = F.text("Pembimbing Kemasyarakatan (PK)", "Probation officer (PK)", max_len=200)
    litmas_ref: str | None = F.text("Nomor laporan Litmas (penelitian kemasyarakatan)", "Litmas reference", max_len=100)
    social_report_ref: str | None = F.text("Nomor laporan sosial", "Social report reference", max_len=100)

    def check(self, today: date) -> None:
        if self.prior_offences and self.repeat_offence is None:
            self.repeat_offence = True


@dataclass
class Referral(DomainRecord):
    KIND: ClassVar[str] = "referral"
    TITLE: ClassVar[Label] = _title("Rujukan", "Referral")
    INDEX: ClassVar[tuple[str, ...]] = ("referred_on",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("referred_on", "direction", "agency", "reason", "outcome")
    SECTION: ClassVar[int | None] = 50
    child_id: str | None = F.ref("Anak", "Child", required=True)
    direction: str | None = F.code(V.REFERRAL_DIRECTIONS, "Arah", "Direction", required=True, default="outgoing")
    agency: str | None = F.code(V.AGENCIES, "Lembaga", "Agency", required=True)
    referred_on: str | None = F.day("Tanggal rujukan", "Date", required=True)
    reason: str | None = F.text("Alasan", "Reason")
    contact: str | None = F.text("Kontak", "Contact", max_len=200)
    outcome: str | None = F.text("Hasil", "Outcome")


@dataclass
class CaseConference(DomainRecord):
    KIND: ClassVar[str] = "case_conference"
    TITLE: ClassVar[Label] = _title("Konferensi kasus", "Case conference")
    INDEX: ClassVar[tuple[str, ...]] = ("held_on",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("held_on", "agencies", "decisions", "next_date")
    SECTION: ClassVar[int | None] = 60
    child_id: str | None = F.ref("Anak", "Child", required=True)
    held_on: str | None = F.day("Tanggal", "Date", required=True)
    agencies: list = F.codes(V.AGENCIES, "Lembaga yang hadir", "Agencies present")
    attendees: list = F.strings("Peserta", "Attendees")
    decisions: str | None = F.text("Keputusan", "Decisions")
    next_date: str | None = F.day("Konferensi berikutnya", "Next conference")


@dataclass
class Consent(DomainRecord):
    KIND: ClassVar[str] = "consent"
    TITLE: ClassVar[Label] = _title("Persetujuan", "Consent")
    INDEX: ClassVar[tuple[str, ...]] = ("withdrawn_on",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("given_on", "given_by", "relation", "scopes", "withdrawn_on")
    SECTION: ClassVar[int | None] = 40
    child_id: str | None = F.ref("Anak", "Child", required=True)
    given_by: str | None = F.text("Diberikan oleh", "Given by", required=True, max_len=200)
    relation: str | None = F.code(V.CAREGIVER_RELATIONS, "Hubungan", "Relation", required=True)
    given_on: str | None = F.day("Tanggal persetujuan", "Date given", required=True)
    scopes: list = F.codes(V.CONSENT_SCOPES, "Lingkup", "Scope")
    method: str | None = F.code(V.CONSENT_METHODS, "Cara", "How recorded", default="written")
    withdrawn_on: str | None = F.day("Tanggal ditarik", "Withdrawn on")
    withdrawn_by: str | None = F.text("Ditarik oleh", "Withdrawn by", max_len=200)
    notes: str | None = F.text("Catatan", "Notes")

    def check(self, today: date) -> None:
        self._not_after("given_on", today)
        self._order("given_on", "withdrawn_on")


@dataclass
class Offence(DomainRecord):
    KIND: ClassVar[str] = "offence"
    TITLE: ClassVar[Label] = _title("Perbuatan", "Offence")
    ROLE: ClassVar[str] = "CLINICAL"
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("offence_date", "forms", "place", "coercion", "victim_count")
    SECTION: ClassVar[int | None] = 70
    child_id: str | None = F.ref("Anak", "Child", required=True)
    offence_date: str | None = F.day("Tanggal kejadian", "Date")
    forms: list = F.codes(V.OFFENCE_FORMS, "Bentuk perbuatan", "Form of offence")
    coercion: bool | None = F.flag("Ada pemaksaan", "Coercion")
    place: str | None = F.code(V.OFFENCE_PLACES, "Tempat kejadian", "Place")
    victim_count: int | None = F.integer("Jumlah korban", "Number of victims", 1, 50)
    grooming: bool | None = F.flag("Ada bujuk rayu (grooming)", "Grooming")
    digital: bool | None = F.flag("Melibatkan gawai / internet", "Digital involvement")
    determinants: list = F.codes(V.DETERMINANTS, "Faktor penentu", "Determinants")
    # the study's questions, each yes / no / not recorded (the determinants list cannot say "no")
    pornography_exposure: bool | None = F.flag("Terpapar pornografi", "Exposed to pornography")
    peer_influence: bool | None = F.flag("Pengaruh teman sebaya", "Peer influence")
    own_victimisation: bool | None = F.flag("Pernah menjadi korban kekerasan seksual", "Was himself a victim of sexual abuse")
    description: str | None = F.text("Kronologi singkat", "Short chronology")

    # each question and the determinant code that says the same
    STUDY_QUESTIONS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("pornography_exposure", "pornography"), ("peer_influence", "peer_influence"),
        ("own_victimisation", "own_victimisation"))

    def check(self, today: date) -> None:
        """The answer and the determinants list say the same: a ticked determinant is a "yes",
        a "yes" ticks the determinant, and a "no" beside a ticked one is refused."""
        for flag, code in self.STUDY_QUESTIONS:
            ticked = code in self.determinants
            if getattr(self, flag) is False and ticked:
                raise ValidationError(
                    _("{question} is answered “no” but ticked among the determinants.").format(
                        question=self.field_label(flag)), field=flag)
            if ticked:
                setattr(self, flag, True)
            elif getattr(self, flag):
                self.determinants = [*self.determinants, code]


@dataclass
class Victim(DomainRecord):
    """Minimal by design: a code, never a name; no appearance or clothing fields."""

    KIND: ClassVar[str] = "victim"
    TITLE: ClassVar[Label] = _title("Korban", "Victim")
    ROLE: ClassVar[str] = "CLINICAL"
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("code", "age_band", "relationship", "rj_ready", "rj_consent",
                                               "rj_withdrawn_on")
    SECTION: ClassVar[int | None] = 80
    child_id: str | None = F.ref("Anak", "Child", required=True)
    code: str | None = F.text("Kode korban", "Victim code", required=True, max_len=20)
    age_band: str | None = F.code(V.VICTIM_AGE_BANDS, "Kelompok usia", "Age band")
    sex: str | None = F.code(V.SEXES, "Jenis kelamin", "Sex")
    relationship: str | None = F.code(V.VICTIM_RELATIONSHIPS, "Hubungan dengan anak", "Relationship")
    co_resident: bool | None = F.flag("Tinggal serumah / berdekatan", "Lives with or near the child")
    service_contact: str | None = F.text("Layanan pendamping korban", "Victim-service contact", max_len=200)
    rj_ready: bool | None = F.flag("Korban / wali siap bertemu (keadilan restoratif)",
                                   "Victim or guardian ready to meet (restorative justice)")
    rj_consent: bool | None = F.flag("Setuju keadilan restoratif", "Consents to restorative justice")
    rj_consent_by: str | None = F.code(V.RJ_CONSENT_GIVERS, "Persetujuan diberikan oleh", "Consent given by")
    rj_consent_date: str | None = F.day("Tanggal persetujuan", "Consent date")
    rj_withdrawn_on: str | None = F.day("Persetujuan ditarik pada", "Consent withdrawn on")

    def check(self, today: date) -> None:
        if re.search(r"\s", self.code or ""):
            raise ValidationError(
                _("The victim code must be a short code without spaces, never a name."), field="code"
            )
        self._not_after("rj_consent_date", today)
        self._order("rj_consent_date", "rj_withdrawn_on")


@dataclass
class Assessment(DomainRecord):
    KIND: ClassVar[str] = "assessment"
    TITLE: ClassVar[Label] = _title("Asesmen", "Assessment")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("assessed_on",)
    SECTION: ClassVar[int | None] = 90
    child_id: str | None = F.ref("Anak", "Child", required=True)
    template_id: str | None = F.text("Templat", "Template", required=True, max_len=80)
    template_version: int | None = F.integer("Versi templat", "Template version", 1, 10_000)
    assessed_on: str | None = F.day("Tanggal asesmen", "Date", required=True)
    assessor_id: str | None = F.ref("Asesor", "Assessor")
    answers: dict = F.mapping("Jawaban", "Answers")
    risk_level: str | None = F.code(V.RISK_LEVELS, "Tingkat risiko", "Risk level")
    summary: str | None = F.text("Kesimpulan", "Summary")

    def check(self, today: date) -> None:
        from .templates import find_template

        self._not_after("assessed_on", today)
        template = find_template(self.template_id or "", self.template_version)
        if template is not None:
            self.template_version = template.version
            template.check_answers(self.answers)


@dataclass
class Plan(DomainRecord):
    KIND: ClassVar[str] = "plan"
    TITLE: ClassVar[Label] = _title("Rencana intervensi", "Rehabilitation plan")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("status", "review_date")
    SECTION: ClassVar[int | None] = 100
    child_id: str | None = F.ref("Anak", "Child", required=True)
    status: str | None = F.code(V.PLAN_STATUSES, "Status", "Status", default="draft")
    setting: str | None = F.code(V.PLAN_SETTINGS, "Setting", "Setting")
    start_date: str | None = F.day("Tanggal mulai", "Start date")
    review_date: str | None = F.day("Tanggal tinjauan", "Review date")
    end_date: str | None = F.day("Tanggal selesai", "End date")
    referral_behaviours: list = F.items("Perilaku rujukan", "Referral behaviours")
    desired_outcomes: list = F.items("Hasil yang diharapkan", "Desired outcomes")
    notes: str | None = F.text("Catatan", "Notes")
    version_no: int | None = F.integer("Versi", "Version", 0, 1000)
    approved_by: str | None = F.ref("Disetujui oleh", "Approved by")
    approved_at: str | None = F.day("Tanggal persetujuan", "Approved on")

    def check(self, today: date) -> None:
        self._order("start_date", "review_date")
        self._order("start_date", "end_date")
        for b in self.referral_behaviours:
            if not str(b.get("behaviour") or "").strip():
                raise ValidationError(_("Each referral behaviour needs a description."), field="referral_behaviours")


@dataclass
class PlanVersion(DomainRecord):
    KIND: ClassVar[str] = "plan_version"
    TITLE: ClassVar[Label] = _title("Versi rencana", "Plan version")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("plan_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("version_no", "approved_at", "approved_by")
    SECTION: ClassVar[int | None] = 110
    child_id: str | None = F.ref("Anak", "Child", required=True)
    plan_id: str | None = F.ref("Rencana", "Plan", required=True)
    version_no: int | None = F.integer("Versi", "Version", 1, 1000, required=True)
    snapshot: dict = F.mapping("Isi rencana", "Plan content")
    approved_by: str | None = F.ref("Disetujui oleh", "Approved by")
    approved_at: str | None = F.day("Tanggal persetujuan", "Approved on")


@dataclass
class OverarchingGoal(DomainRecord):
    KIND: ClassVar[str] = "overarching_goal"
    TITLE: ClassVar[Label] = _title("Tujuan utama", "Overarching goal")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("plan_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("text", "stakeholder", "status")
    SECTION: ClassVar[int | None] = 120
    child_id: str | None = F.ref("Anak", "Child", required=True)
    plan_id: str | None = F.ref("Rencana", "Plan", required=True)
    text: str | None = F.text("Tujuan", "Goal", required=True, max_len=1000)
    stakeholder: str | None = F.text("Pemangku kepentingan", "Stakeholder", max_len=200)
    status: str | None = F.code(V.GOAL_STATUSES, "Status", "Status", default="in_progress")


@dataclass
class FitDriver(DomainRecord):
    KIND: ClassVar[str] = "fit_driver"
    TITLE: ClassVar[Label] = _title("Analisis fit", "Fit analysis driver")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("plan_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("system", "behaviour", "driver", "is_strength")
    SECTION: ClassVar[int | None] = 130
    child_id: str | None = F.ref("Anak", "Child", required=True)
    plan_id: str | None = F.ref("Rencana", "Plan", required=True)
    behaviour: str | None = F.text("Perilaku", "Behaviour", required=True, max_len=500)
    driver: str | None = F.text("Pendorong", "Driver", required=True, max_len=1000)
    system: str | None = F.code(V.SYSTEMS, "Sistem", "System", required=True)
    is_strength: bool | None = F.flag("Kekuatan (bukan pendorong)", "A strength (not a driver)")
    evidence: str | None = F.text("Bukti", "Evidence")


@dataclass
class IntermediateGoal(DomainRecord):
    KIND: ClassVar[str] = "intermediate_goal"
    TITLE: ClassVar[Label] = _title("Tujuan antara", "Intermediate goal")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("plan_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("system", "text", "indicator", "target_date", "status")
    SECTION: ClassVar[int | None] = 140
    child_id: str | None = F.ref("Anak", "Child", required=True)
    plan_id: str | None = F.ref("Rencana", "Plan", required=True)
    overarching_goal_id: str | None = F.ref("Tujuan utama", "Overarching goal")
    driver_id: str | None = F.ref("Pendorong", "Driver")
    system: str | None = F.code(V.SYSTEMS, "Sistem", "System", required=True)
    text: str | None = F.text("Tujuan", "Goal", required=True, max_len=1000)
    indicator: str | None = F.text("Indikator terukur", "Measurable indicator", max_len=1000)
    target_date: str | None = F.day("Target tanggal", "Target date")
    status: str | None = F.code(V.GOAL_STATUSES, "Status", "Status", default="not_started")


@dataclass
class Intervention(DomainRecord):
    KIND: ClassVar[str] = "intervention"
    TITLE: ClassVar[Label] = _title("Intervensi", "Intervention")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("plan_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("type", "description", "frequency", "start_date")
    SECTION: ClassVar[int | None] = 150
    child_id: str | None = F.ref("Anak", "Child", required=True)
    plan_id: str | None = F.ref("Rencana", "Plan", required=True)
    goal_id: str | None = F.ref("Tujuan antara", "Intermediate goal")
    type: str | None = F.code(V.INTERVENTION_TYPES, "Jenis", "Type", required=True)
    description: str | None = F.text("Uraian", "Description")
    responsible: str | None = F.text("Penanggung jawab", "Responsible", max_len=200)
    frequency: str | None = F.text("Frekuensi", "Frequency", max_len=200)
    start_date: str | None = F.day("Mulai", "Start")


@dataclass
class Session(DomainRecord):
    KIND: ClassVar[str] = "session"
    TITLE: ClassVar[Label] = _title("Sesi", "Session")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("session_date", "status", "author_id", "amends_id", "setting", "systems")
    INDEX_V2: ClassVar[tuple[str, ...] | None] = ("session_date", "status", "author_id", "amends_id")
    SECTION: ClassVar[int | None] = 160
    child_id: str | None = F.ref("Anak", "Child", required=True)
    session_date: str | None = F.day("Tanggal sesi", "Session date", required=True)
    start_time: str | None = F.time_of_day("Jam mulai", "Start time")
    duration_minutes: int | None = F.integer("Durasi (menit)", "Duration (minutes)", 5, 600)
    setting: str | None = F.code(V.SESSION_SETTINGS, "Tempat", "Setting", required=True, default="home")
    participants: list = F.codes(V.PARTICIPANTS, "Peserta", "Participants")
    systems: list = F.codes(V.SYSTEMS, "Sistem yang disasar", "Systems addressed")
    goals: list = F.items("Tujuan yang dikerjakan", "Goals addressed")
    interventions: list = F.codes(V.INTERVENTION_TYPES, "Intervensi", "Interventions")
    family_task: str | None = F.text("Tugas keluarga", "Family task")
    advances: str | None = F.text("Kemajuan", "Advances")
    barriers: str | None = F.text("Hambatan", "Barriers")
    safety_incidents: str | None = F.text("Insiden keselamatan", "Safety incidents")
    next_steps: str | None = F.text("Langkah berikutnya", "Next steps")
    notes: str | None = F.text("Catatan", "Notes")
    author_id: str | None = F.ref("Penulis", "Author")
    status: str | None = F.code(V.SESSION_STATUSES, "Status", "Status", default="draft")
    amends_id: str | None = F.ref("Mengoreksi sesi", "Amends session")
    finalised_at: str | None = F.day("Difinalkan", "Finalised on")

    def check(self, today: date) -> None:
        self._not_after("session_date", today)
        for g in self.goals:
            if not g.get("goal_id"):
                raise ValidationError(_("Each goal rated in a session must name the goal."), field="goals")
            rating = g.get("rating")
            if rating not in (None, ""):
                if str(rating) not in V.PROGRESS_RATINGS:
                    raise ValidationError(
                        _("A progress rating must be between 0 and 4."), field="goals"
                    )
                g["rating"] = int(rating)
        if self.status == "final":
            if not self.participants:
                raise ValidationError(
                    _("A session needs at least one participant before it is final."), field="participants"
                )
            if not self.duration_minutes:
                raise ValidationError(
                    _("A session needs its duration before it is final."), field="duration_minutes"
                )


@dataclass
class WeeklySummary(DomainRecord):
    KIND: ClassVar[str] = "weekly_summary"
    TITLE: ClassVar[Label] = _title("Ringkasan kasus mingguan", "Weekly case summary")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("week_start",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("week_start", "goal_status", "advances", "barriers")
    SECTION: ClassVar[int | None] = 170
    child_id: str | None = F.ref("Anak", "Child", required=True)
    week_start: str | None = F.day("Minggu mulai", "Week starting", required=True)
    goal_status: str | None = F.text("Status tujuan", "Goal status")
    advances: str | None = F.text("Kemajuan", "Advances")
    barriers: str | None = F.text("Hambatan", "Barriers")
    new_hypotheses: str | None = F.text("Hipotesis fit baru", "New fit hypotheses")
    next_steps: str | None = F.text("Langkah berikutnya", "Next steps")
    author_id: str | None = F.ref("Penulis", "Author")


@dataclass
class Supervision(DomainRecord):
    KIND: ClassVar[str] = "supervision"
    TITLE: ClassVar[Label] = _title("Supervisi", "Supervision")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("held_on",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("held_on", "supervisor", "feedback")
    SECTION: ClassVar[int | None] = 180
    child_id: str | None = F.ref("Anak", "Child", required=True)
    held_on: str | None = F.day("Tanggal", "Date", required=True)
    supervisor: str | None = F.text("Supervisor", "Supervisor", max_len=200)
    goal_status: str | None = F.text("Status tujuan", "Goal status")
    barriers: str | None = F.text("Hambatan", "Barriers")
    new_hypotheses: str | None = F.text("Hipotesis fit baru", "New fit hypotheses")
    feedback: str | None = F.text("Umpan balik supervisor", "Supervisor feedback")


@dataclass
class Fidelity(DomainRecord):
    KIND: ClassVar[str] = "fidelity"
    TITLE: ClassVar[Label] = _title("Fidelitas", "Fidelity")
    ROLE: ClassVar[str] = "CLINICAL"
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("collected_on", "instrument", "score", "threshold", "below_threshold")
    SECTION: ClassVar[int | None] = 190
    child_id: str | None = F.ref("Anak", "Child", required=True)
    instrument: str | None = F.text("Instrumen", "Instrument", required=True, max_len=200)
    respondent: str | None = F.text("Responden", "Respondent", max_len=200)
    collector: str | None = F.text("Pengumpul data", "Collected by", max_len=200)
    collected_on: str | None = F.day("Tanggal", "Date")
    score: float | None = F.number("Skor", "Score", 0, 1000)
    threshold: float | None = F.number("Ambang batas", "Threshold", 0, 1000)
    below_threshold: bool | None = F.flag("Di bawah ambang", "Below threshold")

    def check(self, today: date) -> None:
        if self.score is not None and self.threshold is not None:
            self.below_threshold = self.score < self.threshold


@dataclass
class SafetyPlan(DomainRecord):
    KIND: ClassVar[str] = "safety_plan"
    TITLE: ClassVar[Label] = _title("Rencana keselamatan", "Safety plan")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("review_date",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("agreed_on", "review_date", "risk_level", "no_contact")
    SECTION: ClassVar[int | None] = 200
    child_id: str | None = F.ref("Anak", "Child", required=True)
    agreed_on: str | None = F.day("Tanggal disepakati", "Agreed on")
    review_date: str | None = F.day("Tanggal tinjauan", "Review date")
    risk_level: str | None = F.code(V.RISK_LEVELS, "Tingkat risiko", "Risk level")
    risk_situations: str | None = F.text("Situasi berisiko", "Risk situations")
    home_rules: str | None = F.text("Aturan di rumah", "Rules at home")
    school_rules: str | None = F.text("Aturan di sekolah", "Rules at school")
    community_rules: str | None = F.text("Aturan di lingkungan", "Rules in the community")
    online_rules: str | None = F.text("Aturan daring / ponsel", "Rules online / phone")
    no_contact: str | None = F.text("Larangan kontak", "No-contact rules")
    supervising_adults: list = F.strings("Orang dewasa pengawas", "Supervising adults")
    caregiver_plan: str | None = F.text("Rencana pengawasan pengasuh", "Caregiver supervision plan")

    def check(self, today: date) -> None:
        self._order("agreed_on", "review_date")


@dataclass
class Diversion(DomainRecord):
    """A diversion attempt under UU SPPA; the rules across records (eligibility, each victim's
    consent, facilitator, risk assessment) are in `domain/consistency.py`."""

    KIND: ClassVar[str] = "diversion"
    TITLE: ClassVar[Label] = _title("Diversi / keadilan restoratif", "Diversion / restorative justice")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("stage",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("stage", "level", "case_received_on", "agreement_date", "decree_no")
    SECTION: ClassVar[int | None] = 210
    child_id: str | None = F.ref("Anak", "Child", required=True)
    stage: str | None = F.code(V.DIVERSION_STAGES, "Tahap", "Stage", required=True, default="offered")
    level: str | None = F.code(V.DIVERSION_LEVELS, "Diupayakan pada tingkat", "Attempted at")
    case_received_on: str | None = F.day("Perkara diterima pada tingkat ini", "Case received at this level")
    offered_on: str | None = F.day("Ditawarkan pada", "Offered on")
    started_on: str | None = F.day("Musyawarah diversi dimulai", "Deliberation started")
    facilitator: str | None = F.text("Fasilitator", "Facilitator", max_len=200)
    facilitator_trained: bool | None = F.flag("Fasilitator terlatih", "Trained facilitator")
    participants: list = F.strings("Peserta musyawarah", "Participants")
    confidentiality_agreed: bool | None = F.flag("Kesepakatan kerahasiaan", "Confidentiality agreed")
    agreement_date: str | None = F.day("Tanggal kesepakatan", "Agreement date")
    decree_no: str | None = F.text("Nomor penetapan", "Court decree number", max_len=100)
    override_basis: str | None = F.text("Dasar hukum pengecualian", "Legal basis of an override", max_len=1000)
    override_by: str | None = F.ref("Pengecualian oleh", "Override by")
    override_on: str | None = F.day("Pengecualian pada", "Override on")
    notes: str | None = F.text("Catatan", "Notes")

    AGREED_STAGES: ClassVar[tuple[str, ...]] = ("agreement", "court_decree", "implementation", "completed")
    # UU SPPA art. 29, 42, 52: the attempt within 7 days of receiving the case, the process at most 30 days.
    ATTEMPT_DAYS: ClassVar[int] = 7
    PROCESS_DAYS: ClassVar[int] = 30

    def check(self, today: date) -> None:
        self._order("case_received_on", "started_on")
        self._order("started_on", "agreement_date")

    def deadlines(self) -> list[tuple[str, str]]:
        """(what, ISO date) still due: the attempt (art. 29(1), 42(1), 52(2)) and the end of the
        process (art. 29(2), 42(2), 52(3)); nothing once agreed or failed."""
        if self.stage in self.AGREED_STAGES or self.stage == "failed":
            return []
        out = []
        if self.case_received_on and not self.started_on:
            out.append(("attempt", (date.fromisoformat(self.case_received_on)
                                    + timedelta(days=self.ATTEMPT_DAYS)).isoformat()))
        if self.started_on:
            out.append(("process", (date.fromisoformat(self.started_on)
                                    + timedelta(days=self.PROCESS_DAYS)).isoformat()))
        return out


@dataclass
class DiversionItem(DomainRecord):
    KIND: ClassVar[str] = "diversion_item"
    TITLE: ClassVar[Label] = _title("Butir kesepakatan", "Agreement item")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("diversion_id", "due_date", "compliance")
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("text", "due_date", "compliance", "checked_on")
    SECTION: ClassVar[int | None] = 220
    child_id: str | None = F.ref("Anak", "Child", required=True)
    diversion_id: str | None = F.ref("Diversi", "Diversion", required=True)
    text: str | None = F.text("Isi kesepakatan", "Agreement item", required=True, max_len=1000)
    due_date: str | None = F.day("Batas waktu", "Due date")
    compliance: str | None = F.code(V.COMPLIANCE, "Kepatuhan", "Compliance", default="pending")
    checked_on: str | None = F.day("Diperiksa pada", "Checked on")
    notes: str | None = F.text("Catatan", "Notes")


@dataclass
class DiversionSupervision(DomainRecord):
    KIND: ClassVar[str] = "diversion_supervision"
    TITLE: ClassVar[Label] = _title("Pengawasan PK", "Probation supervision log")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("diversion_id",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("visited_on", "officer", "compliance", "findings")
    SECTION: ClassVar[int | None] = 230
    child_id: str | None = F.ref("Anak", "Child", required=True)
    diversion_id: str | None = F.ref("Diversi", "Diversion", required=True)
    visited_on: str | None = F.day("Tanggal", "Date", required=True)
    officer: str | None = F.text("Pembimbing Kemasyarakatan (PK)", "Probation officer", max_len=200)
    compliance: str | None = F.code(V.COMPLIANCE, "Kepatuhan", "Compliance")
    findings: str | None = F.text("Temuan", "Findings")


@dataclass
class Termination(DomainRecord):
    KIND: ClassVar[str] = "termination"
    TITLE: ClassVar[Label] = _title("Terminasi", "Termination")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("terminated_on",)
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("terminated_on", "reason", "destination", "living_at_home", "in_school_or_work")
    SECTION: ClassVar[int | None] = 240
    child_id: str | None = F.ref("Anak", "Child", required=True)
    terminated_on: str | None = F.day("Tanggal terminasi", "Date", required=True)
    reason: str | None = F.code(V.TERMINATION_REASONS, "Alasan", "Reason", required=True)
    destination: str | None = F.code(V.TERMINATION_DESTINATIONS, "Tujuan", "Destination")
    living_at_home: bool | None = F.flag("Tinggal di rumah", "Living at home")
    in_school_or_work: bool | None = F.flag("Bersekolah / bekerja", "In school or work")
    new_report: bool | None = F.flag("Ada laporan / penangkapan baru", "New report or arrest")
    summary: str | None = F.text("Ringkasan", "Summary")
    open_process_reason: str | None = F.text(
        "Alasan layanan berakhir sebelum proses peradilan selesai",
        "Why the service ends while the prosecution or trial is open")

    def check(self, today: date) -> None:
        self._not_after("terminated_on", today)


@dataclass
class FollowUp(DomainRecord):
    KIND: ClassVar[str] = "follow_up"
    TITLE: ClassVar[Label] = _title("Bimbingan lanjut", "Follow-up")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("due_date", "done_on")
    LIST_COLUMNS: ClassVar[tuple[str, ...]] = ("month", "due_date", "done_on", "living_at_home", "new_report")
    SECTION: ClassVar[int | None] = 250
    child_id: str | None = F.ref("Anak", "Child", required=True)
    month: str | None = F.code(V.FOLLOW_UP_MONTHS, "Bulan ke", "Month", required=True)
    due_date: str | None = F.day("Jadwal", "Due date", required=True)
    done_on: str | None = F.day("Dilaksanakan", "Done on")
    living_at_home: bool | None = F.flag("Tinggal di rumah", "Living at home")
    in_school_or_work: bool | None = F.flag("Bersekolah / bekerja", "In school or work")
    new_report: bool | None = F.flag("Ada laporan / penangkapan baru", "New report or arrest")
    safety_plan_kept: str | None = F.code(V.COMPLIANCE, "Kepatuhan rencana keselamatan", "Safety plan adherence")
    notes: str | None = F.text("Catatan", "Notes")

    def check(self, today: date) -> None:
        if self.done_on:
            self._not_after("done_on", today)


@dataclass
class LegalHold(DomainRecord):
    """A manager's hold on a case: while it lasts, the case cannot be erased."""

    KIND: ClassVar[str] = "legal_hold"
    TITLE: ClassVar[Label] = _title("Penangguhan penghapusan (legal hold)", "Legal hold")
    INDEX: ClassVar[tuple[str, ...]] = ("until", "lifted_on")
    child_id: str | None = F.ref("Anak", "Child", required=True)
    reason: str | None = F.text("Alasan", "Reason", required=True, max_len=1000)
    until: str | None = F.day("Berlaku sampai", "Until", required=True)
    placed_by: str | None = F.ref("Ditetapkan oleh", "Placed by")
    placed_on: str | None = F.day("Ditetapkan pada", "Placed on")
    lifted_on: str | None = F.day("Dicabut pada", "Lifted on")


@dataclass
class CourtRecommendation(DomainRecord):
    """The social worker's assessment and recommendation for the social report (court report) and
    a manager's review of it. Written from the report dialog and reviewed through `review.py`,
    never through the generic record forms: a new text is a new record, waiting for review."""

    KIND: ClassVar[str] = "court_recommendation"
    TITLE: ClassVar[Label] = _title("Rekomendasi laporan sosial", "Social report recommendation")
    ROLE: ClassVar[str] = "CLINICAL"
    INDEX: ClassVar[tuple[str, ...]] = ("status", "author_id")
    EDITABLE: ClassVar[bool] = False
    child_id: str | None = F.ref("Anak", "Child", required=True)
    text: str | None = F.text("Asesmen dan rekomendasi", "Assessment and recommendation", required=True,
                              max_len=10_000)
    status: str | None = F.code(V.RECOMMENDATION_STATUSES, "Status tinjauan", "Review status", required=True,
                                default="pending")
    author_id: str | None = F.ref("Ditulis oleh", "Written by", required=True)
    written_on: str | None = F.day("Ditulis pada", "Written on", required=True)
    reviewed_by: str | None = F.ref("Ditinjau oleh", "Reviewed by")
    reviewed_on: str | None = F.day("Ditinjau pada", "Reviewed on")
    review_comment: str | None = F.text("Catatan peninjau", "Reviewer's comment", max_len=2000)

    def check(self, today: date) -> None:
        self._order("written_on", "reviewed_on")
        if self.status in ("approved", "returned") and not (self.reviewed_by and self.reviewed_on):
            raise ValidationError(_("A reviewed recommendation names its reviewer and the date."),
                                  field="reviewed_by")
        if self.status == "returned" and not (self.review_comment or "").strip():
            raise ValidationError(_("Say what should change: a returned recommendation needs a comment."),
                                  field="review_comment")


RECORD_TYPES: dict[str, type[DomainRecord]] = {
    cls.KIND: cls
    for cls in [
        Centre, UserProfile, AssessmentTemplate, Child, Family, Caregiver, LegalTrack, Referral,
        CaseConference, Consent, Offence, Victim, Assessment, Plan, PlanVersion, OverarchingGoal,
        FitDriver, IntermediateGoal, Intervention, Session, WeeklySummary, Supervision, Fidelity,
        SafetyPlan, Diversion, DiversionItem, DiversionSupervision, Termination, FollowUp, LegalHold,
        CourtRecommendation,
    ]
}


def child_sections() -> tuple[str, ...]:
    """The kinds that are sections of a child's file, in the order a reader expects them."""
    return tuple(k for k, cls in sorted(RECORD_TYPES.items(), key=lambda kv: kv[1].SECTION or 0)
                 if cls.SECTION is not None)


def record_from_dict(kind: str, data: dict | None) -> DomainRecord:
    try:
        cls = RECORD_TYPES[kind]
    except KeyError:
        raise ValidationError(_("Unknown record type: {kind}").format(kind=kind)) from None
    return cls.from_dict(data)
