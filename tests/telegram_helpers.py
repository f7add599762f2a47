"""Talking to the service's bot through the fake Bot API, as a person would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from partnerdesk.app import App
from partnerdesk.settings import Settings
from partnerdesk.usecases.linking import find_contact, new_link
from tests.conftest import CORPUS_GROUP
from tests.fakes.botapi import FakeBotApi

CHAIR = "lene.kjaer@norddjurs.example.org"
MEMBER = "cab@di-djursland.example.com"
SECRETARIAT = "erik.holm@norddjurs.example.org"


def bot_settings(tmp_path: Path, botapi: FakeBotApi) -> Settings:
    """Settings for the corpus group with the bot on the fake server, without pauses."""
    return Settings(
        data_dir=tmp_path / "var",
        groups=[CORPUS_GROUP],
        telegram_token="123:TEST",
        telegram_base_url=botapi.base_url,
        telegram_per_chat_seconds=0.0,
        telegram_per_second=1000.0,
    )


async def until(check: Callable[[], bool]) -> None:
    """Wait for the bot to have done something (it polls in the background).

    Generous, because a loaded machine renders a PDF slowly; it returns as soon as it can.
    """
    for _ in range(1500):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not get there")


async def code_for(app: App, email: str) -> str:
    """A fresh one-time code for a contact, as `partnerdesk invite` makes it."""
    group, _, contact = find_contact(app, email)
    link = await new_link(app, group, contact)
    return link.rsplit("start=", 1)[1]


async def linked(app: App, botapi: FakeBotApi, email: str, user_id: int) -> None:
    """Link a Telegram account to a contact the way a person does: /start with the code."""
    code = await code_for(app, email)
    before = len(botapi.state.texts_to(user_id))
    botapi.state.user_writes(user_id, None, f"/start {code}")
    await until(lambda: len(botapi.state.texts_to(user_id)) > before)
    assert "koblet" in botapi.state.texts_to(user_id)[-1]


async def reply_count(botapi: FakeBotApi, chat: int, more_than: int) -> list[str]:
    """Wait until the chat has more than this many messages; all of them."""
    await until(lambda: len(botapi.state.texts_to(chat)) > more_than)
    return botapi.state.texts_to(chat)
