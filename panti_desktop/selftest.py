"""`panti-desktop --self-test`: does this installation work, end to end, on this machine?

Hidden from the help: it is what the bundle build runs, and what support asks a centre
to run when the app misbehaves after installation. In a temporary folder, with the
offscreen Qt platform, it makes a vault, registers a child, logs and finalises a
session, writes a progress report, prints a form and reads its QR code back, exports the caseload as .xlsx and reads it back as a register, exports a bundle to a second vault and imports it
there, opens and closes the main window, and checks the translations. Unless Qt's
platform is forced (`QT_QPA_PLATFORM`) or there is no display, a second process then
starts Qt on the system's own platform plugin (`qwindows.dll` on Windows), so a bundle
that lacks it fails here and not on a centre's laptop. It prints one line per check and
exits 0, or 1 naming what failed. Nothing outside the temporary
folder is touched; it holds only invented data and is deleted afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

PASSPHRASE = "self-test passphrase 1"
PLATFORM_PROBE = "--self-test-platform"  # the hidden argument of the platform check's second process


class _Run:
    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self.failed: list[str] = []

    def check(self, name: str, fn: Callable[[], object]) -> object:
        started = time.perf_counter()
        try:
            result = fn()
        except Exception as exc:
            self.failed.append(name)
            self.out(f"FAIL {name}: {type(exc).__name__}: {exc}")
            for line in traceback.format_exception(exc)[-6:]:
                self.out("     " + line.rstrip().replace("\n", "\n     "))
            return None
        detail = f": {result}" if isinstance(result, str) else ""
        self.out(f"ok   {name}{detail} ({(time.perf_counter() - started) * 1000:.0f} ms)")
        return result


def _platform_env() -> dict[str, str]:
    """The environment of the platform check: this one without the forced offscreen platform."""
    return {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}


def _no_display() -> bool:
    return sys.platform.startswith(("linux", "freebsd")) and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def native_platform(env: dict[str, str], timeout: float = 120) -> str:
    """Start Qt on the system's own platform plugin in a second process (this one already runs
    offscreen); its name, or RuntimeError with Qt's message."""
    if getattr(sys, "frozen", False):
        cmd = [sys.executable, PLATFORM_PROBE]
    else:
        cmd = [sys.executable, "-m", "panti_desktop", PLATFORM_PROBE]
        env = {**env, "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent), *filter(None, [env.get("PYTHONPATH")])])}
    r = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout,
                       env=env, stdin=subprocess.DEVNULL)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines:
        said = " | ".join(line.strip() for line in r.stderr.strip().splitlines()[-4:])
        raise RuntimeError(f"Qt did not start on this system's window platform (exit {r.returncode}): {said}")
    return lines[-1].strip()


def run(out: Callable[[str], None] = print) -> int:
    forced = os.environ.get("QT_QPA_PLATFORM")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("PANTI_KDF_TARGET_MS", "0")
    from . import __version__

    out(f"panti-desktop {__version__} self-test ({sys.platform}, Python {sys.version.split()[0]}, "
        f"{'frozen' if getattr(sys, 'frozen', False) else 'source'})")
    r = _Run(out)
    with tempfile.TemporaryDirectory(prefix="panti-selftest-") as tmp:
        _checks(r, Path(tmp))
    if forced:
        out(f"--   native window platform: not checked (QT_QPA_PLATFORM={forced})")
    elif _no_display():
        out("--   native window platform: not checked (no display)")
    else:
        r.check("native window platform", lambda: _native(_platform_env()))
    if r.failed:
        out(f"self-test FAILED: {', '.join(r.failed)}")
        return 1
    out("self-test passed")
    return 0


def _native(env: dict[str, str]) -> str:
    name = native_platform(env)
    if name in ("offscreen", "minimal"):
        raise RuntimeError(f"Qt started on {name!r}, not on the system's own platform")
    return name


def _checks(r: _Run, tmp: Path) -> None:
    from datetime import date

    state: dict = {}

    def translations() -> None:
        from .i18n import _, set_language
        from .paths import resource

        mo = resource("locale", "id", "LC_MESSAGES", "panti_desktop.mo")
        if not mo.exists():
            raise FileNotFoundError(mo)
        set_language("id")
        try:
            if _("Children") == "Children" or _("Sync") == "Sync":
                raise RuntimeError("the Indonesian catalogue does not translate")
        finally:
            set_language("en")
        for part in (("fonts", "DejaVuSans.ttf"), ("templates", "mst_systems.json"), ("icons", "panti.png")):
            if not resource(*part).exists():
                raise FileNotFoundError(resource(*part))

    def vault() -> None:
        from .vault.kdf import KdfParams
        from .workspace import Workspace

        ws, _key = Workspace.init(tmp / "centre", "TEST", "Sentra Uji", "admin", PASSPHRASE, kdf=KdfParams())
        state["ws"] = ws
        child = ws.register_child({"full_name": "Anak Uji Coba", "birth_date": "2011-05-06",
                                   "intake_date": date.today().replace(day=1).isoformat()})
        state["child"] = child.id
        session = ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "Kunjungan rumah uji.",
                                         "participants": ["child", "mother"], "duration_minutes": 60})
        ws.finalise_session(session.id)
        if ws.get_record("session", session.id).data["status"] != "final":
            raise RuntimeError("the session was not finalised")
        problems = ws.verify()
        if problems:
            raise RuntimeError(f"verify: {problems[:3]}")

    def report() -> None:
        from .reports.registry import REPORTS

        out = REPORTS["progress"].build(state["ws"], tmp / "report.pdf", state["child"])
        data = Path(out).read_bytes()
        if not data.startswith(b"%PDF") or len(data) < 2000:
            raise RuntimeError("the progress report is not a PDF")

    def form() -> None:
        # segno draws the code, pypdfium2 renders the page in memory, zxing-cpp reads it back
        from .forms import scan
        from .forms.registry import print_form

        out = print_form(state["ws"], "session-log", tmp / "form.pdf", state["child"])
        match = scan.propose(state["ws"], Path(out).read_bytes())
        if match is None or match.child_id != state["child"]:
            raise RuntimeError(f"the printed form's QR code does not read back to its child: {match}")

    def sync() -> None:
        from .sync import exchange, peers
        from .vault.kdf import KdfParams
        from .workspace import Workspace

        ws = state["ws"]
        hq, _key = Workspace.init(tmp / "hq", "PUSAT", "Kantor Pusat Uji", "admin", PASSPHRASE, centre_type="hq",
                                  kdf=KdfParams())
        try:
            peers.export_card(ws, tmp / "centre.card")
            peers.export_card(hq, tmp / "hq.card")
            peers.add_peer(ws, tmp / "hq.card")
            peers.add_peer(hq, tmp / "centre.card")
            sent = exchange.export_changes(ws, "PUSAT", tmp / "bundle.pantisync")
            # read in a second process, as a large bundle is: spawning works in this build too
            got = exchange.import_bundle(hq, sent.path, ack_out=tmp / "ack.pantisync", read_beside=True)
            if got.new < 3 or hq.child_data(state["child"])["full_name"] != "Anak Uji Coba":
                raise RuntimeError(f"the bundle did not arrive whole: {got.summary()}")
            exchange.import_bundle(ws, got.ack_path)
        finally:
            hq.close()

    def registers() -> None:
        # xlsxwriter writes the sheet, python-calamine reads it back: both are in this build
        from .registers.export import export_sheet
        from .registers.importing import UNCHANGED, plan_import

        path, n = export_sheet(state["ws"], "caseload", tmp / "caseload.xlsx", full_identity=True)
        plan = plan_import(state["ws"], path)
        if n != 1 or [r.action for r in plan.rows] != [UNCHANGED]:
            raise RuntimeError(f"the exported caseload does not read back as the same register: {plan.summary()}")

    def window() -> None:
        from .ui.app import open_every_page  # Qt stays under ui/

        open_every_page(state["ws"], sys.argv[0])

    r.check("translations and resources", translations)
    r.check("vault, child, final session", vault)
    if "ws" in state:
        r.check("progress report (PDF)", report)
        r.check("printed form and its QR code read back", form)
        r.check("sync bundle export and import", sync)
        r.check("spreadsheet export and register import", registers)
        r.check("main window opens and closes", window)
        state["ws"].close()
