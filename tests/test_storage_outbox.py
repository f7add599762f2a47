"""SqlStore on SQLite and PostgreSQL: the outbox, agenda versions, approvals, the audit log."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agenda.agenda import Agenda, AgendaItem, Contribution, InitiativeStatus, ItemKind
from agenda.errors import NotFoundError, WorkflowError
from agenda.reading import Channel
from agenda.records import Approval, Attachment, AuditEntry, OutboxEntry, OutboxStatus, OutgoingMail
from storage.repository import SqlStore
from tests.conftest import claim_next
from tests.domain_fixtures import small_group

pytest_plugins = ["tests.storage_fixtures"]

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _mail(message_id: str = "<call-2026-2.abc@kommune.example.org>") -> OutgoingMail:
    return OutgoingMail(
        message_id=message_id,
        sender="Sekretariatet <gruppe@kommune.example.org>",
        recipients=("hm@lo.example.org",),
        subject="Punkter til dagsorden",
        text="Kære partner",
        html="<p>Kære partner</p>",
        reply_to="gruppe+abc@kommune.example.org",
        references=("<x@y>",),
        attachments=(Attachment("dagsorden.pdf", "application/pdf", b"%PDF-1.7\x00\xff"),),
        headers=(("Auto-Submitted", "auto-generated"),),
    )


def _entry(mail: OutgoingMail | None = None, **kw: object) -> OutboxEntry:
    entry = OutboxEntry(
        group="testgruppe",
        meeting="2026-2",
        purpose="call",
        channel=Channel.EMAIL,
        recipient="hm@lo.example.org",
        mail=mail or _mail(),
        created_at=NOW,
        next_attempt_at=NOW,
    )
    return replace(entry, **kw)  # type: ignore[arg-type]


def _chat(key: str, group: str = "testgruppe") -> OutboxEntry:
    return _entry(
        group=group, channel=Channel.TELEGRAM, recipient="42", mail=None, chat_text="Tak", key=key
    )


@pytest.fixture
async def synced(store: SqlStore) -> SqlStore:
    """The store with the small group and a second one recorded."""
    await store.sync_group(small_group())
    await store.sync_group(replace(small_group(), slug="andengruppe"))
    return store


async def test_enqueue_twice_queues_once(synced: SqlStore) -> None:
    first = await synced.enqueue(_entry())
    assert isinstance(first, int)
    assert await synced.enqueue(_entry(created_at=NOW + timedelta(hours=1))) is None
    assert len(await synced.outbox([OutboxStatus.PENDING])) == 1


async def test_chat_keys_deduplicate_per_channel_and_group(synced: SqlStore) -> None:
    assert await synced.enqueue(_chat("telegram:42:echo-1")) is not None
    assert await synced.enqueue(_chat("telegram:42:echo-1")) is None
    assert await synced.enqueue(_chat("telegram:42:echo-2")) is not None
    assert await synced.enqueue(_chat("telegram:42:echo-1", group="andengruppe")) is not None


async def test_queued_mail_comes_back_whole(synced: SqlStore) -> None:
    entry_id = await synced.enqueue(_entry())
    [back] = await synced.outbox([OutboxStatus.PENDING])
    assert back.id == entry_id
    assert back.mail == _mail()
    assert back.key == _mail().message_id  # the key that made queueing idempotent
    assert back.created_at == NOW and back.next_attempt_at == NOW
    assert back.status is OutboxStatus.PENDING and back.attempts == 0


async def test_outbox_lists_only_what_is_due(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<now@x>")))
    await synced.enqueue(_entry(_mail("<later@x>"), next_attempt_at=NOW + timedelta(hours=1)))
    await synced.enqueue(_entry(_mail("<asap@x>"), next_attempt_at=None))
    due = await synced.outbox([OutboxStatus.PENDING], due_before=NOW)
    assert {e.key for e in due} == {"<now@x>", "<asap@x>"}
    assert len(await synced.outbox([OutboxStatus.PENDING])) == 3
    assert await synced.outbox([]) == []


async def test_outbox_oldest_first_per_group_and_status(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<b@x>"), created_at=NOW + timedelta(minutes=2)))
    await synced.enqueue(_entry(_mail("<a@x>"), created_at=NOW + timedelta(minutes=1)))
    await synced.enqueue(_entry(_mail("<other@x>"), group="andengruppe"))
    mine = await synced.outbox(list(OutboxStatus), group="testgruppe")
    assert [e.key for e in mine] == ["<a@x>", "<b@x>"]
    assert [e.key for e in await synced.outbox([OutboxStatus.PENDING], limit=1)] == ["<other@x>"]


async def test_update_outbox_records_how_sending_went(synced: SqlStore) -> None:
    entry_id = await synced.enqueue(_entry())
    assert entry_id is not None
    retry_at = NOW + timedelta(minutes=5)
    await synced.update_outbox(
        entry_id, status=OutboxStatus.PENDING, attempts=1, next_attempt_at=retry_at, error="421"
    )
    [pending] = await synced.outbox([OutboxStatus.PENDING])
    assert (pending.attempts, pending.next_attempt_at, pending.error) == (1, retry_at, "421")

    sent_at = NOW + timedelta(minutes=6)
    await synced.update_outbox(entry_id, status=OutboxStatus.SENT, attempts=2, sent_at=sent_at)
    [sent] = await synced.outbox([OutboxStatus.SENT])
    assert (sent.attempts, sent.sent_at, sent.error) == (2, sent_at, None)
    assert sent.next_attempt_at == retry_at  # not given, so kept
    assert sent.sent_at is not None and sent.sent_at.tzinfo is not None
    with pytest.raises(NotFoundError):
        await synced.update_outbox(entry_id + 100, status=OutboxStatus.SENT)


async def test_claim_takes_the_oldest_due_row_and_marks_it_sending(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<later@x>"), next_attempt_at=NOW + timedelta(hours=1)))
    await synced.enqueue(_entry(_mail("<b@x>"), created_at=NOW + timedelta(minutes=2)))
    await synced.enqueue(_entry(_mail("<a@x>"), created_at=NOW + timedelta(minutes=1)))
    await synced.enqueue(_chat("telegram:42:echo-1"))
    claimed_at = NOW + timedelta(minutes=5)
    first = await claim_next(synced, claimed_at, channels=[Channel.EMAIL])
    assert first is not None and first.key == "<a@x>"
    assert (first.status, first.next_attempt_at) == (OutboxStatus.SENDING, claimed_at)
    [sending] = await synced.outbox([OutboxStatus.SENDING])
    assert sending.key == "<a@x>" and sending.next_attempt_at == claimed_at
    second = await claim_next(synced, claimed_at, channels=[Channel.EMAIL])
    assert second is not None and second.key == "<b@x>"
    # Not yet due, and chats only when asked for.
    assert await claim_next(synced, claimed_at, channels=[Channel.EMAIL]) is None
    chat = await claim_next(synced, claimed_at, channels=[Channel.EMAIL, Channel.TELEGRAM])
    assert chat is not None and chat.channel is Channel.TELEGRAM
    assert await claim_next(synced, claimed_at, channels=[]) is None


async def test_claims_from_two_connections_never_take_the_same_row(
    synced: SqlStore, database_url: str
) -> None:
    from storage.engine import make_engine

    for n in range(20):
        await synced.enqueue(_entry(_mail(f"<m{n}@x>"), created_at=NOW + timedelta(seconds=n)))
    other = SqlStore(make_engine(database_url))
    try:

        async def drain(store: SqlStore) -> list[str]:
            taken = []
            while (entry := await claim_next(store, NOW, channels=[Channel.EMAIL])) is not None:
                taken.append(entry.key)
            return taken

        mine, theirs = await asyncio.gather(drain(synced), drain(other))
    finally:
        await other.engine.dispose()
    assert sorted(mine + theirs) == sorted(f"<m{n}@x>" for n in range(20))
    assert not set(mine) & set(theirs)


def _agenda(version: int) -> Agenda:
    return Agenda(
        group="testgruppe",
        meeting="2026-2",
        version=version,
        created_at=NOW + timedelta(minutes=version),
        items=(
            AgendaItem(ItemKind.APPROVE_AGENDA),
            AgendaItem(
                ItemKind.PROPOSAL,
                title="Lærlinge i turismen",
                proposers=("horesta", "lo"),
                sdgs=(4, 8),
                contributions=(Contribution("horesta", "HORESTA", "Lærlinge", answer_id=7),),
                attachments=("bilag.pdf",),
                late=True,
            ),
            AgendaItem(
                ItemKind.SINCE_LAST,
                initiatives=(
                    InitiativeStatus(
                        "I-1", "Praktik", "lo", "LO", "active", "30", (("lo", "12 pladser"),)
                    ),
                ),
            ),
        ),
        note="v" + str(version),
        meta={"source": "test"},
        edits=({"op": "move", "item": 2},),
    )


async def test_agenda_versions_round_trip_and_latest_wins(synced: SqlStore) -> None:
    await synced.save_agenda(_agenda(1))
    await synced.save_agenda(_agenda(2))
    assert await synced.agenda("testgruppe", "2026-2") == _agenda(2)
    assert await synced.agenda("testgruppe", "2026-2", version=1) == _agenda(1)
    assert await synced.agenda("testgruppe", "2026-2", version=3) is None
    assert await synced.agenda("andengruppe", "2026-2") is None


async def test_saving_a_version_twice_is_a_conflict(synced: SqlStore) -> None:
    await synced.save_agenda(_agenda(1))
    with pytest.raises(WorkflowError, match="version 1"):
        await synced.save_agenda(_agenda(1))


async def test_approvals_are_idempotent_per_person_and_version(synced: SqlStore) -> None:
    lene = Approval("testgruppe", "2026-2", 1, "lene@kommune.example.org", NOW, "telegram")
    await synced.add_approval(lene)
    await synced.add_approval(replace(lene, approved_at=NOW + timedelta(hours=1)))
    henrik = replace(lene, approved_by="hm@lo.example.org", approved_at=NOW + timedelta(hours=2))
    await synced.add_approval(henrik)
    await synced.add_approval(replace(lene, version=2, approved_at=NOW + timedelta(hours=3)))
    approvals = await synced.approvals("testgruppe", "2026-2")
    assert [(a.approved_by, a.version) for a in approvals] == [
        ("lene@kommune.example.org", 1),
        ("hm@lo.example.org", 1),
        ("lene@kommune.example.org", 2),
    ]
    assert approvals[0] == lene
    assert await synced.approvals("andengruppe", "2026-2") == []


async def test_audit_log_is_ordered_and_per_group(synced: SqlStore) -> None:
    later = AuditEntry("testgruppe", "agenda.approved", "lene", NOW + timedelta(hours=1), "2026-2")
    await synced.audit(later)
    await synced.audit(AuditEntry("testgruppe", "call.opened", "cli", NOW, "2026-2", {"n": 17}))
    await synced.audit(AuditEntry("testgruppe", "group.synced", "service", NOW))
    await synced.audit(AuditEntry("andengruppe", "call.opened", "cli", NOW, "2026-2"))
    log = await synced.audit_log("testgruppe")
    assert [e.action for e in log] == ["call.opened", "group.synced", "agenda.approved"]
    assert log[0].detail == {"n": 17}
    assert log[2] == later
    assert len(await synced.audit_log("testgruppe", "2026-2")) == 2


async def test_audit_detail_keeps_what_json_cannot_hold_as_text(synced: SqlStore) -> None:
    await synced.audit(AuditEntry("testgruppe", "x", "cli", NOW, detail={"at": NOW, "ok": True}))
    [entry] = await synced.audit_log("testgruppe")
    assert entry.detail == {"at": str(NOW), "ok": True}


async def test_claim_takes_answers_to_people_before_bulk_then_the_oldest(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<call@x>")))
    await synced.enqueue(_entry(_mail("<reminder@x>"), purpose="reminder3"))
    later = NOW + timedelta(minutes=1)
    await synced.enqueue(_entry(_mail("<echo@x>"), purpose="echo", created_at=later))
    await synced.enqueue(_chat_echo())
    claimed = []
    while (entry := await claim_next(synced, later, channels=list(Channel))) is not None:
        claimed.append(entry.key)
    assert claimed == ["telegram:42:echo-1", "<echo@x>", "<call@x>", "<reminder@x>"]


def _chat_echo() -> OutboxEntry:
    return replace(_chat("telegram:42:echo-1"), purpose="chat", created_at=NOW)


async def test_urgent_only_leaves_bulk_waiting(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<call@x>")))
    assert await claim_next(synced, NOW, channels=[Channel.EMAIL], urgent_only=True) is None
    assert await claim_next(synced, NOW, channels=[Channel.EMAIL]) is not None


async def test_recording_one_and_claiming_the_next_leave_one_row_sending(
    synced: SqlStore,
) -> None:
    for n in range(3):
        await synced.enqueue(_entry(_mail(f"<m{n}@x>"), created_at=NOW + timedelta(seconds=n)))
    first = await claim_next(synced, NOW, channels=[Channel.EMAIL])
    assert first is not None
    done = replace(first, status=OutboxStatus.SENT, attempts=1, sent_at=NOW, error=None)

    second = await claim_next(synced, NOW, channels=[Channel.EMAIL], finished=done)

    assert second is not None and second.key == "<m1@x>"
    [sent] = await synced.outbox([OutboxStatus.SENT])
    assert (sent.key, sent.attempts, sent.sent_at) == ("<m0@x>", 1, NOW)
    [sending] = await synced.outbox([OutboxStatus.SENDING])
    assert sending.key == "<m1@x>"
    assert [e.key for e in await synced.outbox([OutboxStatus.PENDING])] == ["<m2@x>"]


async def test_enqueue_many_queues_each_message_once(synced: SqlStore) -> None:
    entries = [_entry(_mail(f"<m{n}@x>"), recipient=f"p{n}@x") for n in range(4)]
    await synced.enqueue(entries[0])

    assert await synced.enqueue_many(entries) == 3
    assert await synced.enqueue_many(entries) == 0
    queued = await synced.outbox([OutboxStatus.PENDING])
    assert sorted(e.key for e in queued) == [f"<m{n}@x>" for n in range(4)]
    assert queued[0].mail == entries[0].mail


async def _reserve(store: SqlStore, now: datetime, until: datetime) -> OutboxEntry | None:
    async with store.outbox_claims(channels=[Channel.EMAIL]) as claims:
        return (await claims.step(now, reserve_until=until)).reserved


async def _start(
    store: SqlStore, now: datetime, entry: OutboxEntry, *, release: bool = False
) -> bool:
    async with store.outbox_claims(channels=[Channel.EMAIL]) as claims:
        return (await claims.step(now, start=entry, release=release)).started


async def test_a_reserved_row_waits_for_its_sender_and_no_other_takes_it(synced: SqlStore) -> None:
    for n in range(2):
        await synced.enqueue(_entry(_mail(f"<m{n}@x>"), created_at=NOW + timedelta(seconds=n)))
    until = NOW + timedelta(minutes=10)
    mine = await _reserve(synced, NOW, until)
    assert mine is not None and mine.key == "<m0@x>" and mine.next_attempt_at == until
    # Still pending (nothing is on the wire yet), but not due for anyone else.
    [pending, _other] = await synced.outbox([OutboxStatus.PENDING])
    assert (pending.key, pending.next_attempt_at) == ("<m0@x>", until)
    theirs = await _reserve(synced, NOW, until)
    assert theirs is not None and theirs.key == "<m1@x>"
    assert await _reserve(synced, NOW, until) is None

    assert await _start(synced, NOW, mine)
    [sending] = await synced.outbox([OutboxStatus.SENDING])
    assert (sending.key, sending.next_attempt_at) == ("<m0@x>", NOW)
    assert not await _start(synced, NOW, mine), "a row is started once"


async def test_a_reservation_that_ran_out_goes_to_the_next_sender_alone(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<m@x>")))
    first = await _reserve(synced, NOW, NOW + timedelta(minutes=10))
    assert first is not None
    # The first sender died or hung; after its reservation another one takes the row.
    later = NOW + timedelta(minutes=11)
    second = await _reserve(synced, later, later + timedelta(minutes=10))
    assert second is not None and second.id == first.id

    assert not await _start(synced, later, first), "the first sender may no longer send it"
    assert await _start(synced, later, second)
    assert [e.key for e in await synced.outbox([OutboxStatus.SENDING])] == ["<m@x>"]


async def test_a_reservation_given_back_is_due_at_once(synced: SqlStore) -> None:
    await synced.enqueue(_entry(_mail("<m@x>")))
    until = NOW + timedelta(minutes=10)
    mine = await _reserve(synced, NOW, until)
    assert mine is not None

    assert await _start(synced, NOW, mine, release=True)

    [pending] = await synced.outbox([OutboxStatus.PENDING])
    assert pending.next_attempt_at == NOW
    again = await _reserve(synced, NOW, until)
    assert again is not None and again.id == mine.id


async def test_one_step_records_one_starts_the_next_and_reserves_a_third(synced: SqlStore) -> None:
    for n in range(4):
        await synced.enqueue(_entry(_mail(f"<m{n}@x>"), created_at=NOW + timedelta(seconds=n)))
    until = NOW + timedelta(minutes=10)
    first = await claim_next(synced, NOW, channels=[Channel.EMAIL])
    second = await _reserve(synced, NOW, until)
    assert first is not None and second is not None
    done = replace(first, status=OutboxStatus.SENT, attempts=1, sent_at=NOW, error=None)

    async with synced.outbox_claims(channels=[Channel.EMAIL]) as claims:
        step = await claims.step(NOW, finished=done, start=second, reserve_until=until)

    assert step.started and step.reserved is not None and step.reserved.key == "<m2@x>"
    by_key = {e.key: e for e in await synced.outbox(list(OutboxStatus))}
    assert by_key["<m0@x>"].status is OutboxStatus.SENT
    assert by_key["<m1@x>"].status is OutboxStatus.SENDING
    assert (by_key["<m2@x>"].status, by_key["<m2@x>"].next_attempt_at) == (
        OutboxStatus.PENDING,
        until,
    )
    assert (by_key["<m3@x>"].status, by_key["<m3@x>"].next_attempt_at) == (
        OutboxStatus.PENDING,
        NOW,
    )
    # What was reserved comes back whole: the mail with its attachment, times in UTC.
    assert step.reserved.mail == _mail("<m2@x>")
    assert step.reserved.created_at == NOW + timedelta(seconds=2)
