"""The Telegram adapter against the fake Bot API server over real HTTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from agenda.chatlinks import ChatButton
from agenda.records import Attachment
from bot.events import ChatEvent, ChatReply, EventKind
from bot.telegram import TelegramBot
from tests.fakes.botapi import FakeBotApi, buttons_of

pytest_plugins = ["tests.telegram_fixtures"]


class Memory:
    """An update log in memory, like the database's."""

    def __init__(self) -> None:
        self.kept: dict[int, dict[str, Any]] = {}
        self.done: set[int] = set()

    async def remember(self, update_id: int, payload: dict[str, Any]) -> bool:
        if update_id in self.done:
            return False
        self.kept[update_id] = payload
        return True

    async def handled(self, update_id: int) -> None:
        self.done.add(update_id)

    async def unhandled(self) -> list[dict[str, Any]]:
        return [p for u, p in sorted(self.kept.items()) if u not in self.done]


class Recorder:
    """A service that remembers what it got and answers each command with its name."""

    def __init__(self) -> None:
        self.events: list[ChatEvent] = []

    async def on_event(self, event: ChatEvent) -> list[ChatReply]:
        self.events.append(event)
        if event.kind is EventKind.COMMAND:
            return [ChatReply(f"ok {event.command}", buttons=((ChatButton("Ja", "yes:1"),),))]
        if event.kind is EventKind.BUTTON:
            return [ChatReply(f"pressed {event.button}", edit=True)]
        return []


def _bot(url: str, recorder: Recorder, log: Memory) -> TelegramBot:
    return TelegramBot(
        "123:TEST",
        on_event=recorder.on_event,
        updates=log,
        base_url=url,
        commands=[("status", "Status")],
        per_chat_seconds=0.0,
    )


@pytest.fixture
async def bot(botapi: FakeBotApi) -> AsyncIterator[tuple[TelegramBot, Recorder, Memory]]:
    recorder, log = Recorder(), Memory()
    telegram_bot = _bot(botapi.base_url, recorder, log)
    await telegram_bot.start()
    try:
        yield telegram_bot, recorder, log
    finally:
        await telegram_bot.stop()


async def _until(condition: Callable[[], object]) -> None:
    for _ in range(1500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


async def test_a_message_reaches_the_service_with_the_account_id(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder, Memory]
) -> None:
    _, recorder, _ = bot
    botapi.state.user_writes(501, "lenekjaer", "Et punkt om sommerferiejob")
    await _until(lambda: recorder.events)
    got = recorder.events[0]
    assert (got.kind, got.user_id, got.chat_id, got.private) == (EventKind.TEXT, 501, 501, True)
    assert got.text == "Et punkt om sommerferiejob"


async def test_commands_are_answered_with_buttons_and_a_press_edits_the_message(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder, Memory]
) -> None:
    _, recorder, _ = bot
    assert [c["command"] for c in botapi.state.commands] == ["status"]
    botapi.state.user_writes(502, "hm", "/godkend@pd_bot 3")
    await _until(lambda: botapi.state.messages_to(502))
    assert (recorder.events[0].command, recorder.events[0].argument) == ("godkend", "3")
    sent = botapi.state.messages_to(502)[0]
    assert sent["text"] == "ok godkend" and buttons_of(sent) == {"Ja": "yes:1"}
    botapi.state.user_presses(502, sent, "yes:1")
    await _until(lambda: len(botapi.state.messages_to(502)) == 2)
    edited = botapi.state.messages_to(502)[1]
    assert (edited["method"], edited["message_id"]) == ("editMessageText", sent["message_id"])
    assert edited["text"] == "pressed yes:1"
    assert len(botapi.state.answered_buttons) == 1


async def test_a_document_is_fetched_with_its_name(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder, Memory]
) -> None:
    _, recorder, _ = bot
    botapi.state.user_sends_document(503, "plan.pdf", b"%PDF-1.4 plan", caption="Bilag til punktet")
    await _until(lambda: recorder.events)
    event = recorder.events[0]
    assert event.kind is EventKind.DOCUMENT and event.text == "Bilag til punktet"
    assert event.documents == (Attachment("plan.pdf", "application/pdf", b"%PDF-1.4 plan"),)


async def test_a_document_goes_out_with_its_caption(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder, Memory]
) -> None:
    telegram_bot, _, _ = bot
    pdf = Attachment("dagsorden.pdf", "application/pdf", b"%PDF-1.4 x")
    assert (await telegram_bot.send_text("504", "Dagsordenen", document=pdf)).sent
    sent = botapi.state.messages_to(504)[0]
    assert (sent["document"], sent["document_data"], sent["caption"]) == (
        "dagsorden.pdf",
        b"%PDF-1.4 x",
        "Dagsordenen",
    )


async def test_a_flood_wait_is_honoured_and_the_message_then_sent(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder, Memory]
) -> None:
    telegram_bot, _, _ = bot
    botapi.state.floods = 1
    result = await telegram_bot.send_text("505", "Hej")
    assert result.sent
    assert botapi.state.refused == [505]
    assert botapi.state.texts_to(505) == ["Hej"]


async def test_sending_to_a_chat_that_blocked_the_bot_is_a_permanent_failure(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder, Memory]
) -> None:
    telegram_bot, _, _ = bot
    botapi.state.blocked_chats.add(601)
    result = await telegram_bot.send_text("601", "Hej")
    assert not result.sent and result.permanent and result.blocked
    assert "blocked" in (result.error or "")


async def test_an_unreachable_server_is_a_transient_failure() -> None:
    telegram_bot = _bot("http://127.0.0.1:9", Recorder(), Memory())
    result = await telegram_bot.send_text("600", "Hej")
    assert not result.sent and not result.permanent


async def test_each_update_is_handled_once_and_a_kept_one_after_a_restart(
    botapi: FakeBotApi,
) -> None:
    recorder, log = Recorder(), Memory()
    # Kept before the service stopped, never handled: handled when the bot starts again.
    log.kept[90] = {
        "update_id": 90,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 700, "type": "private"},
            "from": {"id": 700, "is_bot": False, "first_name": "B"},
            "text": "glemt",
        },
    }
    log.done.add(91)
    telegram_bot = _bot(botapi.base_url, recorder, log)
    await telegram_bot.start()
    try:
        botapi.state.next_update_id = 91
        botapi.state.user_writes(700, None, "allerede taget")  # update 91, handled before
        botapi.state.user_writes(700, None, "ny")
        await _until(lambda: len(recorder.events) >= 2)
        await asyncio.sleep(0.2)
    finally:
        await telegram_bot.stop()
    assert [e.text for e in recorder.events] == ["glemt", "ny"]
    assert log.done == {90, 91, 92}
