"""The data subject's rights and retention: export what is kept about a person, erase it,
and delete raw messages and their files once the retention period is over."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from agenda.records import ContactData, Erased
from partnerdesk.app import App
from partnerdesk.usecases.attachments import attachment_folder
from partnerdesk.usecases.common import audit


@dataclass(frozen=True)
class Exported:
    """Where the export went and how much it holds."""

    folder: Path
    messages: int
    answers: int
    mail_to: int


def _plain(data: ContactData) -> dict[str, Any]:
    """The export's JSON: every record, the raw messages named by their file."""
    return {
        "email": data.email,
        "contacts": [asdict(c) for c in data.contacts],
        "answers": [
            {
                "id": a.id,
                "group": a.group,
                "meeting": a.meeting,
                "channel": a.channel.value,
                "sender": a.sender,
                "received_at": a.received_at.isoformat(),
                "status": a.status.value,
                "message": a.inbound_id,
                "reading": dict(a.reading.to_json()),
            }
            for a in data.answers
        ],
        "messages": [
            {
                "id": m.id,
                "channel": m.channel.value,
                "received_at": m.received_at.isoformat(),
                "message_id": m.message_id,
                "status": m.status.value,
                "file": f"messages/{m.id}.{'eml' if m.channel.value == 'email' else 'json'}",
            }
            for m in data.messages
        ],
        "mail_to_them": [
            {
                "group": o.group,
                "meeting": o.meeting,
                "purpose": o.purpose,
                "channel": o.channel.value,
                "status": o.status.value,
                "subject": o.mail.subject if o.mail else None,
                "text": o.mail.text if o.mail else o.chat_text,
                "sent_at": o.sent_at.isoformat() if o.sent_at else None,
            }
            for o in data.mail_to
        ],
        "approvals": [
            {**asdict(a), "approved_at": a.approved_at.isoformat()} for a in data.approvals
        ],
        "audit": [{**asdict(e), "at": e.at.isoformat(), "detail": e.detail} for e in data.audit],
    }


def _write(app: App, data: ContactData, folder: Path) -> None:
    (folder / "messages").mkdir(parents=True, exist_ok=True)
    for message in data.messages:
        suffix = "eml" if message.channel.value == "email" else "json"
        (folder / "messages" / f"{message.id}.{suffix}").write_bytes(message.raw)
        assert message.id is not None
        files = attachment_folder(app, message.id)
        if files.is_dir():
            shutil.copytree(files, folder / "attachments" / str(message.id), dirs_exist_ok=True)
    text = json.dumps(_plain(data), ensure_ascii=False, indent=2, default=str)
    (folder / "contact.json").write_text(text + "\n", encoding="utf-8")


async def export_contact(app: App, email: str, folder: Path) -> Exported:
    """Write everything kept about the person into the folder: contact.json and the messages."""
    data = await app.store.contact_data(email)
    await asyncio.to_thread(_write, app, data, folder)
    return Exported(folder, len(data.messages), len(data.answers), len(data.mail_to))


def _remove(app: App, inbound_ids: Iterable[int]) -> None:
    for inbound_id in inbound_ids:
        shutil.rmtree(attachment_folder(app, inbound_id), ignore_errors=True)


async def erase_contact(app: App, email: str, *, actor: str) -> Erased:
    """Delete the person's messages, their files, answers and mail to them; say what stays."""
    data = await app.store.contact_data(email)
    erased = await app.store.erase_contact(email)
    await asyncio.to_thread(_remove, app, erased.messages)
    # The log keeps that an erasure happened, not whose: the address is what was erased.
    groups = {c.group for c in data.contacts} or set(app.groups)
    for slug in sorted(groups & set(app.groups)):
        await audit(
            app,
            app.groups[slug],
            "contact.erased",
            actor,
            None,
            answers=erased.answers,
            messages=len(erased.messages),
            mail=erased.mail_to,
        )
    return erased


async def purge_expired(app: App) -> int:
    """Delete raw messages and their files older than the retention period; how many."""
    before = app.clock() - timedelta(days=app.settings.retention_days)
    purged = 0
    while True:
        ids = await app.store.purge_inbound(before)
        await asyncio.to_thread(_remove, app, ids)
        purged += len(ids)
        if not ids:
            return purged
