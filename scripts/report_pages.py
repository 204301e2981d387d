"""Render the first page of every report type into docs/screenshots/ (demo data, Bahasa Indonesia).

Run: `.venv/bin/python scripts/report_pages.py` — needs `pdftoppm` (Debian: poppler-utils).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("PANTI_KDF_TARGET_MS", "0")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    from panti_desktop import demo
    from panti_desktop.i18n import set_language
    from panti_desktop.reports import child_report, recovery_kit, statistics
    from panti_desktop.workspace import Workspace

    set_language(sys.argv[1] if len(sys.argv) > 1 else "id")
    tmp = Path(tempfile.mkdtemp(prefix="panti-reports-"))
    ws, key = Workspace.init(tmp / "vault", "DEMO", "Sentra Demo Handayani", "admin", demo.DEMO_PASSPHRASE)
    demo.generate(ws, children=80, seed=1)
    active = next(i for i in ws.child_ids() if ws.child_data(i)["status"] == "intervention" and ws.active_goals(i))
    ended = next(i for i in ws.child_ids() if ws.records_for_child("termination", i))
    today = date.today()
    pdfs = {
        "report-progress": child_report.build(ws, active, tmp / "p.pdf", start=today - timedelta(days=180),
                                              place="Jakarta"),
        "report-court": child_report.build(ws, active, tmp / "c.pdf", kind="court", place="Jakarta",
                                           recommendation="Anak dikembalikan kepada orang tua dengan pengawasan "
                                                          "PK Bapas dan melanjutkan sekolah."),
        "report-termination": child_report.build(ws, ended, tmp / "t.pdf", kind="termination", place="Jakarta"),
        "report-statistics": statistics.build(ws, tmp / "s.pdf"),
        "report-recovery-kit": recovery_kit.write(tmp / "k.pdf", ws.centre_code, ws.centre_name, key, "admin"),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for name, pdf in pdfs.items():
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(OUT / name)], check=True)
        print(OUT / f"{name}.png")
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
