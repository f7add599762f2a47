"""The focused queries on SQLite and PostgreSQL give what the full lists gave, and only that."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from itertools import cycle

from agenda.reading import Channel, InitiativeUpdate, MessageKind, Proposal
from agenda.records import (
    Answer,
    AnswerStatus,
    InboundMessage,
    OutboxEntry,
    OutboxStatus,
    OutgoingMail,
)
from agenda.schedule import answered_partners
from storage.repository import SqlStore
from tests.domain_fixtures import answer, small_group

pytest_plugins = ["tests.storage_fixtures"]

PARTNERS = ("eau", "lo", "horesta", "tradium")
PROPOSAL = Proposal(title="Lærepladser", background="Baggrund")
UPDATE = InitiativeUpdate(initiative="I-1", status="I gang")


def _varied(count: int) -> list[Answer]:
    """Answers of every shape: items or not, each status, both channels, some unrouted."""
    statuses = cycle(list(AnswerStatus))
    made = []
    for n in range(count):
        partner = PARTNERS[n % len(PARTNERS)] if n % 11 else None
        made.append(
            answer(
                partner,
                proposals=(PROPOSAL,) * (n % 3),
                updates=(UPDATE,) * (n % 2),
                nothing=n % 5 == 0,
                kind=MessageKind.AUTO_REPLY if n % 13 == 0 else MessageKind.REPLY,
                status=next(statuses),
                minutes=n,
                channel=Channel.TELEGRAM if n % 4 == 0 else Channel.EMAIL,
                text=f"svar {n}",
            )
        )
    made.append(replace(answer("lo", nothing=True, status=AnswerStatus.HELD), meeting=None))
    return made


async def _stored(store: SqlStore, answers: list[Answer]) -> list[Answer]:
    await store.sync_group(small_group())
    for a in answers:
        await store.save_answer(a)
    return await store.answers("testgruppe")


async def test_the_tally_counts_what_the_answers_say(store: SqlStore) -> None:
    every = [a for a in await _stored(store, _varied(60)) if a.meeting == "2026-2"]
    tallies = await store.answer_tally("testgruppe", "2026-2")
    assert sum(t.answers for t in tallies) == len(every)
    for partner in PARTNERS:
        mine = [a for a in every if a.partner == partner and a.status.answered]
        counted = [t for t in tallies if t.partner == partner and t.status.answered]
        assert sum(t.proposals for t in counted) == sum(len(a.reading.proposals) for a in mine)
        assert sum(t.updates for t in counted) == sum(len(a.reading.updates) for a in mine)
        assert {t.channel for t in counted if t.is_answer} == {
            a.channel for a in mine if a.reading.is_answer
        }
        assert any(t.nothing_to_add for t in counted) == any(a.reading.nothing_to_add for a in mine)
        assert any(t.is_answer for t in counted) == (partner in answered_partners(every))


async def test_a_page_has_the_first_answers_and_the_total(store: SqlStore) -> None:
    every = await _stored(store, _varied(40))
    review = (AnswerStatus.HELD, AnswerStatus.REVIEW, AnswerStatus.LATE)
    wanted = [a for a in every if a.meeting == "2026-2" and a.status in review] + [
        a for a in every if a.meeting is None and a.status in review
    ]
    page = await store.answer_page("testgruppe", "2026-2", statuses=review, unrouted=True, limit=3)
    assert page.total == len(wanted) > 3
    assert [a.id for a in page.answers] == [a.id for a in wanted[:3]]
    whole = await store.answer_page("testgruppe", "2026-2", statuses=review, unrouted=True)
    assert [a.id for a in whole.answers] == [a.id for a in wanted]
    # The unrouted one comes last, after the call's own.
    assert whole.answers[-1].meeting is None
    lo = await store.answer_page("testgruppe", "2026-2", partner="lo")
    assert [a.id for a in lo.answers] == [
        a.id for a in every if a.meeting == "2026-2" and a.partner == "lo"
    ]


async def test_related_answers_are_the_partners_and_the_senders_recent_ones(
    store: SqlStore,
) -> None:
    every = await _stored(store, _varied(50))
    new = replace(answer("lo", text="nyt"), sender="Horesta@Example.org", inbound_id=None)
    since = new.received_at - timedelta(minutes=10)
    related = await store.related_answers(
        "testgruppe", "2026-2", partner="lo", sender=new.sender, since=since, excluding=None
    )
    expected = [
        a
        for a in every
        if a.meeting == "2026-2"
        and (a.partner == "lo" or (a.sender == "horesta@example.org" and a.received_at >= since))
    ]
    assert [a.id for a in related] == [a.id for a in expected]
    assert {a.partner for a in related} == {"lo", "horesta"}
    # Without a partner, only the sender's recent answers; never another call's.
    alone = await store.related_answers(
        "testgruppe", "2026-2", partner=None, sender="lo@example.org", since=since, excluding=None
    )
    assert all(a.sender == "lo@example.org" and a.received_at >= since for a in alone)


async def test_related_answers_leave_out_the_messages_own_earlier_answer(
    store: SqlStore,
) -> None:
    await store.sync_group(small_group())
    first = await store.store_inbound_batch([_inbound(f"k{n}", n) for n in range(2)])
    for inbound_id in first:
        await store.save_answer(replace(answer("lo", nothing=True), inbound_id=inbound_id))
    related = await store.related_answers(
        "testgruppe",
        "2026-2",
        partner="lo",
        sender="lo@example.org",
        since=answer("lo").received_at,
        excluding=first[0],
    )
    assert [a.inbound_id for a in related] == [first[1]]
    ids = [i for i in first if i is not None]
    kept = await store.inbound_messages([*ids, 10_000])
    assert sorted(kept) == sorted(ids)
    assert kept[ids[1]].raw.endswith(b"Hej 1\r\n")
    assert await store.inbound_messages([]) == {}


def _inbound(key: str, n: int) -> InboundMessage:
    return InboundMessage(
        channel=Channel.EMAIL,
        source_key=key,
        raw=b"From: lo@example.org\r\n\r\nHej %d\r\n" % n,
        received_at=answer("lo").received_at,
    )


async def test_reminders_and_outbox_counts_are_the_calls_own(store: SqlStore) -> None:
    await store.sync_group(small_group())
    at = answer("lo").received_at
    for n, (purpose, status, meeting) in enumerate(
        [
            ("reminder5", OutboxStatus.SENT, "2026-2"),
            ("reminder1", OutboxStatus.PENDING, "2026-2"),
            ("call", OutboxStatus.FAILED, "2026-2"),
            ("reminder5", OutboxStatus.SENT, None),
        ]
    ):
        mail = OutgoingMail(
            message_id=f"<m{n}@x>",
            sender="s@x.org",
            recipients=("lo@example.org",),
            subject="s",
            text="t",
        )
        await store.enqueue(
            OutboxEntry(
                group="testgruppe",
                meeting=meeting,
                purpose=purpose,
                channel=Channel.EMAIL,
                recipient="lo@example.org",
                mail=mail,
                status=status,
                created_at=at + timedelta(hours=n),
            )
        )
    reminded = await store.reminders_sent("testgruppe", "2026-2")
    assert [(r.recipient, r.at) for r in reminded] == [
        ("lo@example.org", at),
        ("lo@example.org", at + timedelta(hours=1)),
    ]
    counts = await store.outbox_counts("testgruppe", "2026-2")
    assert Counter(counts) == Counter(
        {OutboxStatus.SENT: 1, OutboxStatus.PENDING: 1, OutboxStatus.FAILED: 1}
    )
