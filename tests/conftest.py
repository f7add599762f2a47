"""Shared fixtures: an app on SQLite with Maildir mail and a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agenda.ports import Store
from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_GROUP = CORPUS / "group.toml"


@pytest.fixture
def clock() -> DemoClock:
    """Ten days before the corpus group's deadline (2026-11-27 12:00 +01:00)."""
    return DemoClock(datetime.fromisoformat("2026-11-27T12:00:00+01:00") - timedelta(days=10))


@pytest.fixture
async def app(tmp_path: Path, clock: DemoClock) -> AsyncIterator[App]:
    """The service on embedded defaults, for the corpus group."""
    settings = Settings(data_dir=tmp_path / "var", groups=[CORPUS_GROUP])
    built = await build_app(settings, clock=clock)
    try:
        yield built
    finally:
        await close_app(built)


async def claim_next(
    store: Store,
    now: datetime,
    *,
    channels: Sequence[Channel],
    urgent_only: bool = False,
    finished: OutboxEntry | None = None,
) -> OutboxEntry | None:
    """Reserve the next due row and start it, as a sender does just before handing it over.

    With finished, how sending the previous row went is recorded in the first step.
    """
    async with store.outbox_claims(channels=channels, urgent_only=urgent_only) as claims:
        until = now + timedelta(minutes=10)
        step = await claims.step(now, finished=finished, reserve_until=until)
        if step.reserved is None:
            return None
        started = await claims.step(now, start=step.reserved)
        assert started.started, "a fresh reservation is ours to start"
        return replace(step.reserved, status=OutboxStatus.SENDING, next_attempt_at=now)
