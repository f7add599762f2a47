"""The outbox use case: one message at a time, a broken one set aside, a cut-off one handled."""

from __future__ import annotations

import logging
import mailbox
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from agenda.ports import DeliveryResult
from agenda.reading import Channel
from agenda.records import OutboxStatus, OutgoingMail
from mail.handover import WholeHandover
from partnerdesk.app import App
from partnerdesk.usecases import calls
from partnerdesk.usecases.common import queue_mail
from partnerdesk.usecases.outbox import deliver_outbox
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS, claim_next


def _sent(app: App) -> list[EmailMessage]:
    box = mailbox.Maildir(app.settings.outbox_maildir, create=True)
    parsed = [message_from_bytes(m.as_bytes(), policy=default) for m in box]
    return [m for m in parsed if isinstance(m, EmailMessage)]


@dataclass
class _Failing:
    """The real sender, except that one message makes it raise (a fault, injected)."""

    inner: object
    poison: str
    deduplicates: bool = True
    lanes: int = 1
    closed: int = 0

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        if any(m.message_id == self.poison for m in mails):
            raise RuntimeError("boom\nwith a second line")
        send = self.inner.send  # type: ignore[attr-defined]
        results: list[DeliveryResult] = await send(mails)
        return results

    def prepare(self, mail: OutgoingMail) -> WholeHandover:
        return WholeHandover(self.send, mail)

    async def close(self) -> None:
        self.closed += 1


async def _queue(app: App, n: int, **extra: object) -> None:
    group = app.group()
    rendered = app.renderer.held_notice(group, f"p{n}@example.org")
    await queue_mail(
        app,
        group,
        meeting=None,
        purpose="held",
        key=str(n),
        to=f"p{n}@example.org",
        rendered=rendered,
        **extra,  # type: ignore[arg-type]
    )


async def test_a_message_that_breaks_the_sender_is_quarantined_and_the_pass_goes_on(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(5):
        await _queue(app, n)
    queued = await app.store.outbox([OutboxStatus.PENDING])
    poison = queued[2].mail
    assert poison is not None
    failing = _Failing(app.mail_sender, poison.message_id)
    app.mail_sender = failing
    caplog.set_level(logging.WARNING)

    done = await deliver_outbox(app)

    assert (done.sent, done.failed, done.quarantined) == (4, 1, 1)
    assert sorted(str(m["To"]) for m in _sent(app)) == [f"p{n}@example.org" for n in (0, 1, 3, 4)]
    [failed] = await app.store.outbox([OutboxStatus.FAILED])
    assert failed.key == poison.message_id
    assert failed.error == "quarantined: RuntimeError: boom with a second line"
    lines = [r for r in caplog.records if "quarantined" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0].getMessage() and lines[0].exc_info is None
    assert failing.closed == 1  # the connection is let go at the end of the pass
    # The secretariat hears of it with the next pass.
    await deliver_outbox(app)
    assert any(str(m["Message-ID"]).startswith("<delivery-failed-") for m in _sent(app))


async def test_a_hostile_message_id_never_reaches_a_header_of_the_echo(app: App) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    await tick(app)
    raw = (CORPUS / "replies" / "dev-04-di-nothing-this-round.eml").read_bytes()
    hostile = raw.replace(
        b"Message-ID: <DB9PR07MB222E0EDB0A6A522904035279364BCE41@"
        b"DB9PR07MB222E.eurprd05.prod.outlook.com>",
        b"Message-ID: =?utf-8?q?<a=0D=0ABcc:_victim@example.org>?=",
    )
    assert hostile != raw
    inbox = mailbox.Maildir(app.settings.inbox_maildir, create=True)
    inbox.add(hostile)
    inbox.add((CORPUS / "replies" / "dev-01-byggeri-laerlingekampagne.eml").read_bytes())

    report = await tick(app)

    assert (report.processed, report.send_failed) == (2, 0)
    echoes = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-")]
    assert len(echoes) == 2
    for echo in echoes:
        assert echo["Bcc"] is None
        assert "\n" not in str(echo.get("In-Reply-To", ""))
    assert await app.store.outbox([OutboxStatus.FAILED]) == []


@dataclass
class _Smtpish:
    """A sender whose receiving side keeps every copy, as SMTP servers do."""

    deduplicates: bool = False
    lanes: int = 1
    sent: int = 0

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        self.sent += len(mails)
        return [DeliveryResult(m.message_id, sent=True) for m in mails]

    def prepare(self, mail: OutgoingMail) -> WholeHandover:
        return WholeHandover(self.send, mail)

    async def close(self) -> None:
        """Nothing to close."""


async def test_a_message_cut_off_on_the_way_to_smtp_is_given_up_and_reported_not_resent(
    app: App,
) -> None:
    app.settings.sending_timeout_seconds = 0
    for n in range(3):
        await _queue(app, n)
    claimed = await claim_next(app.store, app.clock(), channels=[Channel.EMAIL])
    assert claimed is not None and claimed.id is not None  # then the process died
    sender = _Smtpish()
    app.mail_sender = sender

    done = await deliver_outbox(app)

    # The two others and the secretariat's report go; the cut-off one does not.
    assert (done.interrupted, done.sent) == (1, 3)
    assert sender.sent == 3
    [failed] = await app.store.outbox([OutboxStatus.FAILED])
    assert failed.id == claimed.id and failed.error is not None
    assert "may have arrived" in failed.error
    sent = await app.store.outbox([OutboxStatus.SENT])
    assert sorted(e.purpose for e in sent) == ["delivery-failed", "held", "held"]


async def test_a_message_cut_off_on_the_way_to_the_maildir_is_written_again_once(
    app: App,
) -> None:
    app.settings.sending_timeout_seconds = 0
    await _queue(app, 1)
    claimed = await claim_next(app.store, app.clock(), channels=[Channel.EMAIL])
    assert claimed is not None and claimed.mail is not None
    await app.mail_sender.send([claimed.mail])  # it got there; then the process died

    done = await deliver_outbox(app)

    assert (done.interrupted, done.sent) == (0, 1)
    assert len(_sent(app)) == 1
    assert [e.status for e in await app.store.outbox(list(OutboxStatus))] == [OutboxStatus.SENT]
