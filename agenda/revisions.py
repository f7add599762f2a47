"""The newest answer counts: fold a partner's answers to one call into what stands now.

A partner may write more than once. Each answer is applied to what stood before, in the
order the answers reached us, by what the new answer says:

- new proposals replace the partner's earlier proposals (a resend under a new title is the
  same item, not a second one), unless the answer says it adds one more;
- "ingen punkter" or a withdrawal takes earlier proposals back (a withdrawal naming one of
  several items takes back that one);
- an update replaces the partner's earlier update on the same initiative; a correction
  replaces all earlier updates;
- an answer with only updates leaves earlier proposals standing.

Two contacts of one partner are one partner: the fold is per partner, not per sender.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources

from rapidfuzz import fuzz

from agenda.reading import InitiativeUpdate, MessageKind, Proposal
from agenda.records import Answer, AnswerStatus

# Answers that take part in the fold; late ones only once the chair has admitted them.
STANDING = frozenset({AnswerStatus.ACCEPTED, AnswerStatus.REVIEW})

# A withdrawal names an earlier item when its text holds the title this closely (0-100).
_NAMES_ITEM = 80.0

_SPACE = re.compile(r"\s+")


class Intent(StrEnum):
    """What a new answer says about the partner's earlier ones."""

    NONE = "none"
    REPLACE = "replace"
    ADD = "add"
    WITHDRAW = "withdraw"


@cache
def _phrases() -> dict[Intent, tuple[re.Pattern[str], ...]]:
    found: dict[Intent, list[re.Pattern[str]]] = {i: [] for i in Intent if i is not Intent.NONE}
    # Every language's words count for every answer: partners switch language.
    for entry in resources.files("agenda.lexicon").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        words = tomllib.loads(entry.read_text(encoding="utf-8")).get("revisions", {})
        for intent, phrases in found.items():
            for phrase in words.get(intent.value, ()):
                phrases.append(re.compile(rf"(?<!\w){re.escape(str(phrase).lower())}(?!\w)"))
    return {intent: tuple(p) for intent, p in found.items()}


def intent_of(text: str) -> Intent:
    """Withdraw, add, replace or nothing said, from the partner's own words."""
    flat = _SPACE.sub(" ", text.lower())
    # A withdrawal is the most specific thing a partner can say, then an addition.
    for intent in (Intent.WITHDRAW, Intent.ADD, Intent.REPLACE):
        if any(p.search(flat) for p in _phrases()[intent]):
            return intent
    return Intent.NONE


@dataclass
class _Standing:
    """What stands for one partner after the answers folded so far."""

    # (answer id, place in that answer, proposal)
    proposals: list[tuple[int, int, Proposal]] = field(default_factory=list)
    updates: dict[str, tuple[int, InitiativeUpdate]] = field(default_factory=dict)
    nothing_to_add: int | None = None

    def copy(self) -> _Standing:
        return _Standing(list(self.proposals), dict(self.updates), self.nothing_to_add)


def _key(answer: Answer) -> int:
    assert answer.id is not None, "only stored answers are folded"
    return answer.id


def _apply(standing: _Standing, answer: Answer) -> None:
    reading = answer.reading
    intent = intent_of(reading.new_text)
    key = _key(answer)
    if intent is Intent.WITHDRAW:
        gone = _withdraw(standing, reading.new_text)
        # "Vi trækker punktet om X" names X; a subject named to be withdrawn is no proposal.
        fresh = [
            (n, p)
            for n, p in enumerate(reading.proposals)
            if not any(fuzz.token_set_ratio(p.title, g.title) >= _NAMES_ITEM for g in gone)
        ]
        standing.proposals.extend((key, n, p) for n, p in fresh)
    elif reading.proposals:
        if intent is not Intent.ADD:
            standing.proposals.clear()
        standing.proposals.extend((key, n, p) for n, p in enumerate(reading.proposals))
        standing.nothing_to_add = None
    elif reading.nothing_to_add:
        standing.proposals.clear()
    if reading.nothing_to_add and not reading.proposals:
        standing.nothing_to_add = key
    if reading.updates and intent is Intent.REPLACE:
        standing.updates.clear()
    for update in reading.updates:
        standing.updates[update.initiative] = (key, update)


def _withdraw(standing: _Standing, text: str) -> list[Proposal]:
    """Take back the earlier items the text names, or all of them when it names none."""
    named = [
        entry
        for entry in standing.proposals
        if fuzz.partial_ratio(entry[2].title.lower(), text.lower()) >= _NAMES_ITEM
    ]
    gone = named or list(standing.proposals)
    standing.proposals = [entry for entry in standing.proposals if entry not in gone]
    return [p for _, _, p in gone]


def _order(answer: Answer) -> tuple[datetime, int]:
    return (answer.received_at, answer.id or 0)


def _sorted(answers: Iterable[Answer]) -> list[Answer]:
    return sorted(answers, key=_order)


def _folds(answer: Answer) -> bool:
    return (
        answer.status in STANDING
        and answer.reading.kind is MessageKind.REPLY
        and answer.partner is not None
        and answer.id is not None
    )


def _who(answer: Answer) -> tuple[str | None, str]:
    # One call, one partner: answers to another meeting never replace each other.
    assert answer.partner is not None
    return (answer.meeting, answer.partner)


def _fold(answers: Iterable[Answer]) -> dict[tuple[str | None, str], _Standing]:
    standing: dict[tuple[str | None, str], _Standing] = {}
    for answer in _sorted(a for a in answers if _folds(a)):
        _apply(standing.setdefault(_who(answer), _Standing()), answer)
    return standing


def current_answers(answers: Sequence[Answer]) -> list[Answer]:
    """Each standing answer with only what still stands of it; others are left out."""
    standing = _fold(answers)
    result: list[Answer] = []
    for answer in _sorted(a for a in answers if _folds(a)):
        mine = standing[_who(answer)]
        key = _key(answer)
        proposals = tuple(p for k, _, p in mine.proposals if k == key)
        updates = tuple(u for k, u in mine.updates.values() if k == key)
        nothing = mine.nothing_to_add == key
        if not (proposals or updates or nothing):
            continue
        reading = replace(
            answer.reading, proposals=proposals, updates=updates, nothing_to_add=nothing
        )
        result.append(replace(answer, reading=reading))
    return result


def superseded(answers: Sequence[Answer]) -> list[int]:
    """Ids of standing answers that once said something and now contribute nothing."""
    still = {a.id for a in current_answers(answers)}
    return [_key(a) for a in answers if _folds(a) and a.reading.is_answer and a.id not in still]


@dataclass(frozen=True)
class Revision:
    """What a partner's new answer did to the earlier ones, for the echo."""

    replaced: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    @property
    def changed_earlier(self) -> bool:
        """Whether the partner had written before and the new answer took something back."""
        return bool(self.replaced)


def revision(earlier: Sequence[Answer], new: Answer) -> Revision:
    """What the new answer would replace and keep of its partner's earlier proposals.

    The new answer is applied last, as the newest; it need not be stored yet.
    """
    if new.partner is None or new.reading.kind is not MessageKind.REPLY:
        return Revision()
    who = _who(new)
    mine = [a for a in earlier if _folds(a) and _who(a) == who and a.id != new.id]
    before = _fold(mine).get(who, _Standing())
    after = before.copy()
    _apply(after, replace(new, id=new.id or 0))
    still = {(k, n) for k, n, _ in after.proposals}
    replaced = tuple(p.title for k, n, p in before.proposals if (k, n) not in still)
    kept = tuple(p.title for k, n, p in before.proposals if (k, n) in still)
    return Revision(replaced=replaced, kept=kept)
