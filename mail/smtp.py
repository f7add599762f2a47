"""Outgoing mail over SMTP with aiosmtplib: one connection per batch, certificates verified."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

from agenda.ports import DeliveryResult
from agenda.records import OutgoingMail
from mail.compose import compose


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where and how to connect, read from an smtp:// URL."""

    host: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpEndpoint:
    """smtp://, smtp+starttls:// or smtps://user:password@host:port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtp+starttls", "smtps"):
        raise ValueError(f"unknown SMTP URL scheme {scheme!r}")
    default_port = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[scheme]
    return SmtpEndpoint(
        host=parts.hostname or "localhost",
        port=parts.port or default_port,
        use_tls=scheme == "smtps",
        start_tls=scheme == "smtp+starttls",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _context(ca_file: Path | None) -> ssl.SSLContext:
    # Always verify: a private relay brings its own CA file instead of turning checks off.
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


class SmtpSender:
    """Sends batches over one connection; never raises for a delivery problem."""

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
        self.max_per_second = max_per_second
        self._slots = asyncio.Semaphore(max_connections)
        self._last_send = 0.0

    def _client(self) -> aiosmtplib.SMTP:
        e = self.endpoint
        return aiosmtplib.SMTP(
            hostname=e.host,
            port=e.port,
            use_tls=e.use_tls,
            start_tls=e.start_tls,
            tls_context=_context(self.ca_file),
            timeout=self.timeout,
        )

    async def _pace(self) -> None:
        if not self.max_per_second:
            return
        gap = 1.0 / self.max_per_second - (time.monotonic() - self._last_send)
        if gap > 0:
            await asyncio.sleep(gap)
        self._last_send = time.monotonic()

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Send each mail; 4xx and connection trouble are transient, 5xx permanent."""
        if not mails:
            return []
        async with self._slots:
            client = self._client()
            try:
                await client.connect()
                if self.endpoint.username:
                    await client.login(self.endpoint.username, self.endpoint.password or "")
            except aiosmtplib.SMTPResponseException as exc:
                result = _failure(exc.code, exc.message)
                return [_for(m, result) for m in mails]
            except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as exc:
                return [DeliveryResult(m.message_id, sent=False, error=str(exc)) for m in mails]
            results: list[DeliveryResult] = []
            try:
                for mail in mails:
                    await self._pace()
                    results.append(await self._send_one(client, mail))
            finally:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
            return results

    async def _send_one(self, client: aiosmtplib.SMTP, mail: OutgoingMail) -> DeliveryResult:
        try:
            if not client.is_connected:
                await client.connect()
                if self.endpoint.username:
                    await client.login(self.endpoint.username, self.endpoint.password or "")
            refused, _ = await client.send_message(compose(mail))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = all(c >= 500 for c in codes)
            return DeliveryResult(
                mail.message_id, sent=False, permanent=permanent, error=str(exc.recipients[0])
            )
        except aiosmtplib.SMTPResponseException as exc:
            return _for(mail, _failure(exc.code, exc.message))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return DeliveryResult(mail.message_id, sent=False, error=str(exc))
        # Some recipients refused while others took it: sent, and the refusals are reported.
        return DeliveryResult(
            mail.message_id,
            sent=True,
            refused=tuple(f"{addr}: {resp.code} {resp.message}" for addr, resp in refused.items()),
        )


def _failure(code: int, message: str) -> DeliveryResult:
    return DeliveryResult("", sent=False, permanent=code >= 500, error=f"{code} {message}")


def _for(mail: OutgoingMail, result: DeliveryResult) -> DeliveryResult:
    return DeliveryResult(
        mail.message_id, sent=False, permanent=result.permanent, error=result.error
    )
