"""Initiative updates: news on an initiative of the group, and who takes over the ball.

Only sentences no proposal took are read. A paragraph naming an initiative (by code, or by
its title with a status word) gives an update when it carries news: figures, a status word,
a handover. A promise of later news or a mention in passing gives none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agenda.drafting import SentenceNote
from agenda.initiatives import GroupIndex
from agenda.lexicon import lexicon
from agenda.model import Group
from agenda.reading import InitiativeUpdate
from agenda.sentences import split

__all__ = ["UpdateReading", "read_updates"]

_DIGIT = re.compile(r"\d")
_SKIP = frozenset({"promises", "auto_reply", "questions", "list_intros"})
# Courtesy (and "nothing from us") is skipped unless news stands behind it
# ("Hej alle 👋 Kort nyt om I-5: ...", "Ingen punkter, men status på I-5: 31 ledige ...").
_COURTESY = frozenset({"greetings", "signoffs", "nothing"})
_SUBSTANCE = frozenset({"news", "handovers"})
_NEWS = frozenset({"news", "ball_stays", "handovers"})
# A handover phrase ending in one of these names the new owner after it ("bolden går til X").
_TOWARDS = ("til", "to")


@dataclass
class UpdateReading:
    """The updates found and how each initiative was recognised."""

    updates: list[InitiativeUpdate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _news(note: SentenceNote, index: GroupIndex) -> bool:
    if note.roles & _NEWS:
        return True
    return _DIGIT.search(index.without_codes(note.text)) is not None


def _paragraphs(notes: list[SentenceNote]) -> list[list[SentenceNote]]:
    out: dict[int, list[SentenceNote]] = {}
    for note in notes:
        out.setdefault(note.paragraph, []).append(note)
    return list(out.values())


def read_updates(
    notes: list[SentenceNote], group: Group, index: GroupIndex, partner: str | None
) -> UpdateReading:
    """The updates in the sentences that no proposal took."""
    status: dict[str, list[str]] = {}
    how: dict[str, str] = {}
    last: str | None = None
    for paragraph in _paragraphs(notes):
        free = [
            n
            for n in paragraph
            if not n.used
            and not n.roles & _SKIP
            and not (n.roles & _COURTESY and not n.roles & _SUBSTANCE)
        ]
        if not free:
            continue
        codes: list[str] = []
        for note in free:
            codes.extend(c for c in index.codes_in(note.text) if c not in codes)
        named = "code"
        if not codes:
            found = next(
                (c for n in free if "news" in n.roles for c in index.named_in(n.text, partner)),
                None,
            )
            codes, named = ([found], "title") if found else ([], "")
        news = any(_news(n, index) for n in free)
        text = " ".join(n.text for n in free)
        if codes and news:
            for code in codes:
                status.setdefault(code, []).append(text)
                how.setdefault(code, named)
            last = codes[-1]
        elif not codes and last is not None and news:
            # "Der er lige nu 23 voksenlærlinge i gang": more news on the initiative above.
            status.setdefault(last, []).append(text)
            how.setdefault(last, "code")
        elif codes:
            # "Her er tallene for I-7:" heads the news below it; a mere mention heads nothing.
            last = codes[-1] if text.rstrip().endswith(":") else None
    owners = _handovers(notes, group, index, partner, status)
    result = UpdateReading()
    for code, pieces in status.items():
        if group.initiative(code) is None:
            continue
        text = "\n".join(pieces)
        result.updates.append(
            InitiativeUpdate(
                initiative=code, status=text, owner=owners.get(code), next_steps=_next_steps(text)
            )
        )
        result.reasons.append(f"update {code}: initiative named by {how.get(code, 'handover')}")
        if code in owners:
            result.reasons.append(f"update {code}: the ball moves to {owners[code]}")
    return result


def _next_steps(status: str) -> str | None:
    """The sentences of a status that say what comes next."""
    lex = lexicon()
    found = [s for s in split(status) if lex.has("next_steps", s)]
    return " ".join(found) or None


def _handovers(
    notes: list[SentenceNote],
    group: Group,
    index: GroupIndex,
    partner: str | None,
    status: dict[str, list[str]],
) -> dict[str, str]:
    """Who takes over the ball, from every sentence that says so."""
    lex = lexicon()
    owners: dict[str, str] = {}
    for note in notes:
        if note.used or "handovers" not in note.roles:
            continue
        verb = lex.find("handovers", note.text)
        stays = lex.find("ball_stays", note.text)
        # "Bolden bliver hos os, men fra april overtager Tradium": the later phrase decides.
        if verb is None or (stays is not None and stays.start() >= verb.start()):
            continue
        codes = index.codes_in(note.text)
        titled = index.titled_in(note.text)
        code = codes[0] if codes else titled
        if code is None and len(status) == 1:
            code = next(iter(status))
        if code is None and partner is not None and len(index.owned.get(partner, ())) == 1:
            # "indsatsen" from its owner: the one initiative the sender has the ball on.
            code = index.owned[partner][0]
        initiative = group.initiative(code or "")
        if initiative is None:
            continue
        phrase = verb.group(0).lower()
        named = index.partner_named(phrase) or index.partner_named(
            note.text, at=verb.start(), after=phrase.endswith(_TOWARDS)
        )
        if named is None or named == initiative.owner:
            continue
        owners[initiative.code] = named
        status.setdefault(initiative.code, [note.text])
    return owners
