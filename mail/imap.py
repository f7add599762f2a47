"""Incoming mail from an IMAP folder with imap-tools, in a worker thread, verified TLS."""

from __future__ import annotations

import asyncio
import imaplib
import logging
import ssl
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxLoginError

from agenda.ports import Fetched
from mail.errors import MailboxError
from mail.urls import parse_imap_url, tls_context

log = logging.getLogger(__name__)

T = TypeVar("T")

# A connection that broke (server restart, idle timeout, network); a new one may work.
_DROPPED = (imaplib.IMAP4.abort, OSError)
# Everything imap-tools, imaplib, ssl and socket raise; none of it leaves this module.
_ERRORS = (ImapToolsError, imaplib.IMAP4.error, OSError)
_MAX_BACKOFF = 300.0


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
        self._box: Any = None
        self._lock = asyncio.Lock()
        self._failures = 0
        self._next_try = 0.0

    @property
    def _prefix(self) -> str:
        return f"imap:{self.endpoint.host}/{self.endpoint.folder}:"

    async def fetch(self, limit: int = 100) -> list[Fetched]:
        """New messages, oldest first, without marking them seen or moving them."""
        if time.monotonic() < self._next_try:
            # The server failed a moment ago: wait out the backoff instead of hammering it.
            return []
        return await self._run(lambda box: self._fetch(box, limit))

    async def acknowledge(self, source_key: str) -> None:
        """Move a stored message to the processed folder."""
        if not source_key.startswith(self._prefix):
            log.warning("not a key of %s, left alone: %s", self._prefix, source_key)
            return
        validity, uid = source_key[len(self._prefix) :].split(":", 1)
        await self._run(lambda box: self._acknowledge(box, validity, uid))

    async def acknowledge_all(self, source_keys: Sequence[str]) -> None:
        """Move stored messages to the processed folder, in one command on one connection."""
        by_validity: dict[str, list[str]] = {}
        for key in source_keys:
            if not key.startswith(self._prefix):
                log.warning("not a key of %s, left alone: %s", self._prefix, key)
                continue
            validity, uid = key[len(self._prefix) :].split(":", 1)
            by_validity.setdefault(validity, []).append(uid)
        for validity, uids in by_validity.items():
            await self._run(partial(self._acknowledge, validity=validity, uid=uids))

    async def wait_for_mail(self, seconds: float) -> bool:
        """Wait up to seconds for new mail, with IMAP IDLE where the server offers it."""
        try:
            return await self._thread(lambda: self._idle(seconds))
        except MailboxError as exc:
            log.warning("IDLE failed, polling instead: %s", exc)
            await asyncio.sleep(seconds)
            return False

    async def close(self) -> None:
        """Log out of the kept connection."""
        async with self._lock:
            await asyncio.to_thread(self._drop)

    async def _run(self, work: Callable[[Any], T]) -> T:
        """Run work on the kept connection in a worker thread; one command at a time."""
        async with self._lock:
            try:
                result = await self._thread(lambda: self._on_connection(work))
            except MailboxError:
                self._failures += 1
                self._next_try = time.monotonic() + min(2.0 ** (self._failures - 1), _MAX_BACKOFF)
                raise
            self._failures, self._next_try = 0, 0.0
            return result

    async def _thread(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(work)
        except _ERRORS as exc:
            raise _translate(exc, self.endpoint.host) from exc

    def _on_connection(self, work: Callable[[Any], T]) -> T:
        if self._box is not None:
            try:
                return work(self._box)
            except _DROPPED:
                # A kept connection the server has since closed: open a new one, once.
                self._drop()
        self._box = self._connect()
        try:
            return work(self._box)
        except _DROPPED:
            self._drop()
            raise

    def _connect(self) -> Any:
        e = self.endpoint
        box: Any
        if e.implicit_tls:
            # imap-tools does not verify certificates unless it is given a context: always one.
            box = MailBox(e.host, e.port, timeout=self.timeout, ssl_context=self._context())
        elif e.starttls:
            box = MailBoxStartTls(e.host, e.port, timeout=self.timeout, ssl_context=self._context())
        else:
            box = MailBoxUnencrypted(e.host, e.port, timeout=self.timeout)
        try:
            box.login(e.username or "", e.password or "", initial_folder=e.folder)
        except BaseException:
            _logout(box)
            raise
        return box

    def _context(self) -> ssl.SSLContext:
        return tls_context(self.ca_file)

    def _drop(self) -> None:
        box, self._box = self._box, None
        if box is not None:
            _logout(box)

    def _fetch(self, box: Any, limit: int) -> list[Fetched]:
        validity = _uidvalidity(box, self.endpoint.folder)
        uids: list[str] = box.uids("ALL")[:limit]
        if not uids:
            return []
        # Sizes first, from the headers-only fetch: a huge message is never downloaded.
        sizes = {
            m.uid: m.size_rfc822
            for m in box.fetch(uid_list=uids, headers_only=True, mark_seen=False, bulk=True)
        }
        found: list[Fetched] = []
        for uid in uids:
            if uid not in sizes:
                continue  # moved or expunged since the search
            if sizes[uid] > self.max_size:
                log.warning(
                    "IMAP message %s is %d bytes (over %d): moved to %s, not downloaded",
                    uid,
                    sizes[uid],
                    self.max_size,
                    self.refused_folder,
                )
                _ensure_folder(box, self.refused_folder)
                box.move(uid, self.refused_folder)
                continue
            raw = _download(box, uid)
            if raw is not None:
                found.append(Fetched(source_key=f"{self._prefix}{validity}:{uid}", raw=raw))
        return found

    def _acknowledge(self, box: Any, validity: str, uid: str | list[str]) -> None:
        # After a UIDVALIDITY change the old UID may name another message: leave it alone.
        if _uidvalidity(box, self.endpoint.folder) != validity:
            log.warning("UIDVALIDITY of %s changed; %s not moved", self.endpoint.folder, uid)
            return
        _ensure_folder(box, self.processed_folder)
        box.move(uid, self.processed_folder)

    def _idle(self, seconds: float) -> bool:
        # IDLE gets its own connection, so fetching and acknowledging never wait for it.
        box = self._connect()
        try:
            if "IDLE" not in box.client.capabilities:
                time.sleep(seconds)
                return False
            return bool(box.idle.wait(timeout=seconds))
        finally:
            _logout(box)


def _uidvalidity(box: Any, folder: str) -> str:
    return str(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])


def _ensure_folder(box: Any, folder: str) -> None:
    if not box.folder.exists(folder):
        box.folder.create(folder)


def _download(box: Any, uid: str) -> bytes | None:
    # imaplib directly: BODY.PEEK[] gives the exact bytes and leaves \Seen alone.
    typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if typ != "OK":
        return None
    return next((bytes(part[1]) for part in data if isinstance(part, tuple)), None)


def _logout(box: Any) -> None:
    try:
        box.logout()
    except (*_ERRORS, AttributeError):
        pass  # already gone; nothing to tidy up


def _translate(exc: BaseException, host: str) -> MailboxError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        # A wrong or unknown certificate needs a person (ca_file), not another try.
        return MailboxError(f"IMAP {host}: certificate not trusted: {exc}", permanent=True)
    if isinstance(exc, MailboxLoginError):
        return MailboxError(f"IMAP {host}: login refused: {exc}", permanent=True)
    if isinstance(exc, OSError):
        return MailboxError(f"IMAP {host} unreachable: {exc}")
    return MailboxError(f"IMAP {host}: {exc}")
