"""SqlStore on SQLite and PostgreSQL: groups, calls, reply tokens, inbound messages, answers."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from agenda.errors import NotFoundError
from agenda.reading import Channel, InitiativeUpdate, Proposal
from agenda.records import AnswerStatus, Call, InboundMessage, InboundStatus, ReplyToken
from agenda.workflow import CallState
from storage.repository import SqlStore
from storage.tables import ContactRow, MeetingRow, PartnerRow
from tests.domain_fixtures import answer, small_group

pytest_plugins = ["tests.storage_fixtures"]

CPH = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CPH)


async def _two_groups(store: SqlStore) -> None:
    await store.sync_group(small_group())
    await store.sync_group(replace(small_group(), slug="andengruppe", name="Anden gruppe"))


def _message(key: str, message_id: str | None = "<a@x.example>", **kw: object) -> InboundMessage:
    return InboundMessage(
        channel=Channel.EMAIL,
        source_key=key,
        raw=b"From: a@x.example\r\n\r\nHej\r\n",
        received_at=NOW,
        message_id=message_id,
        sender="a@x.example",
        **kw,  # type: ignore[arg-type]
    )


async def _count(store: SqlStore, table: type[PartnerRow | ContactRow | MeetingRow]) -> int:
    async with store.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_sync_group_twice_keeps_one_copy_and_follows_the_file(store: SqlStore) -> None:
    group = small_group()
    await store.sync_group(group)
    await store.sync_group(group)
    assert await _count(store, PartnerRow) == 4
    assert await _count(store, ContactRow) == 5

    await store.sync_group(replace(group, partners=group.partners[:2], meetings=()))
    assert await _count(store, PartnerRow) == 2
    assert await _count(store, ContactRow) == 2
    assert await _count(store, MeetingRow) == 0


async def test_sync_group_writes_only_what_the_file_changed(store: SqlStore) -> None:
    group = small_group()
    await store.sync_group(group)
    before = await _contacts(store)
    await store.sync_group(group)
    assert await _contacts(store) == before  # the same rows, not deleted and inserted anew

    lo, horesta = group.partners[1], group.partners[2]
    moved = replace(horesta, contacts=horesta.contacts[:1])
    # Per leaves HORESTA for LO under a new name; the other contacts stay as they were.
    per = replace(horesta.contacts[1], name="Per Hansen")
    changed = replace(
        group, partners=(group.partners[0], replace(lo, contacts=(*lo.contacts, per)), moved)
    )
    await store.sync_group(changed)
    after = await _contacts(store)
    assert after["per@horesta.example.com"][1:] == ("lo", "Per Hansen")
    assert after["per@horesta.example.com"][0] == before["per@horesta.example.com"][0]
    assert after["lene@kommune.example.org"] == before["lene@kommune.example.org"]
    assert "lk@tradium.example.org" not in after
    assert await _count(store, PartnerRow) == 3


async def _contacts(store: SqlStore) -> dict[str, tuple[int, str, str]]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            select(ContactRow.email, ContactRow.id, ContactRow.partner, ContactRow.name)
        )
        return {email: (row_id, partner, name) for email, row_id, partner, name in rows}


async def test_saved_call_comes_back_with_aware_utc_times(store: SqlStore) -> None:
    await store.sync_group(small_group())
    await store.save_call(Call("testgruppe", "2026-2", CallState.OPEN, opened_at=NOW))
    call = await store.get_call("testgruppe", "2026-2")
    assert call is not None
    assert call.state is CallState.OPEN
    assert call.opened_at == NOW
    assert call.opened_at is not None and call.opened_at.tzinfo is not None
    assert call.opened_at.utcoffset() == timedelta(0)
    assert call.closed_at is None


async def test_save_call_again_updates_the_one_call(store: SqlStore) -> None:
    await store.sync_group(small_group())
    await store.save_call(Call("testgruppe", "2026-2", CallState.OPEN, opened_at=NOW))
    closed = NOW + timedelta(days=7)
    await store.save_call(
        Call("testgruppe", "2026-2", CallState.CLOSED, opened_at=NOW, closed_at=closed)
    )
    calls = await store.calls("testgruppe")
    assert calls == [Call("testgruppe", "2026-2", CallState.CLOSED, NOW, closed)]


async def test_get_call_of_unknown_meeting_is_none(store: SqlStore) -> None:
    await store.sync_group(small_group())
    assert await store.get_call("testgruppe", "1999-1") is None


async def test_two_groups_do_not_see_each_others_calls(store: SqlStore) -> None:
    await _two_groups(store)
    await store.save_call(Call("testgruppe", "2026-2", CallState.OPEN, opened_at=NOW))
    await store.save_call(Call("andengruppe", "2026-2", CallState.DRAFT))
    assert [c.state for c in await store.calls("testgruppe")] == [CallState.OPEN]
    assert [c.state for c in await store.calls("andengruppe")] == [CallState.DRAFT]
    assert {c.group for c in await store.calls()} == {"testgruppe", "andengruppe"}


async def test_a_call_needs_its_group_recorded_first(store: SqlStore) -> None:
    with pytest.raises(IntegrityError):
        await store.save_call(Call("unknown", "2026-2"))


async def test_token_is_stable_per_partner_and_call(store: SqlStore) -> None:
    await store.sync_group(small_group())
    first = await store.issue_token(ReplyToken("aaa111", "testgruppe", "2026-2", "lo"))
    again = await store.issue_token(ReplyToken("bbb222", "testgruppe", "2026-2", "lo"))
    other = await store.issue_token(ReplyToken("ccc333", "testgruppe", "2026-2", "horesta"))
    reminder = await store.issue_token(
        ReplyToken("ddd444", "testgruppe", "2026-2", "lo", purpose="approve")
    )
    assert first.token == again.token == "aaa111"
    assert other.token == "ccc333"
    assert reminder.token == "ddd444"


async def test_tokens_issued_together_keep_existing_ones_and_draw_anew_on_collision(
    store: SqlStore,
) -> None:
    await store.sync_group(small_group())
    first = await store.issue_token(ReplyToken("aaa111", "testgruppe", "2026-2", "lo"))
    issued = await store.issue_tokens(
        [
            ReplyToken("bbb222", "testgruppe", "2026-2", "lo"),
            # Taken by lo's token for another meeting: horesta must get a token of its own.
            ReplyToken("AAA111", "testgruppe", "2026-3", "horesta"),
        ]
    )
    assert [t.partner for t in issued] == ["lo", "horesta"]
    assert issued[0] == first
    assert issued[1].token not in ("aaa111", "")
    assert await store.find_token(issued[1].token) == issued[1]
    assert (
        await store.issue_token(ReplyToken("eee555", "testgruppe", "2026-3", "horesta"))
        == (issued[1])
    )


async def test_find_token_ignores_case_changed_by_mail_systems(store: SqlStore) -> None:
    await store.sync_group(small_group())
    issued = await store.issue_token(ReplyToken("abc123", "testgruppe", "2026-2", "lo"))
    assert await store.find_token("ABC123") == issued
    assert await store.find_token("nope") is None


async def test_message_stored_twice_is_kept_once(store: SqlStore) -> None:
    first = await store.store_inbound(_message("imap:INBOX:1"))
    second = await store.store_inbound(_message("imap:INBOX:1"))
    assert isinstance(first, int)
    assert second is None
    assert len(await store.inbound(InboundStatus.NEW)) == 1


async def test_the_same_bytes_via_another_mailbox_are_kept_once(store: SqlStore) -> None:
    assert await store.store_inbound(_message("imap:INBOX:1")) is not None
    assert await store.store_inbound(_message("maildir:inbox:xyz")) is None


async def test_another_message_reusing_a_message_id_is_kept_too(store: SqlStore) -> None:
    first = _message("maildir:inbox:1")
    other = replace(_message("maildir:inbox:2"), raw=b"From: a@x.example\r\n\r\nNyt forslag\r\n")
    assert await store.store_inbound(first) is not None
    assert await store.store_inbound(other) is not None
    assert len(await store.inbound(InboundStatus.NEW)) == 2


async def test_same_message_id_on_another_channel_is_another_message(store: SqlStore) -> None:
    assert await store.store_inbound(_message("imap:INBOX:1")) is not None
    chat = replace(_message("telegram:1"), channel=Channel.TELEGRAM)
    assert await store.store_inbound(chat) is not None


async def test_messages_without_message_id_never_collide(store: SqlStore) -> None:
    first = replace(_message("k1", message_id=None), raw=b"From: a@x.example\r\n\r\n1\r\n")
    second = replace(_message("k2", message_id=None), raw=b"From: a@x.example\r\n\r\n2\r\n")
    assert await store.store_inbound(first) is not None
    assert await store.store_inbound(second) is not None
    assert len(await store.inbound(InboundStatus.NEW)) == 2


async def test_stored_message_comes_back_byte_for_byte(store: SqlStore) -> None:
    raw = "Emne: æøå\r\n\r\n".encode() + bytes(range(256))
    stored_id = await store.store_inbound(replace(_message("k"), raw=raw))
    [back] = await store.inbound(InboundStatus.NEW)
    assert back.id == stored_id
    assert back.raw == raw
    assert back.received_at == NOW and back.received_at.tzinfo is not None
    assert back.message_id == "<a@x.example>" and back.sender == "a@x.example"


async def test_inbound_lists_oldest_first_within_the_limit(store: SqlStore) -> None:
    for n in (3, 1, 2):
        await store.store_inbound(
            replace(
                _message(f"k{n}", None),
                raw=f"From: a@x.example\r\n\r\n{n}\r\n".encode(),
                received_at=NOW + timedelta(minutes=n),
            )
        )
    listed = await store.inbound(InboundStatus.NEW, limit=2)
    assert [m.source_key for m in listed] == ["k1", "k2"]


async def test_mark_inbound_counts_failures_as_attempts(store: SqlStore) -> None:
    stored = await store.store_inbound(_message("k"))
    assert stored is not None
    await store.mark_inbound(stored, InboundStatus.FAILED, "ValueError: bad MIME")
    await store.mark_inbound(stored, InboundStatus.QUARANTINED, "ValueError: bad MIME")
    [quarantined] = await store.inbound(InboundStatus.QUARANTINED)
    assert quarantined.attempts == 2
    assert quarantined.error == "ValueError: bad MIME"
    await store.mark_inbound(stored, InboundStatus.DONE)
    [done] = await store.inbound(InboundStatus.DONE)
    assert done.attempts == 2 and done.error is None
    assert await store.inbound(InboundStatus.NEW) == []


async def test_mark_unknown_inbound_says_so(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        await store.mark_inbound(4711, InboundStatus.DONE)


async def test_answer_round_trips_with_its_reading(store: SqlStore) -> None:
    await store.sync_group(small_group())
    inbound_id = await store.store_inbound(_message("k"))
    given = answer(
        "horesta",
        proposals=(Proposal("Lærlinge", background="Mangel", sdgs=(4, 8), attachments=("a.pdf",)),),
        updates=(InitiativeUpdate("I-1", "12 pladser", owner="lo", next_steps="Møde"),),
    )
    given = replace(
        given,
        inbound_id=inbound_id,
        reading=replace(given.reading, confidence=0.8333, notes=("trimmed quote",)),
    )
    answer_id = await store.save_answer(given)
    [back] = await store.answers("testgruppe", "2026-2")
    assert back == replace(given, id=answer_id)
    assert back.partner == "horesta"


async def test_reading_a_message_again_replaces_its_answer(store: SqlStore) -> None:
    await store.sync_group(small_group())
    inbound_id = await store.store_inbound(_message("k"))
    first = await store.save_answer(replace(answer("lo", nothing=True), inbound_id=inbound_id))
    again = await store.save_answer(
        replace(answer("lo", nothing=True), inbound_id=inbound_id, status=AnswerStatus.REVIEW)
    )
    assert again == first
    [only] = await store.answers("testgruppe")
    assert only.status is AnswerStatus.REVIEW


async def test_answers_oldest_first_and_per_meeting(store: SqlStore) -> None:
    await store.sync_group(small_group())
    await store.save_answer(answer("lo", nothing=True, minutes=5))
    await store.save_answer(answer("horesta", nothing=True, minutes=1))
    await store.save_answer(replace(answer("eau", nothing=True), meeting=None))
    assert [a.partner for a in await store.answers("testgruppe", "2026-2")] == ["horesta", "lo"]
    assert len(await store.answers("testgruppe")) == 3


async def test_two_groups_do_not_see_each_others_answers(store: SqlStore) -> None:
    await _two_groups(store)
    await store.save_answer(answer("lo", nothing=True))
    await store.save_answer(replace(answer("tradium", nothing=True), group="andengruppe"))
    assert [a.partner for a in await store.answers("testgruppe")] == ["lo"]
    assert [a.partner for a in await store.answers("andengruppe", "2026-2")] == ["tradium"]


async def test_set_answer_status(store: SqlStore) -> None:
    await store.sync_group(small_group())
    answer_id = await store.save_answer(answer("lo", nothing=True))
    await store.set_answer_status(answer_id, AnswerStatus.DECLINED)
    [back] = await store.answers("testgruppe")
    assert back.status is AnswerStatus.DECLINED
    with pytest.raises(NotFoundError):
        await store.set_answer_status(answer_id + 1000, AnswerStatus.ACCEPTED)


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    # A zone the store guessed would move every deadline by an hour or two.
    with pytest.raises(StatementError, match="naive datetime"):
        await store.store_inbound(replace(_message("k"), received_at=datetime(2026, 1, 1)))


async def test_racing_writers_keep_one_message_and_one_token(store: SqlStore) -> None:
    await store.sync_group(small_group())
    stored = await asyncio.gather(*(store.store_inbound(_message(f"k{n}")) for n in range(8)))
    assert sum(s is not None for s in stored) == 1
    tokens = await asyncio.gather(
        *(store.issue_token(ReplyToken(f"t{n}", "testgruppe", "2026-2", "lo")) for n in range(8))
    )
    assert len({t.token for t in tokens}) == 1


async def test_a_batch_is_stored_in_one_go_and_what_was_stored_before_is_kept_once(
    store: SqlStore,
) -> None:
    assert await store.store_inbound(_message("imap:INBOX:1")) is not None
    batch = [
        _message("imap:INBOX:1"),  # stored before
        replace(_message("imap:INBOX:2"), raw=b"From: a@x.example\r\n\r\nTo\r\n"),
        replace(_message("imap:INBOX:3"), raw=b"From: a@x.example\r\n\r\nTo\r\n"),  # same bytes
        replace(_message("imap:INBOX:4"), raw=b"From: a@x.example\r\n\r\nFire\r\n"),
    ]
    stored = await store.store_inbound_batch(batch)
    assert [s is not None for s in stored] == [False, True, False, True]
    kept = await store.inbound(InboundStatus.NEW)
    assert sorted(m.source_key for m in kept) == ["imap:INBOX:1", "imap:INBOX:2", "imap:INBOX:4"]
    assert await store.store_inbound_batch(batch) == [None, None, None, None]
    assert await store.store_inbound_batch([]) == []
