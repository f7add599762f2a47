"""The embedded default: mail goes to and comes from Maildir folders on disk."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mailbox
import os
import re
import socket
from collections import deque
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

from agenda.ports import DeliveryResult, Fetched
from agenda.records import OutgoingMail
from mail.compose import message_bytes, needs_smtputf8
from mail.handover import WholeHandover

log = logging.getLogger(__name__)

_PREFIX = "maildir:"
_PROCESSED = "Processed"
_REFUSED = "Refused"
_SUBFOLDERS = ("tmp", "new", "cur")
# As the IMAP source: a message larger than this is moved aside unread.
MAX_SIZE = 25_000_000
# A Maildir file name starts with its delivery's seconds and, from most writers, ".M" and its
# microseconds, neither zero-padded ("1764518400.M98765P12Q3.host"): compared as numbers, so
# the inbox is read in the order mail arrived.
_ARRIVAL = re.compile(r"(\d{1,20})(?:\.M(\d{1,20}))?")


class MaildirSender:
    """Writes each message into a Maildir, one file per Message-ID (delivery is atomic)."""

    # A message already in the folder is not written twice, so a cut-off one may be resent.
    deduplicates = True
    # Files are written one at a time.
    lanes = 1

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
            data = message_bytes(mail, utf8=utf8, linesep="\n")
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

    def prepare(self, mail: OutgoingMail) -> WholeHandover:
        """The mail, to be written when handed over."""
        return WholeHandover(self.send, mail)

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
    """Reads a Maildir inbox; acknowledged messages move to its Processed sub-folder.

    The inbox is listed once and worked off from that listing over the following fetches,
    so each message costs the same however many wait; it is listed again when the listing
    is used up, or when a fetch was not acknowledged (the caller will want it again).
    """

    def __init__(self, path: Path, *, max_size: int = MAX_SIZE) -> None:
        self.path = Path(path)
        self.max_size = max_size
        # The last listing, oldest key first, and the files in it not yet taken away.
        self._queue: deque[str] = deque()
        self._listed: dict[str, Path] = {}
        self._unacknowledged: set[str] = set()

    def _box(self) -> mailbox.Maildir:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.path, create=True)

    def _files(self) -> dict[str, Path]:
        """Every message file in new/ and cur/, by its Maildir key, first delivered first."""
        found: dict[str, Path] = {}
        for sub in ("new", "cur"):
            folder = self.path / sub
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                found[entry.name.split(":", 1)[0]] = Path(entry.path)
        return {key: found[key] for key in sorted(found, key=_arrival)}

    def _fetch(self, limit: int) -> list[Fetched]:
        if not self._listed or self._unacknowledged:
            self._box()  # new/, cur/ and tmp/ exist from the first fetch on
            self._listed = self._files()
            self._queue = deque(self._listed)
        # What was taken away since is dropped from the front, so no fetch walks over it again.
        while self._queue and self._queue[0] not in self._listed:
            self._queue.popleft()
        found: list[Fetched] = []
        for key in list(islice(self._queue, limit * 2)):
            path = self._listed.get(key)
            if path is None:
                continue
            if len(found) >= limit:
                break
            try:
                size = path.stat().st_size
                if size > self.max_size:
                    self._refuse(key, path, size)
                    continue
                with open(path, "rb") as handle:
                    # Read no more than the cap, even if the file grew since stat().
                    raw = handle.read(self.max_size + 1)
            except FileNotFoundError:
                del self._listed[key]  # taken away between listing and reading
                continue
            if len(raw) > self.max_size:
                self._refuse(key, path, len(raw))
                continue
            found.append(Fetched(source_key=f"{_PREFIX}{key}", raw=raw))
        self._unacknowledged = {f.source_key for f in found}
        return found

    def _refuse(self, key: str, path: Path, size: int) -> None:
        """Move an oversized message into the Refused sub-folder: kept, not read."""
        refused = self._subfolder(_REFUSED)
        log.warning(
            "Maildir message %s is %d bytes (over %d): moved to %s, not read",
            path.name,
            size,
            self.max_size,
            _REFUSED,
        )
        # A rename within the Maildir: nothing is copied, nothing can be lost half-way.
        os.replace(path, refused / "new" / key)
        self._listed.pop(key, None)

    def _subfolder(self, name: str) -> Path:
        folder = self.path / f".{name}"
        if not all((folder / sub).is_dir() for sub in _SUBFOLDERS):
            _folder(self._box(), name)
            # A crash while the folder was being made leaves some of tmp/, new/ and cur/
            # missing; the mailbox module does not add them to a folder that exists, and every
            # move into it would fail, so the message would stay in the inbox for good.
            for sub in _SUBFOLDERS:
                (folder / sub).mkdir(exist_ok=True)
        return folder

    def _acknowledge(self, source_keys: Sequence[str]) -> None:
        processed: Path | None = None
        for source_key in source_keys:
            if not source_key.startswith(_PREFIX):
                continue
            self._unacknowledged.discard(source_key)
            key = source_key[len(_PREFIX) :]
            path = self._listed.pop(key, None) or self._find(key)
            if path is None:
                continue  # already moved
            processed = processed or self._subfolder(_PROCESSED)
            # One rename within the file system: the message is in one folder or the other,
            # never in both and never in neither, whenever the process dies.
            try:
                os.replace(path, processed / path.parent.name / path.name)
            except FileNotFoundError:
                continue  # moved by someone else since it was listed

    def _find(self, key: str) -> Path | None:
        """The file of a key not in the listing (a source made anew): new/, then cur/."""
        plain = self.path / "new" / key
        if plain.is_file():
            return plain
        cur = self.path / "cur"
        for candidate in (cur / key, *cur.glob(f"{key}:*")) if cur.is_dir() else ():
            if candidate.is_file():
                return candidate
        return None

    async def fetch(self, limit: int = 100) -> list[Fetched]:
        """Messages waiting in the inbox, oldest key first; oversized ones are moved aside."""
        return await asyncio.to_thread(self._fetch, limit)

    async def acknowledge(self, source_key: str) -> None:
        """Move a stored message out of the inbox."""
        await asyncio.to_thread(self._acknowledge, [source_key])

    async def acknowledge_all(self, source_keys: Sequence[str]) -> None:
        """Move stored messages out of the inbox, in one go."""
        await asyncio.to_thread(self._acknowledge, source_keys)


def _arrival(key: str) -> tuple[int, int, str]:
    """When a message was delivered, as its name says; a name without a time comes first."""
    timed = _ARRIVAL.match(key)
    if timed is None:
        return 0, 0, key
    return int(timed.group(1)), int(timed.group(2) or 0), key


def _folder(box: mailbox.Maildir, name: str) -> mailbox.Maildir:
    return box.get_folder(name) if name in box.list_folders() else box.add_folder(name)
