"""Every message a user can read exists in Indonesian, and the compiled catalogue is current."""

from __future__ import annotations

import gettext
import importlib.util
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from panti_desktop import i18n
from panti_desktop.paths import resource

ROOT = Path(__file__).resolve().parent.parent


def _load_update_script():
    spec = importlib.util.spec_from_file_location("update_catalogue", ROOT / "scripts" / "update_catalogue.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["update_catalogue"] = mod
    spec.loader.exec_module(mod)
    return mod


def _po(lang: str):
    with open(resource("locale", lang, "LC_MESSAGES", "panti_desktop.po"), "rb") as f:
        return read_po(f, locale=lang)


def test_every_message_in_the_code_has_an_indonesian_translation():
    template = _load_update_script().extract()
    po = _po("id")
    def translated(m) -> bool:  # a plural message is a tuple of forms, every one needed
        return bool(m and (all(m.string) if isinstance(m.string, tuple) else m.string))

    missing = [m.id for m in template if m.id and not translated(po.get(m.id))]
    assert not missing, f"untranslated (run scripts/update_catalogue.py): {missing[:10]}"


def test_compiled_catalogue_matches_the_po_file():
    po = _po("id")
    with open(resource("locale", "id", "LC_MESSAGES", "panti_desktop.mo"), "rb") as f:
        mo = gettext.GNUTranslations(f)
    for m in po:
        if m.id and m.string and isinstance(m.id, str):
            assert mo.gettext(m.id) == m.string, f"stale .mo for {m.id!r}: run scripts/update_catalogue.py"


def test_placeholders_survive_translation():
    import re

    for m in _po("id"):
        if m.id and m.string and isinstance(m.id, str):
            assert set(re.findall(r"{\w+}", m.id)) == set(re.findall(r"{\w+}", m.string)), m.id
            assert sorted(re.findall(r"%\(?\w*\)?[sdr]", m.id)) == sorted(re.findall(r"%\(?\w*\)?[sdr]", m.string)), m.id


def test_indonesian_is_the_default_and_english_is_available():
    assert i18n.set_language(None) == "id"
    assert i18n._("The passphrase is wrong.") != "The passphrase is wrong."
    assert i18n.set_language("en") == "en"
    assert i18n._("The passphrase is wrong.") == "The passphrase is wrong."
    assert i18n.set_language("fr") == "id"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_labels_follow_the_language(lang):
    label = i18n.Label("Anak", "Child")
    i18n.set_language(lang)
    assert str(label) == ("Anak" if lang == "id" else "Child")


def test_no_translated_text_hides_inside_an_f_string():
    """Babel cannot extract _() inside f-strings: such text would never be translated."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "panti_desktop"
    hidden = [f"{p.name}:{i}" for p in root.rglob("*.py")
              for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"f[\"'][^\"']*\{_\(", line)]
    assert hidden == []
