"""How alike two words are, for a word typed with a slip ("Baggrud", "karriere messen").

rapidfuzz is loaded when a word first needs it: loading it costs `partnerdesk parse` more
than reading most messages, and most messages have every word spelt as the vocabulary has it.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["closest", "ratio"]


def ratio(a: str, b: str) -> float:
    """How alike two words are, from 0 to 100 (rapidfuzz's `fuzz.ratio`)."""
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)


def closest(word: str, names: Sequence[str]) -> tuple[str, float] | None:
    """The name most like the word and its ratio; None when there are no names."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(word, names, scorer=fuzz.ratio)
    return (found[0], found[1]) if found else None
