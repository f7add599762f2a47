"""The embedded default: mail goes to and comes from Maildir folders on disk."""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import Sequence
from pathlib import Path

from agenda.ports import DeliveryResult, Fetched
from agenda.records import OutgoingMail
from mail.compose import compose

_PREFIX = "maildir:"
_PROCESSED = "Processed"


class MaildirSender:
    """Writes each message into a Maildir (delivery into the folder is atomic)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _write(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.path, create=True)
        results: list[DeliveryResult] = []
        for mail in mails:
            try:
                box.add(compose(mail).as_bytes())
            except (ValueError, UnicodeError, TypeError) as exc:
                # A malformed address or header: writing it again will not make it right.
                results.append(
                    DeliveryResult(mail.message_id, sent=False, permanent=True, error=str(exc))
                )
            except OSError as exc:
                results.append(DeliveryResult(mail.message_id, sent=False, error=str(exc)))
            else:
                results.append(DeliveryResult(mail.message_id, sent=True))
        return results

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Write the batch; a disk error is a transient failure."""
        return await asyncio.to_thread(self._write, mails)


class MaildirSource:
    """Reads a Maildir inbox; acknowledged messages move to its Processed sub-folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _box(self) -> mailbox.Maildir:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.path, create=True)

    def _fetch(self, limit: int) -> list[Fetched]:
        box = self._box()
        found: list[Fetched] = []
        for key in sorted(box.iterkeys())[:limit]:
            try:
                with box.get_file(key) as handle:
                    raw = handle.read()
            except (KeyError, FileNotFoundError):
                continue  # taken away between listing and reading
            found.append(Fetched(source_key=f"{_PREFIX}{key}", raw=raw))
        return found

    def _acknowledge(self, source_key: str) -> None:
        if not source_key.startswith(_PREFIX):
            return
        key = source_key[len(_PREFIX) :]
        box = self._box()
        processed = (
            box.get_folder(_PROCESSED)
            if _PROCESSED in box.list_folders()
            else box.add_folder(_PROCESSED)
        )
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
        """Messages waiting in the inbox, oldest key first."""
        return await asyncio.to_thread(self._fetch, limit)

    async def acknowledge(self, source_key: str) -> None:
        """Move a stored message out of the inbox."""
        await asyncio.to_thread(self._acknowledge, source_key)
