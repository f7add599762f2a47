"""Deliver the outbox: send what is due, retry transient failures with backoff."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from agenda.records import OutboxEntry, OutboxStatus
from partnerdesk.app import App
from partnerdesk.faults import crash_point

log = logging.getLogger(__name__)

# First retry after a minute, doubling up to six hours.
_BASE_DELAY = timedelta(minutes=1)
_MAX_DELAY = timedelta(hours=6)
_INTERRUPTED = "interrupted while sending; it may have arrived, so it is not sent again"


@dataclass(frozen=True)
class Delivered:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after this many failed attempts."""
    delay: timedelta = _BASE_DELAY * (2 ** max(0, attempts - 1))
    return min(delay, _MAX_DELAY)


async def recover_interrupted(app: App) -> int:
    """Rows a crash left "sending" may have gone out: never resend, flag them instead."""
    cutoff = app.clock() - timedelta(seconds=app.settings.sending_timeout_seconds)
    stuck = [
        e
        for e in await app.store.outbox([OutboxStatus.SENDING], limit=1000)
        if e.id is not None and (e.next_attempt_at is None or e.next_attempt_at <= cutoff)
    ]
    for entry in stuck:
        assert entry.id is not None
        log.warning("outbox %s to %s was cut off while sending", entry.id, entry.recipient)
        await app.store.update_outbox(
            entry.id,
            status=OutboxStatus.FAILED,
            attempts=entry.attempts + 1,
            error=_INTERRUPTED,
        )
    await report_failures(app, [replace(e, error=_INTERRUPTED) for e in stuck])
    return len(stuck)


async def deliver_outbox(app: App, *, batch: int = 50) -> Delivered:
    """Send every due e-mail in the outbox; a row is marked before and after sending."""
    await recover_interrupted(app)
    now = app.clock()
    due = await app.store.outbox([OutboxStatus.PENDING], due_before=now, limit=batch)
    chats = [e for e in due if e.chat_text is not None and e.id is not None]
    chat_done = await _deliver_chats(app, chats)
    mails = [e for e in due if e.mail is not None and e.id is not None]
    if not mails:
        return chat_done
    for entry in mails:
        assert entry.id is not None
        # next_attempt_at records when sending began, so a crash can be recognised later.
        await app.store.update_outbox(entry.id, status=OutboxStatus.SENDING, next_attempt_at=now)
    results = await app.mail_sender.send([e.mail for e in mails if e.mail is not None])
    crash_point(app.settings, "after_send")
    sent = retrying = failed = 0
    given_up: list[OutboxEntry] = []
    for entry, result in zip(mails, results, strict=True):
        assert entry.id is not None
        attempts = entry.attempts + 1
        if result.sent:
            sent += 1
            await app.store.update_outbox(
                entry.id,
                status=OutboxStatus.SENT,
                attempts=attempts,
                sent_at=app.clock(),
                error="; ".join(result.refused) or None,
            )
        elif result.permanent or attempts >= app.settings.outbox_max_attempts:
            failed += 1
            log.warning("giving up on %s to %s: %s", entry.purpose, entry.recipient, result.error)
            await app.store.update_outbox(
                entry.id, status=OutboxStatus.FAILED, attempts=attempts, error=result.error
            )
            given_up.append(replace(entry, error=result.error))
        else:
            retrying += 1
            await app.store.update_outbox(
                entry.id,
                status=OutboxStatus.PENDING,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                error=result.error,
            )
    await report_failures(app, given_up)
    return Delivered(
        sent=sent + chat_done.sent,
        retrying=retrying + chat_done.retrying,
        failed=failed + chat_done.failed,
    )


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


async def _deliver_chats(app: App, entries: list[OutboxEntry]) -> Delivered:
    """Chat messages go one by one; without a bot they wait until one is configured."""
    if app.chat_sender is None or not entries:
        return Delivered()
    sent = retrying = failed = 0
    for entry in entries:
        assert entry.id is not None and entry.chat_text is not None
        await app.store.update_outbox(
            entry.id, status=OutboxStatus.SENDING, next_attempt_at=app.clock()
        )
        result = await app.chat_sender.send_text(
            entry.recipient,
            entry.chat_text,
            buttons=entry.chat_buttons,
            document=entry.chat_document,
        )
        crash_point(app.settings, "after_send")
        attempts = entry.attempts + 1
        if result.sent:
            sent += 1
            await app.store.update_outbox(
                entry.id, status=OutboxStatus.SENT, attempts=attempts, sent_at=app.clock()
            )
        elif result.permanent or attempts >= app.settings.outbox_max_attempts:
            failed += 1
            await app.store.update_outbox(
                entry.id, status=OutboxStatus.FAILED, attempts=attempts, error=result.error
            )
            if result.blocked:
                from partnerdesk.usecases.chat_delivery import chat_blocked

                await chat_blocked(app, entry)
            await report_failures(app, [replace(entry, error=result.error)])
        else:
            retrying += 1
            await app.store.update_outbox(
                entry.id,
                status=OutboxStatus.PENDING,
                attempts=attempts,
                # Telegram's own "retry after" wins over our backoff when it is longer.
                next_attempt_at=app.clock()
                + max(backoff(attempts), timedelta(seconds=result.retry_after or 0)),
                error=result.error,
            )
    return Delivered(sent=sent, retrying=retrying, failed=failed)


def pending_count(entries: list[OutboxEntry]) -> int:
    """How many entries still wait to be sent."""
    return sum(1 for e in entries if e.status is OutboxStatus.PENDING)
