"""Errors a user can meet. Each carries one clear, translated sentence."""

from __future__ import annotations


class PantiError(Exception):
    """A refused or failed operation; `str(err)` is the user-facing sentence."""


class VaultError(PantiError):
    """The vault could not be opened or changed."""


class WrongPassphrase(VaultError):
    pass


class UnknownUser(VaultError):
    pass


class PermissionDenied(PantiError):
    """The unlocked user holds no key for what was asked."""


class IntegrityError(PantiError):
    """A sealed record, key slot or audit entry failed verification."""


class NotFound(PantiError):
    pass


class ValidationError(PantiError):
    """Input that breaks a domain rule. `field` names the offending field, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class UsageError(PantiError):
    """A command-line usage error (exit code 2)."""


class Cancelled(PantiError):
    """The user cancelled a long operation; nothing was changed."""
