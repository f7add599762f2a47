"""Answers to people go before bulk mail: a chat answer is echoed whatever a call has queued."""

from __future__ import annotations

from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus, OutgoingMail
from partnerdesk.app import App
from partnerdesk.usecases import calls
from partnerdesk.usecases.common import queue_mail
from partnerdesk.usecases.outbox import deliver_outbox
from tests.fakes.botapi import FakeBotApi
from tests.sent_mail import sent
from tests.telegram_helpers import MEMBER, linked, until

pytest_plugins = ["tests.telegram_fixtures"]

QUEUED = 1000


async def _a_municipality_called(app: App, count: int = QUEUED) -> None:
    """A call to count more contacts waiting in the outbox, queued before anything else."""
    group = app.group()
    mails = [
        OutboxEntry(
            group=group.slug,
            meeting="2026-2",
            purpose="call",
            channel=Channel.EMAIL,
            recipient=f"k{n}@partner{n // 10}.example.org",
            mail=OutgoingMail(
                message_id=f"<call-2026-2.k{n}@norddjurs.example.org>",
                sender=f"{group.secretariat.name} <{group.reply_address}>",
                recipients=(f"k{n}@partner{n // 10}.example.org",),
                subject="Punkter til dagsordenen",
                text="Kære partner\n",
            ),
            created_at=app.clock(),
            next_attempt_at=app.clock(),
        )
        for n in range(count)
    ]
    assert await app.store.enqueue_many(mails) == count


async def _waiting_mail(app: App) -> int:
    pending = await app.store.outbox([OutboxStatus.PENDING], limit=100_000)
    return sum(e.channel is Channel.EMAIL for e in pending)


async def test_a_chat_answer_is_echoed_while_a_thousand_mails_wait_and_no_mail_goes_from_the_chat(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    await _a_municipality_called(bot_app)
    await linked(bot_app, botapi, MEMBER, 601)
    waiting = await _waiting_mail(bot_app)
    assert waiting >= QUEUED
    before = len(botapi.state.messages_to(601))

    botapi.state.user_writes(601, None, "Intet nyt fra os denne gang.")
    await until(lambda: len(botapi.state.messages_to(601)) > before)

    echo = botapi.state.messages_to(601)[-1]
    assert "ingen punkter" in echo["text"].lower()
    # The chat sent its answer and nothing else: every e-mail still waits for the service.
    assert sent(bot_app) == []
    assert await _waiting_mail(bot_app) == waiting


async def test_an_echo_queued_after_a_call_is_sent_before_it(app: App) -> None:
    await _a_municipality_called(app, 5)
    group = app.group()
    await queue_mail(
        app,
        group,
        meeting=None,
        purpose="echo",
        key="1",
        to="cab@di-djursland.example.com",
        rendered=app.renderer.held_notice(group, "cab@di-djursland.example.com"),
    )

    done = await deliver_outbox(app, batch=1)

    assert done.sent == 1
    [first] = sent(app)
    assert str(first["To"]) == "cab@di-djursland.example.com"
    assert await _waiting_mail(app) == 5
