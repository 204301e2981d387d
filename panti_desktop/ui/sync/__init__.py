"""Sinkronisasi: send and receive sync bundles, their history, conflicts and trusted peers.

At headquarters a first tab shows every centre side by side. Export and import run
off the UI thread behind a progress dialog with Cancel; an import is always
previewed first and applied only when the user says so. Dialogs (choosing files,
confirming) are kept apart from the actions, which take paths, so tests drive the
actions directly.

page.py is the page; each tab has its own module (centres.py, send.py, receive.py,
history.py, conflicts.py, peers.py); common.py holds what several tabs share.
"""

from .page import SyncPage

__all__ = ["SyncPage"]
