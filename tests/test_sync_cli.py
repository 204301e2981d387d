"""End to end through the command line: two centres and headquarters, a case transfer,
concurrent edits producing a conflict that headquarters resolves."""

from __future__ import annotations

import json
import re

from .conftest import ADMIN_PASS
from .test_cli import admin_env, run


def _init(root, code, centre_type="sentra"):
    d = root / code.lower()
    run(["init", "--centre-code", code, "--centre-name", f"Lembaga {code}", "--admin", "admin",
         "--centre-type", centre_type], {"PANTI_PASSPHRASE": ADMIN_PASS}, d, check=0)
    return d


def _trust(root, dirs):
    cards = {}
    for code, d in dirs.items():
        r = run(["contact", "export", "--out", str(root / f"{code}.card")], admin_env(), d, check=0)
        cards[code] = re.search(r"([0-9A-F]{4}(?: [0-9A-F]{4}){4})", r.stdout).group(1)
    for code, d in dirs.items():
        for other, fp in cards.items():
            if other != code:
                card = str(root / f"{other}.card")
                r = run(["peer", "add", card], admin_env(), d, check=2)  # without a fingerprint: shown, not trusted
                assert fp in r.stdout
                run(["peer", "add", card, "--fingerprint", "0000 1111 2222 3333 4444"], admin_env(), d, check=1)
                run(["peer", "add", card, "--fingerprint", fp], admin_env(), d, check=0)


def _show(d, ref):
    return json.loads(run(["child", "show", ref, "--json"], admin_env(), d, check=0).stdout)


def test_two_centres_and_headquarters(tmp_path):
    dirs = {"SA": _init(tmp_path, "SA"), "SB": _init(tmp_path, "SB"), "HQ": _init(tmp_path, "HQ", "hq")}
    _trust(tmp_path, dirs)
    sa, sb, hq = dirs["SA"], dirs["SB"], dirs["HQ"]
    r = run(["child", "add", "full_name=Dimas Prasetyo", "birth_date=2011-05-06", "intake_date=2026-01-10"],
            admin_env(), sa, check=0)
    ref = re.search(r"(SA-\d{4}-\d{4})", r.stdout).group(1)

    # SA reports to headquarters
    b1 = tmp_path / "sa-hq-1.pantisync"
    run(["export", "--to", "HQ", "--out", str(b1)], admin_env(), sa, check=0)
    r = run(["import", str(b1)], admin_env(), hq, check=0)
    assert "SA" in r.stdout and _show(hq, ref)["child"]["full_name"] == "Dimas Prasetyo"
    before = (hq / "centre.db").read_bytes()
    r = run(["import", str(b1)], admin_env(), hq, check=0)  # the same bundle again changes nothing
    assert "sudah diimpor" in r.stdout
    assert (hq / "centre.db").read_bytes() == before

    # a damaged bundle is refused with exit 1
    bad = tmp_path / "bad.pantisync"
    data = bytearray(b1.read_bytes())
    data[len(data) // 2] ^= 1
    bad.write_bytes(bytes(data))
    r = run(["import", str(bad)], admin_env(), hq, check=1)
    assert "refused" in r.stderr or "ditolak" in r.stderr

    # the case moves from SA to SB; SA keeps a read-only file
    t = tmp_path / "transfer.pantisync"
    run(["export", "--child", ref, "--to", "SB", "--out", str(t)], admin_env(), sa, check=0)
    run(["import", str(t)], admin_env(), sb, check=0)
    assert _show(sb, ref)["child"]["full_name"] == "Dimas Prasetyo"
    r = run(["child", "update", ref, "nickname=Dim"], admin_env(), sa, check=1)
    assert "SB" in r.stderr
    # headquarters learns of the transfer from SA, which gave the case away
    b1b = tmp_path / "sa-hq-2.pantisync"
    run(["export", "--to", "HQ", "--out", str(b1b)], admin_env(), sa, check=0)
    run(["import", str(b1b)], admin_env(), hq, check=0)

    # SB and HQ edit the same field at the same time
    run(["child", "update", ref, "nickname=Dimas-SB"], admin_env(), sb, check=0)
    run(["child", "update", ref, "nickname=Dimas-HQ"], admin_env(), hq, check=0)
    b2 = tmp_path / "sb-hq-1.pantisync"
    run(["export", "--to", "HQ", "--out", str(b2)], admin_env(), sb, check=0)
    r = run(["import", str(b2)], admin_env(), hq, check=0)
    assert "conflicts list" in r.stdout
    conflicts = json.loads(run(["conflicts", "list", "--json"], admin_env(), hq, check=0).stdout)
    assert len(conflicts) == 1 and conflicts[0]["changed_fields"] == ["nickname"]
    c = conflicts[0]
    sb_side = "mine" if c["mine"]["nickname"] == "Dimas-SB" else "theirs"
    run(["conflicts", "resolve", c["id"], "--keep", sb_side], admin_env(), hq, check=0)
    assert json.loads(run(["conflicts", "list", "--json"], admin_env(), hq, check=0).stdout) == []

    # HQ sends the resolution to the centre holding the case
    b3 = tmp_path / "hq-sb-1.pantisync"
    run(["export", "--to", "SB", "--out", str(b3)], admin_env(), hq, check=0)
    run(["import", str(b3)], admin_env(), sb, check=0)
    assert _show(sb, ref)["child"]["nickname"] == "Dimas-SB"
    assert json.loads(run(["conflicts", "list", "--json"], admin_env(), sb, check=0).stdout) == []
    status = json.loads(run(["sync", "status", "--json"], admin_env(), hq, check=0).stdout)
    assert {s["peer"]: s["received"] for s in status if "peer" in s} == {"SA": 2, "SB": 1}
    for d in dirs.values():
        run(["verify"], admin_env(), d, check=0)

    # a statistics-only bundle, and headquarters' view of every centre
    st = tmp_path / "sa-stats.pantisync"
    r = run(["export", "--to", "HQ", "--stats", "--from", "2026-01-01", "--until", "2026-06-30", "--out", str(st)],
            admin_env(), sa, check=0)
    assert "HQ" in r.stdout and "(0 " in r.stdout  # SA handed its only case on to SB
    run(["export", "--to", "SB", "--stats"], admin_env(), sa, check=1)  # statistics go to headquarters only
    run(["export", "--to", "HQ", "--child", ref, "--stats"], admin_env(), sa, check=2)
    run(["import", str(st)], admin_env(), hq, check=0)
    centres = {c["code"]: c for c in json.loads(run(["sync", "centres", "--json"], admin_env(), hq, check=0).stdout)}
    assert centres["SB"]["children"] == 1 and centres["SB"]["active"] == 1
    assert centres["SA"]["children"] == 0
    pdf = tmp_path / "sb-stats.pdf"
    run(["report", "centre", "--centre", "SB", "--out", str(pdf)], admin_env(), hq, check=0)
    assert pdf.read_bytes().startswith(b"%PDF")
