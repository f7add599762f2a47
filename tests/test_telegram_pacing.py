"""A call to every contact, all linked to Telegram, goes out through the outbox within
Telegram's limits: at most 30 messages in any second overall, one a second per chat, and a
"retry after" is waited out. Checked from the fake Bot API's own record of when each send
request arrived, over real HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agenda.chatlinks import ChatLink
from agenda.reading import Channel
from agenda.records import OutboxStatus
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import calls
from partnerdesk.usecases.outbox import deliver_outbox
from tests.fakes.botapi import FakeBotApi

pytest_plugins = ["tests.telegram_fixtures"]

PER_CHAT_SECONDS = 1.0
FLOOD_SECONDS = 1
# Telegram's limits as the service is configured by default, for a group of 50; and a tighter
# limit that a fast outbox cannot reach by itself, so the pacing surely has to hold it back.
PACES = [
    pytest.param((30, 50), id="telegram-30-per-second"),
    pytest.param((4, 12), id="4-per-second"),
]

HEAD = """
[group]
slug = "mange"
name = "Mange partnere"
reply_address = "sek@k.example.org"
[secretariat]
name = "Sekretariatet"
email = "sek@k.example.org"
[[meetings]]
id = "m1"
starts_at = 2026-12-08T14:00:00
location = "Rådhuset"
call_deadline = 2026-11-27T12:00:00
"""


def _group_file(folder: Path, contacts: int) -> Path:
    """A group of partners with one contact each; the first one chairs."""
    parts = [HEAD]
    for n in range(contacts):
        role = "chair" if n == 0 else "member"
        parts.append(
            f'[[partners]]\nslug = "p{n}"\nname = "Partner {n}"\n'
            f'contacts = [{{ name = "Kontakt {n}", email = "k{n}@p{n}.example.org", '
            f'role = "{role}" }}]\n'
        )
    path = folder / "mange.toml"
    path.write_text("\n".join(parts), "utf-8")
    return path


def _chat(n: int) -> int:
    return 5000 + n


@pytest.fixture(params=PACES)
async def linked_app(
    request: pytest.FixtureRequest, tmp_path: Path, clock: DemoClock, botapi: FakeBotApi
) -> AsyncIterator[App]:
    """The service with a limit per second, every contact linked (chat only)."""
    per_second, contacts = request.param
    settings = Settings(
        data_dir=tmp_path / "var",
        groups=[_group_file(tmp_path, contacts)],
        telegram_token="123:TEST",
        telegram_base_url=botapi.base_url,
        telegram_per_second=per_second,
        telegram_per_chat_seconds=PER_CHAT_SECONDS,
    )
    app = await build_app(settings, clock=clock)
    for part in app.background:
        await part.start()
    try:
        group = app.group()
        for n, partner in enumerate(group.partners):
            await app.store.save_link(
                ChatLink(
                    group=group.slug,
                    contact=partner.contacts[0].email,
                    user_id=_chat(n),
                    chat_id=_chat(n),
                    linked_at=clock(),
                    chat_only=True,
                )
            )
        yield app
    finally:
        for part in app.background:
            await part.stop()
        await close_app(app)


async def _deliver_everything(app: App) -> None:
    """Run the service's delivery pass after pass, as `partnerdesk run` does, until done."""
    for _ in range(10):
        await deliver_outbox(app)
        waiting = await app.store.outbox([OutboxStatus.PENDING, OutboxStatus.SENDING], limit=1000)
        if not waiting:
            return
    raise AssertionError("the outbox did not empty")


def _most_in_one_second(requests: list[dict[str, Any]]) -> int:
    times = sorted(r["at"] for r in requests)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


async def test_a_call_to_every_linked_contact_keeps_to_telegrams_limits(
    linked_app: App, botapi: FakeBotApi
) -> None:
    app = linked_app
    group = app.group()
    contacts = len(group.partners)
    per_second = int(app.settings.telegram_per_second)
    # Telegram refuses the very first message: flood control, retry after a second.
    botapi.state.floods = 1
    botapi.state.flood_seconds = FLOOD_SECONDS
    await calls.open_call(app, group, group.meetings[0])
    await _deliver_everything(app)

    requests = [r for r in botapi.state.requests if r["method"] == "sendMessage"]
    # Every contact got the call exactly once, in the chat (and no e-mail: chat only).
    for n in range(contacts):
        texts = botapi.state.texts_to(_chat(n))
        assert len(texts) == 1 and texts[0].startswith("Indkaldelse af punkter"), n
    mails = await app.store.outbox(list(OutboxStatus), limit=1000)
    assert {e.channel for e in mails} == {Channel.TELEGRAM}
    # Never more than the limit in any one second, and never two to one chat within a second.
    assert _most_in_one_second(requests) <= per_second
    for n in range(contacts):
        times = [r["at"] for r in botapi.state.requests_to(_chat(n))]
        assert all(b - a >= PER_CHAT_SECONDS for a, b in itertools.pairwise(times))
    # The refused chat was not asked again before its retry_after had passed.
    refused = [r for r in requests if r["status"] == 429]
    assert len(refused) == 1
    again = [
        r for r in botapi.state.requests_to(refused[0]["chat_id"]) if r["at"] > refused[0]["at"]
    ]
    assert again and again[0]["at"] - refused[0]["at"] >= FLOOD_SECONDS


async def test_a_long_flood_wait_is_left_to_the_outbox_and_the_others_go_on(
    linked_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    app = linked_app
    group = app.group()
    # Telegram asks for half a minute: not waited out inside the pass, which holds everyone.
    botapi.state.floods = 1
    botapi.state.flood_seconds = 30
    await calls.open_call(app, group, group.meetings[0])

    done = await deliver_outbox(app)

    assert done.retrying == 1 and done.sent == len(group.partners) - 1
    [waiting] = await app.store.outbox([OutboxStatus.PENDING])
    assert waiting.next_attempt_at is not None
    assert (waiting.next_attempt_at - clock()).total_seconds() >= 30
    assert waiting.recipient == str(botapi.state.refused[0])
