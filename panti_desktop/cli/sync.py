"""Sync between centres: `contact`, `peer`, `export`, `import`, `conflicts` and `sync status|centres`."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from .common import EXIT_OK, _day, _open, _Parser, _print_json, _progress_printer, _table


def cmd_contact_export(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import peers

    with _open(args) as ws:
        card = peers.export_card(ws, Path(args.out))
    print(_("Contact card written: {path}").format(path=args.out))
    print(_("Fingerprint (compare it with the other centre by phone or on paper): {fp}").format(
        fp=card["fingerprint"]))
    return EXIT_OK


def cmd_peer_add(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import peers

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
    # the sync code (store, cryptography) loads only for this command
    from ..sync import peers

    with _open(args) as ws:
        items = peers.peers(ws)
    if args.json:
        _print_json([{"code": p.code, "name": p.name, "role": p.role, "fingerprint": p.fingerprint,
                      "added_at": p.added_at, "revoked_at": p.revoked_at} for p in items])
    else:
        print(_table([[p.code, p.name, p.role, p.fingerprint, _day(p.revoked_at)]
                      for p in items], [_("Code"), _("Name"), _("Role"), _("Fingerprint"), _("Revoked")]))
    return EXIT_OK


def cmd_peer_revoke(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import peers

    with _open(args) as ws:
        p = peers.revoke_peer(ws, args.code)
    print(_("{code} is no longer trusted; its bundles will be refused.").format(code=p.code))
    return EXIT_OK


def cmd_export(args) -> int:
    # the date parser and the sync code load only for this command
    from ..domain.fields import parse_date
    from ..sync import exchange

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
    # the sync code (store, cryptography) loads only for this command
    from ..sync import exchange

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
        _print_json({k: (str(v) if isinstance(v, Path) else [q.__dict__ for q in v] if k == "quarantined"
                         else [f.as_dict() for f in v] if k == "flagged" else v)
                     for k, v in res.__dict__.items() if not k.startswith("_")})
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
    for q in res.quarantined:
        where = q.register_no or q.record_id
        print("  " + _("Refused: {what} {where}{field}: {reason}").format(
            what=q.what(), where=where, field=f" ({q.field})" if q.field else "", reason=q.reason)
              + (" " + _("(held for a manager: accept the erasure or keep the case in the Refused tab)")
                 if q.held else ""))
    for f in res.flagged:
        print("  " + _("Flagged, not refused: child {register} breaks a consistency rule:").format(
            register=f.register_no or f.child_id))
        for line in f.lines():
            print("    - " + line)
    if res.flagged:
        print(_("The records were applied as the sending centre wrote them; see panti-desktop verify --consistency."))
    if res.conflicts or res.duplicates:
        print(_("Conflicts to resolve: panti-desktop conflicts list"))
    if res.ack_path:
        print(_("Acknowledgement for {code} written: {path} (send it back to them).").format(
            code=res.sender, path=res.ack_path))
    return EXIT_OK


def cmd_conflicts_list(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import exchange

    with _open(args) as ws:
        items = exchange.list_conflicts(ws)
    if args.json:
        _print_json([{k: v for k, v in c.__dict__.items()} | {"changed_fields": c.changed_fields()} for c in items])
        return EXIT_OK
    if not items:
        print(_("No conflicts."))
        return EXIT_OK
    reasons = {"concurrent": _("edited at two places"), "deleted": _("deleted at one place, edited at another"),
               "duplicate": _("may be the same child registered twice"),
               "amendment": _("a peer's other content for a session that is final here")}
    rows = []
    for c in items:
        what = ", ".join(c.changed_fields()[:4]) if c.reason == "concurrent" else (
            f"{c.mine_version} / {c.theirs_version}" if c.reason == "duplicate" else "")
        rows.append([c.id, c.register_no, c.kind, reasons[c.reason], what])
    print(_table(rows, [_("Id"), _("Register no."), _("Record"), _("Conflict"), _("Fields")]))
    return EXIT_OK


def cmd_conflicts_resolve(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import exchange

    with _open(args) as ws:
        exchange.resolve_conflict(ws, args.id, args.keep)
    print(_("Conflict {id} resolved.").format(id=args.id))
    return EXIT_OK


def cmd_sync_status(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import exchange

    with _open(args) as ws:
        items = exchange.peer_status(ws)
        n = exchange.conflict_count(ws)
    if args.json:
        _print_json([{"peer": s.peer.code, "role": s.peer.role, "sent": s.sent, "received": s.received,
                      "last_sent": s.last_sent, "last_received": s.last_received, "unacknowledged": s.unacked,
                      "gaps": s.gaps, "key_notices_pending": s.key_notices} for s in items] + [{"conflicts": n}])
        return EXIT_OK
    print(_table([[s.peer.code, str(s.sent), str(s.unacked), _day(s.last_sent), str(s.received),
                   _day(s.last_received), ", ".join(str(g) for g in s.gaps),
                   ", ".join(_day(at) for at in s.key_notices)] for s in items],
                 [_("Peer"), _("Sent"), _("Unacknowledged"), _("Last sent"), _("Received"), _("Last received"),
                  _("Missing"), _("New keys not yet received")]))
    print(_("Open conflicts: {n}").format(n=n))
    if any(s.key_notices for s in items):
        print(_("This centre's sync keys were replaced. Until a peer imports a bundle from here, it still accepts "
                "bundles signed with the old keys: send each peer a bundle soon."))
    return EXIT_OK


def cmd_sync_centres(args) -> int:
    # the sync code (store, cryptography) loads only for this command
    from ..sync import hq

    with _open(args) as ws:
        items = hq.overview(ws)
    if args.json:
        _print_json([{**r.__dict__, "from_statistics": r.from_statistics} for r in items])
        return EXIT_OK
    rows = []
    for r in items:
        if r.from_statistics:
            rows.append([r.code, r.name, str(r.stats_children), "—", "—", "—",
                         _("statistics {start} – {end}").format(start=_day(r.stats_period[0]), end=_day(r.stats_period[1]))])
        else:
            rows.append([r.code, r.name, str(r.children), str(r.active), str(r.sessions_30d), str(r.open_conflicts),
                         _day(r.last_received) + (" " + _("missing: {seqs}").format(
                             seqs=", ".join(map(str, r.gaps))) if r.gaps else "")])
    print(_table(rows, [_("Centre"), _("Name"), _("Children"), _("Active"), _("Sessions (30 days)"),
                        _("Conflicts"), _("Last received")]))
    return EXIT_OK


def register(sub) -> None:
    """Add contact, peer, export, import, conflicts and sync to the top-level commands."""
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

    s = sub.add_parser("export", help=_("write a sync bundle for a peer (managers and admins)"))
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
