"""Counts of a call's answers, as the store gives them, so a status never loads every reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agenda.reading import Channel, MessageKind
from agenda.records import Answer, AnswerStatus


@dataclass(frozen=True)
class AnswerTally:
    """How many answers of one partner share a channel, status, kind and shape, and their items.

    is_answer and answered mean what they mean for one answer (Reading.is_answer,
    AnswerStatus.answered): every answer counted here has the same values of both.
    """

    partner: str | None
    channel: Channel
    status: AnswerStatus
    kind: MessageKind
    nothing_to_add: bool
    has_items: bool
    answers: int
    proposals: int
    updates: int

    @property
    def is_answer(self) -> bool:
        """Whether these answers count as the partner's answer to the call."""
        return self.kind is MessageKind.REPLY and (self.nothing_to_add or self.has_items)


@dataclass(frozen=True)
class AnswerPage:
    """The first answers of a list, and how many there are in all."""

    answers: list[Answer]
    total: int


@dataclass(frozen=True)
class Reminded:
    """A reminder queued for one recipient, and when."""

    recipient: str
    at: datetime
