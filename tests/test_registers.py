"""A centre's register imported as an admin would bring it: a real workbook made here in every
format people use, messy headers, dates typed every which way, codes in Indonesian, a few bad
rows; then re-imported (nothing changes), a later version (exactly its changed rows change),
and spreadsheets exported and read back."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from panti_desktop.errors import PantiError
from panti_desktop.registers import columns as C
from panti_desktop.registers.export import export_sheet
from panti_desktop.registers.importing import (
    FLAGGED,
    NEW,
    REFUSED,
    UNCHANGED,
    UPDATE,
    Mapping,
    apply_import,
    plan_import,
)
from panti_desktop.registers.sheets import decode_text, read_sheet, sniff_delimiter

FIRST = "Rizki Bagus Dimas Fajar Andi Budi Arif Reza Yoga Ilham Rafi Farhan Aldi Putra Wahyu Galih Teguh Irfan Naufal Alif".split()
LAST = "Pratama Saputra Setiawan Wijaya Nugroho Hidayat Kurniawan Santoso Firmansyah Ramadhan".split()
HEADER = ["No", "No. Reg", "Nama Lengkap", "TTL", "L/P", "Pendidikan", "Agama", "Tgl Masuk", "Nama Ayah",
          "Struktur Keluarga", "Jml Anggota Keluarga", "No. Perkara", "Sumber Rujukan", "Status", "Keterangan"]
TITLE_LINES = 2  # a title and a blank line above the header: the first child is on line 4
N = 200
# the rows that must be refused (index → the column the preview names)
BAD = {17: "TTL", 42: "Nama Lengkap", 88: "Status", 120: "No. Reg", 150: "Tgl Masuk", 170: "TTL"}


def line_of(i: int) -> int:
    return i + TITLE_LINES + 2


def birth(i: int) -> date:
    return date(2008 + i % 6, 1 + i % 12, 1 + i % 28)


def date_forms(d: date, i: int, native: bool):
    """The forms a date is typed in, by turns: a spreadsheet date, 12/03/2010, 12-03-2010,
    12 Maret 2010, ISO, and an Excel serial number."""
    forms = [d.strftime("%d/%m/%Y"), d.strftime("%d-%m-%Y"),
             f"{d.day} {C.MONTHS_ID[d.month - 1]} {d.year}", d.isoformat()]
    if native:
        forms += [d, (d - date(1899, 12, 30)).days]
    return forms[i % len(forms)]


def register_rows(n: int = N, native: bool = True, changed: tuple[int, ...] = ()) -> list[list]:
    rows: list[list] = [["REGISTER ANAK SENTRA UJI"], []]
    rows.append(list(HEADER))
    for i in range(n):
        b = birth(i)
        intake = date(2024, 1 + i % 12, 1 + i % 28)
        ttl = f"{['Jakarta', 'Bekasi', 'Depok', 'Bogor'][i % 4]}, {date_forms(b, i, False)}"
        row = [i + 1, f"TST-2024-{i + 1:04d}", f"{FIRST[i % 20]} {LAST[(i // 20) % 10]}", ttl,
               ["L", "Laki-laki", "Lk"][i % 3], ["SD", "SMP", "SMA", "SMK"][i % 4],
               ["Islam", "Kristen", "Katolik", "Hindu"][i % 4], date_forms(intake, i + 1, native),
               f"Bapak {LAST[i % 10]}", ["Utuh", "Cerai", "Yatim", "lengkap"][i % 4], 3 + i % 5,
               f"LP/{i}/2024" if i % 3 == 0 else None, ["Polres", "Bapas", "Dinas Sosial"][i % 3],
               ["Rujukan diterima", "Asesmen", "Intervensi"][i % 3], "pendiam" if i % 7 == 0 else None]
        if i in changed:
            row[8] = f"Bapak Baru {i}"
        rows.append(row)
    bad = {17: ("TTL", 3, "Bogor, 31/02/2010"), 42: ("Nama Lengkap", 2, None), 88: ("Status", 13, "Entah"),
           120: ("No. Reg", 1, f"TST-2024-{120:04d}"), 150: ("Tgl Masuk", 7, "kemarin"),
           170: ("TTL", 3, "Jakarta, 1 Januari 2023")}
    for i, (_col, c, value) in bad.items():
        if i < n:
            rows[TITLE_LINES + 1 + i][c] = value
    return rows


# --- writers: each format as people's spreadsheets save it --------------------------------


def write_xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    sh = wb.active
    sh.title = "Register 2024"
    for r in rows:
        sh.append(r)
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[list]) -> Path:
    import xlwt

    wb = xlwt.Workbook()
    sh = wb.add_sheet("Register")
    day = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, date):
                sh.write(r, c, datetime(v.year, v.month, v.day), day)
            else:
                sh.write(r, c, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, rows: list[list]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Register")
    for row in rows:
        tr = TableRow()
        for v in row:
            if v is None:
                cell = TableCell()
            elif isinstance(v, date):
                cell = TableCell(valuetype="date", datevalue=v.isoformat())
                cell.addElement(P(text=v.strftime("%d/%m/%Y")))
            elif isinstance(v, int | float):
                cell = TableCell(valuetype="float", value=v)
                cell.addElement(P(text=str(v)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(v)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def write_csv(path: Path, rows: list[list], encoding: str, delimiter: str) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def children_count(ws) -> int:
    return ws.db.execute("SELECT COUNT(*) FROM child WHERE deleted = 0").fetchone()[0]


def versions(ws) -> dict[str, tuple]:
    out = {}
    for kind in ("child", "family", "legal_track"):
        for rid, hlc, origin in ws.db.execute(f"SELECT id, hlc, origin FROM {kind}"):
            out[rid] = (hlc, origin)
    return out


# --- headers and dates -------------------------------------------------------------------


@pytest.mark.parametrize(("header", "target"), [
    ("No. Reg", "child.register_no"), ("No Register", "child.register_no"), ("NOMOR REGISTER", "child.register_no"),
    ("Nama Lengkap", "child.full_name"), ("Nama Anak", "child.full_name"), ("Nama", "child.full_name"),
    ("Tgl Lahir", "child.birth_date"), ("Tgl. Lahir", "child.birth_date"), ("Tanggal Lahir", "child.birth_date"),
    ("TTL", "ttl"), ("Tempat, Tanggal Lahir", "ttl"), ("Nama Ayah", "child.father_name"),
    ("L/P", "child.sex"), ("Jenis Kelamin", "child.sex"), ("Tgl Masuk", "child.intake_date"),
    ("Struktur Keluarga", "family.structure"), ("No. Perkara", "legal_track.case_no"),
    ("Date of birth", "child.birth_date"), ("Full name", "child.full_name"), ("Keterangan", "note"),
])
def test_header_forms_are_recognised(header, target):
    assert C.suggest(["No", header]) == {1: target}


@pytest.mark.parametrize(("typed", "iso"), [
    ("12/03/2010", "2010-03-12"), ("12-03-2010", "2010-03-12"), ("12.03.2010", "2010-03-12"),
    ("12/3/10", "2010-03-12"), ("12 Maret 2010", "2010-03-12"), ("12 Mar 2010", "2010-03-12"),
    ("12 March 2010", "2010-03-12"), ("1 Agustus 2011", "2011-08-01"), ("5 Agt 2011", "2011-08-05"),
    ("2010-03-12", "2010-03-12"), (40249, "2010-03-12"), (40249.0, "2010-03-12"), ("40249", "2010-03-12"),
    (date(2010, 3, 12), "2010-03-12"), (datetime(2010, 3, 12, 0, 0), "2010-03-12"),
])
def test_dates_in_the_forms_people_type(typed, iso):
    assert C.parse_date_cell(typed, today=date(2026, 12, 1)) == iso


@pytest.mark.parametrize("typed", ["31/02/2010", "kemarin", "12 Maretz 2010", "2010", -5])
def test_a_date_that_is_no_date_is_refused_with_a_reason(typed):
    with pytest.raises(C.CellError, match="not a date"):
        C.parse_date_cell(typed, today=date(2026, 12, 1))


def test_place_and_date_of_birth_in_one_cell():
    assert C.split_ttl("Jakarta, 12 Maret 2010") == ("Jakarta", "2010-03-12")
    assert C.split_ttl("Kota Bekasi, 03/04/2011") == ("Kota Bekasi", "2011-04-03")
    assert C.split_ttl("Depok 12-03-2010") == ("Depok", "2010-03-12")


def test_codes_from_indonesian_labels_and_abbreviations():
    from panti_desktop.domain.vocab import EDUCATION_LEVELS, FAMILY_STRUCTURES, SEXES

    assert [C.match_code(SEXES, v) for v in ("L", "Laki-laki", "P", "Perempuan", "male")] == \
        ["male", "male", "female", "female", "male"]
    assert [C.match_code(EDUCATION_LEVELS, v) for v in ("SD", "smp", "SMA / SMK / sederajat", "MTs")] == \
        ["primary", "junior", "senior", "junior"]
    assert C.match_code(FAMILY_STRUCTURES, "Utuh") == "intact"
    assert C.match_code(FAMILY_STRUCTURES, "sederajat") is None  # no part that fits several codes
    assert C.match_code(SEXES, "X", {"x": "female"}) == "female"  # the person's own mapping wins


def test_csv_encoding_and_delimiter_are_detected(tmp_path):
    bom = write_csv(tmp_path / "a.csv", [["Nama", "Tgl Lahir"], ["José", "12/03/2010"]], "utf-8-sig", ",")
    win = write_csv(tmp_path / "b.csv", [["Nama", "Tgl Lahir"], ["José", "12/03/2010"]], "cp1252", ";")
    for path, delimiter in ((bom, ","), (win, ";")):
        text = decode_text(path.read_bytes())
        assert sniff_delimiter(text) == delimiter
        sheet = read_sheet(path, header_score=C.header_score)
        assert sheet.header == ["Nama", "Tgl Lahir"]
        assert sheet.rows[0][0] == "José"


# --- the 200-row register ------------------------------------------------------------------


def test_preview_lists_exactly_the_bad_rows_and_nothing_is_written(ws, tmp_path):
    path = write_xlsx(tmp_path / "register.xlsx", register_rows())
    plan = plan_import(ws, path, today=date(2026, 12, 1))
    assert plan.sheet.header == HEADER
    refused = {r.line: r for r in plan.rows if r.action == REFUSED}
    assert sorted(refused) == sorted(line_of(i) for i in BAD)
    for i, column in BAD.items():
        assert column in {p.column for p in refused[line_of(i)].problems}, refused[line_of(i)].problems
    assert "31/02/2010" in refused[line_of(17)].summary()
    assert "row " + str(line_of(119)) in refused[line_of(120)].summary()  # the row it repeats
    assert "age of" in refused[line_of(170)].summary()
    assert plan.count(NEW) == N - len(BAD)
    assert children_count(ws) == 0
    with pytest.raises(PantiError, match="nothing was imported"):
        apply_import(ws, plan)
    assert children_count(ws) == 0


def test_import_the_good_rows_then_reimport_changes_nothing_then_a_later_register(ws, tmp_path):
    path = write_xlsx(tmp_path / "register.xlsx", register_rows())
    plan = plan_import(ws, path, today=date(2026, 12, 1))
    out = tmp_path / "ditolak.csv"
    result = apply_import(ws, plan, good_rows_only=True, refused_out=out)
    assert (result.created, result.refused) == (N - len(BAD), len(BAD))
    assert children_count(ws) == N - len(BAD)
    with open(out, encoding="utf-8-sig") as fh:
        listed = list(csv.reader(fh, delimiter=";"))
    assert [int(r[0]) for r in listed[1:]] == sorted(line_of(i) for i in BAD)

    # what went where: the child, its family and its legal track, codes from Indonesian words
    child_id = ws.resolve_child("TST-2024-0001")
    child = ws.child_data(child_id)
    assert child["full_name"] == "Rizki Pratama"
    assert (child["birth_place"], child["birth_date"]) == ("Jakarta", birth(0).isoformat())
    assert (child["sex"], child["education"], child["religion"]) == ("male", "primary", "islam")
    family = ws.records_for_child("family", child_id)[0].data
    assert (family["structure"], family["household_size"]) == ("intact", 3)
    assert "pendiam" in family["notes"]
    legal = ws.records_for_child("legal_track", child_id)[0].data
    assert (legal["case_no"], legal["referral_source"]) == ("LP/0/2024", "police")
    assert ws.audit_entries(limit=5)[0].action == "import_register"

    # the same file again: every row unchanged, not one record gets a new version
    before = versions(ws)
    again = plan_import(ws, path, today=date(2026, 12, 1))
    assert again.count(UNCHANGED) == N - len(BAD) and again.count(NEW) == 0
    apply_import(ws, again, good_rows_only=True)
    assert versions(ws) == before
    assert children_count(ws) == N - len(BAD)

    # a later register with 10 changed rows (the father's name) updates exactly those
    changed = (1, 5, 9, 30, 61, 99, 133, 160, 181, 199)
    later = write_xlsx(tmp_path / "register-q2.xlsx", register_rows(changed=changed))
    plan = plan_import(ws, later, today=date(2026, 12, 1))
    updates = [r for r in plan.rows if r.action == UPDATE]
    assert sorted(r.register_no for r in updates) == [f"TST-2024-{i + 1:04d}" for i in changed]
    assert all(r.changes == {"child": {"father_name": f"Bapak Baru {int(r.register_no[-4:]) - 1}"}} for r in updates)
    apply_import(ws, plan, good_rows_only=True)
    after = versions(ws)
    moved = {rid for rid in after if after[rid] != before.get(rid)}
    assert moved == {ws.resolve_child(f"TST-2024-{i + 1:04d}") for i in changed}


def test_a_value_changed_in_the_app_since_the_import_is_kept_and_shown(ws, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", register_rows(5))
    apply_import(ws, plan_import(ws, path, today=date(2026, 12, 1)))
    ws.update_child("TST-2024-0002", {"father_name": "Bapak Koreksi"})
    later = write_xlsx(tmp_path / "r2.xlsx", register_rows(5, changed=(1, 2)))
    plan = plan_import(ws, later, today=date(2026, 12, 1))
    by_no = {r.register_no: r for r in plan.rows}
    kept = by_no["TST-2024-0002"]
    assert kept.action == UNCHANGED and [(d.field, d.app, d.sheet) for d in kept.kept] == \
        [("father_name", "Bapak Koreksi", "Bapak Baru 1")]
    assert "Bapak Koreksi" in kept.summary()
    assert by_no["TST-2024-0003"].action == UPDATE
    apply_import(ws, plan)
    assert ws.child_data(ws.resolve_child("TST-2024-0002"))["father_name"] == "Bapak Koreksi"
    assert ws.child_data(ws.resolve_child("TST-2024-0003"))["father_name"] == "Bapak Baru 2"


def test_a_row_without_register_number_that_resembles_a_child_is_flagged_never_merged(ws, tmp_path):
    ws.register_child({"full_name": "Budi Santoso", "birth_date": "2010-03-12", "intake_date": "2024-01-02"})
    rows = [["Nama Anak", "Tanggal Lahir", "Tgl Masuk"], ["BUDI SANTOSO", "12/03/2010", "05/01/2024"],
            ["Andi Wijaya", "3 April 2011", "05/01/2024"], ["Andi Wijaya", "03-04-2011", "06/01/2024"]]
    path = write_csv(tmp_path / "r.csv", rows, "utf-8-sig", ",")
    plan = plan_import(ws, path, today=date(2026, 12, 1))
    assert [r.action for r in plan.rows] == [FLAGGED, NEW, FLAGGED]
    assert plan.rows[0].similar_to == ws.child_data(ws.resolve_child(ws.child_ids()[0]))["register_no"]
    apply_import(ws, plan)
    assert children_count(ws) == 2  # Budi once, Andi once; a new register number for Andi
    again = plan_import(ws, path, today=date(2026, 12, 1))
    assert [r.action for r in again.rows] == [FLAGGED, FLAGGED, FLAGGED]


@pytest.mark.parametrize("fmt", ["xls", "ods", "csv-utf8-bom", "csv-cp1252-semicolon"])
def test_every_format_reads_the_same_register(ws, tmp_path, fmt):
    rows = register_rows(native=fmt in ("xls", "ods"))
    if fmt == "xls":
        path = write_xls(tmp_path / "register.xls", rows)
    elif fmt == "ods":
        path = write_ods(tmp_path / "register.ods", rows)
    elif fmt == "csv-utf8-bom":
        path = write_csv(tmp_path / "register.csv", rows, "utf-8-sig", ",")
    else:
        path = write_csv(tmp_path / "register.csv", rows, "cp1252", ";")
    plan = plan_import(ws, path, today=date(2026, 12, 1))
    assert sorted(r.line for r in plan.refused) == sorted(line_of(i) for i in BAD)
    apply_import(ws, plan, good_rows_only=True)
    data = ws.child_data(ws.resolve_child("TST-2024-0007"))
    assert (data["birth_date"], data["intake_date"]) == (birth(6).isoformat(), date(2024, 7, 7).isoformat())
    assert plan_import(ws, path, today=date(2026, 12, 1)).count(UNCHANGED) == N - len(BAD)


def test_a_saved_mapping_is_reused_and_a_given_one_wins(ws, tmp_path):
    rows = [["Kode", "Nama Anak", "Kelamin X"], ["A-1", "Budi Santoso", "cowok"]]
    path = write_csv(tmp_path / "r.csv", rows, "utf-8-sig", ",")
    mapping = Mapping({"Kode": "child.register_no", "Kelamin X": "child.sex"}, {"child.sex": {"cowok": "male"}})
    plan = plan_import(ws, path, mapping=mapping, today=date(2026, 12, 1))
    assert plan.rows[0].data["child"]["sex"] == "male"
    apply_import(ws, plan)
    assert ws.child_data(ws.resolve_child("A-1"))["sex"] == "male"
    rows.append(["A-2", "Andi Wijaya", "cowok"])
    path = write_csv(tmp_path / "r.csv", rows, "utf-8-sig", ",")
    plan = plan_import(ws, path, today=date(2026, 12, 1))  # no mapping given: the saved one
    assert plan.assigned == {0: "child.register_no", 1: "child.full_name", 2: "child.sex"}
    assert [r.action for r in plan.rows] == [UNCHANGED, NEW]
    with pytest.raises(PantiError, match="Unknown field"):
        Mapping.from_obj({"columns": {"Kode": "child.shoe_size"}})


def test_a_staff_member_without_the_case_key_cannot_import(ws, tmp_path):
    from panti_desktop.workspace import Workspace

    from .conftest import FLOOR

    ws.add_user("dewi", "counsellor", "dewi-passphrase-1", kdf=FLOOR)
    path = write_csv(tmp_path / "r.csv", [["Nama"], ["Budi"]], "utf-8-sig", ",")
    with Workspace.open(ws.data_dir, "dewi", "dewi-passphrase-1") as other:
        assert plan_import(other, path).count(NEW) == 1  # a counsellor holds the CASE key


# --- export --------------------------------------------------------------------------------


def _sheet_rows(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return list(wb.active.iter_rows(values_only=True))


def test_caseload_export_is_de_identified_typed_and_frozen(ws, tmp_path):
    apply_import(ws, plan_import(ws, write_xlsx(tmp_path / "r.xlsx", register_rows(30)), today=date(2026, 12, 1)),
                 good_rows_only=True)
    path, n = export_sheet(ws, "caseload", tmp_path / "caseload.xlsx")
    assert n == 29
    wb = openpyxl.load_workbook(path)
    sh = wb.active
    assert sh.freeze_panes == "A5"
    rows = list(sh.iter_rows(values_only=True))
    header = rows[3]
    assert header[:3] == ("Nomor register", "Inisial", "Umur")
    first = rows[4]
    assert first[0] == "TST-2024-0001" and first[1] == "R.P."
    assert isinstance(first[2], int)
    intake = first[header.index("Tanggal masuk")]
    assert isinstance(intake, datetime) and intake.date() == date(2024, 1, 1)
    text = json.dumps([list(map(str, r)) for r in rows])
    assert "Rizki" not in text and "Bapak" not in text  # no names in a de-identified sheet
    assert sh.column_dimensions["A"].width >= 15

    full, _n = export_sheet(ws, "caseload", tmp_path / "full.xlsx", full_identity=True)
    rows = _sheet_rows(full)
    assert rows[4][1] == "Rizki Pratama"
    assert ws.audit_entries(limit=1)[0].detail.endswith("full identity")
    # the full sheet reads back as the same register: labels to codes, typed dates, user names
    plan = plan_import(ws, full, today=date(2026, 12, 1))
    assert [r.action for r in plan.rows] == [UNCHANGED] * 29, plan.summary()


def test_a_counsellor_exports_their_own_caseload_only(ws, tmp_path):
    from panti_desktop.workspace import Workspace

    from .conftest import FLOOR

    dewi = ws.add_user("dewi", "counsellor", "dewi-passphrase-1", kdf=FLOOR)
    ws.register_child({"full_name": "Budi Santoso", "counsellor_id": dewi.id})
    ws.register_child({"full_name": "Andi Wijaya"})
    with Workspace.open(ws.data_dir, "dewi", "dewi-passphrase-1") as other:
        path, n = export_sheet(other, "caseload", tmp_path / "mine.xlsx")
    assert n == 1 and _sheet_rows(path)[4][1] == "B.S."


def test_statistics_export_suppresses_small_counts_like_the_report(ws, tmp_path):
    from panti_desktop.statistics import compute

    apply_import(ws, plan_import(ws, write_xlsx(tmp_path / "r.xlsx", register_rows(5)), today=date(2026, 12, 1)))
    start, end = date(2023, 1, 1), date(2026, 12, 1)
    path, _n = export_sheet(ws, "statistics", tmp_path / "stat.xlsx", start, end)
    rows = _sheet_rows(path)
    stats = compute(ws, start, end)
    structure = stats.table("family_structure") if any(t.key == "family_structure" for t in stats.tables) \
        else stats.tables[0]
    titles = [r[0] for r in rows]
    hidden = 0
    for table in stats.printed:
        top = titles.index(table.title)
        for k, r in enumerate(table.rows):
            shown = rows[top + 1 + k]
            assert shown[0] == r.label
            if r.hidden:
                hidden += 1
                assert shown[1] == "x" and shown[2] is None, (table.key, r)
            else:
                assert shown[1] == r.count and isinstance(shown[1], int), (table.key, r)
    withheld = [table for table in stats.tables if table.withheld]
    for table in withheld:  # named with its reason, never printed
        assert rows[titles.index(table.title) + 1][0] == table.withheld
    assert hidden or withheld, "five children must give the sheet something hidden to check"
    assert structure.rows
    assert rows[4][1] == stats.children == 5


def test_sessions_export_needs_the_clinical_key(ws, tmp_path):
    from panti_desktop.errors import PermissionDenied
    from panti_desktop.workspace import Workspace

    from .conftest import FLOOR

    child = ws.register_child({"full_name": "Budi Santoso", "intake_date": "2025-01-01", "birth_date": "2011-01-01"})
    ws.save_session_draft({"child_id": child.id, "session_date": "2025-02-03", "setting": "home",
                           "duration_minutes": 60, "participants": ["child"]})
    path, n = export_sheet(ws, "sessions", tmp_path / "s.xlsx", date(2025, 1, 1), date(2025, 3, 31))
    rows = _sheet_rows(path)
    assert n == 1 and rows[4][0] == child.data["register_no"]
    assert isinstance(rows[4][2], datetime) and rows[4][3] == 60
    ws.add_user("yanti", "staff", "yanti-passphrase-1", kdf=FLOOR)
    with Workspace.open(ws.data_dir, "yanti", "yanti-passphrase-1") as staff, pytest.raises(PermissionDenied):
        export_sheet(staff, "sessions", tmp_path / "s2.xlsx")


def test_numbers_given_to_rows_without_one_pass_over_those_the_sheet_gives(ws, tmp_path):
    year = date.today().year
    rows = [["No. Reg", "Nama Anak"], ["", "Budi Santoso"], [f"TST-{year}-0001", "Andi Wijaya"]]
    apply_import(ws, plan_import(ws, write_csv(tmp_path / "r.csv", rows, "utf-8-sig", ",")))
    numbers = sorted(ws.child_data(i)["register_no"] for i in ws.child_ids())
    assert numbers == [f"TST-{year}-0001", f"TST-{year}-0002"]
    assert ws.child_data(ws.resolve_child(f"TST-{year}-0002"))["full_name"] == "Budi Santoso"


def test_the_sheet_is_chosen_by_name(ws, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Petunjuk"
    wb.active.append(["Isi register di lembar berikutnya"])
    sh = wb.create_sheet("Register")
    for r in register_rows(3):
        sh.append(r)
    wb.save(tmp_path / "two.xlsx")
    with pytest.raises(PantiError, match="names or register numbers"):
        plan_import(ws, tmp_path / "two.xlsx")  # the first sheet holds no register
    with pytest.raises(PantiError, match="no sheet named Anak"):
        plan_import(ws, tmp_path / "two.xlsx", sheet="Anak")
    plan = plan_import(ws, tmp_path / "two.xlsx", sheet="Register", today=date(2026, 12, 1))
    assert plan.sheet.name == "Register" and plan.count(NEW) == 3
