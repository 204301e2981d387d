"""Render the main windows offscreen into docs/screenshots/ (Bahasa Indonesia, demo data).

Run: `.venv/bin/python scripts/screenshots.py` — needs no display.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PANTI_KDF_TARGET_MS", "0")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from panti_desktop import demo
    from panti_desktop.i18n import set_language

    set_language(sys.argv[1] if len(sys.argv) > 1 else "id")
    app = QApplication([])
    from panti_desktop.ui.common import apply_language
    from panti_desktop.ui.main_window import MainWindow
    from panti_desktop.ui.setup_wizard import SetupWizard
    from panti_desktop.ui.unlock import UnlockDialog
    from panti_desktop.workspace import Workspace

    apply_language(app)
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="panti-shots-"))
    admin, _key = Workspace.init(tmp, "DEMO", "Sentra Demo Handayani", "admin", demo.DEMO_PASSPHRASE,
                                 province="DKI Jakarta")
    demo.generate(admin, children=60, seed=1)
    admin.close()

    def save(widget, name: str) -> None:
        app.processEvents()
        widget.grab().save(str(OUT / f"{name}.png"))
        print(OUT / f"{name}.png")

    unlock = UnlockDialog(tmp, user_name="dewi")
    unlock.show()
    save(unlock, "unlock")
    ws = Workspace.open(tmp, "dewi", demo.DEMO_PASSPHRASE)
    window = MainWindow(ws)
    window.resize(1366, 768)
    window.show()
    save(window, "dashboard")
    window.show_page("children")
    save(window, "children")
    child = next(i for i in ws.child_ids() if ws.child_data(i)["status"] == "intervention" and ws.active_goals(i))
    tab = window.open_child(child)
    tab.show_section("plan")
    save(window, "child-plan")
    form = tab.open_session()
    form.texts["notes"].setPlainText("Kunjungan rumah sore hari; ibu dan anak hadir.")
    form.participants.set_codes(["child", "mother"])
    save(window, "session")
    form.save_now()
    window.close()
    ws.close()

    sync_shots(tmp, save)

    wizard = SetupWizard(tmp / "new")
    wizard.show()
    wizard.centre.code.setText("JKT1")
    wizard.centre.name.setText("Sentra Handayani")
    save(wizard, "first-run")
    return 0


def sync_shots(tmp: Path, save) -> None:
    """Headquarters after two centres reported, one record edited at both ends."""
    from panti_desktop import demo
    from panti_desktop.sync import exchange as X
    from panti_desktop.sync import peers as P
    from panti_desktop.ui.sync import SyncPage
    from panti_desktop.workspace import Workspace

    root = tmp / "sync"
    sites = {}
    for code, name, kind in (("SBY", "Sentra Surabaya", "sentra"), ("MKS", "PSMP Makassar", "sentra"),
                             ("PUSAT", "Direktorat Rehabilitasi Sosial Anak", "hq")):
        sites[code], _key = Workspace.init(root / code, code, name, "admin", demo.DEMO_PASSPHRASE, centre_type=kind)
        P.export_card(sites[code], root / f"{code}.card")
    for ws in sites.values():
        for code in sites:
            if code != ws.centre_code:
                P.add_peer(ws, root / f"{code}.card")
    demo.generate(sites["SBY"], children=25, seed=2)
    demo.generate(sites["MKS"], children=15, seed=3)
    hq = sites["PUSAT"]
    for code in ("SBY", "MKS"):
        res = X.import_bundle(hq, X.export_changes(sites[code], "PUSAT", root / f"{code}-1.pantisync").path)
        X.import_bundle(sites[code], res.ack_path)
    cid = sites["SBY"].child_ids()[3]
    sites["SBY"].update_child(cid, {"nickname": "Bayu", "address": "Jl. Kenjeran 12, Surabaya"})
    hq.update_child(cid, {"nickname": "Bayu S.", "address": "Jl. Kenjeran 12A, Surabaya"})
    X.import_bundle(hq, X.export_changes(sites["SBY"], "PUSAT", root / "SBY-2.pantisync").path)
    page = SyncPage(hq)
    page.resize(1366, 768)
    page.refresh()
    page.show()
    save(page, "sync-centres")
    page.tabs.setCurrentWidget(page.conflicts)
    save(page, "sync-conflicts")
    page.close()
    for ws in sites.values():
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
