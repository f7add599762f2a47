"""What is due for a call at a given moment: pure rules, time passed in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from agenda.model import Group, Meeting
from agenda.reading import MessageKind
from agenda.records import Answer


def answered_partners(answers: Iterable[Answer]) -> set[str]:
    """Partners that answered: any contact, any channel; "nothing to add" counts."""
    return {
        a.partner
        for a in answers
        if a.partner
        and a.reading.kind is MessageKind.REPLY
        and a.status.answered
        and a.reading.is_answer
    }


def due_reminders(meeting: Meeting, reminder_days: Sequence[int], now: datetime) -> list[int]:
    """The reminder offsets (days before the deadline) whose time has come by now."""
    return [
        days
        for days in sorted(reminder_days, reverse=True)
        if meeting.call_deadline - timedelta(days=days) <= now < meeting.call_deadline
    ]


def partners_to_remind(group: Group, answers: Iterable[Answer]) -> list[str]:
    """Partners that have not answered yet, in the group's order."""
    done = answered_partners(answers)
    return [p.slug for p in group.partners if p.slug not in done]


def is_past_deadline(meeting: Meeting, now: datetime) -> bool:
    """Whether the call's deadline has passed."""
    return now >= meeting.call_deadline
