"""Deliver the outbox: a pipeline per connection, answers to people first, with retries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from agenda.ports import ClaimStep, DeliveryResult, Handover, OutboxClaims
from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus
from mail.errors import DeliveryError
from partnerdesk.app import App
from partnerdesk.faults import crash_point

log = logging.getLogger(__name__)

# First retry after a minute, doubling up to six hours.
_BASE_DELAY = timedelta(minutes=1)
_MAX_DELAY = timedelta(hours=6)
_INTERRUPTED = "interrupted while sending; it may have arrived, so it is not sent again"
_RESENT = "interrupted while sending; sent again, the receiving side keeps one copy"
_QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Delivered:
    """What one pass over the outbox did; failed counts the quarantined ones too."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    quarantined: int = 0
    interrupted: int = 0


@dataclass
class _Tally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    quarantined: int = 0
    interrupted: int = 0
    given_up: list[OutboxEntry] = field(default_factory=list)

    def delivered(self) -> Delivered:
        return Delivered(
            sent=self.sent,
            retrying=self.retrying,
            failed=self.failed,
            quarantined=self.quarantined,
            interrupted=self.interrupted,
        )


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after this many failed attempts."""
    delay: timedelta = _BASE_DELAY * (2 ** max(0, attempts - 1))
    return min(delay, _MAX_DELAY)


async def recover_interrupted(app: App) -> int:
    """Rows a crash left "sending": resend where the receiver deduplicates, else flag them.

    A crash leaves "sending" at most the one message on the wire on each connection (a row is
    marked just before its data is handed over). Whether it arrived cannot be known; SMTP
    servers deliver a second copy with the same Message-ID, so such a row is given up and the
    secretariat is told. The Maildir outbox keeps one file per Message-ID, so there the row
    simply goes out again.
    """
    cutoff = app.clock() - timedelta(seconds=app.settings.sending_timeout_seconds)
    stuck = [
        e
        for e in await app.store.outbox([OutboxStatus.SENDING], limit=1000)
        if e.id is not None and (e.next_attempt_at is None or e.next_attempt_at <= cutoff)
    ]
    flagged: list[OutboxEntry] = []
    for entry in stuck:
        assert entry.id is not None
        # Another process may be settling the same row: only the one that changes it goes on.
        if entry.channel is Channel.EMAIL and app.mail_sender.deduplicates:
            if await app.store.update_outbox(
                entry.id,
                status=OutboxStatus.PENDING,
                attempts=entry.attempts + 1,
                next_attempt_at=app.clock(),
                error=_RESENT,
                was=entry,
            ):
                log.warning("outbox %s to %s was cut off; sent again", entry.id, entry.recipient)
            continue
        if await app.store.update_outbox(
            entry.id,
            status=OutboxStatus.FAILED,
            attempts=entry.attempts + 1,
            error=_INTERRUPTED,
            was=entry,
        ):
            log.warning("outbox %s to %s was cut off while sending", entry.id, entry.recipient)
            flagged.append(replace(entry, error=_INTERRUPTED))
    await report_failures(app, flagged)
    return len(flagged)


async def deliver_outbox(app: App, *, batch: int = 500) -> Delivered:
    """Send up to batch due messages, each started, sent and recorded on its own.

    What answers a person goes before bulk mail. Recording a message and starting the next
    is one transaction, so a crash finds "sending" only the messages that were on the wire.
    """
    tally = _Tally(interrupted=await recover_interrupted(app))
    channels = [Channel.EMAIL]
    if app.chat_sender is not None:
        # Without a bot, chat messages wait in the outbox until one is configured.
        channels.append(Channel.TELEGRAM)
    try:
        await _deliver(app, tally, channels, batch=batch, urgent_only=False)
    finally:
        await app.mail_sender.close()
    await report_failures(app, tally.given_up)
    return tally.delivered()


async def deliver_chats(app: App, *, bulk: bool = False, batch: int = 50) -> Delivered:
    """Send the chat messages that answer people, from a chat handler: never e-mail.

    A person in the chat waits for this, so nothing queued for e-mail (a call to thousands)
    stands in the way; e-mail goes with the service's next pass. With bulk (the chair has just
    published), the chats' copies of mass mail go too, after every answer to a person.
    """
    tally = _Tally()
    if app.chat_sender is not None:
        await _deliver(app, tally, [Channel.TELEGRAM], batch=batch, urgent_only=not bulk)
    await report_failures(app, tally.given_up)
    return tally.delivered()


async def _deliver(
    app: App, tally: _Tally, channels: list[Channel], *, batch: int, urgent_only: bool
) -> None:
    # As many messages on their way at once as the mail server takes connections from us:
    # while it reads one, the next is composed and recorded on the other lane.
    lanes = max(1, app.mail_sender.lanes if Channel.EMAIL in channels else 1)

    async def lane(share: int) -> None:
        claims = app.store.outbox_claims(channels=channels, urgent_only=urgent_only)
        async with claims as mine:
            await _Pipeline(app, tally, mine).run(share)

    shares = [batch // lanes + (1 if n < batch % lanes else 0) for n in range(lanes)]
    await asyncio.gather(*(lane(share) for share in shares if share))


class _Pipeline:
    """Send up to a batch, each message's database step overlapping its SMTP envelope.

    Per message: one step records the last message, starts this one ("sending") and reserves
    the next, while this one's envelope is opened (MAIL FROM, RCPT TO); then its data is
    handed over while the next one is composed. A row is "sending" only from just before its
    data is handed over until its outcome is recorded with the next step.
    """

    def __init__(self, app: App, tally: _Tally, claims: OutboxClaims) -> None:
        self.app = app
        self.tally = tally
        self.claims = claims

    def _reserve_until(self) -> datetime:
        # A reservation outlives one message's sending; a dead sender's is simply due again.
        return self.app.clock() + timedelta(seconds=self.app.settings.sending_timeout_seconds)

    async def run(self, batch: int) -> None:
        first = await self.claims.step(self.app.clock(), reserve_until=self._reserve_until())
        ahead = first.reserved
        ready = self._prepare(ahead)
        finished: OutboxEntry | None = None
        try:
            for count in range(1, batch + 1):
                if ahead is None or ready is None:
                    return
                entry, handover = ahead, ready
                more = count < batch
                # The database step and the envelope at once, the next message composed while
                # the mail server answers; the data goes only once the row is "sending".
                stepped, opened = await asyncio.gather(
                    self._step(finished, entry, more),
                    _open(handover),
                    return_exceptions=True,
                )
                if isinstance(stepped, BaseException):
                    await _abandon(handover, opened)
                    raise stepped
                step, ready = stepped
                finished, ahead = None, step.reserved
                if not step.started:
                    # Another sender has it now (this reservation had run out): not ours.
                    await _abandon(handover, opened)
                    continue
                entry = replace(
                    entry, status=OutboxStatus.SENDING, next_attempt_at=self.app.clock()
                )
                if isinstance(opened, DeliveryError):
                    # The server cannot be reached: the rest would fail alike; try again later.
                    finished = self._outcome(entry, _unreachable(entry, opened))
                    return
                finished = await self._finish(entry, await _hand_over(handover, opened))
        finally:
            # The last outcome recorded, the reservation left over given back: one step.
            if finished is not None or ahead is not None:
                await self.claims.step(
                    self.app.clock(), finished=finished, start=ahead, release=True
                )

    def _prepare(self, entry: OutboxEntry | None) -> Handover | None:
        """The entry's message composed and ready to go; a broken one fails when opened."""
        if entry is None:
            return None
        try:
            if entry.channel is Channel.TELEGRAM:
                return _ChatHandover(self.app, entry)
            if entry.mail is None:
                raise ValueError("an e-mail row without a message")
            return self.app.mail_sender.prepare(entry.mail)
        except Exception as exc:  # anything one message provokes is that message's problem alone
            return _Broken(exc)

    async def _step(
        self, finished: OutboxEntry | None, start: OutboxEntry, more: bool
    ) -> tuple[ClaimStep, Handover | None]:
        """Record finished, start start, reserve the next; then compose the one reserved."""
        step = await self.claims.step(
            self.app.clock(),
            finished=finished,
            start=start,
            reserve_until=self._reserve_until() if more else None,
        )
        return step, self._prepare(step.reserved)

    async def _finish(
        self, entry: OutboxEntry, result: DeliveryResult | BaseException
    ) -> OutboxEntry:
        if isinstance(result, BaseException):
            # Anything one message provokes is that message's problem alone.
            return _quarantine(entry, entry.attempts + 1, _describe(result), self.tally)
        crash_point(self.app.settings, "after_send")
        outcome = self._outcome(entry, result)
        if result.blocked and outcome.status is OutboxStatus.FAILED:
            from partnerdesk.usecases.chat_delivery import chat_blocked

            # The person blocked the bot: their chat closes and e-mail takes over.
            await chat_blocked(self.app, entry)
        return outcome

    def _outcome(self, entry: OutboxEntry, result: DeliveryResult) -> OutboxEntry:
        """The row as it is to be recorded after this try."""
        tally, attempts = self.tally, entry.attempts + 1
        if result.sent:
            tally.sent += 1
            refused = "; ".join(result.refused) or None
            return replace(
                entry,
                status=OutboxStatus.SENT,
                attempts=attempts,
                sent_at=self.app.clock(),
                error=refused,
            )
        if result.unsendable:
            return _quarantine(entry, attempts, result.error or "cannot be sent", tally)
        if result.permanent or attempts >= self.app.settings.outbox_max_attempts:
            tally.failed += 1
            log.warning("giving up on %s to %s: %s", entry.purpose, entry.recipient, result.error)
            error = result.error or entry.error
            failed = replace(entry, status=OutboxStatus.FAILED, attempts=attempts, error=error)
            tally.given_up.append(failed)
            return failed
        tally.retrying += 1
        # Telegram's own "retry after" wins over our backoff when it is longer.
        wait = max(backoff(attempts), timedelta(seconds=result.retry_after or 0))
        return replace(
            entry,
            status=OutboxStatus.PENDING,
            attempts=attempts,
            next_attempt_at=self.app.clock() + wait,
            error=result.error or entry.error,
        )


async def _open(handover: Handover) -> DeliveryResult | None:
    return await handover.open()


async def _hand_over(
    handover: Handover, opened: DeliveryResult | BaseException | None
) -> DeliveryResult | BaseException:
    """The message's data handed over, or why it went no further (a result or an error)."""
    if opened is not None:
        return opened
    try:
        return await handover.hand_over()
    except Exception as exc:  # one message's problem: it is quarantined, the others go on
        return exc


async def _abandon(handover: Handover, opened: DeliveryResult | BaseException | None) -> None:
    if opened is None:
        await handover.abandon()


def _unreachable(entry: OutboxEntry, exc: DeliveryError) -> DeliveryResult:
    message_id = entry.mail.message_id if entry.mail is not None else ""
    return DeliveryResult(message_id, sent=False, permanent=exc.permanent, error=str(exc))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _ChatHandover:
    """A chat message: nothing to open; handing over is sending it."""

    def __init__(self, app: App, entry: OutboxEntry) -> None:
        if app.chat_sender is None or entry.chat_text is None:
            raise ValueError("a chat message without a bot or without text")
        self.sender = app.chat_sender
        self.entry = entry
        self.text = entry.chat_text

    async def open(self) -> DeliveryResult | None:
        return None

    async def hand_over(self) -> DeliveryResult:
        return await self.sender.send_text(
            self.entry.recipient,
            self.text,
            buttons=self.entry.chat_buttons,
            document=self.entry.chat_document,
        )

    async def abandon(self) -> None:
        return None


class _Broken:
    """A message that could not even be prepared: it fails when opened, and is set aside."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def open(self) -> DeliveryResult | None:
        raise self.exc

    async def hand_over(self) -> DeliveryResult:
        raise self.exc

    async def abandon(self) -> None:
        return None


def _quarantine(entry: OutboxEntry, attempts: int, reason: str, tally: _Tally) -> OutboxEntry:
    """Give up on a message that cannot be sent as it is; one log line, the row kept."""
    error = f"{_QUARANTINED}: {' '.join(reason.split())}"
    log.warning("outbox %s (%s to %s) %s", entry.id, entry.purpose, entry.recipient, error)
    failed = replace(entry, status=OutboxStatus.FAILED, attempts=attempts, error=error)
    tally.failed += 1
    tally.quarantined += 1
    tally.given_up.append(failed)
    return failed


async def report_failures(app: App, entries: list[OutboxEntry]) -> int:
    """Tell each group's secretariat which messages could not be delivered."""
    from partnerdesk.usecases.common import queue_mail

    queued = 0
    for slug in sorted({e.group for e in entries}):
        group = app.groups.get(slug)
        # A failed report is not reported again: that would loop.
        mine = [e for e in entries if e.group == slug and e.purpose != "delivery-failed"]
        if group is None or not mine:
            continue
        lines = [(e.recipient, e.purpose, e.error or "") for e in mine]
        queued += await queue_mail(
            app,
            group,
            meeting=None,
            purpose="delivery-failed",
            key="-".join(str(e.id) for e in mine),
            to=group.secretariat.email,
            rendered=app.renderer.delivery_failed_mail(group, lines),
        )
    return queued


def pending_count(entries: list[OutboxEntry]) -> int:
    """How many entries still wait to be sent."""
    return sum(1 for e in entries if e.status is OutboxStatus.PENDING)
