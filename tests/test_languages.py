"""Which language one person reads: their own, else their Telegram's, else the group's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agenda.groupfile import load_group
from agenda.languages import from_telegram, language_for
from agenda.model import Language
from tests.conftest import CORPUS_GROUP


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("en", Language.EN),
        ("en-GB", Language.EN),
        ("EN_us", Language.EN),
        ("da", Language.DA),
        ("da-DK", Language.DA),
        ("de", None),
        ("", None),
        (None, None),
    ],
)
def test_telegram_language_codes_are_read_by_their_language(
    code: str | None, language: Language | None
) -> None:
    assert from_telegram(code) is language


def test_the_group_file_wins_then_telegram_then_the_group() -> None:
    group = load_group(CORPUS_GROUP)
    found = group.contact_by_email("jo@danskbyggeri-djurs.example.com")
    assert found is not None and group.language is Language.DA
    contact = found[1]
    assert language_for(group, contact) is Language.DA
    assert language_for(group, contact, "en-GB") is Language.EN
    # A language we do not write falls back to the group's.
    assert language_for(group, contact, "fr") is Language.DA
    english = replace(contact, language=Language.EN)
    assert language_for(group, english, "da") is Language.EN
    danish = replace(contact, language=Language.DA)
    assert language_for(group, danish, "en") is Language.DA
