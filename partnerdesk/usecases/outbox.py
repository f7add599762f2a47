"""Deliver the outbox: send what is due, retry transient failures with backoff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from agenda.records import OutboxEntry, OutboxStatus
from partnerdesk.app import App

log = logging.getLogger(__name__)

# First retry after a minute, doubling up to six hours.
_BASE_DELAY = timedelta(minutes=1)
_MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class Delivered:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after this many failed attempts."""
    return min(_BASE_DELAY * (2 ** max(0, attempts - 1)), _MAX_DELAY)


async def deliver_outbox(app: App, *, batch: int = 50) -> Delivered:
    """Send every due e-mail in the outbox; a row is marked before and after sending."""
    now = app.clock()
    due = await app.store.outbox([OutboxStatus.PENDING], due_before=now, limit=batch)
    # A row left in SENDING by a crash was maybe sent: it is retried only by the secretariat's
    # choice, never silently, so nobody gets the same mail twice.
    mails = [e for e in due if e.mail is not None and e.id is not None]
    if not mails:
        return Delivered()
    for entry in mails:
        assert entry.id is not None
        await app.store.update_outbox(entry.id, status=OutboxStatus.SENDING)
    results = await app.mail_sender.send([e.mail for e in mails if e.mail is not None])
    sent = retrying = failed = 0
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
        else:
            retrying += 1
            await app.store.update_outbox(
                entry.id,
                status=OutboxStatus.PENDING,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                error=result.error,
            )
    return Delivered(sent=sent, retrying=retrying, failed=failed)


def pending_count(entries: list[OutboxEntry]) -> int:
    """How many entries still wait to be sent."""
    return sum(1 for e in entries if e.status is OutboxStatus.PENDING)
