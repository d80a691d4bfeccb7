"""P05: every string of every template has its French translation."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import trans_real
from django.utils.translation.template import templatize

GETTEXT_CALLS = {"gettext": (1, False), "ngettext": (2, False), "pgettext": (2, True)}
"""Each call templatize emits: how many leading string arguments it takes, and context first."""


def _templates() -> list[Path]:
    root = Path(settings.BASE_DIR)
    found = sorted((root / "templates").rglob("*.html"))
    found += sorted((root / "equity").rglob("templates/**/*.html"))
    found += sorted((root / "equity").rglob("templates/**/*.txt"))
    return found


def messages_of(source: str, origin: str) -> list[tuple[str | None, str, str | None]]:
    """Return (context, msgid, plural) for every translatable string of a template.

    ``templatize`` is what ``makemessages`` runs before xgettext; its output is
    read one line at a time (its indentation is not Python's).
    """
    found = []
    for line in templatize(source, origin=origin).splitlines():
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline)
            if token.type in (tokenize.NAME, tokenize.STRING)
        ]
        for index, token in enumerate(tokens):
            if token.type != tokenize.NAME or token.string not in GETTEXT_CALLS:
                continue
            count, has_context = GETTEXT_CALLS[token.string]
            strings = [eval(t.string) for t in tokens[index + 1 : index + 1 + count]]
            context = strings.pop(0) if has_context else None
            found.append((context, strings[0], strings[1] if len(strings) > 1 else None))
    return found


def _translated(catalog: object, context: str | None, msgid: str, plural: str | None) -> bool:
    key = f"{context}\x04{msgid}" if context else msgid
    value = catalog.get((key, 0) if plural else key)
    return bool(value)


def test_the_template_reader_finds_every_kind_of_string():
    source = (
        '{% load i18n %}{% translate "One" %}{% translate "Two" context "menu" %}'
        "{% blocktranslate trimmed count n=items %}\n one {{ n }} item\n{% plural %}"
        "{{ n }} items{% endblocktranslate %}"
    )

    assert messages_of(source, "t.html") == [
        (None, "One", None),
        ("menu", "Two", None),
        (None, "one %(n)s item", "%(n)s items"),
    ]


def test_every_template_string_has_a_french_translation():
    catalog = trans_real.translation("fr")._catalog
    missing = [
        f"{path.relative_to(settings.BASE_DIR)}: {msgid!r}"
        for path in _templates()
        for context, msgid, plural in messages_of(path.read_text(), str(path))
        if not _translated(catalog, context, msgid, plural)
    ]

    assert missing == []


@pytest.mark.parametrize("language", ["fr"])
def test_the_french_catalog_has_no_untranslated_or_fuzzy_entry(language):
    po = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    entries = po.read_text().split("\n\n")[1:]  # the first block is the header

    untranslated = [
        entry
        for entry in entries
        if "#, fuzzy" in entry
        or entry.rstrip().endswith(('msgstr ""', 'msgstr[0] ""', 'msgstr[1] ""'))
    ]

    assert untranslated == []
