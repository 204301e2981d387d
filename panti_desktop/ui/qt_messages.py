"""Qt's own user-visible strings, so they can be translated through our catalogue.

Qt ships no Indonesian translation; `common.GettextTranslator` answers Qt's
translation requests for exactly these strings.
"""

from __future__ import annotations

from ..i18n import N_

MESSAGES = [
    # standard buttons (QPlatformTheme)
    N_("OK"), N_("&OK"), N_("Save"), N_("&Save"), N_("Save All"), N_("Open"), N_("&Open"), N_("&Yes"),
    N_("Yes to &All"), N_("&No"), N_("N&o to All"), N_("Abort"), N_("Retry"), N_("Ignore"), N_("Close"),
    N_("&Close"), N_("Cancel"), N_("&Cancel"), N_("Discard"), N_("Don't Save"), N_("Close without Saving"),
    N_("Help"), N_("Apply"), N_("Reset"), N_("Restore Defaults"),
    # text field context menu
    N_("&Undo"), N_("&Redo"), N_("Cu&t"), N_("&Copy"), N_("&Paste"), N_("Delete"), N_("Select All"),
    N_("Copy &Link Location"),
    # message box and wizard
    N_("Show Details..."), N_("Hide Details..."), N_("< &Back"), N_("&Back"), N_("&Next >"), N_("&Next"),
    N_("&Finish"), N_("&Help"), N_("Go Back"), N_("Continue"), N_("Commit"), N_("Done"), N_("Quit"),
]

KNOWN = frozenset(MESSAGES)
