"""The service with its bot pointed at the fake Bot API, and helpers to talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from tests.conftest import CORPUS_GROUP
from tests.fakes.botapi import FakeBotApi


@pytest.fixture
def botapi() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


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


@pytest.fixture
async def bot_app(tmp_path: Path, clock: DemoClock, botapi: FakeBotApi) -> AsyncIterator[App]:
    app = await build_app(bot_settings(tmp_path, botapi), clock=clock)
    for part in app.background:
        await part.start()
    try:
        yield app
    finally:
        for part in app.background:
            await part.stop()
        await close_app(app)
