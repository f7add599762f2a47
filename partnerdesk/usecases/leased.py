"""Work done by one of the service's processes at a time, under a lease that dies with it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from partnerdesk.app import App
from partnerdesk.settings import Settings

# Deadlines and reminders: decided by one process per pass.
SCHEDULE = "schedule"


@asynccontextmanager
async def alone(app: App, name: str) -> AsyncIterator[bool]:
    """True inside the block when this process holds the lease, False when another one does."""
    lease = await app.leases.acquire(name)
    try:
        yield lease is not None
    finally:
        if lease is not None:
            await lease.release()


def mailbox_lease(settings: Settings) -> str:
    """The lease name of the mailbox the settings read: one process fetches from it at a time.

    Processes configured for the same mailbox (server, user and folder, or Maildir folder) get
    the same name; the password plays no part.
    """
    if settings.imap_url:
        parts = urlsplit(settings.imap_url)
        where = f"imap:{parts.hostname}:{parts.port}:{parts.username}:{parts.path}"
    else:
        where = f"maildir:{settings.inbox_maildir.resolve()}"
    return "mailbox:" + hashlib.sha256(where.encode()).hexdigest()[:32]


def poller_lease(token: str) -> str:
    """The lease name of a bot's poller: Telegram lets one getUpdates run per bot token."""
    return "telegram-poller:" + hashlib.sha256(token.encode()).hexdigest()[:32]
