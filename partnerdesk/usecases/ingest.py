"""Ingest: store every raw message first, then hand each to the one intake."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from agenda.reading import Channel
from agenda.records import InboundMessage, InboundStatus
from partnerdesk.app import App
from partnerdesk.faults import crash_point
from partnerdesk.usecases.intake import take_in

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
    """Copy new mail into the database, then acknowledge it at the mailbox; (fetched, new)."""
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


async def process_inbound(app: App) -> Ingested:
    """Read every stored message not yet handled; one bad message never stops the rest."""
    pending = await app.store.inbound(InboundStatus.NEW) + await app.store.inbound(
        InboundStatus.FAILED
    )
    processed = held = failed = 0
    for message in pending:
        assert message.id is not None
        try:
            status = (await take_in(app, message)).status
        except Exception as exc:
            failed += 1
            quarantine = message.attempts + 1 >= app.settings.inbound_max_attempts
            log.exception("could not read inbound message %s", message.id)
            await app.store.mark_inbound(
                message.id,
                InboundStatus.QUARANTINED if quarantine else InboundStatus.FAILED,
                _reason(exc),
            )
            continue
        await app.store.mark_inbound(message.id, status)
        processed += 1
        held += status is InboundStatus.HELD
    return Ingested(processed=processed, held=held, failed=failed)


def _reason(exc: Exception) -> str:
    """Why a message could not be read, as the database will keep it.

    The text may quote the message: PostgreSQL refuses a NUL and a lone surrogate, and a
    failed write would stop every pass at this one message.
    """
    text = f"{type(exc).__name__}: {exc}".replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:2000]
