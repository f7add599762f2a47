"""The reading vocabularies (the *.toml files beside this module), merged and compiled once.

The files are package data, read at first use like a constant table; nothing here touches
the network or the partner's message store.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from itertools import accumulate, compress, count
from pathlib import Path
from typing import Any

from agenda.stored import stored

__all__ = [
    "FIELDS",
    "Lexicon",
    "clear_caches",
    "lexicon",
    "phrase_pattern",
    "subject_pattern",
    "words_of",
]

# The fields a label can name, in the order a template lists them.
FIELDS = ("title", "background", "recommendation", "description", "attachments")
# "…" in a phrase: a gap of up to this many words.
_GAP_WORDS = 3
_GAP = "…"
# "{}" in a subject marker: where the subject stands.
_SLOT = "{}"
_WORD = re.compile(r"\w+")
# The vocabulary files lie beside this module.
_HERE = Path(__file__).parent
_BETWEEN_WORDS = re.compile(r"(\W+)")


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


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[list[str], list[int]]:
    """The lower-case words of a text, and where each starts.

    Cut at the runs between words and summed up in C: making a pair for every word in
    Python cost more than reading the roles of the sentence.
    """
    low = text.lower()
    if len(low) != len(text):  # lower-casing moved positions (rare): word by word
        found = [(m.group(0).lower(), m.start()) for m in _WORD.finditer(text)]
        return [w for w, _ in found], [at for _, at in found]
    parts = _BETWEEN_WORDS.split(low)  # word, gap, word, ..., word; the ends may be empty
    words = parts[0::2]
    starts = list(accumulate(map(len, parts), initial=0))[0::2]
    if not words[-1]:
        del words[-1], starts[-1]
    if words and not words[0]:
        del words[0], starts[0]
    return words, starts


def _lead(phrase: str) -> str:
    """A phrase's filing key: its first two words, or one when a gap or slot follows it."""
    tokens = phrase.lower().split()
    words: list[str] = _WORD.findall(tokens[0]) if tokens else []
    if len(tokens) > 1 and tokens[1] not in (_GAP, _SLOT):
        words += _WORD.findall(tokens[1])
    return " ".join(words[:2])


def _first_word(phrase: str) -> str:
    found = _WORD.findall(phrase.lower())
    return found[0] if found else ""


@cache
def subject_pattern(marker: str) -> re.Pattern[str]:
    """A subject marker compiled, its subject captured as the group "subject"."""
    return re.compile(phrase_pattern(marker), re.IGNORECASE)


@cache
def _compiled(phrase: str) -> re.Pattern[str]:
    # Compiled on first use: a single message needs few of the phrases, and compiling them
    # all would cost a short command more than reading the message.
    return re.compile(phrase_pattern(phrase, capture=False), re.IGNORECASE)


def _longest_first(phrases: Iterable[str]) -> list[str]:
    """Each phrase once, longest first, and alike for every run (a set's order is not)."""
    return sorted(set(phrases), key=lambda phrase: (-len(phrase), phrase))


def _by_first_word(phrases: list[str]) -> dict[str, tuple[str, ...]]:
    """Each phrase filed under its first word, longest first."""
    index: dict[str, list[str]] = {}
    for phrase in _longest_first(phrases):
        index.setdefault(_first_word(phrase), []).append(phrase)
    return {word: tuple(found) for word, found in index.items()}


@dataclass(frozen=True)
class Lexicon:
    """Every language's vocabulary merged, compiled for matching."""

    labels: dict[str, str]
    fallback_titles: dict[str, str]
    abbreviations: frozenset[str]
    phrases: dict[str, tuple[str, ...]]
    # Every list's phrases filed by their first word: a text is tried only where one of
    # those words stands (one big alternation searched at every position is far slower).
    index: dict[str, dict[str, tuple[str, ...]]]
    # The same, all lists together: word -> (list, phrase) for reading every role at once.
    combined: dict[str, tuple[tuple[str, str], ...]]
    # The words any phrase starts with.
    starts: frozenset[str]
    # (first word, phrase) of every marker; compile with subject_pattern().
    subject_markers: tuple[tuple[str, str], ...]
    weak_markers: tuple[tuple[str, str], ...]
    # The patterns of what ends a subject and what leads into one, compiled when first
    # needed (most messages name no subject by a marker).
    stops: tuple[str, ...]
    leading: tuple[str, ...]

    @cached_property
    def subject_stop(self) -> re.Pattern[str]:
        """What ends a subject: the meeting, the agenda."""
        return re.compile(r"\s+(?:" + "|".join(self.stops) + r")(?:\s|$)", re.IGNORECASE)

    @cached_property
    def subject_leading(self) -> re.Pattern[str]:
        """Words dropped from the start of a subject, as often as they stand there."""
        return re.compile(r"^(?:(?:" + "|".join(self.leading) + r")\s+)+", re.IGNORECASE)

    def has(self, role: str, text: str) -> bool:
        """Whether a phrase of this list stands in the text."""
        return _has(role, text)

    def find(self, role: str, text: str) -> re.Match[str] | None:
        """The first phrase of this list in the text."""
        filed = self.index.get(role)
        if not filed:
            return None
        words, starts = _tokens(text)
        if role in _ANCHORED:
            places: Iterable[int] = range(min(1, len(words)))  # only the first word opens these
        elif filed.keys().isdisjoint(words):
            return None
        else:
            places = compress(count(), map(filed.__contains__, words))
        for n in places:
            for phrase in filed.get(words[n], ()):
                found = _compiled(phrase).match(text, starts[n])
                if found is not None:
                    return found
        return None

    def lists_in(self, text: str, lists: frozenset[str] | None = None) -> frozenset[str]:
        """Every list (of `lists`, default all) with a phrase in the text, in one pass."""
        return _scanner(lists).lists_in(text)

    def fallback_title(self, language: str) -> str:
        """The word a proposal is called when nothing names it, in the group's language."""
        return self.fallback_titles.get(language) or next(iter(self.fallback_titles.values()))


class _Scanner:
    """The phrases of some lists, found in a text in one pass over its words.

    Phrases are filed by their first word, or their first two; a word that opens none of the
    lists asked for is passed over, and the next word is looked at only after a word that
    opens a two-word key.
    """

    def __init__(self, combined: dict[str, tuple[tuple[str, str], ...]]) -> None:
        self.combined = combined
        self.starts = frozenset(key.split(" ", 1)[0] for key in combined)
        self.pairs = frozenset(key.split(" ", 1)[0] for key in combined if " " in key)
        # Each key's (list, compiled phrase), compiled when the key is first met.
        self.compiled: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def _entries(self, key: str) -> list[tuple[str, re.Pattern[str]]]:
        entries = [(name, _compiled(phrase)) for name, phrase in self.combined.get(key, ())]
        self.compiled[key] = entries
        return entries

    def lists_in(self, text: str) -> frozenset[str]:
        found: set[str] = set()
        words, starts = _tokens(text)
        pairs, compiled = self.pairs, self.compiled
        last = len(words) - 1
        # Most words open no phrase at all; the others are picked out in C.
        for n in compress(count(), map(self.starts.__contains__, words)):
            word, start = words[n], starts[n]
            keys = (word, word + " " + words[n + 1]) if n < last and word in pairs else (word,)
            for key in keys:
                entries = compiled.get(key)
                if entries is None:
                    entries = self._entries(key)
                for name, pattern in entries:
                    if name in found or (n and name in _ANCHORED):
                        continue
                    if pattern.match(text, start) is not None:
                        found.add(name)
        return frozenset(found)


@cache
def _scanner(lists: frozenset[str] | None) -> _Scanner:
    combined = lexicon().combined
    if lists is None:
        return _Scanner(combined)
    kept = {key: tuple(e for e in found if e[0] in lists) for key, found in combined.items()}
    return _Scanner({key: found for key, found in kept.items() if found})


def clear_caches() -> None:
    """Forget every text matched so far (the vocabulary itself stays compiled)."""
    _has.cache_clear()
    _tokens.cache_clear()
    words_of.cache_clear()


@lru_cache(maxsize=16384)
def _has(role: str, text: str) -> bool:
    # Sentences recur (roles, subjects, updates read the same ones): each is searched once.
    return lexicon().find(role, text) is not None


# Lists whose phrases count only at the start of a sentence.
_ANCHORED = frozenset({"greetings", "signoffs", "background_markers", "formula_starts"})


@cache
def lexicon() -> Lexicon:
    """The merged vocabulary of every language file."""
    # Found beside this module: importlib.resources would cost a short command more.
    files = sorted(_HERE.glob("*.toml"))
    kept = _HERE / "__pycache__" / "lexicon.marshal"
    return Lexicon(**stored([*files, Path(__file__)], kept, lambda: _tables(files)))


def _tables(files: list[Path]) -> dict[str, Any]:
    """The vocabulary files merged and filed: plain data, kept between runs by `stored`."""
    labels: dict[str, str] = {}
    fallback: dict[str, str] = {}
    abbreviations: set[str] = set()
    phrases: dict[str, list[str]] = {}
    for entry in files:
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        fallback[entry.name.removesuffix(".toml")] = str(data["fallback_title"])
        for name, words in data.get("labels", {}).items():
            if name not in FIELDS:
                raise ValueError(
                    f"{entry.name}: labels.{name} names no field ({', '.join(FIELDS)})"
                )
            for word in words:
                labels.setdefault(word.lower(), name)
        for name, words in data.get("phrases", {}).items():
            if name == "abbreviations":
                abbreviations.update(w.lower() for w in words)
            else:
                phrases.setdefault(name, []).extend(words)
    combined: dict[str, list[tuple[str, str]]] = {}
    for name, words in phrases.items():
        for phrase in _longest_first(words):
            combined.setdefault(_lead(phrase), []).append((name, phrase))
    markers, weak = (
        tuple((_first_word(p), p) for p in sorted(phrases.get(name, []), key=len, reverse=True))
        for name in ("subject_markers", "subject_markers_weak")
    )
    longest_first = {
        name: sorted(phrases.get(name, []), key=len, reverse=True)
        for name in ("subject_stops", "subject_leading")
    }
    return {
        "labels": labels,
        "fallback_titles": fallback,
        "abbreviations": frozenset(abbreviations),
        "phrases": {k: tuple(v) for k, v in phrases.items()},
        "index": {name: _by_first_word(words) for name, words in phrases.items()},
        "combined": {word: tuple(found) for word, found in combined.items()},
        "starts": frozenset(key.split(" ", 1)[0] for key in combined),
        "subject_markers": markers,
        "weak_markers": weak,
        # The two patterns' sources: a compiled pattern cannot be kept.
        "stops": tuple(phrase_pattern(s) for s in longest_first["subject_stops"]),
        "leading": tuple(phrase_pattern(w) for w in longest_first["subject_leading"]),
    }
