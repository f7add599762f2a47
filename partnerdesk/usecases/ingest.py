"""Ingest: store every raw message first, then hand each to the one intake."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from agenda.reading import Channel
from agenda.records import InboundMessage, InboundStatus
from partnerdesk.app import App
from partnerdesk.faults import crash_point
from partnerdesk.usecases.intake import take_in
from partnerdesk.usecases.leased import alone, mailbox_lease

log = logging.getLogger(__name__)

# The first Message-ID header line and the lines folded under it.
_MESSAGE_ID_HEADER = re.compile(
    rb"^message-id[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.I | re.M
)
# Printable ASCII only, and no longer than a header line may be (RFC 5322 3.6.4, 2.1.1): the
# column holds 998 characters, and PostgreSQL refuses a NUL; either would fail the whole batch.
_MSGID = re.compile(r"<[!-;=?-~]{1,996}>")


@dataclass(frozen=True)
class Ingested:
    """What one pass over the mailbox did."""

    fetched: int = 0
    stored: int = 0
    processed: int = 0
    held: int = 0
    failed: int = 0


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID of a raw message, cheaply: one search of the header block.

    The email package's header parser took seconds over a million header lines; a search for
    the first Message-ID line (and its folded continuation) is linear and reads nothing else.
    """
    found = _MESSAGE_ID_HEADER.search(_header_block(raw))
    if found is None:
        return None
    match = _MSGID.search(found.group(1).decode("latin-1"))
    return match.group(0) if match else None


def _header_block(raw: bytes) -> bytes:
    """The headers of a raw message, up to the first empty line (either line ending)."""
    ends = [n for n in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if n >= 0]
    return raw[: min(ends) + 1] if ends else raw


async def fetch_mail(app: App, *, limit: int = 100) -> tuple[int, int]:
    """Copy new mail into the database, then acknowledge it at the mailbox; (fetched, new).

    One process fetches from a mailbox at a time (a lease per mailbox); the others skip it
    this pass and read what has been stored.
    """
    async with alone(app, mailbox_lease(app.settings)) as mine:
        if not mine:
            return 0, 0
        return await _fetch(app, limit)


async def _fetch(app: App, limit: int) -> tuple[int, int]:
    fetched = await app.mail_source.fetch(limit)
    if not fetched:
        return 0, 0
    now = app.clock()
    messages = [
        InboundMessage(
            channel=Channel.EMAIL,
            source_key=item.source_key,
            raw=item.raw,
            received_at=now,
            message_id=header_message_id(item.raw),
        )
        for item in fetched
    ]
    # The batch is stored and committed before the mailbox forgets any of it: a crash in
    # between means the messages are fetched again and recognised as duplicates, never lost.
    stored = await app.store.store_inbound_batch(messages)
    crash_point(app.settings, "after_store")
    await app.mail_source.acknowledge_all([item.source_key for item in fetched])
    return len(fetched), sum(1 for s in stored if s is not None)


# Messages claimed at a time: few, so a killed process leaves little for others to wait for.
CLAIM_BATCH = 5


async def process_inbound(app: App, *, limit: int = 100) -> Ingested:
    """Read stored messages not yet handled, up to limit; one bad message never stops the rest.

    Several processes may run this at once: each claims a few messages at a time, so every
    message is read by one of them; a dead process's claims are taken over after the
    reading timeout.
    """
    processed = held = 0
    # A message that failed is tried again in the next pass, not at once in this one.
    failed: list[int] = []
    while processed + len(failed) < limit:
        now = app.clock()
        stale = now - timedelta(seconds=app.settings.reading_timeout_seconds)
        claimed = await app.store.claim_inbound(
            now,
            stale_before=stale,
            limit=min(CLAIM_BATCH, limit - processed - len(failed)),
            skip=failed,
        )
        if not claimed:
            break
        crash_point(app.settings, "after_claim")
        for message in claimed:
            assert message.id is not None
            status = await _read_one(app, message)
            if status is None:
                failed.append(message.id)
            else:
                processed += 1
                held += status is InboundStatus.HELD
    return Ingested(processed=processed, held=held, failed=len(failed))


async def read_now(app: App, inbound_id: int) -> None:
    """Read one stored message at once (a chat expects a quick answer), whatever is waiting.

    It is claimed even if another process claimed it a moment ago: the chat's answer must
    not wait for that one, and reading a message twice does no harm.
    """
    now = app.clock()
    for message in await app.store.claim_inbound(now, stale_before=now, limit=1, only=inbound_id):
        await _read_one(app, message)


async def _read_one(app: App, message: InboundMessage) -> InboundStatus | None:
    """Take one claimed message in and mark it; None when reading it failed."""
    assert message.id is not None
    try:
        status = (await take_in(app, message)).status
    except Exception as exc:
        quarantine = message.attempts + 1 >= app.settings.inbound_max_attempts
        log.exception("could not read inbound message %s", message.id)
        await app.store.mark_inbound(
            message.id,
            InboundStatus.QUARANTINED if quarantine else InboundStatus.FAILED,
            _reason(exc),
        )
        return None
    await app.store.mark_inbound(message.id, status)
    return status


def _reason(exc: Exception) -> str:
    """Why a message could not be read, as the database will keep it.

    The text may quote the message: PostgreSQL refuses a NUL and a lone surrogate, and a
    failed write would stop every pass at this one message.
    """
    text = f"{type(exc).__name__}: {exc}".replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:2000]
