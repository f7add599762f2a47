"""The reading vocabularies (the *.toml files beside this module), merged and compiled once.

The files are package data, read at first use like a constant table; nothing here touches
the network or the partner's message store.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

__all__ = ["FIELDS", "Lexicon", "lexicon", "phrase_pattern", "words_of"]

# The fields a label can name, in the order a template lists them.
FIELDS = ("title", "background", "recommendation", "description", "attachments")
# "…" in a phrase: a gap of up to this many words.
_GAP_WORDS = 3
_GAP = "…"
# "{}" in a subject marker: where the subject stands.
_SLOT = "{}"
_WORD = re.compile(r"\w+")


def phrase_pattern(phrase: str, *, capture: bool = True) -> str:
    """A regular expression for one vocabulary phrase (see README.md beside this module)."""
    body = ""
    tokens = phrase.split()
    for n, token in enumerate(tokens):
        if token == _GAP:
            # The gap swallows its own trailing whitespace.
            body += rf"(?:\S+\s+){{0,{_GAP_WORDS}}}?"
            continue
        # A subject at the end runs to the end of the sentence; inside, to the next word.
        lazy = "" if n == len(tokens) - 1 else "?"
        subject = rf"(?P<subject>.+{lazy})" if capture else rf".+{lazy}"
        piece = subject if token == _SLOT else re.escape(token)
        body += piece + r"\s+"
    body = body.removesuffix(r"\s+")
    # Word boundaries only where the phrase starts or ends with a word character.
    head = r"(?<!\w)" if phrase[:1].isalnum() else ""
    tail = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return head + body + tail


@lru_cache(maxsize=8192)
def words_of(text: str) -> frozenset[str]:
    """The lower-case words of a text."""
    return frozenset(_WORD.findall(text.lower()))


def _first_word(phrase: str) -> str:
    found = _WORD.findall(phrase.lower())
    return found[0] if found else ""


def _alternation(phrases: list[str], *, anchored: bool = False) -> re.Pattern[str]:
    ordered = sorted(set(phrases), key=len, reverse=True)
    if not ordered:
        return re.compile(r"(?!x)x")
    body = "|".join(phrase_pattern(p, capture=False) for p in ordered)
    prefix = r"^\W*(?:" if anchored else "(?:"
    return re.compile(prefix + body + ")", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    """Every language's vocabulary merged, compiled for matching."""

    labels: dict[str, str]
    fallback_titles: dict[str, str]
    abbreviations: frozenset[str]
    phrases: dict[str, tuple[str, ...]]
    patterns: dict[str, re.Pattern[str]]
    subject_markers: tuple[tuple[str, re.Pattern[str]], ...]
    subject_stop: re.Pattern[str]
    subject_leading: re.Pattern[str]
    # The first word of every phrase of a list: a text holding none of them is not searched.
    firsts: dict[str, frozenset[str]]

    def has(self, role: str, text: str) -> bool:
        """Whether a phrase of this list stands in the text."""
        return self.find(role, text) is not None

    def find(self, role: str, text: str) -> re.Match[str] | None:
        """The first phrase of this list in the text."""
        if self.firsts[role].isdisjoint(words_of(text)):
            return None
        return self.patterns[role].search(text)

    def fallback_title(self, language: str) -> str:
        """The word a proposal is called when nothing names it, in the group's language."""
        return self.fallback_titles.get(language) or next(iter(self.fallback_titles.values()))


# Lists whose phrases count only at the start of a sentence.
_ANCHORED = frozenset({"greetings", "signoffs", "background_markers", "formula_starts"})


@cache
def lexicon() -> Lexicon:
    """The merged vocabulary of every language file."""
    labels: dict[str, str] = {}
    fallback: dict[str, str] = {}
    abbreviations: set[str] = set()
    phrases: dict[str, list[str]] = {}
    folder = resources.files("agenda.lexicon")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        fallback[entry.name.removesuffix(".toml")] = str(data["fallback_title"])
        for name, words in data.get("labels", {}).items():
            for word in words:
                labels.setdefault(word.lower(), name)
        for name, words in data.get("phrases", {}).items():
            if name == "abbreviations":
                abbreviations.update(w.lower() for w in words)
            else:
                phrases.setdefault(name, []).extend(words)
    patterns = {
        name: _alternation(words, anchored=name in _ANCHORED) for name, words in phrases.items()
    }
    markers = tuple(
        (_first_word(p), re.compile(phrase_pattern(p), re.IGNORECASE))
        for p in sorted(phrases.get("subject_markers", []), key=len, reverse=True)
    )
    stops = sorted(phrases.get("subject_stops", []), key=len, reverse=True)
    stop = re.compile(
        r"\s+(?:" + "|".join(phrase_pattern(s) for s in stops) + r")(?:\s|$)", re.IGNORECASE
    )
    leading = sorted(phrases.get("subject_leading", []), key=len, reverse=True)
    lead = re.compile(
        r"^(?:(?:" + "|".join(phrase_pattern(w) for w in leading) + r")\s+)+", re.IGNORECASE
    )
    firsts = {name: frozenset(_first_word(w) for w in words) for name, words in phrases.items()}
    return Lexicon(
        firsts=firsts,
        labels=labels,
        fallback_titles=fallback,
        abbreviations=frozenset(abbreviations),
        phrases={k: tuple(v) for k, v in phrases.items()},
        patterns=patterns,
        subject_markers=markers,
        subject_stop=stop,
        subject_leading=lead,
    )
