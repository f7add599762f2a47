"""The Telegram adapter against a fake Bot API server over real HTTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.telegram import ChatMessage, TelegramBot
from tests.fakes.botapi import FakeBotApi


@pytest.fixture
def botapi() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


class Recorder:
    """Handlers that remember what they got and answer a fixed text."""

    def __init__(self) -> None:
        self.messages: list[ChatMessage] = []
        self.commands: list[tuple[str, ChatMessage]] = []

    async def on_message(self, message: ChatMessage) -> str | None:
        self.messages.append(message)
        return None

    async def on_command(self, command: str, message: ChatMessage) -> str | None:
        self.commands.append((command, message))
        return f"ok {command}"


@pytest.fixture
async def bot(botapi: FakeBotApi) -> AsyncIterator[tuple[TelegramBot, Recorder]]:
    recorder = Recorder()
    telegram_bot = TelegramBot(
        "123:TEST",
        on_message=recorder.on_message,
        on_command=recorder.on_command,
        base_url=botapi.base_url,
    )
    await telegram_bot.start()
    try:
        yield telegram_bot, recorder
    finally:
        await telegram_bot.stop()


async def _until(condition: object, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


async def test_a_partners_text_reaches_the_handler_with_its_username(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder]
) -> None:
    _, recorder = bot
    botapi.state.user_writes(501, "lenekjaer", "Et punkt om sommerferiejob")
    await _until(lambda: recorder.messages)
    got = recorder.messages[0]
    assert (got.chat_id, got.username, got.text) == (501, "lenekjaer", "Et punkt om sommerferiejob")


async def test_commands_are_answered_in_the_same_chat(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder]
) -> None:
    _, recorder = bot
    botapi.state.user_writes(502, "hm", "/approve@pd_bot")
    await _until(lambda: botapi.state.texts_to(502))
    assert recorder.commands[0][0] == "approve"
    assert botapi.state.texts_to(502) == ["ok approve"]


async def test_sending_to_a_chat_that_blocked_the_bot_is_a_permanent_failure(
    botapi: FakeBotApi, bot: tuple[TelegramBot, Recorder]
) -> None:
    telegram_bot, _ = bot
    assert (await telegram_bot.send_text("600", "Hej")).sent
    assert botapi.state.texts_to(600) == ["Hej"]
    botapi.state.blocked_chats.add(601)
    result = await telegram_bot.send_text("601", "Hej")
    assert not result.sent
    assert result.permanent
    assert "blocked" in (result.error or "")


async def test_an_unreachable_server_is_a_transient_failure(botapi: FakeBotApi) -> None:
    recorder = Recorder()
    telegram_bot = TelegramBot(
        "123:TEST",
        on_message=recorder.on_message,
        on_command=recorder.on_command,
        base_url="http://127.0.0.1:9",
    )
    result = await telegram_bot.send_text("600", "Hej")
    assert not result.sent
    assert not result.permanent
