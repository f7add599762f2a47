"""Incoming mail from an IMAP folder with imap-tools, in a worker thread, verified TLS."""

from __future__ import annotations

import asyncio
import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

from agenda.errors import PartnerdeskError
from agenda.ports import Fetched

log = logging.getLogger(__name__)

_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class MailboxError(PartnerdeskError):
    """The mailbox could not be read; permanent when retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class ImapEndpoint:
    """Where and how to connect, read from an imap:// URL."""

    scheme: str
    host: str
    port: int
    username: str
    password: str
    folder: str


def parse_imap_url(url: str) -> ImapEndpoint:
    """imap://, imap+starttls:// or imaps://user:password@host:port/FOLDER."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imap+starttls", "imaps"):
        raise ValueError(f"unknown IMAP URL scheme {scheme!r}")
    return ImapEndpoint(
        scheme=scheme,
        host=parts.hostname or "localhost",
        port=parts.port or (993 if scheme == "imaps" else 143),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


class ImapSource:
    """Fetches without marking seen; acknowledging moves a message to the processed folder."""

    def __init__(
        self,
        url: str,
        *,
        ca_file: Path | None = None,
        processed_folder: str = "Processed",
        refused_folder: str = "Refused",
        max_size: int = 25_000_000,
        timeout: float = 30.0,
    ) -> None:
        self.endpoint = parse_imap_url(url)
        self.ca_file = ca_file
        self.processed_folder = processed_folder
        self.refused_folder = refused_folder
        self.max_size = max_size
        self.timeout = timeout
        self._failures = 0
        self._next_try = 0.0

    def _context(self) -> ssl.SSLContext:
        # imap-tools does not verify certificates unless it is given a context: always give one.
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def _connect(self) -> Any:
        e = self.endpoint
        box: Any
        if e.scheme == "imaps":
            box = MailBox(e.host, e.port, timeout=self.timeout, ssl_context=self._context())
        elif e.scheme == "imap+starttls":
            box = MailBoxStartTls(e.host, e.port, timeout=self.timeout, ssl_context=self._context())
        else:
            box = MailBoxUnencrypted(e.host, e.port, timeout=self.timeout)
        box.login(e.username, e.password, initial_folder=e.folder)
        return box

    def _uidvalidity(self, box: Any) -> str:
        status = box.folder.status(self.endpoint.folder, ["UIDVALIDITY"])
        return str(status["UIDVALIDITY"])

    def _key(self, validity: str, uid: str) -> str:
        return f"imap:{self.endpoint.host}/{self.endpoint.folder}:{validity}:{uid}"

    def _ensure(self, box: Any, folder: str) -> None:
        if not box.folder.exists(folder):
            box.folder.create(folder)

    def _fetch(self, limit: int) -> list[Fetched]:
        with self._connect() as box:
            validity = self._uidvalidity(box)
            uids = box.uids("ALL")[:limit]
            if not uids:
                return []
            sizes = self._sizes(box, uids)
            found: list[Fetched] = []
            for uid in uids:
                if sizes.get(uid, 0) > self.max_size:
                    # Refused before download: it waits in its own folder for the secretariat.
                    log.warning(
                        "message %s is %s bytes; moved to %s", uid, sizes[uid], self.refused_folder
                    )
                    self._ensure(box, self.refused_folder)
                    box.move(uid, self.refused_folder)
                    continue
                typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((part[1] for part in data if isinstance(part, tuple)), None)
                if typ == "OK" and raw:
                    found.append(Fetched(source_key=self._key(validity, uid), raw=bytes(raw)))
            return found

    def _sizes(self, box: Any, uids: list[str]) -> dict[str, int]:
        _typ, data = box.client.uid("FETCH", ",".join(uids), "(RFC822.SIZE)")
        sizes: dict[str, int] = {}
        for line in data or ():
            text = line[0] if isinstance(line, tuple) else line
            for m in _SIZE.finditer(text or b""):
                uid, size = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                sizes[uid.decode()] = int(size)
        return sizes

    def _acknowledge(self, source_key: str) -> None:
        validity, uid = source_key.rsplit(":", 2)[-2:]
        with self._connect() as box:
            # After a UIDVALIDITY change the old UID may name another message: leave it alone.
            if self._uidvalidity(box) != validity:
                return
            self._ensure(box, self.processed_folder)
            box.move(uid, self.processed_folder)

    async def _run(self, work: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(work, *args)
        except (imaplib.IMAP4.error, ssl.SSLError) as exc:
            raise MailboxError(
                f"IMAP: {exc}", permanent=isinstance(exc, ssl.SSLCertVerificationError)
            ) from exc
        except (TimeoutError, OSError) as exc:
            raise MailboxError(f"IMAP server unreachable: {exc}") from exc

    async def fetch(self, limit: int = 100) -> list[Fetched]:
        """New messages, without marking them seen or moving them."""
        now = time.monotonic()
        if now < self._next_try:
            # The server failed a moment ago: wait out the backoff instead of hammering it.
            return []
        try:
            result: list[Fetched] = await self._run(self._fetch, limit)
        except MailboxError:
            self._failures += 1
            self._next_try = now + min(2.0 ** (self._failures - 1), 300.0)
            raise
        self._failures, self._next_try = 0, 0.0
        return result

    def _idle(self, seconds: float) -> bool:
        with self._connect() as box:
            if "IDLE" not in box.client.capabilities:
                time.sleep(seconds)
                return False
            return bool(box.idle.wait(timeout=seconds))

    async def wait_for_mail(self, seconds: float) -> bool:
        """Wait up to seconds for new mail, with IMAP IDLE where the server offers it."""
        try:
            woke: bool = await self._run(self._idle, seconds)
        except MailboxError as exc:
            log.warning("IDLE failed, polling instead: %s", exc)
            await asyncio.sleep(seconds)
            return False
        return woke

    async def acknowledge(self, source_key: str) -> None:
        """Move a stored message to the processed folder."""
        await self._run(self._acknowledge, source_key)
