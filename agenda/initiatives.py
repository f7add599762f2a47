"""Which initiative of the group a sentence is about, and which partner it names.

Codes and titles come from the group file: any code shape ("I-4", "IN-4", "A12"), and the
telling words of a title matched loosely ("praktikplads-indsatsen", "karriere messen").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from agenda.lexicon import lexicon
from agenda.model import Group
from agenda.similarity import ratio

__all__ = ["GroupIndex", "forget_matches", "index_for"]

# Words this short say little about which initiative is meant.
_MIN_KEYWORD = 6
# Share of an initiative's telling words (by length) a text must hold without naming its code.
_TITLE_SHARE = 0.4
_FUZZY = 86
# A word of the success criteria this long is a compound that names the initiative.
_CRITERIA_ANCHOR = 12
_CODE_SHAPE = re.compile(r"^([A-Za-z]+)\s*[-–]?\s*(\d+)$")
_ANY_CODE = re.compile(r"(?<![\w-])([A-Za-z]{1,4})\s?[-–]\s?(\d{1,3})(?![\d\w])")
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


class _Title(NamedTuple):
    code: str
    keywords: tuple[str, ...]
    anchors: frozenset[str]


@dataclass(frozen=True)
class GroupIndex:
    """The group's initiatives and partners, prepared for matching in text."""

    prefixes: dict[str, tuple[str, int]]
    literal: re.Pattern[str] | None
    titles: tuple[_Title, ...]
    # (slug, name): the ways each partner is named, longer names first.
    aliases: tuple[tuple[str, str], ...]
    owned: dict[str, tuple[str, ...]]
    # Texts already matched against the titles (sentences recur across passes).
    seen: dict[str, str | None] = field(default_factory=dict, compare=False)

    def codes_in(self, text: str) -> list[str]:
        """Initiative codes the text names, in order, by any spelling of their shape."""
        if self.literal is None and _DIGIT.search(text) is None:
            return []
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

    def named_in(self, text: str, partner: str | None) -> list[str]:
        """Initiatives a text names: codes, else a title, else "indsatsen" from its one owner."""
        codes = self.codes_in(text)
        if codes:
            return codes
        titled = self.titled_in(text)
        if titled is not None:
            return [titled]
        own = self.owned.get(partner or "", ())
        if len(own) == 1 and lexicon().has("initiative_words", text):
            return [own[0]]
        return []

    def without_codes(self, text: str) -> str:
        """The text with every initiative code taken out."""
        return _ANY_CODE.sub(" ", text)

    def titled_in(self, text: str) -> str | None:
        """The initiative whose title the text names without its code, if one clearly."""
        if text in self.seen:
            return self.seen[text]
        words = [w.lower() for w in _WORD.findall(text)]
        # "karriere messen": a compound split in two is also tried joined.
        tokens = set(words) | {a + b for a, b in pairwise(words)}
        by_start: dict[str, list[str]] = {}
        for token in tokens:
            by_start.setdefault(token[:2], []).append(token)
        best: tuple[float, str] | None = None
        for title in self.titles:
            hit = [k for k in title.keywords if _matches(k, by_start.get(k[:2], ()))]
            hit += [
                k
                for k in title.anchors - set(title.keywords)
                if _matches(k, by_start.get(k[:2], ()))
            ]
            share = sum(map(len, hit)) / max(1, sum(map(len, title.keywords)))
            anchored = bool(title.anchors.intersection(hit))
            if anchored or share >= _TITLE_SHARE:
                score = share + (1.0 if anchored else 0.0)
                if best is None or score > best[0]:
                    best = (score, title.code)
        found = best[1] if best else None
        if len(self.seen) < _SEEN:
            self.seen[text] = found
        return found

    def partner_named(self, text: str, *, at: int | None = None, after: bool = False) -> str | None:
        """The partner a text names; with `at`, the one named nearest before (or after) it."""
        low = text.lower()
        best: tuple[int, str] | None = None
        for slug, name in self.aliases:
            if name not in low:
                continue
            for m in _alias_pattern(name).finditer(low):
                if at is None:
                    return slug
                distance = m.start() - at if after else at - m.end()
                if distance >= -1 and (best is None or distance < best[0]):
                    best = (distance, slug)
        return best[1] if best else None


def _matches(keyword: str, tokens: Iterable[str]) -> bool:
    """Whether a word of the text is the keyword, inflected or misspelt."""
    stem = keyword[: max(_MIN_KEYWORD, len(keyword) - 3)]
    for token in tokens:
        if token.startswith(stem):
            return True
        if (
            len(token) >= _MIN_KEYWORD
            and abs(len(token) - len(keyword)) <= 4
            and ratio(token[: len(keyword)], keyword) >= _FUZZY
        ):
            return True
    return False


@lru_cache(maxsize=4096)
def _alias_pattern(name: str) -> re.Pattern[str]:
    # Compiled when a text first holds the name: most of a group's names are in no message.
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


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
    # Longer names first, so "Dansk Byggeri" wins over a shorter alias inside it; then by
    # name, so that every run reads alike (a set's order is not).
    return tuple(sorted(set(found), key=lambda p: (-len(p[1]), p[1], p[0])))


_INDEXES: dict[int, tuple[Group, GroupIndex]] = {}
# Matched texts kept per group; beyond this the cache stops growing.
_SEEN = 4096


def forget_matches() -> None:
    """Forget the texts matched against every group's initiative titles."""
    for _group, index in _INDEXES.values():
        index.seen.clear()


def index_for(group: Group) -> GroupIndex:
    """The matching index of a group, built once per group object."""
    # Keyed by identity: hashing a large group on every message costs more than reading it.
    kept = _INDEXES.get(id(group))
    if kept is not None and kept[0] is group:
        return kept[1]
    if len(_INDEXES) > _MAX_GROUPS:
        _INDEXES.clear()
    index = _build(group)
    _INDEXES[id(group)] = (group, index)
    return index


_MAX_GROUPS = 64


def _keywords(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.lower() for w in _WORD.findall(text) if len(w) >= _MIN_KEYWORD))


def _build(group: Group) -> GroupIndex:
    prefixes: dict[str, tuple[str, int]] = {}
    literal: list[str] = []
    for initiative in group.initiatives:
        m = _CODE_SHAPE.match(initiative.code)
        if m:
            prefixes[initiative.code] = (m.group(1).upper(), int(m.group(2)))
        else:
            literal.append(re.escape(initiative.code))
    counts: dict[str, int] = {}
    per: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for initiative in group.initiatives:
        title = _keywords(initiative.title)
        criteria = _keywords(initiative.success_criteria)
        per.append((initiative.code, title, criteria))
        for w in set(title) | set(criteria):
            counts[w] = counts.get(w, 0) + 1
    titles: list[_Title] = []
    for code, title, criteria in per:
        # A word two initiatives share ("virksomheder") tells neither apart.
        own = tuple(w for w in title if counts[w] == 1)
        longest = max(map(len, own), default=0)
        anchors = {w for w in own if len(w) == longest}
        # Long compounds of the success criteria ("rummelighedsnetværket") name it too.
        anchors |= {w for w in criteria if counts[w] == 1 and len(w) >= _CRITERIA_ANCHOR}
        titles.append(_Title(code, own, frozenset(anchors)))
    owned: dict[str, tuple[str, ...]] = {}
    for initiative in group.initiatives:
        owned[initiative.owner] = (*owned.get(initiative.owner, ()), initiative.code)
    pattern = (
        re.compile(rf"(?<!\w)(?:{'|'.join(literal)})(?!\w)", re.IGNORECASE) if literal else None
    )
    return GroupIndex(prefixes, pattern, tuple(titles), _aliases(group), owned)
