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
    # file dialog (QFileDialog, QFileSystemModel): choosing where a report, bundle or backup goes
    N_("&Look in:"), N_("Look in:"), N_("File &name:"), N_("File name:"), N_("Files of &type:"), N_("Files of type:"), N_("Directory:"), N_("&Choose"),
    N_("Choose"), N_("Save As"), N_("Find Directory"), N_("All Files (*)"), N_("Back"), N_("Forward"),
    N_("Parent Directory"), N_("Create New Folder"), N_("New Folder"), N_("&New Folder"), N_("List View"),
    N_("Detail View"), N_("Sidebar"), N_("List of places and bookmarks"), N_("Files"), N_("Name"), N_("Size"),
    N_("Type"), N_("Kind"), N_("Date Modified"), N_("My Computer"), N_("Computer"), N_("Recent Places"),
    N_("&Rename"), N_("&Delete"), N_("Show &hidden files"), N_("Remove"), N_("File"), N_("File Folder"),
    N_("Folder"), N_("Drive"), N_("Unknown"), N_("Go back"), N_("Go forward"), N_("Go to the parent directory"),
    N_("Create a New Folder"), N_("Change to list view mode"), N_("Change to detail view mode"),
    N_("%1 already exists.\nDo you want to replace it?"),
    N_("%1\nFile not found.\nPlease verify the correct file name was given."),
    N_("%1\nDirectory not found.\nPlease verify the correct directory name was given."),
    N_("Are you sure you want to delete '%1'?"),
]

KNOWN = frozenset(MESSAGES)
