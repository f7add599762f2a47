"""The vocabulary scan finds exactly the lists a plain walk over every word finds.

`Lexicon.lists_in` cuts a text's words in C and tries phrases only after the words that open
them; here it is held against the plain way (every word, its next word, every phrase filed
there), on vocabulary phrases mixed with punctuation, case, digits and odd letters.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.lexicon import _ANCHORED, _compiled, lexicon
from agenda.sentences import ROLES, roles_of

_WORD = re.compile(r"\w+")


def _plain(text: str, lists: frozenset[str] | None = None) -> frozenset[str]:
    """Every list with a phrase at one of the text's words, word by word."""
    low = text.lower()
    if len(low) == len(text):
        tokens = [(m.group(0), m.start()) for m in _WORD.finditer(low)]
    else:
        tokens = [(m.group(0).lower(), m.start()) for m in _WORD.finditer(text)]
    found: set[str] = set()
    for n, (word, start) in enumerate(tokens):
        pair = word + " " + tokens[n + 1][0] if n + 1 < len(tokens) else word
        for key in (word, pair):
            for name, phrase in lexicon().combined.get(key, ()):
                if lists is not None and name not in lists:
                    continue
                if n and name in _ANCHORED:
                    continue
                if _compiled(phrase).match(text, start) is not None:
                    found.add(name)
    return frozenset(found)


_PHRASES = sorted({p for phrases in lexicon().phrases.values() for p in phrases})
_PIECES = st.one_of(
    st.sampled_from(_PHRASES),
    st.sampled_from(_PHRASES).map(str.upper),
    st.sampled_from([" ", "  ", ", ", ". ", "\n", ":", "-", "…", "(", "8.", "I-4", "ß", "İ", "ſ"]),
)


@settings(max_examples=1500, database=None)
@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_the_scan_finds_what_the_plain_walk_finds(text: str) -> None:
    assert lexicon().lists_in(text) == _plain(text)
    roles = frozenset(ROLES) | {"subject_markers", "formula_starts"}
    assert lexicon().lists_in(text, roles) == _plain(text, roles)


def test_roles_of_everyday_sentences() -> None:
    assert "greetings" in roles_of("Hej alle,")
    assert "requests" in roles_of("Vi vil gerne have et punkt på dagsordenen om lærlinge.")
    assert "formulas" in roles_of("At koordinationsgruppen drøfter sagen.")
    assert "formulas" not in roles_of("Vi mener, at koordinationsgruppen drøfter sagen.")
    assert "figures" in roles_of("Der er 23 lærlinge i gang.")
