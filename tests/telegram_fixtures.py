"""The service with its bot pointed at the fake Bot API, and helpers to talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from tests.fakes.botapi import FakeBotApi
from tests.telegram_helpers import bot_settings


@pytest.fixture
def botapi() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


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
