"""Which initiative of the group a sentence is about, and which partner it names.

Codes and titles come from the group file: any code shape ("I-4", "IN-4", "A12"), and the
telling words of a title matched loosely ("praktikplads-indsatsen", "karriere messen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz

from agenda.model import Group

__all__ = ["GroupIndex", "index_for"]

# Words this short say little about which initiative is meant.
_MIN_KEYWORD = 6
# Share of an initiative's telling words (by length) a text must hold without naming its code.
_TITLE_SHARE = 0.4
_FUZZY = 86
_CODE_SHAPE = re.compile(r"^([A-Za-z]+)\s*[-–]?\s*(\d+)$")
_ANY_CODE = re.compile(r"(?<![\w-])([A-Za-z]{1,4})\s?[-–]\s?(\d{1,3})(?![\d\w])")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Title:
    code: str
    keywords: tuple[str, ...]
    anchors: frozenset[str]


@dataclass(frozen=True)
class GroupIndex:
    """The group's initiatives and partners, prepared for matching in text."""

    prefixes: dict[str, tuple[str, int]]
    literal: re.Pattern[str] | None
    titles: tuple[_Title, ...]
    aliases: tuple[tuple[str, str], ...]
    owned: dict[str, tuple[str, ...]]

    def codes_in(self, text: str) -> list[str]:
        """Initiative codes the text names, in order, by any spelling of their shape."""
        found: list[str] = []
        for m in _ANY_CODE.finditer(text):
            prefix, number = m.group(1).upper(), int(m.group(2))
            for code, (want, num) in self.prefixes.items():
                # "IN-4" for "I-4": the written prefix may carry a letter or two more.
                if num == number and prefix.startswith(want) and len(prefix) <= len(want) + 2:
                    found.append(code)
        if self.literal is not None:
            found.extend(m.group(0).upper() for m in self.literal.finditer(text))
        return list(dict.fromkeys(found))

    def without_codes(self, text: str) -> str:
        """The text with every initiative code taken out."""
        return _ANY_CODE.sub(" ", text)

    def titled_in(self, text: str) -> str | None:
        """The initiative whose title the text names without its code, if one clearly."""
        words = [w.lower() for w in _WORD.findall(text)]
        # "karriere messen": a compound split in two is also tried joined.
        tokens = set(words) | {a + b for a, b in pairwise(words)}
        best: tuple[float, str] | None = None
        for title in self.titles:
            hit = [k for k in title.keywords if _matches(k, tokens)]
            share = sum(map(len, hit)) / max(1, sum(map(len, title.keywords)))
            if title.anchors & set(hit) or share >= _TITLE_SHARE:
                score = share + (1.0 if title.anchors & set(hit) else 0.0)
                if best is None or score > best[0]:
                    best = (score, title.code)
        return best[1] if best else None

    def partner_named(self, text: str, *, at: int | None = None, after: bool = False) -> str | None:
        """The partner a text names; with `at`, the one named nearest before (or after) it."""
        low = text.lower()
        best: tuple[int, str] | None = None
        for slug, name in self.aliases:
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", low):
                if at is None:
                    return slug
                distance = m.start() - at if after else at - m.end()
                if distance >= -1 and (best is None or distance < best[0]):
                    best = (distance, slug)
        return best[1] if best else None


def _matches(keyword: str, tokens: set[str]) -> bool:
    stem = keyword[: max(_MIN_KEYWORD, len(keyword) - 3)]
    for token in tokens:
        if token.startswith(stem):
            return True
        if (
            len(token) >= _MIN_KEYWORD
            and token[:2] == keyword[:2]
            and fuzz.ratio(token[: len(keyword)], keyword) >= _FUZZY
        ):
            return True
    return False


def _aliases(group: Group) -> tuple[tuple[str, str], ...]:
    """Ways a partner is named: short name, slug, a distinctive first word, its contacts."""
    firsts: dict[str, int] = {}
    people: dict[str, int] = {}
    for partner in group.partners:
        word = partner.name.split()[0].lower()
        firsts[word] = firsts.get(word, 0) + 1
        for contact in partner.contacts:
            first = contact.name.split()[0].lower()
            people[first] = people.get(first, 0) + 1
    found: list[tuple[str, str]] = []
    for partner in group.partners:
        short = re.sub(r"\s*\(.*?\)", "", partner.name).split(",")[0].strip().lower()
        names = {short, partner.slug.replace("-", " ")}
        first = partner.name.split()[0].lower()
        if len(first) >= 4 and firsts[first] == 1:
            names.add(first)
        for contact in partner.contacts:
            names.add(contact.name.lower())
            given = contact.name.split()[0].lower()
            if people[given] == 1:
                names.add(given)
        found.extend((partner.slug, n) for n in names if n)
    # Longer names first, so "Dansk Byggeri" wins over a shorter alias inside it.
    return tuple(sorted(found, key=lambda p: len(p[1]), reverse=True))


@lru_cache(maxsize=16)
def index_for(group: Group) -> GroupIndex:
    """The matching index of a group, built once per group."""
    prefixes: dict[str, tuple[str, int]] = {}
    literal: list[str] = []
    for initiative in group.initiatives:
        m = _CODE_SHAPE.match(initiative.code)
        if m:
            prefixes[initiative.code] = (m.group(1).upper(), int(m.group(2)))
        else:
            literal.append(re.escape(initiative.code))
    counts: dict[str, int] = {}
    per: list[tuple[str, tuple[str, ...]]] = []
    for initiative in group.initiatives:
        words = tuple(
            dict.fromkeys(
                w.lower() for w in _WORD.findall(initiative.title) if len(w) >= _MIN_KEYWORD
            )
        )
        per.append((initiative.code, words))
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    titles: list[_Title] = []
    for code, words in per:
        own = tuple(w for w in words if counts[w] == 1)
        longest = max(map(len, own), default=0)
        anchors = frozenset(w for w in own if len(w) == longest)
        titles.append(_Title(code, own, anchors))
    owned: dict[str, tuple[str, ...]] = {}
    for initiative in group.initiatives:
        owned[initiative.owner] = (*owned.get(initiative.owner, ()), initiative.code)
    pattern = (
        re.compile(rf"(?<!\w)(?:{'|'.join(literal)})(?!\w)", re.IGNORECASE) if literal else None
    )
    return GroupIndex(prefixes, pattern, tuple(titles), _aliases(group), owned)
