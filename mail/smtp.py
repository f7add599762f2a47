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
    """The connection went away before the message's data was handed over."""


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
        self.lanes = max_connections
        self._slots = asyncio.Semaphore(max_connections)
        self._next_slot = 0.0
        # Connections between sends: the outbox sends one message per call, and a connection
        # (with TLS and login) per message would be slow and look like abuse to a relay.
        self._idle: list[tuple[_Session, float]] = []
        # Loading the system's certificates takes tens of milliseconds: once, not per connection.
        self._context: ssl.SSLContext | None = None

    def prepare(self, mail: OutgoingMail) -> SmtpHandover:
        """The mail composed for the wire, to be opened and handed over (see Handover)."""
        return SmtpHandover(self, mail)

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Send each mail; 4xx and connection trouble are transient, 5xx permanent."""
        results: list[DeliveryResult] = []
        for index, mail in enumerate(mails):
            handover = self.prepare(mail)
            try:
                refused = await handover.open()
            except DeliveryError as exc:
                # No connection could be opened: the rest of the batch would fail alike.
                return results + [_failure(m, exc) for m in mails[index:]]
            results.append(refused or await handover.hand_over())
        return results

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

    def _keep(self, session: _Session) -> None:
        """Give a mail's connection back for the next one, and its slot."""
        if session.client is not None:
            self._idle.append((session, time.monotonic()))
        self._slots.release()

    async def _pace(self) -> None:
        if not self._interval:
            return
        # Reserve the next free slot before sleeping, so concurrent batches share the cap.
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SmtpHandover:
    """One mail on its way: composed at once, its envelope opened, then its data handed over.

    Between open() and hand_over() the mail holds one of the sender's connections; the
    outbox marks the mail "sending" in the meantime, so only what may have arrived is marked.
    """

    def __init__(self, sender: SmtpSender, mail: OutgoingMail) -> None:
        self.sender = sender
        self.mail = mail
        self._session: _Session | None = None
        self._data: bytes | None = None
        self._failed: DeliveryResult | None = None
        if not needs_smtputf8(mail):
            # Whatever the server offers, this one goes 7-bit: compose it now, not on the wire.
            composed = _composed(mail, utf8=False)
            if isinstance(composed, DeliveryResult):
                self._failed = composed
            else:
                self._data = composed

    async def open(self) -> DeliveryResult | None:
        """Everything short of handing the data over; a result when the mail fails already.

        Raises DeliveryError when no connection can be opened (nothing is wrong with the mail).
        """
        if self._failed is not None:
            return self._failed
        await self.sender._slots.acquire()
        session: _Session | None = None
        try:
            session = await self.sender._session()
            await self.sender._pace()
            refused, self._data = await session.open(self.mail, self._data)
        except BaseException:
            if session is not None:
                session.drop()  # in whatever state it was left: not for the next mail
            self.sender._slots.release()
            raise
        if refused is not None:
            self.sender._keep(session)
            return refused
        self._session = session
        return None

    async def hand_over(self) -> DeliveryResult:
        """Hand the data over: the one step after which the mail may have arrived."""
        session, self._session = self._session, None
        assert session is not None and self._data is not None, "open() first"
        try:
            return await session.hand_over(self.mail, self._data)
        finally:
            self.sender._keep(session)

    async def abandon(self) -> None:
        """Take back an opened envelope; nothing was handed over."""
        session, self._session = self._session, None
        if session is not None:
            await session.reset()
            self.sender._keep(session)


class _Session:
    """One batch's connection: opened on first use, opened again if the server hangs up."""

    def __init__(self, endpoint: Endpoint, context: ssl.SSLContext, timeout: float) -> None:
        self.endpoint = endpoint
        self.context = context
        self.timeout = timeout
        self.client: aiosmtplib.SMTP | None = None
        # Recipients the server refused while others took the envelope of the current mail.
        self._refused: dict[str, aiosmtplib.SMTPRecipientRefused] = {}

    async def open(
        self, mail: OutgoingMail, data: bytes | None
    ) -> tuple[DeliveryResult | None, bytes | None]:
        """MAIL FROM and RCPT TO (composing first if it waited for the server's extensions).

        A result when the mail fails already; else the data to hand over. Raises DeliveryError
        only when no connection can be opened.
        """
        try:
            return await self._envelope(mail, data)
        except _Dropped:
            await self.close()
        # Nothing was handed over on the dropped connection: safe to try once more on a new one.
        try:
            return await self._envelope(mail, data)
        except _Dropped as dropped:
            await self.close()
            return DeliveryResult(mail.message_id, sent=False, error=str(dropped)), None

    async def _envelope(
        self, mail: OutgoingMail, data: bytes | None
    ) -> tuple[DeliveryResult | None, bytes | None]:
        if not mail.recipients:
            failed = DeliveryResult(
                mail.message_id, sent=False, permanent=True, error="no recipients"
            )
            return failed, None
        client = await self._connected()
        # UTF-8 headers and envelopes only where an address needs them and the server offers
        # SMTPUTF8; otherwise names are RFC 2047-encoded and domains sent in their IDNA form.
        utf8 = data is None and client.supports_extension("smtputf8")
        if data is None:
            composed = _composed(mail, utf8=utf8)
            if isinstance(composed, DeliveryResult):
                return composed, None
            data = composed
        try:
            sender = envelope_address(mail.sender, utf8=utf8)
            recipients = [envelope_address(r, utf8=utf8) for r in mail.recipients]
        except ValueError as exc:
            return _unsendable(mail, exc), None
        options = ["SMTPUTF8"] if utf8 else []
        encoding = "utf-8" if utf8 else "ascii"
        try:
            await client.mail(sender, options=options, encoding=encoding)
            refused: dict[str, aiosmtplib.SMTPRecipientRefused] = {}
            for recipient in recipients:
                try:
                    await client.rcpt(recipient, encoding=encoding)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused[recipient] = exc
        except aiosmtplib.SMTPResponseException as exc:
            await self.reset()
            error = f"{exc.code} {exc.message}"
            failed = DeliveryResult(
                mail.message_id, sent=False, permanent=exc.code >= 500, error=error
            )
            return failed, None
        except _TRANSPORT_ERRORS as exc:
            raise _Dropped(_text(exc)) from exc
        if len(refused) == len(recipients):
            await self.reset()
            # Nobody takes it; permanent only when every refusal is.
            permanent = all(exc.code >= 500 for exc in refused.values())
            failed = DeliveryResult(
                mail.message_id, sent=False, permanent=permanent, error=_describe(refused)
            )
            return failed, None
        self._refused = refused
        return None, data

    async def hand_over(self, mail: OutgoingMail, data: bytes) -> DeliveryResult:
        """DATA: the message handed over; transient failure if the connection drops now."""
        client = self.client
        refused, self._refused = self._refused, {}
        try:
            if client is None:
                raise _Dropped("the connection was closed")
            await client.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            await self.reset()
            error = f"{exc.code} {exc.message}"
            return DeliveryResult(
                mail.message_id, sent=False, permanent=exc.code >= 500, error=error
            )
        except (*_TRANSPORT_ERRORS, _Dropped) as exc:
            await self.close()
            # The server may have the message already; the outbox decides what to do.
            return DeliveryResult(mail.message_id, sent=False, error=_text(exc))
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

    async def reset(self) -> None:
        """RSET: forget the envelope under way; a connection that fails it is closed."""
        if self.client is None:
            return
        try:
            await self.client.rset()
        except _TRANSPORT_ERRORS:
            await self.close()

    def drop(self) -> None:
        """Close the connection at once, without a word to the server."""
        client, self.client = self.client, None
        if client is not None:
            client.close()

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


def _composed(mail: OutgoingMail, *, utf8: bool) -> bytes | DeliveryResult:
    """The message's bytes, or why it can never be sent as it is."""
    try:
        return message_bytes(mail, utf8=utf8)
    except Exception as exc:  # a message that cannot be composed never will be
        return _unsendable(mail, exc)


def _unsendable(mail: OutgoingMail, exc: Exception) -> DeliveryResult:
    if isinstance(exc, NeedsSmtpUtf8):
        error = f"{exc}; the server does not offer it"
        return DeliveryResult(mail.message_id, sent=False, permanent=True, error=error)
    error = f"cannot compose the message: {type(exc).__name__}: {exc}"
    return DeliveryResult(mail.message_id, sent=False, permanent=True, unsendable=True, error=error)


def _failure(mail: OutgoingMail, exc: DeliveryError) -> DeliveryResult:
    return DeliveryResult(mail.message_id, sent=False, permanent=exc.permanent, error=str(exc))
