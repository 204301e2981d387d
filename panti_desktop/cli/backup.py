"""Backups: `backup` (write and verify one), `backup verify` and `restore`."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from .common import EXIT_OK, _data_dir, _open, _Parser, _progress_printer, _secret


def _backup_secrets(args) -> dict:
    if args.recovery_key:
        return {"recovery_text": _secret("PANTI_RECOVERY_KEY", _("Recovery key: "))}
    return {"passphrase": _secret("PANTI_PASSPHRASE", _("An administrator's passphrase: "))}


def cmd_backup(args) -> int:
    # the backup code (store, cryptography) loads only for this command
    from .. import backup

    if not args.out:
        raise UsageError(_("Say where to write the backup: backup --out FILE (or a folder)."))
    with _open(args) as ws:
        info = backup.create_backup(ws, Path(args.out), progress=_progress_printer(_("Backup")))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(_("Backup written and verified: {path} ({size:.1f} MB, {children} children, {sessions} sessions).").format(
        path=info.path, size=info.size / 1e6, children=info.counts.get("child", 0),
        sessions=info.counts.get("session", 0)))
    print(backup.what_was_checked())
    return EXIT_OK


def cmd_backup_verify(args) -> int:
    # the backup code (store, cryptography) loads only for this command
    from .. import backup

    info = backup.verify_backup(Path(args.file), **_backup_secrets(args), stage_in=_data_dir(args))
    print(_("The backup is complete and intact: centre {code}, made {when}, {children} children, "
            "{sessions} sessions, {users} users.").format(
        code=info.centre_code, when=info.created_at.replace("T", " ")[:16], children=info.counts.get("child", 0),
        sessions=info.counts.get("session", 0), users=info.counts.get("user", 0)))
    print(backup.what_was_checked())
    return EXIT_OK


def cmd_restore(args) -> int:
    # the backup code (store, cryptography) loads only for this command
    from .. import backup
    from ..workspace import Workspace

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


def register(sub) -> None:
    """Add backup (with its verify action) and restore to the top-level commands."""
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
