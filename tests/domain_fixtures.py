"""Small hand-built groups and answers for the domain tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from agenda.model import Contact, Group, Initiative, Language, Meeting, Partner, Role, Secretariat
from agenda.reading import Channel, InitiativeUpdate, MessageKind, Proposal, Reading
from agenda.records import Answer, AnswerStatus

DEADLINE = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
MEETING = Meeting(
    id="2026-2",
    starts_at=DEADLINE + timedelta(days=11),
    location="Rådhuset",
    call_deadline=DEADLINE,
)


def small_group(approvals_required: int = 1) -> Group:
    """Four partners, two initiatives, one meeting."""
    return Group(
        slug="testgruppe",
        name="Testgruppen",
        language=Language.DA,
        timezone="Europe/Copenhagen",
        reply_address="gruppe@kommune.example.org",
        secretariat=Secretariat("Sekretariatet", "gruppe@kommune.example.org"),
        sdgs=(4, 8, 17),
        approvals_required=approvals_required,
        partners=(
            Partner("eau", "Udvalget", (Contact("Lene", "lene@kommune.example.org", Role.CHAIR),)),
            Partner("lo", "LO", (Contact("Henrik", "hm@lo.example.org", Role.VICE_CHAIR),)),
            Partner(
                "horesta",
                "HORESTA",
                (
                    Contact("Sofie", "sd@horesta.example.com"),
                    Contact("Per", "per@horesta.example.com"),
                ),
            ),
            Partner("tradium", "Tradium", (Contact("Line", "lk@tradium.example.org"),)),
        ),
        initiatives=(
            Initiative("I-1", "Praktikpladser", "horesta", (4, 8), "30 pladser"),
            Initiative("I-2", "Voksenlærlinge", "lo", (8,), "70 pct."),
        ),
        meetings=(MEETING,),
    )


def answer(
    partner: str | None,
    *,
    proposals: tuple[Proposal, ...] = (),
    updates: tuple[InitiativeUpdate, ...] = (),
    nothing: bool = False,
    kind: MessageKind = MessageKind.REPLY,
    status: AnswerStatus = AnswerStatus.ACCEPTED,
    minutes: int = 0,
    channel: Channel = Channel.EMAIL,
    text: str = "",
) -> Answer:
    """An answer to the small group's meeting, numbered as if stored."""
    return Answer(
        group="testgruppe",
        meeting="2026-2",
        channel=channel,
        sender=f"{partner}@example.org",
        received_at=DEADLINE - timedelta(days=3) + timedelta(minutes=minutes),
        reading=Reading(
            kind=kind,
            partner=partner,
            nothing_to_add=nothing,
            proposals=proposals,
            updates=updates,
            new_text=text,
        ),
        status=status,
        id=next(_ANSWER_IDS),
    )


_ANSWER_IDS = itertools.count(1)
