"""`panti-desktop bench`: what sealing costs, as ratios against an unsealed baseline.

A demo centre is generated in a temporary vault; the same records are then
copied, decrypted, into a plain sqlite-utils database that keeps each payload
as JSON text (same tables, same plaintext columns, same indexes, same pragmas).
Each operation runs on both, the same way the app runs it, and the median of
several runs is reported with the ratio sealed / plain. When the optional
`sqlcipher3` package is installed, a whole-file encrypted SQLCipher copy of the
plain database is measured too.

Nothing here is a test: timings depend on the machine. The ratios are what to compare.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from .i18n import _
from .store import heads
from .store.audit import AuditLog
from .store.kinds import KINDS, Kind
from .store.records import RecordStore, _dumps
from .vault import Vault
from .vault.kdf import KdfParams
from .workspace import Workspace

SCALES = {"centre": (300, 40), "hq": (10_000, 50)}
LIST_PAGE = 100  # rows the children list decrypts when it opens (one screen and a half)
INSERT_SAMPLE = 5_000
PASSPHRASE = "bench-passphrase-1"


@dataclass
class Result:
    name: str
    sealed_ms: float
    plain_ms: float
    cipher_ms: float | None = None
    target_ms: float | None = None

    @property
    def ratio(self) -> float:
        return self.sealed_ms / self.plain_ms if self.plain_ms else float("inf")


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _i in range(repeats):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


# --- the unsealed baseline -------------------------------------------------------------


class PlainRecordStore(RecordStore):
    """The record store with sealing taken out: the payload is the JSON itself."""

    CODES_BOUND = "1"  # statistics: every row's plaintext codes count without opening it, as format 3's do

    def seal_row(self, k: Kind, row: dict, data: dict, key_id: str | None = None) -> None:
        row["key_id"] = "plain"
        row["payload"] = _dumps(data)

    def open_row(self, k: Kind | str, row: dict) -> dict:
        return json.loads(row["payload"])


class PlainAuditLog(AuditLog):
    """The same hash-chained audit log, entries stored unencrypted."""

    def _seal(self, body: bytes, seq: int) -> tuple[str, bytes]:
        return "plain", body

    def _write_head(self, seq: int, digest: str) -> None:  # the sealed head is part of what sealing costs
        pass


def _unseal(ws: Workspace) -> Workspace:
    ws.records = PlainRecordStore(ws.db, ws.ring, ws.centre_id, ws.device_id, ws.records.clock)
    heads.detach(ws.db.conn)  # the committed state is part of what sealing costs, like the audit head
    ws.audit = PlainAuditLog(ws.db, ws.ring)
    return ws


def _copy_plain(src: Workspace, dst: Workspace) -> None:
    """Every record of `src`, decrypted, into `dst` (an unsealed workspace)."""
    with dst.db.atomic():
        for name in KINDS:
            if name == "centre":
                continue
            batch = []
            for row, rec in src.records.iter_all(name):
                batch.append({**row, "centre_id": dst.centre_id, "key_id": "plain", "payload": _dumps(rec.data)})
                if len(batch) >= 5000:
                    dst.db.table(name).insert_all(batch)
                    batch = []
            if batch:
                dst.db.table(name).insert_all(batch)
    dst.records.clock.observe(dst.records.max_hlc())


def _sqlcipher_workspace(plain_dir: Path, cipher_dir: Path) -> Workspace | None:
    """The unsealed database exported into a whole-file encrypted SQLCipher database."""
    try:
        import sqlcipher3  # type: ignore[import-not-found]
    except ImportError:
        return None
    key = os.urandom(32).hex()
    cipher_dir.mkdir()
    target = cipher_dir / "centre.db"
    conn = sqlcipher3.connect(str(plain_dir / "centre.db"), isolation_level=None)
    conn.execute(f"ATTACH DATABASE '{target}' AS enc KEY \"x'{key}'\"")
    conn.execute("SELECT sqlcipher_export('enc')")
    conn.execute("DETACH DATABASE enc")
    conn.close()
    conn = sqlcipher3.connect(str(target), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    db = Database(conn)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "secure_delete=ON",
                   "temp_store=MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    vault = Vault(db)
    user, ring = vault.unlock("admin", PASSPHRASE)
    return _unseal(Workspace(cipher_dir, db, vault, user, ring))


# --- operations ---------------------------------------------------------------------------


def _full_scan(ws: Workspace) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _row, rec in ws.records.iter_all("session", include_deleted=False):
        s = rec.data["setting"]
        counts[s] = counts.get(s, 0) + 1
    return counts


def _session_like(child_id: str, author_id: str, rng: random.Random) -> dict:
    return {
        "child_id": child_id, "session_date": date.today().isoformat(), "setting": "home",
        "participants": ["child", "mother"], "systems": ["family"], "duration_minutes": 60,
        "notes": "Kunjungan rumah; ibu menyimpan ponsel anak setelah pukul 21.00. " * rng.randint(1, 3),
        "advances": "Anak masuk sekolah setiap hari.", "barriers": "Ayah bekerja di luar kota.",
        "next_steps": "Kunjungan minggu depan.", "author_id": author_id, "status": "draft",
    }


@dataclass
class Probe:
    """What every side is asked, so all sides do exactly the same work."""

    child_id: str
    name_part: str
    author: str
    sample: list[dict]


def make_probe(ws: Workspace) -> Probe:
    rng = random.Random(7)
    ids = ws.child_ids()
    probe = ids[len(ids) // 2]
    n_sample = min(INSERT_SAMPLE, max(100, ws.record_counts()["session"]))
    return Probe(probe, ws.child_data(probe)["full_name"].split()[0][:4], ws.user.id,
                 [_session_like(rng.choice(ids), ws.user.id, rng) for _i in range(n_sample)])


def operations(p: Probe, repeats: int) -> list[tuple[str, Callable[[Workspace], object], float | None, int]]:
    rng = random.Random(11)

    def cold(ws: Workspace) -> None:
        ws.forget_children()

    def bulk(ws: Workspace) -> None:
        with ws.db.atomic():
            ws.bulk_insert("session", [dict(s) for s in p.sample])

    few = max(1, min(repeats, 3))
    return [
        (_("open the children list"), lambda ws: (cold(ws), [ws.child_row(i) for i in ws.child_ids()[:LIST_PAGE]]), 50, repeats),
        (_("search by name, first (builds the index)"), lambda ws: (cold(ws), ws.search_children(p.name_part)), None, repeats),
        (_("search by name, while typing"), lambda ws: ws.search_children(p.name_part), 50, repeats),
        (_("open one child's full file"), lambda ws: ws.child_file(p.child_id), 50, repeats),
        (_("save a session"), lambda ws: ws.save_session_draft(_session_like(p.child_id, p.author, rng)), 20, repeats),
        (_("full scan of all sessions"), _full_scan, None, few),
        (_("bulk insert of {n} sessions").format(n=len(p.sample)), bulk, None, few),
    ]


def measure_side(ws: Workspace, p: Probe, repeats: int) -> list[float]:
    return [_median_ms(lambda fn=fn: fn(ws), reps) for _name, fn, _t, reps in operations(p, repeats)]


def _sqlcipher_side(plain_dir: str, cipher_dir: str, p: Probe, repeats: int) -> list[float] | None:
    """Runs in its own process: SQLCipher brings its own SQLite, which must not share a
    process with the one Python's sqlite3 uses (two copies corrupt each other's WAL maps)."""
    ws = _sqlcipher_workspace(Path(plain_dir), Path(cipher_dir))
    if ws is None:
        return None
    with ws:
        return measure_side(ws, p, repeats)


def measure(sides: dict[str, Workspace], repeats: int, cipher: list[float] | None = None,
            probe: Probe | None = None) -> list[Result]:
    """Run every operation on each workspace; `cipher` holds SQLCipher times measured apart."""
    p = probe or make_probe(sides["sealed"])
    times = {side: measure_side(ws, p, repeats) for side, ws in sides.items()}
    return [
        Result(name, times["sealed"][i], times["plain"][i], cipher[i] if cipher else None, target)
        for i, (name, _fn, target, _reps) in enumerate(operations(p, repeats))
    ]


def measure_backup(ws: Workspace, tmp: Path, repeats: int) -> list[Result]:
    """Backup, verify and restore, each against copying the database file as it is."""
    import shutil

    from . import backup

    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src = ws.db_path(ws.data_dir)
    def plain_copy() -> None:  # a copy that is on the disk, as a backup must be
        shutil.copyfile(src, tmp / "copy.db")
        with open(tmp / "copy.db", "rb+") as f:
            os.fsync(f.fileno())

    copy_ms = _median_ms(plain_copy, repeats)
    made: list = []

    def do_backup():
        for p in (tmp / "backups").glob("*"):
            p.unlink()
        made.append(backup.create_backup(ws, tmp / "backups" / "bench.pantibak"))

    backup_ms = _median_ms(do_backup, repeats)
    path = made[-1].path
    _mid, master, _unlockers = ws.vault.master_unlockers(ws.ring)
    verify_ms = _median_ms(lambda: backup.verify_backup(path, master=bytearray(master), stage_in=ws.data_dir), repeats)

    def do_restore():
        shutil.rmtree(tmp / "restored", ignore_errors=True)
        backup.restore_backup(path, tmp / "restored", passphrase=PASSPHRASE)

    restore_ms = _median_ms(do_restore, repeats)
    return [
        Result(_("backup (pinned file, encrypt, write, read back, integrity check)"), backup_ms, copy_ms, None, 3),
        Result(_("verify a backup"), verify_ms, copy_ms, None, 3),
        Result(_("restore a backup"), restore_ms, copy_ms, None, None),
    ]


def measure_statistics(sealed: Workspace, plain: Workspace, tmp: Path, repeats: int) -> list[Result]:
    """Centre statistics of the last year (counted, protected and printed), against the same
    report from the unsealed store; and the counting alone, against the same counting."""
    from . import statistics as S
    from .reports import statistics as R

    n = len(sealed.child_ids())
    times = {side: (_median_ms(lambda ws=ws, side=side: R.build(ws, tmp / f"stats-{side}.pdf"), repeats),
                    _median_ms(lambda ws=ws: S.compute(ws), repeats))
             for side, ws in (("sealed", sealed), ("plain", plain))}
    return [Result(_("centre statistics report over {n} children").format(n=n), times["sealed"][0],
                   times["plain"][0], None, 1500),
            Result(_("centre statistics, counting and protecting only"), times["sealed"][1], times["plain"][1])]
def _bench_pdf(size: int, seed: int) -> bytes:
    """A one-page PDF of about `size` bytes: a text page followed by incompressible padding (a scan's
    weight without a scan), so sealing and reading cost what a real 10 MB scan costs."""
    rng = random.Random(seed)
    stream = b"BT /F1 14 Tf 72 760 Td (Putusan Nomor 12/Pid.Sus-Anak/2026) Tj ET\n"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    pad = max(0, size - len(out) - 400)
    out += b"%" + rng.randbytes(pad).replace(b"\n", b" ").replace(b"\r", b" ") + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _render_first_page(content: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    try:
        bitmap = pdf[0].render(scale=1.0, rev_byteorder=True)
        return bitmap.width
    finally:
        pdf.close()


def measure_attachments(tmp: Path, repeats: int, total_mb: int = 200) -> list[Result]:
    """Adding and previewing a 10 MB PDF (against writing and reading the same file unsealed) and a
    backup holding `total_mb` MB of documents (against copying the database file), in a vault of
    their own."""
    import shutil

    from . import attachments, backup

    doc_mb = min(10, total_mb)
    ws, _recovery = Workspace.init(tmp / "documents", "DOCS", "Bench", "admin", PASSPHRASE, kdf=KdfParams())
    try:
        attachments.set_limits(ws, max(25, doc_mb + 1), max(2048, total_mb * 2))
        child = ws.register_child({"full_name": "Bench Dokumen", "birth_date": "2011-03-04"})
        pdf = _bench_pdf(doc_mb * 1024 * 1024, 1)
        plain_file = tmp / "plain.pdf"
        added: list = []

        def plain_write() -> None:
            with open(plain_file, "wb") as f:
                f.write(pdf)
                f.flush()
                os.fsync(f.fileno())

        def add() -> None:
            added.append(attachments.add(ws, child.id, pdf, "putusan.pdf", "court_decision"))

        write_ms, add_ms = _median_ms(plain_write, repeats), _median_ms(add, repeats)
        read_ms = _median_ms(lambda: _render_first_page(plain_file.read_bytes()), repeats)
        preview_ms = _median_ms(lambda: _render_first_page(attachments.open_content(ws, added[-1].id)[1]), repeats)
        for i in range(len(added), max(1, total_mb // doc_mb)):
            attachments.add(ws, child.id, _bench_pdf(doc_mb * 1024 * 1024, 2 + i), f"scan-{i}.pdf", "other")
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        src = ws.db_path(ws.data_dir)

        def plain_copy() -> None:
            shutil.copyfile(src, tmp / "documents-copy.db")
            with open(tmp / "documents-copy.db", "rb+") as f:
                os.fsync(f.fileno())

        def do_backup() -> None:
            for p in (tmp / "doc-backups").glob("*"):
                p.unlink()
            backup.create_backup(ws, tmp / "doc-backups" / "bench.pantibak")

        copy_ms = _median_ms(plain_copy, max(1, min(repeats, 3)))
        backup_ms = _median_ms(do_backup, max(1, min(repeats, 3)))
        stored = attachments.used_bytes(ws)
    finally:
        ws.close()
    return [
        Result(_("add a {n} MB PDF (sealed in chunks; plain: write the file)").format(n=doc_mb), add_ms, write_ms),
        Result(_("preview a {n} MB PDF (open, render page 1; plain: read the file)").format(n=doc_mb),
               preview_ms, read_ms),
        Result(_("backup with {n} MB of documents (against copying the database file)").format(
            n=round(stored / 1024 / 1024)), backup_ms, copy_ms),
    ]


def measure_reports(ws: Workspace, tmp: Path, repeats: int) -> list[Result]:
    """A progress report of a child with 200 sessions and 12 goals; centre statistics over everyone."""
    from datetime import timedelta

    from .reports import child_report, statistics

    today = date.today()
    child = ws.register_child({"full_name": "Anak Uji Laporan", "birth_date": "2011-01-01",
                               "intake_date": (today - timedelta(days=400)).isoformat()})
    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft"})
    goals = [ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": "family",
                                                 "text": f"Tujuan antara {i + 1}", "status": "in_progress"})
             for i in range(12)]
    rng = random.Random(3)
    sessions = [{"child_id": child.id, "session_date": (today - timedelta(days=365 - i)).isoformat(),
                 "setting": rng.choice(["home", "school", "centre"]), "participants": ["child", "mother"],
                 "systems": ["family", "individual"], "duration_minutes": 60, "status": "final",
                 "goals": [{"goal_id": g.id, "rating": rng.randint(0, 4)} for g in rng.sample(goals, 3)],
                 "notes": "Kunjungan rumah."} for i in range(200)]
    with ws.db.atomic():
        ws.bulk_insert("session", sessions)
    report_ms = _median_ms(lambda: child_report.build(ws, child.id, tmp / "child.pdf",
                                                      start=today - timedelta(days=366), end=today), repeats)
    stats_ms = _median_ms(lambda: statistics.build(ws, tmp / "stats.pdf"), repeats)
    n = len(ws.child_ids())
    return [Result(_("child progress report, 200 sessions and 12 goals"), report_ms, report_ms, None, 1500),
            Result(_("centre statistics over {n} children").format(n=n), stats_ms, stats_ms, None, 5000)]


REGISTER_ROWS = 10_000
REGISTER_SAMPLE = 1_000  # children registered one by one for the baseline (scaled to the register)


def write_register(path: Path, rows: int) -> Path:
    """A centre's register as people keep it: Indonesian headers, place and date of birth in one
    cell, dates typed as text and as spreadsheet dates, codes in Indonesian words."""
    import xlsxwriter

    first = "Rizki Bagus Dimas Fajar Andi Budi Arif Reza Yoga Ilham Rafi Farhan Aldi Putra Wahyu".split()
    last = "Pratama Saputra Setiawan Wijaya Nugroho Hidayat Kurniawan Santoso Firmansyah Ramadhan".split()
    wb = xlsxwriter.Workbook(str(path))
    sh = wb.add_worksheet("Register")
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    sh.write_row(0, 0, ["No. Reg", "Nama Lengkap", "TTL", "L/P", "Pendidikan", "Tgl Masuk", "Nama Ayah",
                        "Struktur Keluarga", "No. Perkara"])
    for i in range(rows):
        born = date(2008 + i % 6, 1 + i % 12, 1 + i % 28)
        sh.write_row(i + 1, 0, [f"REG-{i + 1:05d}", f"{first[i % 15]} {first[(i // 15) % 15]} {last[(i // 225) % 10]}",
                                f"Jakarta, {born.strftime('%d/%m/%Y')}", "L", ["SD", "SMP", "SMA"][i % 3]])
        sh.write_datetime(i + 1, 5, date(2024, 1 + i % 12, 1 + i % 28), day)
        sh.write_row(i + 1, 6, [f"Bapak {last[i % 10]}", ["Utuh", "Cerai"][i % 2], f"LP/{i}/2024"])
    wb.close()
    return path


def measure_register_import(tmp: Path, rows: int = REGISTER_ROWS) -> list[Result]:
    """Importing a register of `rows` children (checked, then written in one transaction),
    against registering the same children one by one through the workspace; and importing it
    again (nothing changes) against the first import."""
    from .registers.importing import apply_import, plan_import

    path = write_register(tmp / "register.xlsx", rows)
    imported, _r = Workspace.init(tmp / "import", "BENCH", "Bench", "admin", PASSPHRASE, kdf=KdfParams())
    one_by_one, _r = Workspace.init(tmp / "one", "BENCH", "Bench", "admin", PASSPHRASE, kdf=KdfParams())
    try:
        t = time.perf_counter()
        plan = plan_import(imported, path)
        apply_import(imported, plan)
        import_ms = (time.perf_counter() - t) * 1000
        children = [dict(r.data["child"]) for r in plan.rows]
        families = [dict(r.data.get("family", {})) for r in plan.rows]
        legal = [dict(r.data.get("legal_track", {})) for r in plan.rows]
        # one by one costs the same for each child (a transaction and audit entry per record):
        # a sample of REGISTER_SAMPLE children, scaled to the register's length
        sample = min(rows, REGISTER_SAMPLE)
        t = time.perf_counter()
        for c, f, lt in list(zip(children, families, legal, strict=True))[:sample]:
            rec = one_by_one.register_child(c)
            one_by_one.add_record("family", {**f, "child_id": rec.id})
            one_by_one.add_record("legal_track", {**lt, "child_id": rec.id})
        workspace_ms = (time.perf_counter() - t) * 1000 * rows / sample
        t = time.perf_counter()
        again = plan_import(imported, path)
        apply_import(imported, again)
        again_ms = (time.perf_counter() - t) * 1000
    finally:
        imported.close()
        one_by_one.close()
    return [Result(_("register import, {n} rows, against the workspace one by one (measured on {sample}, "
                     "scaled)").format(n=rows, sample=sample),
                   import_ms, workspace_ms),
            Result(_("the same register imported again (nothing changes), against the first import"),
                   again_ms, import_ms)]


def _read_all(ws: Workspace) -> int:
    """Every record of every kind opened: what an export reads, on the unsealed side the baseline."""
    n = 0
    for name in KINDS:  # (the unsealed side's own centre and user rows were sealed when it was made)
        for row in ws.db.query(f"SELECT * FROM {name} WHERE key_id = 'plain'"):
            ws.records.open_row(name, row)
            n += 1
    return n


def measure_sync(sealed: Workspace, plain: Workspace, tmp: Path, repeats: int) -> list[Result]:
    """Full export and import at headquarters, an incremental week, and re-importing a bundle.

    Export and import are compared with reading the same records unsealed; the
    incremental export with selecting its rows; re-import with the first import.
    """
    import contextlib
    import shutil

    from .sync import exchange as X
    from .sync import peers as P

    hq, _key = Workspace.init(tmp / "hq", "BHQ", "Bench HQ", "admin", PASSPHRASE, centre_type="hq", kdf=KdfParams())
    P.export_card(sealed, tmp / "centre.card")
    P.export_card(hq, tmp / "hq.card")
    P.add_peer(sealed, tmp / "hq.card")
    P.add_peer(hq, tmp / "centre.card")
    hq.close()
    shutil.copytree(tmp / "hq", tmp / "hq-empty")
    read_ms = _median_ms(lambda: _read_all(plain), repeats)
    exported: list = []
    bundle = tmp / "full.pantisync"
    export_ms = _median_ms(lambda: exported.append(X.export_changes(sealed, "BHQ", bundle)), repeats)
    records = exported[-1].records
    times, done = [], None
    for _i in range(repeats):
        if done is not None:
            done.close()
            shutil.rmtree(tmp / "hq")
            shutil.copytree(tmp / "hq-empty", tmp / "hq")
        done = Workspace.open(tmp / "hq", "admin", PASSPHRASE)
        gc.collect()
        t = time.perf_counter()
        res = X.import_bundle(done, bundle, ack_out=tmp / "ack.pantisync")
        times.append((time.perf_counter() - t) * 1000)
    import_ms = statistics.median(times)

    def again() -> None:
        with contextlib.suppress(X.AlreadyImported):
            X.import_bundle(done, bundle)

    try:
        reimport_ms = _median_ms(again, repeats)
    finally:
        done.close()
    # one week at the centre after headquarters acknowledged everything: visits and updates
    X.import_bundle(sealed, res.ack_path)
    base = X.acked_upto(sealed, "BHQ")
    ids = sealed.child_ids()
    rng = random.Random(5)
    week = [_session_like(rng.choice(ids), sealed.user.id, rng) for _i in range(min(300, len(ids) * 2))]
    with sealed.db.atomic():
        sealed.bulk_insert("session", week)
    for cid in ids[:60]:
        sealed.update_child(cid, {"nickname": "minggu ini"})

    def select_week() -> int:
        return sum(len(list(sealed.db.query(f"SELECT * FROM {name} WHERE seq > ?", [base]))) for name in KINDS)

    week_n = select_week()
    select_ms = _median_ms(select_week, repeats)
    inc_ms = _median_ms(lambda: X.export_changes(sealed, "BHQ", tmp / "week.pantisync"), repeats)
    rate = records / (import_ms / 1000) if import_ms else float("inf")
    return [
        Result(_("full export, {n} records").format(n=records), export_ms, read_ms),
        Result(_("full import at headquarters ({rate:,.0f} records/s)").format(rate=rate), import_ms, read_ms,
               target_ms=records / 20),  # 20,000 records per second
        Result(_("incremental export of one week ({n} records)").format(n=week_n), inc_ms, select_ms,
               target_ms=1000),
        Result(_("re-import of an imported bundle ({times:.0f} times faster than the import)").format(
            times=import_ms / reimport_ms if reimport_ms else float("inf")), reimport_ms, import_ms,
            target_ms=import_ms / 10),
    ]


def format_backup_table(results: list[Result]) -> str:
    headers = [_("Operation"), _("ms"), _("file copy ms"), _("ratio"), _("target")]
    rows = [[r.name, f"{r.sealed_ms:.0f}", f"{r.plain_ms:.0f}", f"{r.ratio:.2f}×",
             "" if r.target_ms is None else ("< 3× " + ("✓" if r.ratio < 3 else "✗"))] for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(lines)


def format_table(results: list[Result], with_cipher: bool) -> str:
    headers = [_("Operation"), _("sealed ms"), _("plain ms"), _("ratio")]
    if with_cipher:
        headers.append(_("SQLCipher ms"))
    headers.append(_("target"))
    rows = []
    for r in results:
        row = [r.name, f"{r.sealed_ms:.1f}", f"{r.plain_ms:.1f}", f"{r.ratio:.2f}×"]
        if with_cipher:
            row.append("-" if r.cipher_ms is None else f"{r.cipher_ms:.1f}")
        row.append("" if r.target_ms is None else
                   (f"< {r.target_ms:.0f} ms " + ("✓" if r.sealed_ms < r.target_ms else "✗")))
        rows.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(lines)


def run(scale: str = "centre", children: int | None = None, sessions_per_child: int | None = None,
        repeats: int = 7, out=print, workdir: Path | None = None, register_rows: int = REGISTER_ROWS,
        attachments_mb: int = 200) -> list[Result]:
    from . import demo

    default_children, default_sessions = SCALES[scale]
    children = children or default_children
    sessions_per_child = default_sessions if sessions_per_child is None else sessions_per_child
    with tempfile.TemporaryDirectory(prefix="panti-bench-", dir=workdir) as tmp:
        tmp = Path(tmp)
        out(_("Generating {children} children with {sessions} sessions each in a temporary vault…").format(
            children=children, sessions=sessions_per_child))
        sides: dict[str, Workspace] = {}
        try:
            sealed, _recovery = Workspace.init(tmp / "sealed", "BENCH", "Bench", "admin", PASSPHRASE,
                                               kdf=KdfParams())
            sides["sealed"] = sealed
            t = time.perf_counter()
            counts = demo.generate(sealed, children, sessions_per_child, seed=1)
            out(_("{records} records generated and sealed in {seconds:.1f} s.").format(
                records=sum(counts.values()), seconds=time.perf_counter() - t))
            plain, _recovery = Workspace.init(tmp / "plain", "BENCH", "Bench", "admin", PASSPHRASE,
                                              kdf=KdfParams())
            sides["plain"] = _unseal(plain)
            _copy_plain(sealed, plain)
            plain.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            probe = make_probe(sealed)
            cipher_times = None
            if importlib.util.find_spec("sqlcipher3") is not None:
                ctx = multiprocessing.get_context("spawn")
                with ctx.Pool(1) as pool:
                    cipher_times = pool.apply(_sqlcipher_side, (str(tmp / "plain"), str(tmp / "sqlcipher"),
                                                                probe, repeats))
            results = measure(sides, repeats, cipher_times, probe)
            results += measure_statistics(sealed, sides["plain"], tmp, max(1, min(repeats, 3)))
            backup_results = measure_backup(sealed, tmp, max(1, min(repeats, 3)))
            report_results = measure_reports(sealed, tmp, max(1, min(repeats, 3)))
            sync_results = measure_sync(sealed, sides["plain"], tmp, max(1, min(repeats, 3)))
            register_results = measure_register_import(tmp, register_rows) if register_rows else []
            document_results = measure_attachments(tmp, max(1, min(repeats, 3)), attachments_mb) \
                if attachments_mb else []
            sizes = {side: ws.db.execute("PRAGMA page_count").fetchone()[0]
                     * ws.db.execute("PRAGMA page_size").fetchone()[0] for side, ws in sides.items()}
        finally:
            for ws in sides.values():
                ws.close()
    out("")
    out(format_table(results, cipher_times is not None))
    out("")
    out(_("Backups, against a plain copy of the database file:"))
    out(format_backup_table(backup_results))
    out("")
    out(_("Sync, against reading the same records unsealed (re-import: against the first import):"))
    out(format_table(sync_results, False))
    if register_results:
        out("")
        out(_("Register import (import ms, baseline ms, ratio):"))
        out(format_table(register_results, False))
    if document_results:
        out("")
        out(_("Documents (attachments), against the same file unsealed:"))
        out(format_table(document_results, False))
    out("")
    out(_("Reports:"))
    for r in report_results:
        out(f"  {r.name}: {r.sealed_ms:.0f} ms " + ("✓" if r.sealed_ms < r.target_ms else "✗")
            + f" (< {r.target_ms:.0f} ms)")
    out("")
    out(_("Database size: sealed {sealed:.1f} MB, plain {plain:.1f} MB.").format(
        sealed=sizes["sealed"] / 1e6, plain=sizes["plain"] / 1e6))
    if cipher_times is None:
        out(_("SQLCipher not measured: install the optional extra with pip install 'panti-desktop[sqlcipher]'."))
    return results + backup_results + report_results + sync_results + register_results + document_results
