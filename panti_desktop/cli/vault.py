"""The vault and its users: `init`, `user add|passwd|remove|list` and `recover`."""

from __future__ import annotations

from ..i18n import _
from .common import (
    EXIT_OK,
    _data_dir,
    _day,
    _open,
    _Parser,
    _print_json,
    _print_recovery,
    _secret,
    _table,
    _user,
)


def cmd_init(args) -> int:
    # the workspace (store, cryptography) loads only when a command runs
    from ..workspace import Workspace

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


def cmd_user_add(args) -> int:
    with _open(args) as ws:
        passphrase = _secret(
            "PANTI_NEW_PASSPHRASE", _("New passphrase for {user}: ").format(user=args.name), confirm=True
        )
        ws.add_user(args.name, args.role, passphrase)
    print(_("User {name} was added as {role}.").format(name=args.name, role=_role_label(args.role)))
    return EXIT_OK


def cmd_user_passwd(args) -> int:
    # the workspace (store, cryptography) loads only when a command runs
    from ..workspace import Workspace

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
    # the workspace (store, cryptography) loads only when a command runs
    from ..workspace import Workspace

    users = Workspace.list_users(_data_dir(args))
    if args.json:
        _print_json([{"id": u.id, "name": u.name, "role": u.role, "created_at": u.created_at} for u in users])
    else:
        print(_table([[u.name, _role_label(u.role), _day(u.created_at)] for u in users],
                     [_("Name"), _("Role"), _("Since")]))
    return EXIT_OK


PROFILE_FIELDS = ("full_name", "staff_no", "position", "phone")


def cmd_user_profile(args) -> int:
    """Show or set a user's full name, NIP or staff number, position and phone (reports sign with them)."""
    from ..errors import UsageError

    name, assignments = args.name, list(args.assignments)
    if name and "=" in name:  # `user profile full_name=...`: one's own profile
        name, assignments = None, [name, *assignments]
    changes = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or key not in PROFILE_FIELDS:
            raise UsageError(_("Write each change as FIELD=VALUE, FIELD one of {fields}: {item}").format(
                fields=", ".join(PROFILE_FIELDS), item=item))
        changes[key] = value
    with _open(args) as ws:
        user_id = ws.user_id(name or ws.user.name)
        if changes:
            ws.save_user_profile(user_id, changes)
        profile = ws.user_profile(user_id)
    rows = [[k, profile.get(k) or ""] for k in PROFILE_FIELDS]
    print(_table(rows, [_("Field"), _("Value")]))
    return EXIT_OK


def cmd_recover(args) -> int:
    # the workspace (store, cryptography) loads only when a command runs
    from ..workspace import Workspace

    key = _secret("PANTI_RECOVERY_KEY", _("Recovery key: "))
    with Workspace.open_with_recovery(_data_dir(args), key, args.user_name) as ws:
        new = _secret(
            "PANTI_NEW_PASSPHRASE", _("New passphrase for {user}: ").format(user=args.user_name), confirm=True
        )
        ws.reset_passphrase(args.user_name, new)
    print(_("A new passphrase was set for {user}.").format(user=args.user_name))
    return EXIT_OK


def _role_label(code: str) -> str:
    # the vocabularies load only when a label is printed
    from ..domain.vocab import ROLES

    return ROLES.label(code) if code in ROLES else code


def register(sub) -> None:
    """Add init, user and recover to the top-level commands."""
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

    s = u.add_parser("profile", help=_("show or set a user's full name, NIP, position and phone: "
                                       "[NAME] FIELD=VALUE ..."))
    s.add_argument("name", nargs="?", help=_("the user (yourself when left out; others: administrators)"))
    s.add_argument("assignments", nargs="*", metavar="FIELD=VALUE")
    s.set_defaults(func=cmd_user_profile)

    s = sub.add_parser("recover", help=_("set a new passphrase with the recovery key"))
    s.add_argument("--user", dest="user_name", required=True, metavar="NAME")
    s.set_defaults(func=cmd_recover)
