"""Extract messages from the code, merge them into each language's .po and compile the .mo.

Run after changing any user-facing text: `.venv/bin/python scripts/update_catalogue.py`.
Untranslated entries are listed; tests fail until they are translated.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "resources" / "locale"
DOMAIN = "panti_desktop"
LANGUAGES = ("id",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="panti-desktop", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "panti_desktop"),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        template.add(message, None, [(f"panti_desktop/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def main() -> int:
    template = extract()
    with open(LOCALE / f"{DOMAIN}.pot", "wb") as f:
        write_po(f, template, width=100, omit_header=False, sort_output=True)
    missing_total = 0
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with open(path, "rb") as f:
                catalog = read_po(f, locale=lang, domain=DOMAIN)
        else:
            catalog = Catalog(locale=lang, domain=DOMAIN, project="panti-desktop")
        # Merge *.po.part files (translations handed in by other work) before updating.
        for part in sorted(path.parent.glob("*.po.part")):
            with open(part, "rb") as f:
                extra = read_po(f, locale=lang)
            for m in extra:
                if m.id and m.string and not (catalog.get(m.id) and catalog.get(m.id).string):
                    catalog.add(m.id, m.string)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            write_po(f, catalog, width=100, sort_output=True, ignore_obsolete=True)
        with open(path.with_suffix(".mo"), "wb") as f:
            write_mo(f, catalog)
        missing = [m.id for m in catalog if m.id and not m.string]
        missing_total += len(missing)
        for m in missing:
            print(f"[{lang}] untranslated: {m!r}")
    print(f"{len(template)} messages; {missing_total} untranslated")
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main())
