"""SqlStore on SQLite and PostgreSQL: Telegram link codes, links, updates, chat rows' extras."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from agenda.chatlinks import ChatButton, ChatLink, CodeUse
from agenda.reading import Channel
from agenda.records import Attachment, OutboxEntry, OutboxStatus, OutgoingMail
from storage.repository import SqlStore
from tests.domain_fixtures import small_group

pytest_plugins = ["tests.storage_fixtures"]

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def synced(store: SqlStore) -> SqlStore:
    """The store with the small group recorded."""
    await store.sync_group(small_group())
    return store


async def test_a_code_links_once_even_when_raced(synced: SqlStore) -> None:
    await synced.add_link_code(
        "testgruppe", "a@x.dk", "h1", now=NOW, expires_at=NOW + timedelta(days=1)
    )
    outcomes = await asyncio.gather(*(synced.use_link_code("h1", n, NOW) for n in range(8)))
    assert sorted(o.use for o in outcomes).count(CodeUse.LINKED) == 1
    winner = next(o for o in outcomes if o.use is CodeUse.LINKED)
    assert (winner.group, winner.contact) == ("testgruppe", "a@x.dk")
    assert {o.use for o in outcomes if o is not winner} == {CodeUse.USED}


async def test_expired_and_unknown_codes_are_told_apart(synced: SqlStore) -> None:
    await synced.add_link_code("testgruppe", "a@x.dk", "h2", now=NOW, expires_at=NOW)
    assert (await synced.use_link_code("h2", 1, NOW)).use is CodeUse.EXPIRED
    assert (await synced.use_link_code("nope", 1, NOW)).use is CodeUse.UNKNOWN


async def test_a_link_is_one_per_contact_and_account_and_keeps_its_state(
    synced: SqlStore,
) -> None:
    await synced.save_link(ChatLink("testgruppe", "a@x.dk", 10, 10, NOW))
    await synced.save_link(ChatLink("testgruppe", "b@x.dk", 10, 10, NOW))
    assert [lk.contact for lk in await synced.links("testgruppe")] == ["b@x.dk"]
    await synced.set_chat_state("testgruppe", "b@x.dk", {"shown": ["2026-2", 3]})
    assert await synced.set_chat_active(10, False) == 1
    (link,) = await synced.links_of_user(10)
    assert (link.active, link.state) == (False, {"shown": ["2026-2", 3]})


async def test_a_link_keeps_the_language_of_the_telegram_app(synced: SqlStore) -> None:
    await synced.save_link(ChatLink("testgruppe", "a@x.dk", 11, 11, NOW, language="en"))
    await synced.save_link(ChatLink("testgruppe", "b@x.dk", 12, 12, NOW))
    assert [lk.language for lk in await synced.links("testgruppe")] == ["en", None]


async def test_an_update_is_handled_once_and_an_unfinished_one_again(synced: SqlStore) -> None:
    assert await synced.remember_update(5, {"update_id": 5}, NOW)
    assert await synced.remember_update(6, {"update_id": 6}, NOW)
    await synced.update_handled(5, NOW)
    assert not await synced.remember_update(5, {"update_id": 5}, NOW)
    # Kept but not finished when the service stopped: handled after the restart.
    assert await synced.unhandled_updates() == [{"update_id": 6}]
    assert await synced.remember_update(6, {"update_id": 6}, NOW)


async def test_a_chat_row_keeps_its_buttons_document_and_fallback_mail(synced: SqlStore) -> None:
    mail = OutgoingMail("<m@x>", "S <s@x.dk>", ("a@x.dk",), "Emne", "Tekst")
    pdf = Attachment("dagsorden.pdf", "application/pdf", b"%PDF\x00\xff")
    entry = OutboxEntry(
        group="testgruppe",
        meeting="2026-2",
        purpose="agenda",
        channel=Channel.TELEGRAM,
        recipient="42",
        chat_text="Dagsordenen",
        key="telegram:42:agenda",
        created_at=NOW,
        next_attempt_at=NOW,
        chat_buttons=((ChatButton("Ja", "ec:1"), ChatButton("Nej", "er:1")),),
        chat_document=pdf,
        fallback_mail=mail,
    )
    await synced.enqueue(entry)
    (got,) = await synced.outbox([OutboxStatus.PENDING])
    assert (got.chat_buttons, got.chat_document, got.fallback_mail) == (
        entry.chat_buttons,
        pdf,
        mail,
    )
