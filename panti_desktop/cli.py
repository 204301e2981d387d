"""The command line: every operation an admin scripts, over the same workspace as the GUI.

Exit codes: 0 success, 1 a refused or failed operation, 2 a usage error. Errors are
one translated sentence on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import PantiError, UsageError
from .i18n import _, set_language
from .paths import default_data_dir
from .reports.registry import REPORTS, cli_name

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own message, but our exit code and no usage dump
        raise UsageError(message)


# --- input -----------------------------------------------------------------------------


def _secret(env: str, prompt: str, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError(
            _("No passphrase was given: set {env} or run the command in a terminal.").format(env=env)
        )
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Repeat: ")) != value:
        raise PantiError(_("The two entries do not match."))
    return value


def _data_dir(args) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _user(args) -> str:
    user = args.user or os.environ.get("PANTI_USER")
    if not user:
        raise UsageError(_("Say which user you are with --user NAME or PANTI_USER."))
    return user


def _open(args):
    from .workspace import Workspace

    user = _user(args)
    passphrase = _secret("PANTI_PASSPHRASE", _("Passphrase for {user}: ").format(user=user))
    return Workspace.open(_data_dir(args), user, passphrase)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(out)


# --- commands --------------------------------------------------------------------------


def cmd_init(args) -> int:
    from .workspace import Workspace

    passphrase = _secret("PANTI_PASSPHRASE", _("New passphrase for {user}: ").format(user=args.admin), confirm=True)
    ws, recovery_text = Workspace.init(
        _data_dir(args),
        args.centre_code,
        args.centre_name,
        args.admin,
        passphrase,
        centre_type=args.centre_type,
        province=args.province or "",
    )
    ws.close()
    _print_recovery(recovery_text)
    print(_("The centre vault was created in {path}.").format(path=_data_dir(args)))
    return EXIT_OK


def _print_recovery(text: str) -> None:
    print(_("RECOVERY KEY (shown only once; write it down and keep it in the safe):"))
    print()
    print("    " + text)
    print()


def cmd_user_add(args) -> int:
    with _open(args) as ws:
        passphrase = _secret(
            "PANTI_NEW_PASSPHRASE", _("New passphrase for {user}: ").format(user=args.name), confirm=True
        )
        ws.add_user(args.name, args.role, passphrase)
    print(_("User {name} was added as {role}.").format(name=args.name, role=_role_label(args.role)))
    return EXIT_OK


def cmd_user_passwd(args) -> int:
    from .workspace import Workspace

    old = _secret("PANTI_PASSPHRASE", _("Current passphrase: "))
    with Workspace.open(_data_dir(args), _user(args), old) as ws:
        new = _secret("PANTI_NEW_PASSPHRASE", _("New passphrase: "), confirm=True)
        ws.change_passphrase(old, new)
    print(_("The passphrase was changed."))
    return EXIT_OK


def cmd_user_remove(args) -> int:
    with _open(args) as ws:
        rotated = ws.remove_user(args.name)
    print(
        _("User {name} was removed; {n} keys were replaced and the data re-sealed.").format(
            name=args.name, n=len(rotated)
        )
    )
    return EXIT_OK


def cmd_user_list(args) -> int:
    from .workspace import Workspace

    users = Workspace.list_users(_data_dir(args))
    if args.json:
        _print_json([{"id": u.id, "name": u.name, "role": u.role, "created_at": u.created_at} for u in users])
    else:
        print(_table([[u.name, _role_label(u.role), u.created_at[:10]] for u in users],
                     [_("Name"), _("Role"), _("Since")]))
    return EXIT_OK


def cmd_recover(args) -> int:
    from .workspace import Workspace

    key = _secret("PANTI_RECOVERY_KEY", _("Recovery key: "))
    with Workspace.open_with_recovery(_data_dir(args), key, args.user_name) as ws:
        new = _secret(
            "PANTI_NEW_PASSPHRASE", _("New passphrase for {user}: ").format(user=args.user_name), confirm=True
        )
        ws.reset_passphrase(args.user_name, new)
    print(_("A new passphrase was set for {user}.").format(user=args.user_name))
    return EXIT_OK


def cmd_demo(args) -> int:
    from . import demo
    from .workspace import Workspace

    data_dir = _data_dir(args)
    if not Workspace.exists(data_dir):
        user = args.user or os.environ.get("PANTI_USER") or "admin"
        passphrase = os.environ.get("PANTI_PASSPHRASE") or demo.DEMO_PASSPHRASE
        ws, recovery_text = Workspace.init(
            data_dir, "DEMO", "Sentra Demo Handayani", user, passphrase, centre_type="sentra",
            province="DKI Jakarta",
        )
        _print_recovery(recovery_text)
        if not os.environ.get("PANTI_PASSPHRASE"):
            print(_("Demo vault: user {user}, passphrase {passphrase}").format(user=user, passphrase=passphrase))
    else:
        ws = _open(args)
    with ws:
        def progress(stage: str, done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\r{stage}: {done}/{total}   ", end="", file=sys.stderr, flush=True)

        counts = demo.generate(ws, args.children, args.sessions_per_child, args.seed, progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(
            _("Demo data: {children} children, {sessions} sessions in {path}.").format(
                children=counts.get("child", 0), sessions=counts.get("session", 0), path=data_dir
            )
        )
        if not args.quiet:
            _print_child_list(ws, limit=args.show)
    return EXIT_OK


def _status_label(code: str) -> str:
    from .domain.vocab import LIFECYCLE_STATES

    return LIFECYCLE_STATES.label(code) if code in LIFECYCLE_STATES else code


def _role_label(code: str) -> str:
    from .domain.vocab import ROLES

    return ROLES.label(code) if code in ROLES else code


def _print_child_list(ws, ids: list[str] | None = None, limit: int | None = None) -> None:
    ids = ws.child_ids() if ids is None else ids
    shown = ids if limit is None else ids[:limit]
    rows = []
    for child_id in shown:
        r = ws.child_row(child_id)
        rows.append([r.register_no, r.initials, "" if r.age is None else str(r.age), _status_label(r.status),
                     ws.user_name(r.counsellor_id), r.last_session or "-", r.next_review or "-"])
    print(_table(rows, [_("Register no."), _("Initials"), _("Age"), _("Status"), _("Counsellor"),
                        _("Last session"), _("Next review")]))
    if len(shown) < len(ids):
        print(_("… and {n} more children.").format(n=len(ids) - len(shown)))


def cmd_child_list(args) -> int:
    with _open(args) as ws:
        counsellor_id = None
        if args.counsellor:
            counsellor_id = ws.user_id(args.counsellor)
        if args.search:
            ids = ws.search_children(args.search, args.status, counsellor_id)
        else:
            ids = ws.child_ids(args.status, counsellor_id)
        if args.json:
            out = []
            for child_id in ids:
                r = ws.child_row(child_id)
                out.append({
                    "id": r.id, "register_no": r.register_no, "initials": r.initials, "age": r.age,
                    "status": r.status, "counsellor": ws.user_name(r.counsellor_id),
                    "intake_date": r.intake_date, "last_session": r.last_session, "next_review": r.next_review,
                    "consent": r.consent,
                })
            _print_json(out)
        else:
            _print_child_list(ws, ids, args.limit)
    return EXIT_OK


def _record_json(rec) -> dict:
    return {
        **rec.data,
        "_version": rec.version,
        "_created_at": rec.created_at,
        "_updated_at": rec.updated_at,
    }


def cmd_child_show(args) -> int:
    with _open(args) as ws:
        cf = ws.child_file(args.ref)
        elig = cf.eligibility
        if args.json:
            _print_json({
                "id": cf.child.id,
                "child": _record_json(cf.child),
                "sections": {k: [_record_json(r) for r in v] for k, v in cf.sections.items()},
                "hidden_sections": cf.hidden,
                "diversion_eligibility": None if elig is None else {
                    "eligible": elig.eligible, "basis": list(elig.basis),
                },
            })
            return EXIT_OK
        from .domain.records import Child

        child = Child.from_dict(cf.child.data)
        d = cf.child.data
        print(f"{d.get('register_no')}  {child.initials()}  ({_status_label(d.get('status') or '')})")
        print(_("Age: {age}").format(age=child.age_on(__import__('datetime').date.today())))
        print(_("Intake date: {date}").format(date=d.get("intake_date") or "-"))
        print(_("Counsellor: {name}").format(name=ws.user_name(d.get("counsellor_id")) or "-"))
        print()
        for name, recs in cf.sections.items():
            if recs:
                print(f"  {name}: {len(recs)}")
        if cf.hidden:
            print(_("Not shown (your role has no access): {sections}").format(sections=", ".join(cf.hidden)))
        if elig is not None:
            print()
            print(_("Diversion eligibility:"), elig.summary())
            for line in elig.basis:
                print("  - " + line)
    return EXIT_OK


def _parse_assignments(items: Sequence[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise UsageError(_("Write each change as FIELD=VALUE: {item}").format(item=item))
        key, value = item.split("=", 1)
        key = key.strip()
        value = value.strip()
        if value.startswith(("[", "{")) or value in ("true", "false", "null"):
            try:
                out[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        out[key] = None if value == "" else value
    return out


def cmd_child_update(args) -> int:
    from .domain.records import RECORD_TYPES

    changes = _parse_assignments(args.assignments)
    import dataclasses

    known = {f.name for f in dataclasses.fields(RECORD_TYPES["child"])}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise UsageError(_("Unknown field: {fields}").format(fields=", ".join(unknown)))
    with _open(args) as ws:
        rec = ws.update_child(args.ref, changes)
    print(_("Child {no} was updated.").format(no=rec.data.get("register_no")))
    return EXIT_OK


def cmd_child_add(args) -> int:
    with _open(args) as ws:
        rec = ws.register_child(_parse_assignments(args.assignments))
    print(_("Child registered with register number {no}.").format(no=rec.data.get("register_no")))
    return EXIT_OK


def cmd_verify(args) -> int:
    with _open(args) as ws:
        problems = ws.verify()
        counts = ws.record_counts()
    if problems:
        print(_("Verification found {n} problems:").format(n=len(problems)), file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        return EXIT_FAILED
    print(_("All {n} records and the audit chain verified.").format(n=sum(counts.values())))
    return EXIT_OK


def cmd_audit(args) -> int:
    with _open(args) as ws:
        entries = ws.audit_entries(limit=args.limit)
    rows = [[str(e.seq), e.at.replace("T", " ")[:19], e.user, e.action, e.kind or "", e.record_id or "", e.detail or ""]
            for e in entries]
    print(_table(rows, ["#", _("When"), _("User"), _("Action"), _("Record type"), _("Record"), _("Detail")]))
    return EXIT_OK


def _progress_printer(label: str):
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{label}: {done * 100 // max(total, 1)}%   ", end="", file=sys.stderr, flush=True)
    return report


def _backup_secrets(args) -> dict:
    if args.recovery_key:
        return {"recovery_text": _secret("PANTI_RECOVERY_KEY", _("Recovery key: "))}
    return {"passphrase": _secret("PANTI_PASSPHRASE", _("An administrator's passphrase: "))}


def cmd_backup(args) -> int:
    from . import backup

    if not args.out:
        raise UsageError(_("Say where to write the backup: backup --out FILE (or a folder)."))
    with _open(args) as ws:
        info = backup.create_backup(ws, Path(args.out), progress=_progress_printer(_("Backup")))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(_("Backup written and verified: {path} ({size:.1f} MB, {children} children, {sessions} sessions).").format(
        path=info.path, size=info.size / 1e6, children=info.counts.get("child", 0),
        sessions=info.counts.get("session", 0)))
    return EXIT_OK


def cmd_backup_verify(args) -> int:
    from . import backup

    info = backup.verify_backup(Path(args.file), **_backup_secrets(args), stage_in=_data_dir(args))
    print(_("The backup is complete and intact: centre {code}, made {when}, {children} children, "
            "{sessions} sessions, {users} users.").format(
        code=info.centre_code, when=info.created_at.replace("T", " ")[:16], children=info.counts.get("child", 0),
        sessions=info.counts.get("session", 0), users=info.counts.get("user", 0)))
    return EXIT_OK


def cmd_restore(args) -> int:
    from . import backup
    from .workspace import Workspace

    data_dir = _data_dir(args)
    secrets = _backup_secrets(args)
    result = backup.restore_backup(Path(args.file), data_dir, allow_other_centre=args.other_centre,
                                   progress=_progress_printer(_("Restore")), **secrets)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    info = result.info
    Workspace.record_restore(data_dir, Path(args.file), info.created_at, **secrets)
    print(_("Restored the backup of centre {code} made {when} into {path}.").format(
        code=info.centre_code, when=info.created_at.replace("T", " ")[:16], path=data_dir))
    if result.replaced is not None:
        print(_("The data it replaced is kept in {path} until you delete it.").format(path=result.replaced))
    return EXIT_OK


def _retention_due_now(item) -> str:
    """The "due now" cell of a case in the retention review."""
    if item.past_due:
        return _("the whole case")
    if item.partial:
        return _("part ({n} of {total} record types)").format(n=len(item.kinds_due), total=len(item.due_by_kind))
    return _("no")


def cmd_retention_list(args) -> int:
    from . import retention

    with _open(args) as ws:
        items = retention.review(ws, only_due=not args.all)
        if args.json:
            _print_json([item.__dict__ for item in items])
            return EXIT_OK
        rows = [[i.register_no, _status_label(i.status), i.ended_on, i.due_on, _retention_due_now(i),
                 "" if not i.hold_until else _("until {date}").format(date=i.hold_until)] for i in items]
        print(_table(rows, [_("Register no."), _("Status"), _("Ended"), _("Retention until"), _("Due now"),
                            _("Legal hold")]))
        if not items:
            print(_("No case has reached the end of its retention period."))
        for i in items:
            if i.partial:
                print()
                print(_("{no}: these record types are past their retention period and can be erased: "
                        "{kinds}.").format(no=i.register_no,
                                           kinds=", ".join(retention.kind_label(k) for k in i.kinds_due)))
                print(_("The rest is kept: {kinds}.").format(kinds=retention.kept_text(i)))
        from .backup import backups_holding_erased

        holding = backups_holding_erased(ws)
        if holding:
            print()
            print(_("These backups were made before the last erasure and still hold erased records; delete "
                    "them when they are no longer needed:"))
            for h in holding:
                print(f"  {h['path']}  ({h['created_at'][:10]})")
    return EXIT_OK


def cmd_retention_hold(args) -> int:
    from . import retention
    from .domain.fields import parse_date

    until = parse_date(args.until, "until", "--until")
    with _open(args) as ws:
        retention.place_hold(ws, args.ref, args.reason, until.isoformat())
    print(_("Legal hold placed until {date}.").format(date=until.isoformat()))
    return EXIT_OK


def cmd_retention_erase(args) -> int:
    from . import retention

    with _open(args) as ws:
        done = retention.erase(ws, args.ref, args.reason or "")
    if done.whole:
        print(_("Case {no} was erased; an erasure record that identifies no one was kept.").format(
            no=done.register_no))
    else:
        print(_("From case {no}, the records of these types were erased (past their retention period, {n} in "
                "all): {kinds}. The rest of the case is kept until its own retention period ends.").format(
            no=done.register_no, n=done.records, kinds=", ".join(retention.kind_label(k) for k in done.kinds)))
    return EXIT_OK


def cmd_retention_rules(args) -> int:
    from . import retention

    with _open(args) as ws:
        for item in args.set or []:
            kind, _sep, years = item.partition("=")
            if not years.isdigit():
                raise UsageError(_("Write each rule as KIND=YEARS: {item}").format(item=item))
            retention.set_years(ws, kind.strip(), int(years))
        rows = [[k, str(retention.years_for(ws, k))] for k in sorted(retention.DEFAULT_YEARS)]
        print(_table(rows, [_("Record type"), _("Years after the case ended")]))
    return EXIT_OK


def _report_password(args) -> str | None:
    if not args.password_env:
        return None
    value = os.environ.get(args.password_env)
    if not value:
        raise UsageError(_("The environment variable {var} holds no password.").format(var=args.password_env))
    return value


def cmd_report(args) -> int:
    """Any report of the registry but the Recovery Kit (see reports/registry.py)."""
    from .domain.fields import parse_date

    report = REPORTS[args.report]
    start = parse_date(getattr(args, "date_from", None), "from", "--from")
    end = parse_date(getattr(args, "date_to", None), "to", "--to")
    options: dict = {"password": _report_password(args)}
    if report.period:
        options.update(start=start, end=end)
    if "full_identity" in report.options:
        options["full_identity"] = args.full_identity
    if "place" in report.options:
        options["place"] = args.place
    if "centre" in report.options:
        options["centre"] = args.centre.upper() if args.centre else None
    with _open(args) as ws:
        out = report.build(ws, Path(args.out), getattr(args, "ref", None), **options)
    print(_("Report written: {path}").format(path=out))
    return EXIT_OK


def cmd_report_recovery_kit(args) -> int:
    from .workspace import Workspace

    key = _secret("PANTI_RECOVERY_KEY", _("Recovery key: "))
    with Workspace.open_with_recovery(_data_dir(args), key, _user(args)) as ws:  # proves the key is this vault's
        out = REPORTS["recovery-kit"].build(ws, Path(args.out), recovery_text=key)
        ws.audit_event("print", detail="recovery kit")
    print(_("Report written: {path}").format(path=out))
    return EXIT_OK


def cmd_contact_export(args) -> int:
    from .sync import peers

    with _open(args) as ws:
        card = peers.export_card(ws, Path(args.out))
    print(_("Contact card written: {path}").format(path=args.out))
    print(_("Fingerprint (compare it with the other centre by phone or on paper): {fp}").format(
        fp=card["fingerprint"]))
    return EXIT_OK


def cmd_peer_add(args) -> int:
    from .sync import peers

    card = peers.read_card(Path(args.file))
    if args.fingerprint is None:
        print(_("Contact card of {code} ({name}); fingerprint {fp}.").format(
            code=card["code"], name=card.get("name") or "", fp=card["fingerprint"]))
        raise UsageError(_("Compare the fingerprint with the other centre, then repeat the command with "
                           "--fingerprint \"{fp}\".").format(fp=card["fingerprint"]))
    with _open(args) as ws:
        p = peers.add_peer(ws, Path(args.file), args.fingerprint)
    print(_("{code} is now a trusted peer.").format(code=p.code))
    return EXIT_OK


def cmd_peer_list(args) -> int:
    from .sync import peers

    with _open(args) as ws:
        items = peers.peers(ws)
    if args.json:
        _print_json([{"code": p.code, "name": p.name, "role": p.role, "fingerprint": p.fingerprint,
                      "added_at": p.added_at, "revoked_at": p.revoked_at} for p in items])
    else:
        print(_table([[p.code, p.name, p.role, p.fingerprint, p.revoked_at[:10] if p.revoked_at else ""]
                      for p in items], [_("Code"), _("Name"), _("Role"), _("Fingerprint"), _("Revoked")]))
    return EXIT_OK


def cmd_peer_revoke(args) -> int:
    from .sync import peers

    with _open(args) as ws:
        p = peers.revoke_peer(ws, args.code)
    print(_("{code} is no longer trusted; its bundles will be refused.").format(code=p.code))
    return EXIT_OK


def cmd_export(args) -> int:
    from .domain.fields import parse_date
    from .sync import exchange

    if args.stats and args.child:
        raise UsageError(_("Choose either --child or --stats."))
    if (args.date_from or args.date_to) and not args.stats:
        raise UsageError(_("--from and --until go with --stats."))
    start = parse_date(args.date_from, "from", "--from")
    end = parse_date(args.date_to, "until", "--until")
    scope = "transfer" if args.child else "stats" if args.stats else "changes"
    with _open(args) as ws:
        out = Path(args.out) if args.out else Path(exchange.default_name(ws, args.to, scope))
        report = _progress_printer(_("Exporting"))
        if args.stats:
            res = exchange.export_stats(ws, args.to, out, start, end)
            print(_("Statistics bundle {seq} for {code} written: {path} ({n} children counted, no names).").format(
                seq=res.seq, code=res.peer, path=res.path, n=res.counts["children"]))
        elif args.child:
            res = exchange.export_child(ws, args.child, args.to, out, progress=report)
            print(_("Case transferred to {code}: {n} records in {path}. Its file here is now read-only.").format(
                code=res.peer, n=res.records, path=res.path))
        else:
            res = exchange.export_changes(ws, args.to, out, progress=report)
            print(_("Bundle {seq} for {code} written: {n} records in {path}.").format(
                seq=res.seq, code=res.peer, n=res.records, path=res.path))
    return EXIT_OK


def cmd_import(args) -> int:
    from .sync import exchange

    with _open(args) as ws:
        try:
            res = exchange.import_bundle(ws, Path(args.file), preview=args.preview,
                                         ack_out=Path(args.ack_out) if args.ack_out else None,
                                         progress=_progress_printer(_("Importing")))
        except exchange.AlreadyImported as exc:
            print(exc)
            sender = exchange.read_header(Path(args.file)).get("sender", "")
            ack = exchange.write_ack(ws, str(sender), Path(args.ack_out) if args.ack_out else
                                     Path(args.file).with_name(f"{ws.centre_code}-ack-to-{sender}{exchange.SUFFIX}"))
            print(_("A new acknowledgement for {code} was written: {path}").format(code=sender, path=ack))
            return EXIT_OK
    if args.json:
        _print_json({k: (str(v) if isinstance(v, Path) else v) for k, v in res.__dict__.items()
                     if not k.startswith("_")})
        return EXIT_OK
    head = _("Preview of bundle {seq} from {code} (nothing was changed):") if res.preview else _(
        "Imported bundle {seq} from {code}:")
    print(head.format(seq=res.seq, code=res.sender))
    print("  " + res.summary())
    if res.gaps:
        print(_("Bundles not yet received from {code}: {seqs}. They can still be imported later.").format(
            code=res.sender, seqs=", ".join(str(n) for n in res.gaps)))
    for w in res.warnings:
        print(_("Warning: {text}").format(text=w))
    if res.conflicts or res.duplicates:
        print(_("Conflicts to resolve: panti-desktop conflicts list"))
    if res.ack_path:
        print(_("Acknowledgement for {code} written: {path} (send it back to them).").format(
            code=res.sender, path=res.ack_path))
    return EXIT_OK


def cmd_conflicts_list(args) -> int:
    from .sync import exchange

    with _open(args) as ws:
        items = exchange.list_conflicts(ws)
    if args.json:
        _print_json([{k: v for k, v in c.__dict__.items()} | {"changed_fields": c.changed_fields()} for c in items])
        return EXIT_OK
    if not items:
        print(_("No conflicts."))
        return EXIT_OK
    reasons = {"concurrent": _("edited at two places"), "deleted": _("deleted at one place, edited at another"),
               "duplicate": _("may be the same child registered twice")}
    rows = []
    for c in items:
        what = ", ".join(c.changed_fields()[:4]) if c.reason == "concurrent" else (
            f"{c.mine_version} / {c.theirs_version}" if c.reason == "duplicate" else "")
        rows.append([c.id, c.register_no, c.kind, reasons[c.reason], what])
    print(_table(rows, [_("Id"), _("Register no."), _("Record"), _("Conflict"), _("Fields")]))
    return EXIT_OK


def cmd_conflicts_resolve(args) -> int:
    from .sync import exchange

    with _open(args) as ws:
        exchange.resolve_conflict(ws, args.id, args.keep)
    print(_("Conflict {id} resolved.").format(id=args.id))
    return EXIT_OK


def cmd_sync_status(args) -> int:
    from .sync import exchange

    with _open(args) as ws:
        items = exchange.peer_status(ws)
        n = exchange.conflict_count(ws)
    if args.json:
        _print_json([{"peer": s.peer.code, "role": s.peer.role, "sent": s.sent, "received": s.received,
                      "last_sent": s.last_sent, "last_received": s.last_received, "unacknowledged": s.unacked,
                      "gaps": s.gaps} for s in items] + [{"conflicts": n}])
        return EXIT_OK
    print(_table([[s.peer.code, str(s.sent), str(s.unacked), (s.last_sent or "")[:10], str(s.received),
                   (s.last_received or "")[:10], ", ".join(str(g) for g in s.gaps)] for s in items],
                 [_("Peer"), _("Sent"), _("Unacknowledged"), _("Last sent"), _("Received"), _("Last received"),
                  _("Missing")]))
    print(_("Open conflicts: {n}").format(n=n))
    return EXIT_OK


def cmd_sync_centres(args) -> int:
    from .sync import hq

    with _open(args) as ws:
        items = hq.overview(ws)
    if args.json:
        _print_json([{**r.__dict__, "from_statistics": r.from_statistics} for r in items])
        return EXIT_OK
    rows = []
    for r in items:
        if r.from_statistics:
            rows.append([r.code, r.name, str(r.stats_children), "—", "—", "—",
                         _("statistics {start} – {end}").format(start=r.stats_period[0], end=r.stats_period[1])])
        else:
            rows.append([r.code, r.name, str(r.children), str(r.active), str(r.sessions_30d), str(r.open_conflicts),
                         (r.last_received or "")[:10] + (" " + _("missing: {seqs}").format(
                             seqs=", ".join(map(str, r.gaps))) if r.gaps else "")])
    print(_table(rows, [_("Centre"), _("Name"), _("Children"), _("Active"), _("Sessions (30 days)"),
                        _("Conflicts"), _("Last received")]))
    return EXIT_OK


def cmd_gui(args) -> int:
    """The desktop window (first-run wizard or unlock, then the main window)."""
    import importlib.util

    if importlib.util.find_spec("PySide6") is None:
        raise PantiError(_("The desktop window needs PySide6: pip install 'panti-desktop[gui]'."))
    from .ui.app import run

    return run(data_dir=_data_dir(args), lang=args.lang)


def cmd_bench(args) -> int:
    from . import bench

    bench.run(args.scale, children=args.children, sessions_per_child=args.sessions_per_child,
              repeats=args.repeats)
    return EXIT_OK


# --- parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="panti-desktop", description=_("Encrypted case records for child rehabilitation centres."))
    p.add_argument("--version", action="version", version=f"panti-desktop {__version__}")
    p.add_argument("--data-dir", metavar="DIR", help=_("the centre's data folder (default: PANTI_HOME or the platform data folder)"))
    p.add_argument("--user", metavar="NAME", help=_("who you are (default: PANTI_USER)"))
    p.add_argument("--lang", choices=["id", "en"], help=_("language of messages (default: id)"))
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("init", help=_("create the centre vault"))
    s.add_argument("--centre-code", required=True, metavar="CODE")
    s.add_argument("--centre-name", required=True, metavar="NAME")
    s.add_argument("--centre-type", default="sentra", choices=["sentra", "lpks", "lpa", "hq"])
    s.add_argument("--province", metavar="NAME")
    s.add_argument("--admin", required=True, metavar="NAME")
    s.set_defaults(func=cmd_init)

    u = sub.add_parser("user", help=_("manage users")).add_subparsers(dest="user_command", metavar="ACTION", parser_class=_Parser)
    s = u.add_parser("add", help=_("add a user (passphrase from PANTI_NEW_PASSPHRASE or a prompt)"))
    s.add_argument("name")
    s.add_argument("--role", required=True, choices=["admin", "manager", "counsellor", "staff"])
    s.set_defaults(func=cmd_user_add)
    s = u.add_parser("passwd", help=_("change your passphrase"))
    s.set_defaults(func=cmd_user_passwd)
    s = u.add_parser("remove", help=_("remove a user and replace the keys they held"))
    s.add_argument("name")
    s.set_defaults(func=cmd_user_remove)
    s = u.add_parser("list", help=_("list users"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_user_list)

    s = sub.add_parser("recover", help=_("set a new passphrase with the recovery key"))
    s.add_argument("--user", dest="user_name", required=True, metavar="NAME")
    s.set_defaults(func=cmd_recover)

    s = sub.add_parser("demo", help=_("fill the vault with a realistic demo centre (creates it if missing)"))
    s.add_argument("--children", type=int, default=50)
    s.add_argument("--sessions-per-child", type=int)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--show", type=int, default=20, help=_("how many children to print afterwards"))
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=cmd_demo)

    c = sub.add_parser("child", help=_("children's files")).add_subparsers(dest="child_command", metavar="ACTION", parser_class=_Parser)
    s = c.add_parser("list", help=_("the caseload"))
    s.add_argument("--json", action="store_true")
    s.add_argument("--status")
    s.add_argument("--counsellor", metavar="NAME")
    s.add_argument("--search", metavar="TEXT", help=_("name, nickname or register number"))
    s.add_argument("--limit", type=int)
    s.set_defaults(func=cmd_child_list)
    s = c.add_parser("show", help=_("one child's file"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_child_show)
    s = c.add_parser("add", help=_("register a child: FIELD=VALUE ..."))
    s.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    s.set_defaults(func=cmd_child_add)
    s = c.add_parser("update", help=_("change fields of a child: REF FIELD=VALUE ..."))
    s.add_argument("ref", metavar="REF")
    s.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    s.set_defaults(func=cmd_child_update)

    s = sub.add_parser("verify", help=_("open every sealed record and check the audit chain"))
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("audit", help=_("the audit log (managers and admins)"))
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_audit)

    b = sub.add_parser("backup", help=_("write an encrypted, verified backup (admins)"))
    b.add_argument("--out", metavar="FILE", help=_("a backup file or a folder (e.g. a USB stick)"))
    b.set_defaults(func=cmd_backup)
    bsub = b.add_subparsers(dest="backup_command", metavar="ACTION", parser_class=_Parser)
    s = bsub.add_parser("verify", help=_("check a backup completely without restoring it"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--recovery-key", action="store_true", help=_("open it with the recovery key (PANTI_RECOVERY_KEY)"))
    s.set_defaults(func=cmd_backup_verify)

    s = sub.add_parser("restore", help=_("restore a backup into the data folder (the old data is kept aside)"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--recovery-key", action="store_true", help=_("open it with the recovery key (PANTI_RECOVERY_KEY)"))
    s.add_argument("--other-centre", action="store_true", help=_("allow a backup of another centre to replace this one"))
    s.set_defaults(func=cmd_restore)

    r = sub.add_parser("retention", help=_("retention review, legal holds and erasure")).add_subparsers(
        dest="retention_command", metavar="ACTION", parser_class=_Parser)
    s = r.add_parser("list", help=_("cases with records past the end of their retention period"))
    s.add_argument("--json", action="store_true")
    s.add_argument("--all", action="store_true", help=_("every ended case, not only those past due"))
    s.set_defaults(func=cmd_retention_list)
    s = r.add_parser("hold", help=_("place a legal hold that blocks erasure"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--reason", required=True, metavar="TEXT")
    s.add_argument("--until", required=True, metavar="DATE")
    s.set_defaults(func=cmd_retention_hold)
    s = r.add_parser("erase", help=_("erase what of a case is past its retention: the whole case or some "
                                     "record types"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--reason", metavar="TEXT")
    s.set_defaults(func=cmd_retention_erase)
    s = r.add_parser("rules", help=_("show or set the retention period per record type"))
    s.add_argument("--set", action="append", metavar="KIND=YEARS")
    s.set_defaults(func=cmd_retention_rules)

    rep = sub.add_parser("report", help=_("PDF reports")).add_subparsers(
        dest="report_command", metavar="KIND", parser_class=_Parser)
    for report in REPORTS.values():  # one subcommand per report of the registry
        s = rep.add_parser(cli_name(report), help=report.help_text())
        if report.scope == "child":
            s.add_argument("ref", metavar="REF")
        if report.period:
            s.add_argument("--from", dest="date_from", metavar="DATE")
            s.add_argument("--to", dest="date_to", metavar="DATE")
        s.add_argument("--out", required=True, metavar="FILE")
        if "full_identity" in report.options:
            s.add_argument("--full-identity", action="store_true",
                           help=_("include the full identity (recorded in the audit log)"))
        if "password" in report.options:
            s.add_argument("--password-env", metavar="VAR", help=_("encrypt the PDF with the password in this variable"))
        if "place" in report.options:
            s.add_argument("--place", default="", help=_("place written above the signatures"))
        if "centre" in report.options:
            s.add_argument("--centre", metavar="CODE", help=_("one centre only (at headquarters); all centres by default"))
        s.set_defaults(func=cmd_report_recovery_kit if report.scope == "recovery" else cmd_report,
                       report=report.name)

    c2 = sub.add_parser("contact", help=_("this centre's contact card for sync")).add_subparsers(
        dest="contact_command", metavar="ACTION", parser_class=_Parser)
    s = c2.add_parser("export", help=_("write this centre's contact card (public keys)"))
    s.add_argument("--out", required=True, metavar="FILE")
    s.set_defaults(func=cmd_contact_export)
    pe = sub.add_parser("peer", help=_("trusted centres and headquarters (admins)")).add_subparsers(
        dest="peer_command", metavar="ACTION", parser_class=_Parser)
    s = pe.add_parser("add", help=_("trust a contact card after comparing its fingerprint"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--fingerprint", metavar="FP")
    s.set_defaults(func=cmd_peer_add)
    s = pe.add_parser("list", help=_("the trusted peers"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_peer_list)
    s = pe.add_parser("revoke", help=_("stop trusting a peer"))
    s.add_argument("code", metavar="CODE")
    s.set_defaults(func=cmd_peer_revoke)

    s = sub.add_parser("export", help=_("write a sync bundle for a peer (admins)"))
    s.add_argument("--to", required=True, metavar="CODE")
    s.add_argument("--child", metavar="REF", help=_("transfer this child's whole file to the peer"))
    s.add_argument("--stats", action="store_true",
                   help=_("only the de-identified centre statistics, for headquarters"))
    s.add_argument("--from", dest="date_from", metavar="DATE", help=_("with --stats: start of the period"))
    s.add_argument("--until", dest="date_to", metavar="DATE", help=_("with --stats: end of the period"))
    s.add_argument("--out", metavar="FILE")
    s.set_defaults(func=cmd_export)
    s = sub.add_parser("import", help=_("import a sync bundle (nothing changes when it is refused)"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--preview", action="store_true", help=_("show what would change, change nothing"))
    s.add_argument("--ack-out", metavar="FILE")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_import)
    cf = sub.add_parser("conflicts", help=_("versions that disagree after sync (managers)")).add_subparsers(
        dest="conflicts_command", metavar="ACTION", parser_class=_Parser)
    s = cf.add_parser("list", help=_("the open conflicts"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_conflicts_list)
    s = cf.add_parser("resolve", help=_("keep one side of a conflict"))
    s.add_argument("id", metavar="ID")
    s.add_argument("--keep", required=True, choices=["mine", "theirs", "both"])
    s.set_defaults(func=cmd_conflicts_resolve)
    sy = sub.add_parser("sync", help=_("bundles sent and received per peer")).add_subparsers(
        dest="sync_command", metavar="ACTION", parser_class=_Parser)
    s = sy.add_parser("status", help=_("per peer: sent, acknowledged, received, missing"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sync_status)
    s = sy.add_parser("centres", help=_("every centre's caseload and sessions side by side (headquarters)"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sync_centres)

    s = sub.add_parser("gui", help=_("open the desktop window (also what runs with no command)"))
    s.set_defaults(func=cmd_gui)

    s = sub.add_parser("bench", help=_("measure performance against an unsealed baseline"))
    s.add_argument("--scale", choices=["centre", "hq"], default="centre")
    s.add_argument("--children", type=int)
    s.add_argument("--sessions-per-child", type=int)
    s.add_argument("--repeats", type=int, default=7)
    s.set_defaults(func=cmd_bench)
    return p


def _language_from(argv: Sequence[str]) -> str | None:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


def _translate_argparse(lang: str) -> None:
    """argparse's own messages ("the following arguments are required") come from our catalogue."""
    import gettext

    from .i18n import DOMAIN
    from .paths import resource

    gettext.bindtextdomain(DOMAIN, str(resource("locale")))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = set_language(_language_from(argv))
    _translate_argparse(lang)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            if getattr(args, "command", None) is None:
                return cmd_gui(args)  # no command: the desktop window
            parser.print_help()
            return EXIT_USAGE
        return args.func(args)
    except UsageError as exc:
        print(f"panti-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PantiError as exc:
        print(f"panti-desktop: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_("Cancelled."), file=sys.stderr)
        return EXIT_FAILED
    except sqlite3.DatabaseError as exc:  # met on a connection of its own (import, backup)
        from .workspace import storage_error

        mapped = storage_error(exc)
        if mapped is None:
            raise
        log.warning("storage error: %s", exc)
        print(f"panti-desktop: {mapped}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        log.debug("OS error", exc_info=True)
        print(
            "panti-desktop: "
            + _("The operation failed: {error}").format(error=exc.strerror or exc),
            file=sys.stderr,
        )
        return EXIT_FAILED
