"""`verify --consistency` and a refused status change, as an admin types them."""

from __future__ import annotations

from datetime import date, timedelta

from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import admin_env, run


def test_verify_consistency_lists_imported_contradictions_and_the_cli_refuses_new_ones(tmp_path):
    d = tmp_path / "c"
    ws, _ = Workspace.init(d, "JKT", "Sentra Handayani", "admin", ADMIN_PASS, kdf=FLOOR)
    try:
        day = (date.today() - timedelta(days=30)).isoformat()
        child = ws.register_child({"full_name": "Bagus Santoso", "birth_date": "2011-03-03", "intake_date": day,
                                   "status": "reintegration_prep"})
        ws.add_record("legal_track", {"child_id": child.id, "stage": "trial", "threatened_penalty_months": 60,
                                      "repeat_offence": False})
        # as a sync import writes them: straight into the store, no rule applied
        ws.records.insert("follow_up", {"child_id": child.id, "month": "1", "due_date": day}, ws.user.id)
        register = ws.child_row(child.id).register_no
    finally:
        ws.close()
    run(["verify"], admin_env(), d, check=0)
    r = run(["--lang", "en", "verify", "--consistency"], admin_env(), d, check=1)
    assert "1 contradiction between records" in r.stderr
    assert register in r.stderr and "follow_up_without_termination" in r.stderr
    r = run(["--lang", "en", "child", "update", register, "status=termination"], admin_env(), d)
    assert r.returncode != 0 and "Trial" in r.stderr and "termination" in r.stderr
    r = run(["--lang", "id", "verify", "--consistency"], admin_env(), d, check=1)
    assert "pertentangan antarcatatan" in r.stderr and "Bimbingan lanjut dilakukan setelah terminasi" in r.stderr
