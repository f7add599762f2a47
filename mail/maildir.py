"""The embedded default: mail goes to and comes from Maildir folders on disk."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mailbox
import os
import socket
from collections.abc import Sequence
from email.policy import SMTPUTF8, default
from pathlib import Path

from agenda.ports import DeliveryResult, Fetched
from agenda.records import OutgoingMail
from mail.compose import compose, needs_smtputf8

log = logging.getLogger(__name__)

_PREFIX = "maildir:"
_PROCESSED = "Processed"
_REFUSED = "Refused"
_UTF8 = SMTPUTF8.clone(linesep="\n")
# As the IMAP source: a message larger than this is moved aside unread.
MAX_SIZE = 25_000_000


class MaildirSender:
    """Writes each message into a Maildir, one file per Message-ID (delivery is atomic)."""

    # A message already in the folder is not written twice, so a cut-off one may be resent.
    deduplicates = True

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _write(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.path, create=True)  # new/, cur/ and tmp/
        return [self._write_one(mail) for mail in mails]

    def _write_one(self, mail: OutgoingMail) -> DeliveryResult:
        name = _file_name(mail.message_id)
        if self._holds(name):
            return DeliveryResult(mail.message_id, sent=True)
        try:
            # Addresses with æøå before the @ are kept as UTF-8; everything else is 7-bit.
            utf8 = needs_smtputf8(mail)
            data = compose(mail, utf8=utf8).as_bytes(policy=_UTF8 if utf8 else default)
        except Exception as exc:  # a message that cannot be composed never will be
            error = f"cannot compose the message: {type(exc).__name__}: {exc}"
            return DeliveryResult(
                mail.message_id, sent=False, permanent=True, unsendable=True, error=error
            )
        try:
            _deliver(self.path, name, data)
        except OSError as exc:
            return DeliveryResult(mail.message_id, sent=False, error=str(exc))
        return DeliveryResult(mail.message_id, sent=True)

    def _holds(self, name: str) -> bool:
        # A reader may have moved it to cur/ and added flags after a colon.
        if (self.path / "new" / name).exists() or (self.path / "cur" / name).exists():
            return True
        return any((self.path / "cur").glob(f"{name}:*"))

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Write the batch; a disk error is a transient failure."""
        return await asyncio.to_thread(self._write, mails)

    async def close(self) -> None:
        """Nothing is kept open between sends."""


def _file_name(message_id: str) -> str:
    # The same Message-ID always gets the same file name: that is what deduplicates.
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{digest}.partnerdesk"


def _deliver(folder: Path, name: str, data: bytes) -> None:
    """Write into tmp/, flush to disk, then move into new/ (the Maildir way)."""
    temporary = folder / "tmp" / f"{name}.{os.getpid()}.{socket.gethostname()}"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / "new" / name)


class MaildirSource:
    """Reads a Maildir inbox; acknowledged messages move to its Processed sub-folder."""

    def __init__(self, path: Path, *, max_size: int = MAX_SIZE) -> None:
        self.path = Path(path)
        self.max_size = max_size

    def _box(self) -> mailbox.Maildir:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.path, create=True)

    def _files(self) -> dict[str, Path]:
        """Every message file in new/ and cur/, by its Maildir key."""
        found: dict[str, Path] = {}
        for sub in ("new", "cur"):
            folder = self.path / sub
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                found[entry.name.split(":", 1)[0]] = Path(entry.path)
        return found

    def _fetch(self, limit: int) -> list[Fetched]:
        box = self._box()
        files = self._files()
        found: list[Fetched] = []
        for key in sorted(files):
            if len(found) >= limit:
                break
            path = files[key]
            try:
                size = path.stat().st_size
                if size > self.max_size:
                    self._refuse(box, path, size)
                    continue
                with open(path, "rb") as handle:
                    # Read no more than the cap, even if the file grew since stat().
                    raw = handle.read(self.max_size + 1)
            except FileNotFoundError:
                continue  # taken away between listing and reading
            if len(raw) > self.max_size:
                self._refuse(box, path, len(raw))
                continue
            found.append(Fetched(source_key=f"{_PREFIX}{key}", raw=raw))
        return found

    def _refuse(self, box: mailbox.Maildir, path: Path, size: int) -> None:
        """Move an oversized message into the Refused sub-folder: kept, not read."""
        refused = _folder(box, _REFUSED)
        log.warning(
            "Maildir message %s is %d bytes (over %d): moved to %s, not read",
            path.name,
            size,
            self.max_size,
            _REFUSED,
        )
        # A rename within the Maildir: nothing is copied, nothing can be lost half-way.
        os.replace(path, Path(refused._path) / "new" / path.name.split(":", 1)[0])

    def _acknowledge(self, source_key: str) -> None:
        if not source_key.startswith(_PREFIX):
            return
        key = source_key[len(_PREFIX) :]
        box = self._box()
        processed = _folder(box, _PROCESSED)
        try:
            with box.get_file(key) as handle:
                raw = handle.read()
        except (KeyError, FileNotFoundError):
            return  # already moved
        # Copy before removing: a crash in between leaves a duplicate, which ingest recognises by
        # its Message-ID, never a lost message.
        processed.add(raw)
        box.discard(key)

    async def fetch(self, limit: int = 100) -> list[Fetched]:
        """Messages waiting in the inbox, oldest key first; oversized ones are moved aside."""
        return await asyncio.to_thread(self._fetch, limit)

    async def acknowledge(self, source_key: str) -> None:
        """Move a stored message out of the inbox."""
        await asyncio.to_thread(self._acknowledge, source_key)


def _folder(box: mailbox.Maildir, name: str) -> mailbox.Maildir:
    return box.get_folder(name) if name in box.list_folders() else box.add_folder(name)
