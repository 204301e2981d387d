"""Translations: one gettext catalogue for the core, the CLI, the reports and the UI.

Message ids are English; Bahasa Indonesia is the default language and lives in
`resources/locale/id/LC_MESSAGES/panti_desktop.mo`. Vocabulary labels carry both
languages directly (see `Label`), so lists of codes never depend on a catalogue.
"""

from __future__ import annotations

import gettext
import os
from typing import NamedTuple

from .paths import resource

DOMAIN = "panti_desktop"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

_current = DEFAULT_LANGUAGE
_translations: dict[str, gettext.NullTranslations] = {}


def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang not in _translations:
        if lang == "en":
            _translations[lang] = gettext.NullTranslations()
        else:
            _translations[lang] = gettext.translation(
                DOMAIN, localedir=str(resource("locale")), languages=[lang]
            )
    return _translations[lang]


def set_language(lang: str | None) -> str:
    """Switch the language of every message; returns the language now in force."""
    global _current
    lang = (lang or os.environ.get("PANTI_LANG") or DEFAULT_LANGUAGE).lower()[:2]
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    _catalogue(lang)
    _current = lang
    return lang


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """Translate a message into the current language."""
    return _catalogue(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalogue(_current).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


class Label(NamedTuple):
    """A label in both languages, for vocabularies and enum-like codes."""

    id: str
    en: str

    def text(self, lang: str | None = None) -> str:
        return self.en if (lang or _current) == "en" else self.id

    def __str__(self) -> str:
        return self.text()
