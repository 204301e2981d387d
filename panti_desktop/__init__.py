"""panti_desktop: encrypted, offline-first case records for child rehabilitation centres."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("panti-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
