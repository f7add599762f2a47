"""Outgoing mail over SMTP with aiosmtplib: connections kept for a pass, certificates verified."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from pathlib import Path

import aiosmtplib

from agenda.ports import DeliveryResult
from agenda.records import OutgoingMail
from mail.compose import NeedsSmtpUtf8, envelope_address, message_bytes, needs_smtputf8
from mail.errors import DeliveryError
from mail.urls import Endpoint, parse_smtp_url, tls_context

# What a dead, slow or refusing server raises; aiosmtplib's connection errors are OSErrors.
_TRANSPORT_ERRORS = (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError)
# A kept connection idle longer than this is closed rather than reused (relays time out).
_KEEP_IDLE = 20.0


class _Dropped(Exception):
    """The connection went away; before_data says nothing of the message was handed over."""

    def __init__(self, reason: str, *, before_data: bool) -> None:
        super().__init__(reason)
        self.before_data = before_data


class SmtpSender:
    """Sends over a connection kept for one outbox pass; never raises for a delivery problem."""

    # SMTP servers deliver a second copy of a message sent twice, whatever its Message-ID.
    deduplicates = False

    def __init__(
        self,
        url: str,
        *,
        ca_file: Path | None = None,
        max_connections: int = 2,
        max_per_second: float | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.endpoint = parse_smtp_url(url)
        self.ca_file = ca_file
        self.timeout = timeout
        self._interval = 1.0 / max_per_second if max_per_second else 0.0
        self._slots = asyncio.Semaphore(max_connections)
        self._next_slot = 0.0
        # Connections between sends: the outbox sends one message per call, and a connection
        # (with TLS and login) per message would be slow and look like abuse to a relay.
        self._idle: list[tuple[_Session, float]] = []
        # Loading the system's certificates takes tens of milliseconds: once, not per connection.
        self._context: ssl.SSLContext | None = None

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Send each mail; 4xx and connection trouble are transient, 5xx permanent."""
        if not mails:
            return []
        async with self._slots:
            session = await self._session()
            results: list[DeliveryResult] = []
            kept = False
            try:
                for index, mail in enumerate(mails):
                    await self._pace()
                    try:
                        results.append(await session.deliver(mail))
                    except DeliveryError as exc:
                        # No connection could be opened: the rest of the batch would fail alike.
                        failed = [_failure(m, exc) for m in mails[index:]]
                        return results + failed
                if session.client is not None:
                    self._idle.append((session, time.monotonic()))
                    kept = True
                return results
            finally:
                if not kept:
                    await session.close()

    async def close(self) -> None:
        """Say goodbye on every connection kept between sends."""
        idle, self._idle = self._idle, []
        for session, _since in idle:
            await session.close()

    async def _session(self) -> _Session:
        while self._idle:
            session, since = self._idle.pop()
            if time.monotonic() - since < _KEEP_IDLE:
                return session
            await session.close()
        if self._context is None:
            self._context = tls_context(self.ca_file)
        return _Session(self.endpoint, self._context, self.timeout)

    async def _pace(self) -> None:
        if not self._interval:
            return
        # Reserve the next free slot before sleeping, so concurrent batches share the cap.
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class _Session:
    """One batch's connection: opened on first use, opened again if the server hangs up."""

    def __init__(self, endpoint: Endpoint, context: ssl.SSLContext, timeout: float) -> None:
        self.endpoint = endpoint
        self.context = context
        self.timeout = timeout
        self.client: aiosmtplib.SMTP | None = None

    async def deliver(self, mail: OutgoingMail) -> DeliveryResult:
        """Hand one mail over; raises DeliveryError only when no connection can be opened."""
        try:
            return await self._attempt(mail)
        except _Dropped as dropped:
            await self.close()
            if not dropped.before_data:
                # The server may have the message already; the outbox retries it later.
                return DeliveryResult(mail.message_id, sent=False, error=str(dropped))
        # Nothing was handed over on the dropped connection: safe to try once more on a new one.
        try:
            return await self._attempt(mail)
        except _Dropped as dropped:
            await self.close()
            return DeliveryResult(mail.message_id, sent=False, error=str(dropped))

    async def _attempt(self, mail: OutgoingMail) -> DeliveryResult:
        if not mail.recipients:
            return DeliveryResult(
                mail.message_id, sent=False, permanent=True, error="no recipients"
            )
        client = await self._connected()
        # UTF-8 headers and envelopes only where an address needs them and the server offers
        # SMTPUTF8; otherwise names are RFC 2047-encoded and domains sent in their IDNA form.
        utf8 = needs_smtputf8(mail) and client.supports_extension("smtputf8")
        try:
            sender = envelope_address(mail.sender, utf8=utf8)
            recipients = [envelope_address(r, utf8=utf8) for r in mail.recipients]
            data = message_bytes(mail, utf8=utf8)
        except NeedsSmtpUtf8 as exc:
            error = f"{exc}; the server does not offer it"
            return DeliveryResult(mail.message_id, sent=False, permanent=True, error=error)
        except Exception as exc:  # a message that cannot be composed never will be
            error = f"cannot compose the message: {type(exc).__name__}: {exc}"
            return DeliveryResult(
                mail.message_id, sent=False, permanent=True, unsendable=True, error=error
            )
        options = ["SMTPUTF8"] if utf8 else []
        encoding = "utf-8" if utf8 else "ascii"
        stage_data = False
        try:
            await client.mail(sender, options=options, encoding=encoding)
            refused: dict[str, aiosmtplib.SMTPRecipientRefused] = {}
            for recipient in recipients:
                try:
                    await client.rcpt(recipient, encoding=encoding)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused[recipient] = exc
            if len(refused) == len(recipients):
                await client.rset()
                # Nobody takes it; permanent only when every refusal is.
                permanent = all(exc.code >= 500 for exc in refused.values())
                return DeliveryResult(
                    mail.message_id, sent=False, permanent=permanent, error=_describe(refused)
                )
            stage_data = True
            await client.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            error = f"{exc.code} {exc.message}"
            return DeliveryResult(
                mail.message_id, sent=False, permanent=exc.code >= 500, error=error
            )
        except _TRANSPORT_ERRORS as exc:
            raise _Dropped(_text(exc), before_data=not stage_data) from exc
        # Some recipients refused while others took it: sent; the others are not sent again.
        return DeliveryResult(
            mail.message_id,
            sent=True,
            refused=tuple(refused),
            error=_describe(refused) if refused else None,
        )

    async def _connected(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected:
            return self.client
        e = self.endpoint
        client = aiosmtplib.SMTP(
            hostname=e.host,
            port=e.port,
            use_tls=e.implicit_tls,
            start_tls=e.starttls,
            tls_context=self.context,
            timeout=self.timeout,
        )
        try:
            await client.connect()
            if client.last_ehlo_response is None:
                # The extensions (SMTPUTF8) are known only after EHLO; plain connects skip it.
                await client.ehlo()
            if e.username:
                await client.login(e.username, e.password or "")
        except _TRANSPORT_ERRORS as exc:
            client.close()
            # Connecting, TLS and login failures are the server's or our settings' fault, never
            # the message's: transient, so mail waits in the outbox while someone fixes them.
            raise DeliveryError(f"SMTP {e.host}:{e.port}: {_text(exc)}") from exc
        self.client = client
        return client

    async def _reset(self) -> None:
        if self.client is None:
            return
        try:
            await self.client.rset()
        except _TRANSPORT_ERRORS:
            await self.close()

    async def close(self) -> None:
        """Say goodbye politely; a server that is gone already is fine."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except _TRANSPORT_ERRORS:
            client.close()


def _text(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    return str(exc) or type(exc).__name__


def _describe(refused: dict[str, aiosmtplib.SMTPRecipientRefused]) -> str:
    return "; ".join(f"{addr}: {exc.code} {exc.message}" for addr, exc in refused.items())


def _failure(mail: OutgoingMail, exc: DeliveryError) -> DeliveryResult:
    return DeliveryResult(mail.message_id, sent=False, permanent=exc.permanent, error=str(exc))
