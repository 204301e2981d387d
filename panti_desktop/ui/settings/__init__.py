"""Pengaturan (settings): a package with one module per box of the page."""

from ..common import Worker
from .dialogs import NewPassphraseDialog, RecoveryKeyDialog
from .page import SettingsPage

__all__ = ["NewPassphraseDialog", "RecoveryKeyDialog", "SettingsPage", "Worker"]
