"""Controlled vocabularies: stable English codes with Indonesian and English labels.

Codes are what the store keeps and what the JSON output shows; labels are what a
user reads. The Indonesian labels follow the terms used in Sentra, LPKS and LPA
case files (UU SPPA, UU TPKS, ATENSI; docs/glossary.md); the English ones are plain translations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import ValidationError
from ..i18n import Label, _


class Vocabulary:
    """An ordered set of codes, each with a bilingual label."""

    def __init__(self, name: str, title: Label, items: Iterable[tuple[str, str, str]]):
        self.name = name
        self.title = title
        self._labels: dict[str, Label] = {code: Label(id_, en) for code, id_, en in items}

    def label(self, code: str | None, lang: str | None = None) -> str:
        """The label of `code`; an unknown code (e.g. from a newer version) is shown as is."""
        if code is None:
            return ""
        lab = self._labels.get(str(code))
        return lab.text(lang) if lab else str(code)

    def codes(self) -> list[str]:
        return list(self._labels)

    def items(self, lang: str | None = None) -> list[tuple[str, str]]:
        return [(code, lab.text(lang)) for code, lab in self._labels.items()]

    def __contains__(self, code: object) -> bool:
        return code in self._labels

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def validate(self, code: str, field: str, field_label: str | None = None) -> None:
        if code not in self._labels:
            raise ValidationError(
                _("{field}: “{value}” is not one of the allowed values ({allowed}).").format(
                    field=field_label or field, value=code, allowed=", ".join(self._labels)
                ),
                field=field,
            )

    def __repr__(self) -> str:
        return f"Vocabulary({self.name!r}, {len(self)} codes)"


def _v(name: str, id_title: str, en_title: str, *items: tuple[str, str, str]) -> Vocabulary:
    return Vocabulary(name, Label(id_title, en_title), items)


CENTRE_TYPES = _v(
    "centre_types", "Jenis lembaga", "Centre type",
    ("sentra", "Sentra / PSMP", "Sentra / PSMP"),
    ("lpks", "LPKS", "LPKS (social welfare institution)"),
    ("lpa", "LPA", "LPA (child protection body)"),
    ("hq", "Kantor pusat", "Headquarters"),
)

ROLES = _v(
    "roles", "Peran", "Role",
    ("admin", "Administrator", "Administrator"),
    ("manager", "Manajer kasus", "Case manager"),
    ("counsellor", "Pekerja sosial / konselor", "Social worker / counsellor"),
    ("staff", "Staf administrasi", "Administrative staff"),
)

SEXES = _v(
    "sexes", "Jenis kelamin", "Sex",
    ("male", "Laki-laki", "Male"),
    ("female", "Perempuan", "Female"),
)

SYSTEMS = _v(
    "systems", "Sistem", "System",
    ("individual", "Individu", "Individual"),
    ("family", "Keluarga", "Family"),
    ("peers", "Teman sebaya", "Peers"),
    ("school", "Sekolah", "School"),
    ("community", "Komunitas", "Community"),
)

SESSION_SETTINGS = _v(
    "session_settings", "Tempat sesi", "Session setting",
    ("home", "Rumah", "Home"),
    ("school", "Sekolah", "School"),
    ("community", "Komunitas", "Community"),
    ("centre", "Sentra / lembaga", "Centre"),
    ("phone", "Telepon / daring", "Phone / online"),
)

PARTICIPANTS = _v(
    "participants", "Peserta", "Participants",
    ("child", "Anak", "Child"),
    ("mother", "Ibu", "Mother"),
    ("father", "Ayah", "Father"),
    ("caregiver", "Pengasuh lain", "Other caregiver"),
    ("sibling", "Saudara kandung", "Sibling"),
    ("teacher", "Guru", "Teacher"),
    ("peer", "Teman sebaya", "Peer"),
    ("community_figure", "Tokoh masyarakat / agama", "Community or religious figure"),
    ("pk_officer", "Pembimbing Kemasyarakatan (PK)", "Probation officer (PK)"),
    ("other", "Lainnya", "Other"),
)

# UU 12/2022 (TPKS) art. 4, the forms seen in children's cases.
OFFENCE_FORMS = _v(
    "offence_forms", "Bentuk perbuatan", "Form of offence",
    ("non_physical_harassment", "Pelecehan seksual nonfisik", "Non-physical sexual harassment"),
    ("physical_harassment", "Pelecehan seksual fisik (meraba, menyentuh)", "Physical sexual harassment (touching)"),
    ("obscene_act", "Perbuatan cabul terhadap anak", "Obscene act against a child"),
    ("intercourse", "Persetubuhan terhadap anak", "Intercourse with a child"),
    ("electronic", "Kekerasan seksual berbasis elektronik", "Electronic sexual violence"),
    ("child_pornography", "Pornografi anak", "Child pornography"),
    ("sexual_exploitation", "Eksploitasi seksual", "Sexual exploitation"),
    ("other", "Bentuk lain (pasal 4 UU TPKS)", "Other form (TPKS art. 4)"),
)

OFFENCE_PLACES = _v(
    "offence_places", "Tempat kejadian", "Place of offence",
    ("friend_home", "Rumah teman", "A friend's house"),
    ("victim_home", "Rumah korban", "The victim's house"),
    ("own_home", "Rumah sendiri", "Own home"),
    ("school", "Sekolah", "School"),
    ("religious_place", "Tempat ibadah / pesantren", "Place of worship / boarding school"),
    ("public_place", "Tempat umum", "Public place"),
    ("online", "Daring", "Online"),
    ("other", "Lainnya", "Other"),
)

VICTIM_RELATIONSHIPS = _v(
    "victim_relationships", "Hubungan dengan korban", "Relationship to victim",
    ("friend", "Teman", "Friend"),
    ("sibling", "Saudara kandung", "Sibling"),
    ("relative", "Kerabat", "Relative"),
    ("neighbour", "Tetangga", "Neighbour"),
    ("schoolmate", "Teman sekolah", "Schoolmate"),
    ("stranger", "Tidak kenal", "Stranger"),
    ("other", "Lainnya", "Other"),
)

VICTIM_AGE_BANDS = _v(
    "victim_age_bands", "Kelompok usia korban", "Victim's age band",
    ("0_4", "0–4 tahun", "0–4 years"),
    ("5_8", "5–8 tahun", "5–8 years"),
    ("9_12", "9–12 tahun", "9–12 years"),
    ("13_17", "13–17 tahun", "13–17 years"),
    ("18_plus", "18 tahun ke atas", "18 years or older"),
)

REFERRAL_SOURCES = _v(
    "referral_sources", "Sumber rujukan", "Referral source",
    ("police", "Kepolisian", "Police"),
    ("prosecutor", "Kejaksaan", "Prosecutor"),
    ("court", "Pengadilan", "Court"),
    ("bapas", "Bapas", "Bapas (probation)"),
    ("social_affairs", "Dinas Sosial", "Social affairs office"),
    ("uptd_ppa", "UPTD PPA", "UPTD PPA (women and child protection)"),
    ("family", "Keluarga", "Family"),
    ("school", "Sekolah", "School"),
    ("community", "Masyarakat", "Community"),
    ("other", "Lainnya", "Other"),
)

LEGAL_STAGES = _v(
    "legal_stages", "Tahap perkara", "Legal stage",
    ("no_process", "Tanpa proses hukum", "No legal process"),
    ("investigation", "Penyidikan", "Investigation"),
    ("prosecution", "Penuntutan", "Prosecution"),
    ("trial", "Pemeriksaan di sidang pengadilan", "Trial"),
    ("verdict", "Putusan", "Verdict"),
    ("execution", "Pelaksanaan putusan", "Execution of the decision"),
    ("finished", "Selesai", "Finished"),
)

LIFECYCLE_STATES = _v(
    "lifecycle_states", "Status kasus", "Case status",
    ("referral_received", "Rujukan diterima", "Referral received"),
    ("initial_engagement", "Pendekatan awal", "Initial engagement"),
    ("assessment", "Asesmen", "Assessment"),
    ("planning", "Perencanaan", "Planning"),
    ("intervention", "Intervensi", "Intervention"),
    ("evaluation", "Evaluasi", "Evaluation"),
    ("reintegration_prep", "Persiapan reintegrasi", "Reintegration preparation"),
    ("termination", "Terminasi", "Termination"),
    ("aftercare", "Bimbingan lanjut", "Aftercare"),
    ("closed", "Ditutup", "Closed"),
    ("archived", "Diarsipkan", "Archived"),
    ("suspended", "Ditangguhkan", "Suspended"),
    ("referred_out", "Dirujuk keluar", "Referred out"),
    ("dropped_out", "Berhenti / lari", "Dropped out / ran away"),
    ("new_report", "Laporan baru", "New report"),
)

TERMINATION_REASONS = _v(
    "termination_reasons", "Alasan terminasi", "Termination reason",
    ("goals_achieved", "Tujuan tercapai", "Goals achieved"),
    ("programme_completed", "Masa program / putusan selesai", "Programme or sentence completed"),
    ("referred", "Dirujuk ke lembaga lain", "Referred to another agency"),
    ("family_moved", "Keluarga pindah", "Family moved away"),
    ("dropped_out", "Berhenti / lari", "Dropped out / ran away"),
    ("new_offence", "Perkara baru", "New offence"),
    ("aged_out", "Usia di atas 18 tahun", "Aged out (over 18)"),
    ("other", "Lainnya", "Other"),
)

TERMINATION_DESTINATIONS = _v(
    "termination_destinations", "Tujuan setelah terminasi", "Destination after termination",
    ("family_home", "Kembali ke keluarga", "Back to his family"),
    ("relatives", "Kerabat", "Relatives"),
    ("foster_family", "Keluarga pengganti", "Foster family"),
    ("institution", "Lembaga / panti lain", "Another institution"),
    ("boarding_school", "Pesantren / sekolah berasrama", "Boarding school"),
    ("independent", "Mandiri", "Independent living"),
    ("other", "Lainnya", "Other"),
)

FAMILY_STRUCTURES = _v(
    "family_structures", "Struktur keluarga", "Family structure",
    ("intact", "Utuh", "Intact"),
    ("divorced", "Orang tua bercerai", "Parents divorced"),
    ("one_parent_deceased", "Salah satu orang tua meninggal", "One parent deceased"),
    ("both_parents_deceased", "Kedua orang tua meninggal", "Both parents deceased"),
    ("other", "Lainnya", "Other"),
)

CAREGIVER_RELATIONS = _v(
    "caregiver_relations", "Hubungan", "Relation",
    ("father", "Ayah", "Father"),
    ("mother", "Ibu", "Mother"),
    ("stepfather", "Ayah tiri", "Stepfather"),
    ("stepmother", "Ibu tiri", "Stepmother"),
    ("grandparent", "Kakek / nenek", "Grandparent"),
    ("uncle_aunt", "Paman / bibi", "Uncle / aunt"),
    ("sibling", "Kakak", "Older sibling"),
    ("guardian", "Wali", "Guardian"),
    ("other", "Lainnya", "Other"),
)

EDUCATION_LEVELS = _v(
    "education_levels", "Pendidikan", "Education",
    ("none", "Tidak sekolah", "No schooling"),
    ("primary", "SD / sederajat", "Primary school"),
    ("junior", "SMP / sederajat", "Junior secondary"),
    ("senior", "SMA / SMK / sederajat", "Senior secondary"),
    ("higher", "Perguruan tinggi", "Higher education"),
    ("unknown", "Tidak diketahui", "Unknown"),
)

OCCUPATIONS = _v(
    "occupations", "Pekerjaan", "Occupation",
    ("labourer", "Buruh", "Labourer"),
    ("farmer_fisher", "Petani / nelayan", "Farmer / fisher"),
    ("trader", "Pedagang", "Trader"),
    ("driver", "Pengemudi / ojek", "Driver"),
    ("private_employee", "Karyawan swasta", "Private employee"),
    ("civil_servant", "PNS / TNI / Polri", "Civil servant"),
    ("informal", "Pekerja informal", "Informal work"),
    ("housekeeping", "Mengurus rumah tangga", "Homemaker"),
    ("unemployed", "Tidak bekerja", "Not working"),
    ("other", "Lainnya", "Other"),
)

INCOME_BANDS = _v(
    "income_bands", "Penghasilan per bulan", "Monthly income",
    ("under_1m", "Di bawah Rp1 juta", "Under IDR 1 million"),
    ("1m_3m", "Rp1–3 juta", "IDR 1–3 million"),
    ("3m_5m", "Rp3–5 juta", "IDR 3–5 million"),
    ("over_5m", "Di atas Rp5 juta", "Over IDR 5 million"),
    ("unknown", "Tidak diketahui", "Unknown"),
)

SCHOOL_STATUSES = _v(
    "school_statuses", "Status sekolah", "School status",
    ("in_school", "Bersekolah", "In school"),
    ("dropped_out", "Putus sekolah", "Dropped out"),
    ("never_enrolled", "Tidak pernah sekolah", "Never enrolled"),
    ("working", "Bekerja", "Working"),
    ("graduated", "Lulus", "Graduated"),
)

RELIGIONS = _v(
    "religions", "Agama", "Religion",
    ("islam", "Islam", "Islam"),
    ("protestant", "Kristen Protestan", "Protestant"),
    ("catholic", "Katolik", "Catholic"),
    ("hindu", "Hindu", "Hindu"),
    ("buddhist", "Buddha", "Buddhist"),
    ("confucian", "Khonghucu", "Confucian"),
    ("other", "Kepercayaan / lainnya", "Other belief"),
)

LIVING_ARRANGEMENTS = _v(
    "living_arrangements", "Tinggal bersama", "Living arrangement",
    ("both_parents", "Kedua orang tua", "Both parents"),
    ("one_parent", "Salah satu orang tua", "One parent"),
    ("relatives", "Kerabat", "Relatives"),
    ("institution", "Lembaga / panti", "Institution"),
    ("other", "Lainnya", "Other"),
)

SUPERVISION_CAPACITIES = _v(
    "supervision_capacities", "Kemampuan pengawasan", "Supervision capacity",
    ("low", "Rendah", "Low"),
    ("medium", "Sedang", "Medium"),
    ("high", "Tinggi", "High"),
)

RISK_LEVELS = _v(
    "risk_levels", "Tingkat risiko", "Risk level",
    ("low", "Rendah", "Low"),
    ("medium", "Sedang", "Medium"),
    ("high", "Tinggi", "High"),
)

PLAN_STATUSES = _v(
    "plan_statuses", "Status rencana", "Plan status",
    ("draft", "Draf", "Draft"),
    ("submitted", "Diajukan", "Submitted"),
    ("approved", "Disetujui", "Approved"),
    ("superseded", "Digantikan", "Superseded"),
)

RECOMMENDATION_STATUSES = _v(
    "recommendation_statuses", "Status tinjauan", "Review status",
    ("pending", "Menunggu tinjauan", "Waiting for review"),
    ("approved", "Disetujui", "Approved"),
    ("returned", "Dikembalikan untuk diperbaiki", "Returned for changes"),
    ("superseded", "Digantikan", "Superseded"),
)

PLAN_SETTINGS = _v(
    "plan_settings", "Setting rehabilitasi", "Rehabilitation setting",
    ("residential", "Dalam lembaga", "Residential"),
    ("family", "Berbasis keluarga", "Family-based"),
    ("community", "Berbasis masyarakat", "Community-based"),
)

GOAL_STATUSES = _v(
    "goal_statuses", "Status tujuan", "Goal status",
    ("not_started", "Belum dimulai", "Not started"),
    ("in_progress", "Berjalan", "In progress"),
    ("achieved", "Tercapai", "Achieved"),
    ("dropped", "Dihentikan", "Dropped"),
)

INTERVENTION_TYPES = _v(
    "intervention_types", "Jenis intervensi", "Intervention type",
    ("mst", "Terapi multisistemik (MST)", "Multisystemic therapy (MST)"),
    ("parent_training", "Pelatihan pengasuhan", "Parent training"),
    ("sex_education", "Pendidikan seksualitas", "Sex education"),
    ("clarification", "Klarifikasi", "Clarification"),
    ("vocational", "Keterampilan / vokasional", "Vocational training"),
    ("mental_spiritual", "Bimbingan mental spiritual", "Mental and spiritual guidance"),
    ("internet_reduction", "Pengurangan penggunaan internet", "Reducing internet use"),
    ("community_based", "Rehabilitasi berbasis masyarakat", "Community-based rehabilitation"),
    ("counselling", "Konseling individu", "Individual counselling"),
    ("other", "Lainnya", "Other"),
)

SESSION_STATUSES = _v(
    "session_statuses", "Status sesi", "Session status",
    ("draft", "Draf", "Draft"),
    ("final", "Final", "Final"),
)

PROGRESS_RATINGS = _v(
    "progress_ratings", "Kemajuan", "Progress",
    ("0", "0 – tidak ada kemajuan", "0 – no progress"),
    ("1", "1 – sedikit", "1 – a little"),
    ("2", "2 – sebagian", "2 – some"),
    ("3", "3 – baik", "3 – good"),
    ("4", "4 – tercapai", "4 – achieved"),
)

DIVERSION_STAGES = _v(
    "diversion_stages", "Tahap diversi", "Diversion stage",
    ("offered", "Upaya diversi (ditawarkan)", "Offered"),
    ("deliberation", "Musyawarah diversi", "Deliberation"),
    ("agreement", "Kesepakatan diversi", "Agreement"),
    ("court_decree", "Penetapan pengadilan", "Court decree"),
    ("implementation", "Pelaksanaan kesepakatan dan pengawasan", "Implementation and supervision"),
    ("completed", "Selesai", "Completed"),
    ("failed", "Gagal (perkara dilanjutkan)", "Failed"),
)

DIVERSION_LEVELS = _v(
    "diversion_levels", "Tingkat upaya diversi", "Level of the diversion attempt",
    ("investigation", "Penyidikan (Pasal 29 UU SPPA)", "Investigation (UU SPPA art. 29)"),
    ("prosecution", "Penuntutan (Pasal 42 UU SPPA)", "Prosecution (UU SPPA art. 42)"),
    ("court", "Pemeriksaan perkara di pengadilan (Pasal 52 UU SPPA)", "Court (UU SPPA art. 52)"),
)

RJ_CONSENT_GIVERS = _v(
    "rj_consent_givers", "Pemberi persetujuan", "Consent given by",
    ("victim", "Korban sendiri", "The victim"),
    ("parent", "Orang tua korban", "The victim's parent"),
    ("guardian", "Wali korban", "The victim's guardian"),
)

COMPLIANCE = _v(
    "compliance", "Kepatuhan", "Compliance",
    ("pending", "Belum jatuh tempo", "Not yet due"),
    ("complied", "Dipenuhi", "Complied"),
    ("partial", "Sebagian", "Partly"),
    ("not_complied", "Tidak dipenuhi", "Not complied"),
)

REFERRAL_DIRECTIONS = _v(
    "referral_directions", "Arah rujukan", "Direction",
    ("incoming", "Rujukan masuk", "Incoming"),
    ("outgoing", "Rujukan keluar", "Outgoing"),
)

AGENCIES = _v(
    "agencies", "Lembaga", "Agency",
    ("bapas", "Bapas", "Bapas (probation)"),
    ("police", "Kepolisian", "Police"),
    ("prosecutor", "Kejaksaan", "Prosecutor"),
    ("court", "Pengadilan", "Court"),
    ("uptd_ppa", "UPTD PPA", "UPTD PPA"),
    ("social_affairs", "Dinas Sosial", "Social affairs office"),
    ("school", "Sekolah", "School"),
    ("health", "Layanan kesehatan", "Health service"),
    ("psychologist", "Psikolog", "Psychologist"),
    ("other", "Lainnya", "Other"),
)

CONSENT_METHODS = _v(
    "consent_methods", "Cara persetujuan", "How consent was recorded",
    ("written", "Tertulis, ditandatangani", "Written and signed"),
    ("thumbprint", "Cap jempol", "Thumbprint"),
    ("verbal_witnessed", "Lisan dengan saksi", "Verbal, witnessed"),
)

CONSENT_SCOPES = _v(
    "consent_scopes", "Lingkup persetujuan", "Consent scope",
    ("processing", "Pengolahan data dalam lembaga", "Processing within the centre"),
    ("reports", "Laporan kepada Bapas / pengadilan", "Reports to Bapas / court"),
    ("headquarters", "Berbagi dengan kantor pusat", "Sharing with headquarters"),
    ("agencies", "Berbagi dengan lembaga rujukan", "Sharing with referral agencies"),
)

SAFETY_ENVIRONMENTS = _v(
    "safety_environments", "Lingkungan", "Environment",
    ("home", "Rumah", "Home"),
    ("school", "Sekolah", "School"),
    ("community", "Lingkungan masyarakat", "Community"),
    ("online", "Daring / ponsel", "Online / phone"),
)

FOLLOW_UP_MONTHS = _v(
    "follow_up_months", "Bimbingan lanjut", "Follow-up",
    ("1", "1 bulan", "1 month"),
    ("2", "2 bulan", "2 months"),
    ("3", "3 bulan", "3 months"),
    ("6", "6 bulan", "6 months"),
    ("9", "9 bulan", "9 months"),
    ("12", "12 bulan", "12 months"),
    ("18", "18 bulan", "18 months"),
    ("24", "24 bulan", "24 months"),
)

DETERMINANTS = _v(
    "determinants", "Faktor penentu", "Determinant",
    ("pornography", "Paparan pornografi", "Exposure to pornography"),
    ("peer_influence", "Pengaruh teman sebaya", "Peer influence"),
    ("own_victimisation", "Riwayat menjadi korban", "Own history as a victim"),
    ("device_access", "Akses internet / gawai tanpa pengawasan", "Unsupervised internet / device access"),
    ("family_supervision", "Pengawasan keluarga lemah", "Weak family supervision"),
    ("school_disengagement", "Tidak terlibat di sekolah", "School disengagement"),
    ("substance_use", "Penggunaan zat / minuman keras", "Substance use"),
)

# What a paper document attached to a child's file is (store/attachments.py); the role whose key
# seals one attached to the child's own file follows from it (`ATTACHMENT_CLINICAL_TYPES`).
ATTACHMENT_TYPES = _v(
    "attachment_types", "Jenis dokumen", "Document type",
    ("court_decision", "Putusan / penetapan pengadilan", "Court decision"),
    ("litmas", "Litmas (Bapas)", "Litmas (Bapas social inquiry report)"),
    ("consent_form", "Formulir persetujuan", "Consent form"),
    ("school_letter", "Surat sekolah", "School letter"),
    ("medical", "Dokumen medis", "Medical document"),
    ("photo", "Foto", "Photo"),
    ("other", "Lainnya", "Other"),
)
ATTACHMENT_CLINICAL_TYPES = ("medical", "consent_form")

ALL: dict[str, Vocabulary] = {
    v.name: v
    for v in [
        CENTRE_TYPES, ROLES, SEXES, SYSTEMS, SESSION_SETTINGS, PARTICIPANTS, OFFENCE_FORMS,
        OFFENCE_PLACES, VICTIM_RELATIONSHIPS, VICTIM_AGE_BANDS, REFERRAL_SOURCES, LEGAL_STAGES,
        LIFECYCLE_STATES, TERMINATION_REASONS, TERMINATION_DESTINATIONS, FAMILY_STRUCTURES,
        CAREGIVER_RELATIONS, EDUCATION_LEVELS, OCCUPATIONS, INCOME_BANDS, SCHOOL_STATUSES,
        RELIGIONS, LIVING_ARRANGEMENTS, SUPERVISION_CAPACITIES, RISK_LEVELS, PLAN_STATUSES, RECOMMENDATION_STATUSES,
        PLAN_SETTINGS, GOAL_STATUSES, INTERVENTION_TYPES, SESSION_STATUSES, PROGRESS_RATINGS,
        DIVERSION_STAGES, DIVERSION_LEVELS, RJ_CONSENT_GIVERS, COMPLIANCE, REFERRAL_DIRECTIONS, AGENCIES, CONSENT_METHODS,
        CONSENT_SCOPES, SAFETY_ENVIRONMENTS, FOLLOW_UP_MONTHS, DETERMINANTS, ATTACHMENT_TYPES,
    ]
}
