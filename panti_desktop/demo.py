"""A realistic demo centre: children, families, legal tracks, plans and sessions.

Deterministic for a given seed (names, dates relative to today, every choice),
shaped by the study of 49 children in CONTEXT.md: all boys aged 11–18, 55% of
families intact, parents mostly with little schooling, labourers on low
incomes; offences at a friend's or the victim's house; touching and
intercourse; victims boys aged 5–17, 87% known to the child; coercion in 67%;
pornography 43%, peer influence 33%, own victimisation 11%.

Everything is written through `Workspace.bulk_insert`, so every record is
sealed exactly like one typed in the app; 10,000 children with 500,000
sessions take a few minutes.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from .domain import consistency, lifecycle
from .domain.records import Diversion, record_from_dict
from .domain.templates import find_template
from .errors import PantiError
from .i18n import _
from .store.ids import new_id

DEMO_PASSPHRASE = "demo-passphrase-2026"
DEMO_STAFF = (("dewi", "counsellor"), ("agus", "counsellor"), ("rina", "counsellor"),
              ("hendra", "manager"), ("yanti", "staff"))

FIRST = """Rizki Bagus Dimas Fajar Andi Budi Arif Reza Yoga Ilham Rafi Farhan Aldi Putra Wahyu Galih Teguh
Irfan Naufal Alif Rehan Dafa Fikri Akbar Bima Gilang Hafiz Iqbal Lutfi Made Nyoman Ketut Yohanes Stefanus
Aditya Bayu Rian Satria Zaki Ahmad Muhammad Daffa Raka Dio Febri Jefri Kevin Reno Sandi Taufik Yusuf Zidan
Ardi Ikhsan Haikal Ridho Syahrul Wawan Yudha Fadil Rasya Arya Ferdi Hanif Imam Jaka""".split()
MIDDLE = """Aditya Putra Dwi Eka Tri Nur Adi Surya Bagas Cahya Dwi Fajar Rahmat Ilham Bintang""".split()
LAST = """Pratama Saputra Setiawan Wijaya Nugroho Hidayat Kurniawan Santoso Firmansyah Ramadhan Maulana
Prasetyo Gunawan Siregar Nasution Simanjuntak Lubis Harahap Sitompul Hakim Kusuma Permana Syahputra
Wibowo Susanto Sembiring Manurung Tanjung Rahman Hasibuan Pangestu Utama Fauzi""".split()
FATHERS = """Slamet Sutrisno Bambang Suparman Ahmad Yusuf Samsul Darmawan Joko Hartono Suryadi Mulyadi
Sukardi Wagiman Rusdi Sahrul Daeng Mappa Usman Mursalim Nengah Kadek Abdul Haris Sugeng Paijo Hasan""".split()
MOTHERS = """Sri Siti Nur Dewi Rina Wati Yuliana Ratna Suharti Sumarni Aminah Hasanah Kartini Fatimah
Rohani Murni Nengsih Juwita Sulastri Hartini Ni Wayan Endang Lestari Mariam Halimah""".split()
MOTHER_LAST = "Wahyuni Aminah Hasanah Lestari Rahayu Handayani Susanti Fitriani Sari Ningsih Kurniasih".split()

PLACES = {  # centre province → (NIK province code, cities, kelurahan)
    "DKI Jakarta": ("31", ["Jakarta Timur", "Jakarta Utara", "Jakarta Barat", "Bekasi", "Depok"],
                    ["Cipinang", "Kampung Melayu", "Cilincing", "Kalideres", "Pondok Kopi", "Duren Sawit"]),
    "Jawa Tengah": ("33", ["Magelang", "Temanggung", "Purworejo", "Wonosobo"],
                    ["Rejowinangun", "Kemirirejo", "Jurangombo", "Kedungsari"]),
    "Nusa Tenggara Barat": ("52", ["Mataram", "Lombok Barat", "Lombok Tengah"],
                            ["Cakranegara", "Ampenan", "Pagesangan", "Gerung"]),
    "Sulawesi Selatan": ("73", ["Makassar", "Gowa", "Maros"], ["Toddopuli", "Panaikang", "Sungguminasa"]),
    "DI Yogyakarta": ("34", ["Yogyakarta", "Sleman", "Bantul"], ["Umbulharjo", "Depok", "Kasihan"]),
}
STREETS = "Kenanga Melati Mawar Flamboyan Anggrek Cempaka Dahlia Merpati Kutilang Nusa Indah Sawo Jambu".split()
SCHOOLS = ["SDN {n}", "SMPN {n}", "SMP Muhammadiyah {n}", "MTs Negeri {n}", "SMKN {n}", "SMP PGRI {n}", "SMAN {n}"]

# Lifecycle state of the demo caseload, with weights.
STATES = [
    ("referral_received", 5), ("initial_engagement", 6), ("assessment", 8), ("planning", 8),
    ("intervention", 30), ("evaluation", 8), ("reintegration_prep", 5), ("termination", 3),
    ("aftercare", 10), ("closed", 9), ("suspended", 2), ("referred_out", 3), ("dropped_out", 3),
]
STAGE_ORDER = list(lifecycle.ACTIVE) + ["closed"]

SESSION_OPENINGS = [
    "Kunjungan rumah, anak dan ibu hadir.",
    "Sesi di rumah bersama ayah dan ibu setelah magrib.",
    "Pertemuan di sekolah dengan wali kelas.",
    "Sesi keluarga di rumah nenek.",
    "Konseling individu di sentra.",
    "Telepon dengan ibu untuk memantau aturan ponsel.",
    "Kunjungan ke rumah bersama tokoh masyarakat setempat.",
]
SESSION_TOPICS = [
    "Membahas aturan penggunaan ponsel: ponsel disimpan ibu setelah pukul 21.00.",
    "Latihan keterampilan menolak ajakan teman untuk menonton video porno.",
    "Orang tua menyusun jadwal pengawasan sepulang sekolah.",
    "Pendidikan seksualitas sesuai usia: batas tubuh dan persetujuan.",
    "Klarifikasi perbuatan; anak mulai mengakui tanggung jawabnya.",
    "Ayah dan anak membuat kesepakatan kegiatan akhir pekan.",
    "Membahas rasa malu dan ejekan dari tetangga.",
    "Meninjau rencana keselamatan: anak tidak bermain di rumah korban.",
    "Anak bercerita tentang teman baru di kelompok futsal.",
    "Guru melaporkan kehadiran anak meningkat minggu ini.",
    "Ibu kesulitan mengawasi karena bekerja sampai malam; dicari pengawas pengganti.",
    "Latihan mengenali situasi berisiko dan rencana menghindarinya.",
]
ADVANCES = ["Anak masuk sekolah setiap hari minggu ini.", "Ibu konsisten menyimpan ponsel anak malam hari.",
            "Anak ikut pengajian bersama ayah.", "Tidak ada kontak dengan korban.",
            "Anak mulai bergaul dengan teman di karang taruna."]
BARRIERS = ["Ayah bekerja di luar kota.", "Teman lama masih mengajak nongkrong malam.",
            "Keluarga belum punya kuota untuk telepon rutin.", "Anak menolak membahas perbuatannya.",
            "Tetangga masih mengucilkan keluarga."]
NEXT_STEPS = ["Kunjungan rumah minggu depan.", "Koordinasi dengan wali kelas.", "Tinjau aturan ponsel bersama ayah.",
              "Hubungi PK Bapas tentang jadwal pengawasan.", "Latihan lanjutan keterampilan sosial."]
FAMILY_TASKS = ["Ibu mencatat jam anak pulang setiap hari.", "Ayah mengajak anak salat berjamaah.",
                "Keluarga makan malam bersama tanpa ponsel.", "Orang tua menghubungi wali kelas sekali seminggu."]
GOAL_TEXTS = {
    "family": ["Ibu mengawasi penggunaan ponsel setiap malam", "Orang tua mengetahui di mana anak setiap sore",
               "Ayah dan anak berbicara 15 menit setiap hari"],
    "individual": ["Anak mampu menyebutkan situasi berisiko dan cara menghindarinya",
                   "Anak mengakui perbuatannya dan dampaknya bagi korban"],
    "peers": ["Anak bergaul dengan dua teman yang berperilaku positif",
              "Anak berhenti berkumpul dengan kelompok yang berbagi video porno"],
    "school": ["Anak hadir di sekolah minimal 90% hari", "Wali kelas melapor kepada orang tua setiap minggu"],
    "community": ["Anak aktif dalam kegiatan remaja masjid / gereja", "Ketua RT ikut memantau anak di lingkungan"],
}
DRIVERS = {
    "individual": "Kurang pengetahuan tentang batas tubuh dan persetujuan",
    "family": "Pengawasan orang tua lemah karena bekerja sampai malam",
    "peers": "Teman sebaya mengajak menonton pornografi",
    "school": "Sering membolos, tidak ada pengawasan siang hari",
    "community": "Tidak ada kegiatan positif di lingkungan",
}


class _Gen:
    def __init__(self, ws, seed: int, today: date):
        self.ws = ws
        self.rng = random.Random(seed)
        self.today = today
        self.province = "DKI Jakarta"
        # ids in the order the records are made, as the app makes them (store/ids.py)
        self._id_ms = int(datetime.combine(today, datetime.min.time()).timestamp() * 1000)

    # small helpers ----------------------------------------------------------------

    def uid(self, kind_name: str = "") -> str:
        bits = self.rng.getrandbits(128)
        if kind_name == "child":  # all random, as the app makes them (store/ids.py)
            return uuid.UUID(int=bits, version=4).hex
        self._id_ms += 1
        return new_id(self._id_ms, bits)

    def pick(self, seq):
        return self.rng.choice(seq)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, pairs):
        codes, weights = zip(*pairs, strict=True)
        return self.rng.choices(codes, weights)[0]

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    # one child ----------------------------------------------------------------------

    def child(self, register_no: str, intake: date, status: str, counsellor_id: str | None) -> dict:
        rng = self.rng
        age_at_intake = self.weighted([(11, 4), (12, 7), (13, 11), (14, 14), (15, 14), (16, 11), (17, 8)])
        birth = intake - timedelta(days=365 * age_at_intake + rng.randrange(365))
        offence = intake - timedelta(days=rng.randrange(20, 200))
        first = self.pick(FIRST)
        parts = [first] + ([self.pick(MIDDLE)] if self.chance(0.35) else []) + [self.pick(LAST)]
        prov_code, cities, kels = PLACES[self.province]
        city, kel = self.pick(cities), self.pick(kels)
        nik = (f"{prov_code}{rng.randrange(1, 79):02d}{rng.randrange(1, 40):02d}"
               f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randrange(1, 9999):04d}")
        school_status = self.weighted([("in_school", 62), ("dropped_out", 30), ("working", 5), ("never_enrolled", 3)])
        education = "primary" if age_at_intake <= 12 else self.weighted([("primary", 35), ("junior", 55), ("senior", 10)])
        return {
            "register_no": register_no,
            "full_name": " ".join(parts),
            "nickname": first[:3] if len(first) > 4 and self.chance(0.6) else first,
            "nik": nik if self.chance(0.85) else None,
            "birth_date": birth.isoformat(),
            "birth_place": city,
            "address": (f"Jl. {self.pick(STREETS)} {'Gg. ' + str(rng.randrange(1, 12)) + ' ' if self.chance(0.5) else ''}"
                        f"No. {rng.randrange(1, 120)}, RT {rng.randrange(1, 15):03d}/RW {rng.randrange(1, 12):03d}, "
                        f"{kel}, {city}"),
            "school_name": self.pick(SCHOOLS).format(n=rng.randrange(1, 250)) + f" {city}"
            if school_status == "in_school" else None,
            "father_name": f"{self.pick(FATHERS)} {self.pick(LAST)}",
            "mother_name": f"{self.pick(MOTHERS)} {self.pick(MOTHER_LAST)}",
            "guardian_contact": f"08{rng.randrange(11, 99)}-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
            "sex": "male",
            "education": education,
            "school_status": school_status,
            "religion": self.weighted([("islam", 82), ("protestant", 8), ("catholic", 4), ("hindu", 5), ("buddhist", 1)]),
            "living_arrangement": self.weighted([("both_parents", 55), ("one_parent", 30), ("relatives", 15)]),
            "intake_date": intake.isoformat(),
            "offence_date": offence.isoformat(),
            "counsellor_id": counsellor_id,
            "status": status,
        }


def _stage_index(status: str) -> int:
    """How far along the main path a case got (side states count as intervention)."""
    if status in STAGE_ORDER:
        return STAGE_ORDER.index(status)
    return STAGE_ORDER.index("intervention") if status != "referred_out" else 1


def _clean(kind: str, data: dict, today: date) -> dict:
    rec = record_from_dict(kind, data)
    rec.validate(today)
    return rec.to_dict()


def _ensure_staff(ws) -> dict[str, list[str]]:
    """Demo colleagues (passphrase = the demo passphrase) so caseloads have counsellors."""
    existing = {u.name: u for u in ws.users()}
    if ws.role == "admin":
        for name, role in DEMO_STAFF:
            if name not in existing:
                with contextlib.suppress(PantiError):  # e.g. a name already taken
                    existing[name] = ws.add_user(name, role, DEMO_PASSPHRASE)
    by_role: dict[str, list[str]] = defaultdict(list)
    for u in existing.values():
        if u.removed_at is None:
            by_role[u.role].append(u.id)
    return by_role


def generate(ws, children: int = 50, sessions_per_child: int | None = None, seed: int = 1,
             progress: Callable[[str, int, int], None] | None = None, today: date | None = None,
             chunk: int = 250) -> dict[str, int]:
    """Add `children` demo children with their whole files; returns the record counts."""
    today = today or date.today()
    g = _Gen(ws, seed, today)
    staff = _ensure_staff(ws)
    counsellors = staff.get("counsellor") or staff.get("manager") or [ws.user.id]
    managers = staff.get("manager") or [ws.user.id]
    per_year: dict[int, int] = {}
    tpl_det, tpl_mst = find_template("determinants"), find_template("mst_systems")

    batches: dict[str, list[dict]] = defaultdict(list)

    def add(kind: str, data: dict) -> str:
        record_id = data.get("id") or g.uid(kind)  # ids given here are referenced by other records
        data = _clean(kind, data, today)
        data["id"] = record_id
        batches[kind].append(data)
        return data["id"]

    def flush() -> None:
        try:
            with ws.db.atomic():
                for kind in list(batches):
                    ws.bulk_insert(kind, batches.pop(kind))
        except sqlite3.IntegrityError:
            # a seed makes the same ids every time: its children are here already
            raise PantiError(_("This vault already holds the demo children of seed {seed}; nothing was added. "
                               "Add more with another seed (--seed).").format(seed=seed)) from None

    for n in range(children):
        rng = g.rng
        status = g.weighted(STATES)
        stage = _stage_index(status)
        # the further along, the earlier the intake
        span = 60 + stage * 55
        intake = today - timedelta(days=rng.randrange(max(14, span - 60), span + 60))
        year = intake.year
        if year not in per_year:
            row = ws.db.execute(
                "SELECT MAX(CAST(substr(register_no, ?) AS INTEGER)) FROM child WHERE register_no LIKE ?",
                [len(f"{ws.centre_code}-{year}-") + 1, f"{ws.centre_code}-{year}-%"],
            ).fetchone()
            per_year[year] = row[0] or 0
        per_year[year] += 1
        counsellor = counsellors[n % len(counsellors)]
        child = g.child(f"{ws.centre_code}-{year}-{per_year[year]:04d}", intake, status, counsellor)
        child_id = add("child", {**child, "id": g.uid("child")})
        cid = {"child_id": child_id}

        # family and caregivers (CASE)
        structure = g.weighted([("intact", 55), ("divorced", 25), ("one_parent_deceased", 15), ("both_parents_deceased", 2), ("other", 3)])
        # the household's income: mostly low, as in the study; sometimes not known to the worker
        household_income = g.weighted([("under_1m", 40), ("1m_3m", 42), ("3m_5m", 10), ("over_5m", 3), (None, 5)])
        fam = add("family", {**cid, "structure": structure, "household_size": rng.randrange(3, 9),
                             "household_income": household_income,
                             "welfare_register": g.chance(0.45),
                             "supervision_capacity": g.weighted([("low", 50), ("medium", 40), ("high", 10)]),
                             "strengths": "Ibu peduli dan bersedia dikunjungi di rumah.",
                             "needs": "Pengawasan sepulang sekolah dan aturan penggunaan ponsel."})
        relations = ["mother", "father"] if structure == "intact" else (
            ["grandparent", "uncle_aunt"] if structure == "both_parents_deceased" else [g.pick(["mother", "father"])])
        for i, rel in enumerate(relations):
            add("caregiver", {**cid, "family_id": fam, "relation": rel,
                              "name": child["mother_name"] if rel == "mother" else child["father_name"] if rel == "father" else f"{g.pick(FATHERS)} {g.pick(LAST)}",
                              "education": g.weighted([("none", 8), ("primary", 45), ("junior", 30), ("senior", 15), ("higher", 2)]),
                              "occupation": g.weighted([("labourer", 45), ("farmer_fisher", 10), ("trader", 12), ("driver", 8),
                                                        ("informal", 10), ("housekeeping", 10), ("unemployed", 5)]),
                              "income_band": g.weighted([("under_1m", 45), ("1m_3m", 45), ("3m_5m", 8), ("over_5m", 2)]),
                              "lives_with_child": True, "primary": i == 0})

        # legal track, consent, incoming referral (CASE)
        if stage >= STAGE_ORDER.index("termination"):  # the service ends after the court process (consistency)
            legal_stage = g.weighted([("verdict", 15), ("execution", 45), ("finished", 30), ("no_process", 10)])
        else:
            legal_stage = g.weighted([("investigation", 20), ("prosecution", 10), ("trial", 15), ("verdict", 15),
                                      ("execution", 25), ("finished", 10), ("no_process", 5)])
        penalty = g.weighted([(60, 25), (72, 10), (108, 30), (180, 35)])
        repeat = g.chance(0.06)
        add("legal_track", {**cid, "referral_source": g.weighted([("police", 35), ("bapas", 25), ("court", 15), ("prosecutor", 5),
                                                                  ("social_affairs", 10), ("uptd_ppa", 5), ("family", 5)]),
                            "letter_no": f"B/{rng.randrange(100, 999)}/{intake.month:02d}/{intake.year}/Reskrim",
                            "letter_date": (intake - timedelta(days=rng.randrange(1, 10))).isoformat(),
                            "stage": legal_stage, "articles": "Pasal 82 UU 35/2014 jo. Pasal 76E" if penalty > 84 else "Pasal 6 huruf a UU 12/2022",
                            "threatened_penalty_months": penalty, "prior_offences": 1 if repeat else 0,
                            "repeat_offence": repeat, "pk_officer": f"{g.pick(FATHERS)} {g.pick(LAST)}, S.Sos."})
        if g.chance(0.9):
            add("consent", {**cid, "given_by": child["mother_name"], "relation": "mother", "given_on": intake.isoformat(),
                            "scopes": ["processing", "reports"] + (["headquarters"] if g.chance(0.7) else []), "method": "written"})
        add("referral", {**cid, "direction": "incoming", "agency": g.pick(["police", "bapas", "court", "social_affairs"]),
                         "referred_on": intake.isoformat(), "reason": "Rujukan rehabilitasi sosial anak berkonflik dengan hukum."})

        # diversion for some eligible cases: decided here, so the victims' consent matches it
        dstage = None
        if (penalty < 84 and not repeat and legal_stage != "no_process" and stage >= 2 and g.chance(0.6)
                and consistency.eligibility_for(child, {"threatened_penalty_months": penalty,
                                                        "repeat_offence": repeat}).eligible):
            dstage = g.weighted([("offered", 15), ("deliberation", 15), ("agreement", 15), ("implementation", 35),
                                 ("completed", 15), ("failed", 5)])
            if dstage in ("offered", "deliberation") and stage >= 5:
                dstage = "failed"  # an attempt left open this long has failed
        assessed = intake + timedelta(days=rng.randrange(7, 30))
        agreed_on = assessed + timedelta(days=3)
        if dstage in Diversion.AGREED_STAGES and agreed_on > today:
            dstage = "deliberation"  # an agreement needs the risk assessment first
        agreed = dstage in Diversion.AGREED_STAGES

        if stage >= 2 or status in ("suspended", "dropped_out"):
            # offence and victims (CLINICAL)
            forms = ["physical_harassment"] if g.chance(0.55) else ["intercourse"]
            if g.chance(0.15):
                forms.append("electronic")
            determinants = [d for d, p in (("pornography", 0.43), ("peer_influence", 0.33), ("own_victimisation", 0.11),
                                           ("device_access", 0.5), ("family_supervision", 0.45)) if g.chance(p)]
            # each of the study's questions answered yes or no; a few not (yet) asked
            asked = {q: ("pornography" if q == "pornography_exposure" else q) in determinants if g.chance(0.92) else None
                     for q in ("pornography_exposure", "peer_influence", "own_victimisation")}
            nvict = 1 if g.chance(0.8) else 2
            add("offence", {**cid, "offence_date": child["offence_date"], "forms": forms, "coercion": g.chance(0.67),
                            "place": g.weighted([("friend_home", 45), ("victim_home", 35), ("own_home", 10), ("public_place", 10)]),
                            "victim_count": nvict, "grooming": g.chance(0.3), "digital": "electronic" in forms or g.chance(0.2),
                            "determinants": determinants, **asked,
                            "description": "Kronologi sesuai berkas rujukan kepolisian."})
            for v in range(nvict):
                add("victim", {**cid, "code": f"K{n + 1:05d}-{v + 1}", "sex": "male",
                               "age_band": g.weighted([("5_8", 30), ("9_12", 45), ("13_17", 25)]),
                               "relationship": g.weighted([("friend", 35), ("neighbour", 30), ("relative", 12), ("sibling", 5), ("schoolmate", 5), ("stranger", 13)]),
                               "co_resident": g.chance(0.2), "rj_ready": agreed or g.chance(0.4),
                               "rj_consent": True if agreed else None, "rj_consent_by": "parent" if agreed else None,
                               "rj_consent_date": (agreed_on - timedelta(days=1)).isoformat() if agreed else None})
            # assessments
            if assessed <= today:
                for tpl in (tpl_det, tpl_mst):
                    answers = {}
                    for it in tpl.items():
                        if it.scale.options:
                            answers[it.id] = g.pick([o.value for o in it.scale.options])
                    if tpl is tpl_det:
                        answers["pornography"] = "2" if "pornography" in determinants else "0"
                        answers["peer_influence"] = "2" if "peer_influence" in determinants else "0"
                        answers["own_victimisation"] = "yes" if "own_victimisation" in determinants else "no"
                    add("assessment", {**cid, "template_id": tpl.id, "template_version": tpl.version,
                                       "assessed_on": assessed.isoformat(), "assessor_id": counsellor, "answers": answers,
                                       "risk_level": g.weighted([("low", 40), ("medium", 45), ("high", 15)]),
                                       "summary": "Kebutuhan utama pada pengawasan keluarga dan pengaruh teman sebaya."})

        goal_ids: list[str] = []
        plan_start = intake + timedelta(days=rng.randrange(25, 45))
        if (stage >= 3 or status in ("suspended", "dropped_out")) and plan_start <= today:
            approved = stage >= 4
            plan_id = g.uid()
            systems = rng.sample(["individual", "family", "peers", "school", "community"], 3)
            if "family" not in systems:
                systems[0] = "family"
            goals = []
            for system in systems:
                goals.append({"id": g.uid(), **cid, "plan_id": plan_id, "system": system, "text": g.pick(GOAL_TEXTS[system]),
                              "indicator": "Dicatat dalam setiap kunjungan", "target_date": (plan_start + timedelta(days=120)).isoformat(),
                              "status": "achieved" if stage >= 7 else "in_progress" if stage >= 4 else "not_started"})
            # plans are reviewed every 90 days; most reviews of open cases lie ahead, a few are late
            review = plan_start + timedelta(days=90)
            while review < today - timedelta(days=rng.choice([0, 0, 0, 10])):
                review += timedelta(days=90)
            plan = {"id": plan_id, **cid, "status": "approved" if approved else "draft",
                    "setting": g.weighted([("family", 60), ("residential", 25), ("community", 15)]),
                    "start_date": plan_start.isoformat(), "review_date": review.isoformat(),
                    "referral_behaviours": [{"behaviour": "Perilaku seksual bermasalah terhadap anak lain", "frequency": "sekali",
                                             "intensity": "tinggi", "duration": "-"}],
                    "desired_outcomes": [{"stakeholder": "Ibu", "outcome": "Anak tetap tinggal di rumah dan bersekolah"},
                                         {"stakeholder": "PK Bapas", "outcome": "Tidak ada laporan baru"}],
                    "version_no": 1 if approved else 0}
            if approved:
                plan.update(approved_by=g.pick(managers), approved_at=(plan_start + timedelta(days=3)).isoformat())
            add("plan", plan)
            og = add("overarching_goal", {**cid, "plan_id": plan_id, "text": "Anak tinggal aman di rumah tanpa perilaku seksual bermasalah",
                                          "stakeholder": "Keluarga"})
            for system in systems:
                add("fit_driver", {**cid, "plan_id": plan_id, "behaviour": "Perilaku seksual bermasalah", "driver": DRIVERS[system], "system": system})
            for goal in goals:
                goal["overarching_goal_id"] = og
                goal_ids.append(add("intermediate_goal", goal))
            # MST for nearly every plan, with two or three of the study's other recommendations
            itypes = (["mst"] if g.chance(0.85) else []) + rng.sample(
                ["parent_training", "sex_education", "internet_reduction", "mental_spiritual", "vocational",
                 "community_based"], rng.randrange(2, 4))
            for itype in itypes:
                add("intervention", {**cid, "plan_id": plan_id, "type": itype, "frequency": "2–3 kali seminggu",
                                     "start_date": plan_start.isoformat()})
            if approved:
                add("plan_version", {**cid, "plan_id": plan_id, "version_no": 1, "snapshot": {"plan": plan, "intermediate_goal": goals},
                                     "approved_by": plan.get("approved_by"), "approved_at": plan.get("approved_at")})
            add("safety_plan", {**cid, "agreed_on": plan_start.isoformat(), "review_date": (plan_start + timedelta(days=90)).isoformat(),
                                "risk_level": g.weighted([("low", 40), ("medium", 45), ("high", 15)]),
                                "risk_situations": "Bermain tanpa pengawasan di rumah teman; ponsel di kamar pada malam hari.",
                                "home_rules": "Pintu kamar terbuka; tidak menjaga adik atau anak tetangga sendirian.",
                                "online_rules": "Ponsel disimpan orang tua pukul 21.00; tidak ada aplikasi tanpa izin.",
                                "no_contact": "Tidak mendekati rumah korban dan tidak menghubungi korban.",
                                "supervising_adults": ["Ibu", "Paman"], "caregiver_plan": "Ibu dan paman bergantian mengawasi sore hari."})

        if dstage is not None:
            started = intake + timedelta(days=12)
            div = add("diversion", {**cid, "stage": dstage, "level": "investigation",
                                    "case_received_on": (intake + timedelta(days=8)).isoformat(),
                                    "offered_on": (intake + timedelta(days=10)).isoformat(),
                                    "started_on": started.isoformat() if dstage != "offered" else None,
                                    "facilitator": "Fasilitator terlatih Bapas", "facilitator_trained": True,
                                    "participants": ["Anak", "Orang tua", "Orang tua korban", "PK Bapas", "Pekerja sosial"],
                                    "confidentiality_agreed": agreed,
                                    "agreement_date": max(agreed_on, started).isoformat() if agreed else None})
            if agreed:
                for k, item in enumerate(["Permintaan maaf tertulis kepada korban dan keluarganya",
                                          "Mengikuti program rehabilitasi sosial 6 bulan", "Wajib lapor ke Bapas setiap bulan"]):
                    due = intake + timedelta(days=40 + 60 * k)
                    add("diversion_item", {**cid, "diversion_id": div, "text": item, "due_date": due.isoformat(),
                                           "compliance": "pending" if due > today else g.weighted([("complied", 75), ("partial", 15), ("not_complied", 10)])})
                add("diversion_supervision", {**cid, "diversion_id": div, "visited_on": (intake + timedelta(days=45)).isoformat(),
                                              "officer": "PK Bapas", "compliance": "complied", "findings": "Anak dan keluarga kooperatif."})

        # sessions
        if sessions_per_child is not None:
            n_sessions = sessions_per_child
        elif stage >= 4 or status in ("suspended", "dropped_out"):
            n_sessions = rng.randrange(6, 40)
        elif stage >= 1:
            n_sessions = rng.randrange(0, 4)
        else:
            n_sessions = 0
        ended = min(today - timedelta(days=1), plan_start + timedelta(days=rng.randrange(150, 210)))
        first_day = min(intake + timedelta(days=3), today)
        end_day = today if stage < 7 else min(today, plan_start + timedelta(days=200), ended)
        days = sorted(g.day_between(first_day, end_day) for _ in range(n_sessions))
        for k, d in enumerate(days):
            setting = g.weighted([("home", 55), ("school", 12), ("community", 8), ("centre", 15), ("phone", 10)])
            participants = ["child"] + rng.sample(["mother", "father", "caregiver", "teacher", "sibling"], rng.randrange(0, 3))
            draft = k == len(days) - 1 and stage < 7 and g.chance(0.3)
            rated = rng.sample(goal_ids, min(len(goal_ids), rng.randrange(1, 3))) if goal_ids else []
            add("session", {**cid, "session_date": d.isoformat(), "start_time": f"{rng.randrange(8, 20):02d}:{g.pick(['00', '15', '30', '45'])}",
                            "duration_minutes": g.pick([45, 60, 60, 90, 120]), "setting": setting,
                            "participants": participants,
                            "systems": sorted({"individual"} | ({"family"} if len(participants) > 1 else set()) | ({"school"} if setting == "school" else set())),
                            "goals": [{"goal_id": gid, "rating": min(4, rng.randrange(0, 3) + k * 3 // max(1, len(days)))} for gid in rated],
                            "interventions": rng.sample(["mst", "parent_training", "sex_education", "counselling"], 1),
                            "family_task": g.pick(FAMILY_TASKS), "advances": g.pick(ADVANCES), "barriers": g.pick(BARRIERS),
                            "next_steps": g.pick(NEXT_STEPS),
                            "notes": f"{g.pick(SESSION_OPENINGS)} {g.pick(SESSION_TOPICS)} {g.pick(SESSION_TOPICS)}",
                            "author_id": counsellor, "status": "draft" if draft else "final",
                            "finalised_at": None if draft else d.isoformat()})
        if n_sessions >= 8:
            for w in range(0, n_sessions // 8):
                week = days[w * 8] - timedelta(days=days[w * 8].weekday())
                add("weekly_summary", {**cid, "week_start": week.isoformat(), "goal_status": "Berjalan sesuai rencana",
                                       "advances": g.pick(ADVANCES), "barriers": g.pick(BARRIERS),
                                       "next_steps": g.pick(NEXT_STEPS), "author_id": counsellor})
            add("supervision", {**cid, "held_on": days[n_sessions // 2].isoformat(), "supervisor": "Manajer kasus",
                                "feedback": "Fokus pada pengawasan ibu di malam hari.", "new_hypotheses": "Pengaruh kakak sepupu"})

        # termination and aftercare
        if stage >= 7 and status not in ("suspended", "referred_out", "dropped_out"):
            good = g.chance(0.85)
            add("termination", {**cid, "terminated_on": ended.isoformat(), "reason": "goals_achieved" if good else "programme_completed",
                                "destination": "family_home", "living_at_home": True, "in_school_or_work": g.chance(0.8),
                                "new_report": not good and g.chance(0.3), "summary": "Tujuan utama tercapai; keluarga mampu mengawasi."})
            for month, due_on in lifecycle.follow_up_schedule(ended.isoformat(), lifecycle.FOLLOW_UP_PATTERN_DEFAULT):
                due = date.fromisoformat(due_on)
                done = due <= today - timedelta(days=3) and g.chance(0.9)
                add("follow_up", {**cid, "month": month, "due_date": due.isoformat(), "done_on": due.isoformat() if done else None,
                                  "living_at_home": True if done else None, "in_school_or_work": g.chance(0.8) if done else None,
                                  "new_report": g.chance(0.04) if done else None,
                                  "safety_plan_kept": g.weighted([("complied", 80), ("partial", 15), ("not_complied", 5)]) if done else None})
        if g.chance(0.15):
            add("case_conference", {**cid, "held_on": min(today, intake + timedelta(days=30)).isoformat(),
                                    "agencies": ["bapas", "social_affairs", "school"], "attendees": ["PK Bapas", "Wali kelas", "Pekerja sosial"],
                                    "decisions": "Anak tetap bersekolah dengan pengawasan wali kelas."})

        if (n + 1) % chunk == 0:
            flush()
            if progress:
                progress("children", n + 1, children)
    flush()
    if progress:
        progress("children", children, children)
    ws.audit_event("demo", detail=f"{children} children, seed {seed}")
    return ws.record_counts()


def script_note(what: str, path: str = "") -> str:
    """What `scripts/demo` tells the person who runs it, in their language (PANTI_LANG, else Indonesian)."""
    notes = {
        "users": lambda: _("Demo users: admin (administrator), hendra (manager), dewi / agus / rina (counsellors), "
                           "yanti (staff).") + "\n" + _("Passphrase of every demo user: {passphrase}").format(
            passphrase=DEMO_PASSPHRASE),
        "no-display": lambda: _("No display found: showing the caseload on the command line instead of the window."),
        "creating": lambda: _("Creating the demo centre in {path}…").format(path=path),
    }
    return notes[what]()
