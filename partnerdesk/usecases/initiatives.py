"""The evaluation overview: every initiative, who has the ball, and its history of updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agenda.compile import current_owners
from agenda.model import Group
from agenda.reading import MessageKind
from agenda.records import AnswerStatus
from partnerdesk.app import App


@dataclass(frozen=True)
class HistoryLine:
    """One update on an initiative."""

    at: datetime
    meeting: str | None
    reporter: str
    status: str
    new_owner: str | None


@dataclass(frozen=True)
class InitiativeReport:
    """An initiative as the group evaluates it."""

    code: str
    title: str
    owner: str
    success_criteria: str
    status: str
    history: tuple[HistoryLine, ...]


async def initiatives_report(app: App, group: Group) -> list[InitiativeReport]:
    """Every initiative with its current owner and every update reported so far."""
    answers = await app.store.answers(group.slug)
    usable = [
        a
        for a in answers
        if a.reading.kind is MessageKind.REPLY
        and a.status in (AnswerStatus.ACCEPTED, AnswerStatus.REVIEW)
    ]
    owners = current_owners(group, usable)
    reports: list[InitiativeReport] = []
    for initiative in group.initiatives:
        history: list[HistoryLine] = []
        for answer in sorted(usable, key=lambda a: a.received_at):
            for update in answer.reading.updates:
                if update.initiative != initiative.code:
                    continue
                reporter = group.partner(answer.partner or "")
                new_owner = group.partner(update.owner or "")
                history.append(
                    HistoryLine(
                        at=answer.received_at,
                        meeting=answer.meeting,
                        reporter=reporter.name if reporter else answer.sender,
                        status=update.status,
                        new_owner=new_owner.name if new_owner else None,
                    )
                )
        owner = group.partner(owners[initiative.code])
        reports.append(
            InitiativeReport(
                code=initiative.code,
                title=initiative.title,
                owner=owner.name if owner else owners[initiative.code],
                success_criteria=initiative.success_criteria,
                status=initiative.status,
                history=tuple(history),
            )
        )
    return reports
