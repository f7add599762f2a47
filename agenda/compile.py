"""Compile the draft agenda from the group and the answers to the call."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process

from agenda.agenda import (
    Agenda,
    AgendaItem,
    Contribution,
    InitiativeStatus,
    ItemKind,
)
from agenda.model import Group, Meeting
from agenda.reading import Proposal
from agenda.records import Answer
from agenda.revisions import current_answers

# Titles this similar (token-set ratio, 0-100) are taken to be the same subject.
MERGE_THRESHOLD = 82.0


_NON_WORD = re.compile(r"[^\w]+")


@dataclass
class _Bucket:
    """Proposals found to be about one subject, in the order they arrived."""

    proposals: list[tuple[Answer, Proposal]] = field(default_factory=list)

    def title(self) -> str:
        return self.proposals[0][1].title


def current_owners(group: Group, answers: Iterable[Answer]) -> dict[str, str]:
    """Who has the ball on each initiative, after every handover reported so far."""
    owners = {i.code: i.owner for i in group.initiatives}
    # Only what still stands counts: a corrected handover is no handover.
    for answer in current_answers(list(answers)):
        for update in answer.reading.updates:
            if update.owner and update.initiative in owners and group.partner(update.owner):
                owners[update.initiative] = update.owner
    return owners


def compile_agenda(
    group: Group,
    meeting: Meeting,
    answers: Sequence[Answer],
    *,
    now: datetime,
    version: int = 1,
) -> Agenda:
    """The draft agenda: standard items, Siden sidst, merged proposals, Eventuelt."""
    # Held, late (not admitted), declined and superseded answers do not reach the agenda, and
    # of a partner's several answers only what the newest leaves standing does.
    usable = current_answers(answers)
    items: list[AgendaItem] = [
        AgendaItem(kind=ItemKind.APPROVE_AGENDA, key="approve-agenda"),
        AgendaItem(kind=ItemKind.APPROVE_MINUTES, key="approve-minutes"),
        AgendaItem(
            kind=ItemKind.SINCE_LAST,
            key="since-last",
            initiatives=_since_last(group, usable, answers),
        ),
    ]
    for bucket in _merge(usable):
        items.append(_proposal_item(group, bucket))
    items.append(AgendaItem(kind=ItemKind.ANY_OTHER_BUSINESS, key="any-other-business"))
    return Agenda(
        group=group.slug,
        meeting=meeting.id,
        version=version,
        created_at=now,
        items=tuple(items),
    )


def _since_last(
    group: Group, usable: Sequence[Answer], all_answers: Sequence[Answer]
) -> tuple[InitiativeStatus, ...]:
    owners = current_owners(group, all_answers)
    result: list[InitiativeStatus] = []
    for initiative in group.initiatives:
        news: list[tuple[str, str]] = []
        for answer in usable:
            for update in answer.reading.updates:
                if update.initiative == initiative.code and answer.partner:
                    partner = group.partner(answer.partner)
                    news.append((partner.name if partner else answer.partner, update.status))
        owner = owners.get(initiative.code, initiative.owner)
        owner_partner = group.partner(owner)
        result.append(
            InitiativeStatus(
                code=initiative.code,
                title=initiative.title,
                owner=owner,
                owner_name=owner_partner.name if owner_partner else owner,
                status=initiative.status,
                success_criteria=initiative.success_criteria,
                updates=tuple(news),
                ball_moved_from=_partner_name(group, initiative.owner)
                if owner != initiative.owner
                else None,
            )
        )
    return tuple(result)


def _partner_name(group: Group, slug: str) -> str:
    partner = group.partner(slug)
    return partner.name if partner else slug


def _normal(title: str) -> str:
    return _NON_WORD.sub(" ", title.lower()).strip()


def _merge(answers: Sequence[Answer]) -> list[_Bucket]:
    buckets: list[_Bucket] = []
    # Each bucket's title, normalised once; rapidfuzz compares a new title with all of them
    # at once, so a draft of hundreds of proposals is not hundreds of thousands of calls.
    titles: list[str] = []
    for answer in answers:
        for proposal in answer.reading.proposals:
            title = _normal(proposal.title)
            alike = process.extract(
                title,
                titles,
                scorer=fuzz.token_set_ratio,
                score_cutoff=MERGE_THRESHOLD,
                limit=None,
            )
            if not alike:
                buckets.append(_Bucket([(answer, proposal)]))
                titles.append(title)
                continue
            # The first bucket alike, in the order they arrived.
            index = min(found for _, _, found in alike)
            target = buckets[index]
            # A partner repeating its own proposal corrects it: the newer words replace the older.
            target.proposals = [
                (a, p) for a, p in target.proposals if a.partner != answer.partner
            ] + [(answer, proposal)]
            titles[index] = _normal(target.title())
    return buckets


def _join(parts: Iterable[str | None]) -> str | None:
    texts = [p.strip() for p in parts if p and p.strip()]
    unique = list(dict.fromkeys(texts))
    return "\n\n".join(unique) if unique else None


def _proposal_item(group: Group, bucket: _Bucket) -> AgendaItem:
    contributions = tuple(
        Contribution(
            partner=a.partner or "",
            partner_name=_partner_name(group, a.partner) if a.partner else a.sender,
            title=p.title,
            background=p.background,
            recommendation=p.recommendation,
            description=p.description,
            answer_id=a.id,
        )
        for a, p in bucket.proposals
    )
    sdgs = tuple(sorted({n for _, p in bucket.proposals for n in p.sdgs}))
    attachments = tuple(dict.fromkeys(x for _, p in bucket.proposals for x in p.attachments))
    first = bucket.proposals[0][1]
    return AgendaItem(
        kind=ItemKind.PROPOSAL,
        key=_normal(first.title).replace(" ", "-")[:60] or "punkt",
        title=first.title,
        background=_join(p.background for _, p in bucket.proposals),
        recommendation=_join(p.recommendation for _, p in bucket.proposals),
        description=_join(p.description for _, p in bucket.proposals),
        attachments=attachments,
        proposers=tuple(dict.fromkeys(c.partner_name for c in contributions)),
        sdgs=sdgs,
        sdgs_outside=tuple(n for n in sdgs if group.sdgs and n not in group.sdgs),
        contributions=contributions,
    )
