"""What lets several processes share one database: claims, leases, closing a call once.

Each test runs on SQLite and on PostgreSQL; "another process" is a second engine on the
same database (its own connections, its own sessions).
"""

from __future__ import annotations

import asyncio
import mailbox
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from agenda.groupfile import load_group
from agenda.reading import Channel
from agenda.records import Call, InboundMessage, InboundStatus, OutboxStatus
from agenda.workflow import CallState
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import calls
from partnerdesk.usecases.ingest import fetch_mail
from partnerdesk.usecases.leased import mailbox_lease
from partnerdesk.usecases.tick import tick
from storage.engine import make_engine
from storage.leases import ProcessLeases, leases_for
from storage.repository import SqlStore
from tests.conftest import CORPUS_GROUP

pytest_plugins = ["tests.storage_fixtures"]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def other(store: SqlStore) -> AsyncIterator[SqlStore]:
    """A second store on the same database, as another process would have."""
    engine = make_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        yield SqlStore(engine)
    finally:
        await engine.dispose()


def _message(n: int) -> InboundMessage:
    return InboundMessage(
        channel=Channel.EMAIL,
        source_key=f"maildir:{n}",
        raw=f"Subject: {n}\n\nsvar {n}\n".encode(),
        received_at=NOW + timedelta(seconds=n),
    )


async def _stored(store: SqlStore, count: int) -> list[int]:
    ids = await store.store_inbound_batch([_message(n) for n in range(count)])
    return [i for i in ids if i is not None]


async def test_two_claimers_never_get_the_same_message(store: SqlStore, other: SqlStore) -> None:
    stored = await _stored(store, 40)
    stale = NOW - timedelta(minutes=5)
    got: list[int] = []
    for _ in range(10):
        ours, theirs = await asyncio.gather(
            store.claim_inbound(NOW, stale_before=stale, limit=3),
            other.claim_inbound(NOW, stale_before=stale, limit=3),
        )
        got += [m.id for m in ours + theirs if m.id is not None]
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(stored)


async def test_a_claim_is_released_when_marked_and_a_stale_one_is_taken_over(
    store: SqlStore, other: SqlStore
) -> None:
    [first, second] = await _stored(store, 2)
    stale = NOW - timedelta(minutes=5)
    assert [m.id for m in await store.claim_inbound(NOW, stale_before=stale)] == [first, second]
    # Claimed a moment ago: nobody else takes them.
    assert await other.claim_inbound(NOW, stale_before=stale) == []
    # The first is read and found wanting: it is to be read again, by anyone.
    await store.mark_inbound(first, InboundStatus.FAILED, "boom")
    assert [m.id for m in await other.claim_inbound(NOW, stale_before=stale)] == [first]
    # A failure in this pass is not retried in the same pass.
    await other.mark_inbound(first, InboundStatus.FAILED, "boom")
    assert await other.claim_inbound(NOW, stale_before=stale, skip=[first]) == []
    # The claimer of the second died: after the timeout its claim is taken over.
    later = NOW + timedelta(minutes=10)
    taken = await other.claim_inbound(later, stale_before=later - timedelta(minutes=5))
    assert {m.id for m in taken} == {first, second}


async def test_a_chat_message_is_read_at_once_even_if_another_process_claimed_it(
    store: SqlStore, other: SqlStore
) -> None:
    [email, chat] = await _stored(store, 2)
    stale = NOW - timedelta(minutes=5)
    assert {m.id for m in await other.claim_inbound(NOW, stale_before=stale)} == {email, chat}
    # A moment later the bot's process reads the chat message itself.
    moment = NOW + timedelta(seconds=1)
    taken = await store.claim_inbound(moment, stale_before=moment, limit=1, only=chat)
    assert [m.id for m in taken] == [chat]
    await store.mark_inbound(chat, InboundStatus.DONE)
    assert await store.claim_inbound(moment, stale_before=moment, only=chat) == []


async def test_done_and_held_messages_are_never_claimed(store: SqlStore) -> None:
    [done, held, fresh] = await _stored(store, 3)
    await store.mark_inbound(done, InboundStatus.DONE)
    await store.mark_inbound(held, InboundStatus.HELD)
    claimed = await store.claim_inbound(NOW, stale_before=NOW)
    assert [m.id for m in claimed] == [fresh]


async def test_a_lease_is_held_by_one_holder_until_released(
    store: SqlStore, other: SqlStore
) -> None:
    ours, theirs = leases_for(store.engine), leases_for(other.engine)
    try:
        lease = await ours.acquire("mailbox:x")
        assert lease is not None and await lease.still_held()
        assert await theirs.acquire("mailbox:x") is None
        # Another name is another lease.
        elsewhere = await theirs.acquire("mailbox:y")
        assert elsewhere is not None
        await elsewhere.release()
        await lease.release()
        assert not await lease.still_held()
        taken = await theirs.acquire("mailbox:x")
        assert taken is not None
        await taken.release()
    finally:
        await ours.close()
        await theirs.close()


async def test_a_call_is_closed_by_one_of_two_at_once(store: SqlStore, other: SqlStore) -> None:
    await store.sync_group(replace(load_group(CORPUS_GROUP), slug="g"))
    await store.save_call(Call("g", "2026-2", state=CallState.OPEN, opened_at=NOW))
    results = await asyncio.gather(
        *(s.close_call_once("g", "2026-2", NOW) for s in (store, other, store, other))
    )
    assert sorted(results) == [False, False, False, True]
    call = await store.get_call("g", "2026-2")
    assert call is not None and call.state is CallState.CLOSED


@pytest.fixture
async def two_apps(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[App, App, DemoClock]]:
    """Two services on one database, each free to decide deadlines (no shared lease)."""
    clock = DemoClock(datetime.fromisoformat("2026-11-27T12:00:00+01:00") - timedelta(days=10))
    apps: list[App] = []
    for n in range(2):
        settings = Settings(
            data_dir=tmp_path / f"var{n}", database_url=database_url, groups=[CORPUS_GROUP]
        )
        app = await build_app(settings, clock=clock)
        # Each has leases of its own: only the database keeps the work once-only here.
        app.leases = ProcessLeases()
        apps.append(app)
    try:
        yield apps[0], apps[1], clock
    finally:
        for app in apps:
            await close_app(app)


async def test_two_services_deciding_at_once_remind_once_and_close_once(
    two_apps: tuple[App, App, DemoClock],
) -> None:
    first, second, clock = two_apps
    group = first.group()
    await calls.open_call(first, group, first.meeting(group, "2026-2"))
    # The day before the deadline: both see the reminder due, at the same moment.
    clock.now += timedelta(days=9, hours=1)
    await asyncio.gather(tick(first), tick(second), tick(first), tick(second))
    # Past the deadline: both see it pass.
    clock.now += timedelta(days=1)
    await asyncio.gather(tick(first), tick(second), tick(first), tick(second))
    entries = await first.store.outbox(list(OutboxStatus), limit=10_000)
    keys = Counter(e.dedup_key() for e in entries)
    assert [k for k, n in keys.items() if n > 1] == []
    contacts = [c for p in group.partners for c in p.contacts]
    reminders = [e for e in entries if e.purpose.startswith("reminder")]
    assert sorted(e.recipient for e in reminders if e.channel is Channel.EMAIL) == sorted(
        c.email for c in contacts
    )
    drafts = [e for e in entries if e.purpose == "draft"]
    assert len(drafts) == sum(c.is_chair for c in contacts)
    closed = [a for a in await first.store.audit_log(group.slug) if a.action == "call.closed"]
    assert len(closed) == 1
    agenda = await first.store.agenda(group.slug, "2026-2")
    assert agenda is not None and agenda.version == 1


async def test_a_mailbox_is_fetched_by_the_process_holding_its_lease_only(
    two_apps: tuple[App, App, DemoClock],
) -> None:
    app, _, _ = two_apps
    raw = (CORPUS_GROUP.parent / "replies" / "dev-04-di-nothing-this-round.eml").read_bytes()
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(raw)
    # Another process (leases of its own, on the same database) is fetching this mailbox.
    elsewhere = leases_for(cast(SqlStore, app.store).engine)
    held = await elsewhere.acquire(mailbox_lease(app.settings))
    assert held is not None
    try:
        app.leases = leases_for(cast(SqlStore, app.store).engine)
        assert await fetch_mail(app) == (0, 0)
        assert len(mailbox.Maildir(app.settings.inbox_maildir)) == 1
    finally:
        await held.release()
        await elsewhere.close()
    assert await fetch_mail(app) == (1, 1)


def test_processes_reading_the_same_imap_folder_share_one_lease_name() -> None:
    def name(url: str) -> str:
        return mailbox_lease(Settings(imap_url=url))

    same = name("imaps://partnerskab:secret@imap.example.org:993/INBOX")
    assert name("imaps://partnerskab:changed@imap.example.org:993/INBOX") == same
    assert name("imaps://partnerskab:secret@imap.example.org:993/Other") != same
    assert name("imaps://someone:secret@imap.example.org:993/INBOX") != same


async def test_a_row_cut_off_is_settled_by_one_of_two_that_found_it(
    store: SqlStore, other: SqlStore
) -> None:
    from tests.conftest import claim_next
    from tests.domain_fixtures import small_group
    from tests.test_storage_outbox import _entry, _mail

    await store.sync_group(small_group())
    await store.enqueue(_entry(_mail("<m@x>")))
    # Claimed, then the process died: two services find it "sending" at once.
    found = await claim_next(store, NOW, channels=[Channel.EMAIL])
    assert found is not None and found.id is not None

    settled = [
        await s.update_outbox(found.id, status=OutboxStatus.FAILED, error="cut off", was=found)
        for s in (store, other)
    ]

    assert settled == [True, False]
    # Given again and claimed anew, the row is no longer as either of them found it.
    await store.update_outbox(found.id, status=OutboxStatus.PENDING, next_attempt_at=NOW)
    again = await claim_next(store, NOW + timedelta(seconds=1), channels=[Channel.EMAIL])
    assert again is not None and again.id == found.id
    assert not await other.update_outbox(found.id, status=OutboxStatus.FAILED, was=found)
    [sending] = await store.outbox([OutboxStatus.SENDING])
    assert sending.id == found.id
