"""Partners answer in Telegram and the chair approves there, through the real service wiring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agenda.reading import Channel
from agenda.workflow import CallState
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import calls
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS_GROUP
from tests.fakes.botapi import FakeBotApi


@pytest.fixture
def botapi() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot_app(tmp_path: Path, clock: DemoClock, botapi: FakeBotApi) -> AsyncIterator[App]:
    settings = Settings(
        data_dir=tmp_path / "var",
        groups=[CORPUS_GROUP],
        telegram_token="123:TEST",
        telegram_base_url=botapi.base_url,
    )
    app = await build_app(settings, clock=clock)
    for part in app.background:
        await part.start()
    try:
        yield app
    finally:
        for part in app.background:
            await part.stop()
        await close_app(app)


async def _until(check: Callable[[], bool]) -> None:
    for _ in range(250):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_a_chat_answer_is_kept_read_and_echoed_in_the_chat(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    botapi.state.user_writes(
        501,
        "lenekjaer",
        "Et punkt mere: sommerferiejob til unge. Baggrund: mange unge mangler job. "
        "Forslag: at vi laver en fælles formidling.",
    )
    await _until(lambda: bool(botapi.state.texts_to(501)))
    echo = botapi.state.texts_to(501)[0]
    assert "Forslag: Sommerferiejob til unge" in echo
    answers = await bot_app.store.answers(group.slug, meeting.id)
    assert [(a.channel, a.partner) for a in answers] == [(Channel.TELEGRAM, "eau")]
    status = {r.partner: r for r in await calls.call_status(bot_app, group, meeting)}
    assert status["eau"].answered and status["eau"].via == ("telegram",)


async def test_an_unknown_account_is_held_and_told_so(bot_app: App, botapi: FakeBotApi) -> None:
    group = bot_app.group()
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    botapi.state.user_writes(777, "stranger", "Vi vil gerne have et punkt om havnen.")
    await _until(lambda: bool(botapi.state.texts_to(777)))
    assert "sekretariatet" in botapi.state.texts_to(777)[0]


async def test_only_the_chair_approves_with_a_command(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(bot_app)
    botapi.state.user_writes(900, "someone", "/approve")
    await _until(lambda: bool(botapi.state.texts_to(900)))
    assert "formanden" in botapi.state.texts_to(900)[0]
    botapi.state.user_writes(501, "lenekjaer", "/approve")
    await _until(lambda: bool(botapi.state.texts_to(501)))
    assert "godkendt" in botapi.state.texts_to(501)[0]
    call = await bot_app.store.get_call(group.slug, meeting.id)
    # The chair's approval is all this group needs: the agenda goes out at once, as promised.
    assert call is not None and call.state is CallState.PUBLISHED
    assert "sendes nu ud" in botapi.state.texts_to(501)[0]
