"""Imported records that break the receiver's consistency rules are flagged, never refused (issue 18,
with the rules of issue 21): a forged, validly signed bundle (tests/forge.py) from the centre that
transferred a case carries a diversion at deliberation while the legal track here says "no legal
process". The diversion is merged as sent; the child is named in the import's summary (CLI, GUI),
on its file and by `verify --consistency`, with the rule and both records."""

from __future__ import annotations

import uuid

from panti_desktop.cli import audit
from panti_desktop.domain.consistency import records_named
from panti_desktop.sync import exchange as X

from .forge import forge, version
from .test_sync import child


def test_an_imported_diversion_against_the_legal_track_here_is_flagged_not_refused(sites, tmp_path, monkeypatch,
                                                                                    capsys):
    a, b, _hq = sites
    y = child(b, "Yudi Pratama", "2010-02-03")
    X.import_bundle(a, X.export_child(b, y.id, "SA", tmp_path / "t.pantisync").path, ack_out=tmp_path / "ack1")
    legal = a.add_record("legal_track", {"child_id": y.id, "stage": "no_process"})
    other = child(a, "Budi Santoso")  # a child of SA's own, untouched by the bundle
    quiet = X.import_bundle(a, forge(b, a, tmp_path / "q.pantisync", [version(
        b, "family", uuid.uuid4().hex, {"child_id": y.id, "structure": "intact"})]), ack_out=tmp_path / "ack2")
    assert quiet.new == 1 and quiet.flagged == []  # nothing contradicts: nothing flagged

    div_id = uuid.uuid4().hex
    line = version(b, "diversion", div_id, {"child_id": y.id, "stage": "deliberation", "level": "investigation",
                                            "started_on": "2026-02-01"})
    preview = X.import_bundle(a, forge(b, a, tmp_path / "p.pantisync", [line]), preview=True)
    assert [f.child_id for f in preview.flagged] == [y.id]  # the preview shows it before anything changes
    assert a.records_for_child("diversion", y.id) == []

    res = X.import_bundle(a, forge(b, a, tmp_path / "f.pantisync", [line]), ack_out=tmp_path / "ack3")
    assert res.new == 1 and res.quarantined == []  # applied as the sending centre wrote it
    assert [d.id for d in a.records_for_child("diversion", y.id)] == [div_id]
    [flagged] = res.flagged
    assert flagged.child_id == y.id and flagged.register_no == a.child_row(y.id).register_no
    rules = {f.rule: f for f in flagged.findings}
    assert set(rules) >= {"diversion_without_process"}
    finding = rules["diversion_without_process"]
    assert ("diversion", div_id) in finding.involves and ("legal_track", legal.id) in finding.involves
    assert "1 anak ditandai" in res.summary() or "1 child flagged" in res.summary()
    assert any(div_id[:8] in line and legal.id[:8] in line and "[diversion_without_process]" in line
               for line in flagged.lines())

    # on the child's file and by verify --consistency, with the rule and the records named
    assert "diversion_without_process" in {f.rule for f in a.consistency_findings(child_id=y.id)}
    assert a.consistency_findings(child_id=other.id) == []
    named = records_named(finding)
    assert div_id[:8] in named and legal.id[:8] in named

    class Args:
        consistency = True

    monkeypatch.setattr(audit, "_open", lambda args: _Same(a))
    assert audit.cmd_verify(Args()) != 0
    err = capsys.readouterr().err
    assert "[diversion_without_process]" in err and div_id[:8] in err and legal.id[:8] in err
    # saving still works, and the local rule still refuses a new contradiction made here
    a.update_child(y.id, {"nickname": "Yudi"})
    assert a.verify() == []


def test_the_receive_tab_lists_the_flagged_children(sites, tmp_path):
    from panti_desktop.ui.sync.receive import _result_lines

    a, b, _hq = sites
    y = child(b, "Yudi Pratama", "2010-02-03")
    X.import_bundle(a, X.export_child(b, y.id, "SA", tmp_path / "t.pantisync").path, ack_out=tmp_path / "ack1")
    a.add_record("legal_track", {"child_id": y.id, "stage": "no_process"})
    line = version(b, "diversion", uuid.uuid4().hex, {"child_id": y.id, "stage": "deliberation"})
    res = X.import_bundle(a, forge(b, a, tmp_path / "p.pantisync", [line]), preview=True)
    text = "\n".join(_result_lines(res))
    assert a.child_row(y.id).register_no in text and "[diversion_without_process]" in text


class _Same:
    """`cli.common._open` as a context manager over a workspace already open."""

    def __init__(self, ws):
        self.ws = ws

    def __enter__(self):
        return self.ws

    def __exit__(self, *exc):
        return False
