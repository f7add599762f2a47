"""The quick test for an attribution's closing verb finds exactly what the full pattern finds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.trim_patterns import VERB_END, ends_with_verb

LINES = [
    "On Mon, 3 Dec 2026 at 10:00, Jens <jens@x.dk> wrote:",
    "Den 3. dec. 2026 kl. 10.00 skrev Mette Lund <ml@tradium.dk>:",
    "---- John Smith wrote ----",
    "Le 3 déc. 2026 à 10:00, Jean a écrit :",
    "Roman <r@x> sent:",
    "Jens Hansen napisał(a):",
    "yazdı",
    "KIRJOITTI  -- ",
    "Vi ses til mødet.",
    "Med venlig hilsen",
    "",
    "   ",
    "----",
]


@pytest.mark.parametrize("line", LINES)
def test_closing_verbs_found_as_the_full_pattern_finds_them(line: str) -> None:
    found, full = ends_with_verb(line), VERB_END.search(line)
    assert (found and found.span()) == (full and full.span())


_PIECES = st.sampled_from(
    ["wrote", "skrev", "SENT", "sent", ":", "：", " ", "-", "\n", "\t", "a", "ı", "ſ",
     "K", "yazd", "écrit", "napisał(a)", ".", "x", "写道"]
)  # fmt: skip


@settings(max_examples=2000, database=None)
@given(st.lists(_PIECES, max_size=10).map("".join))
def test_any_text_is_judged_as_the_full_pattern_judges_it(text: str) -> None:
    found, full = ends_with_verb(text), VERB_END.search(text)
    assert (found and found.span()) == (full and full.span())
