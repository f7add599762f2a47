"""Keep received attachments on disk under generated names; the sender's name is display only."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from mail.mime import Attachment
from partnerdesk.app import App

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def stored_name(index: int, display_name: str) -> str:
    """A generated file name; only a plain short suffix of the sender's name survives."""
    suffix = Path(display_name.replace("\\", "/").rsplit("/", 1)[-1]).suffix.lower()
    return f"{index:03d}{suffix if _SAFE_SUFFIX.match(suffix) else '.bin'}"


def _write_all(folder: Path, attachments: tuple[Attachment, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, attachment in enumerate(attachments, 1):
        (folder / stored_name(n, attachment.filename)).write_bytes(attachment.data)


async def keep_attachments(
    app: App, inbound_id: int, attachments: tuple[Attachment, ...]
) -> tuple[str, ...]:
    """Write the files under the message's folder; return their display names."""
    if not attachments:
        return ()
    folder = app.settings.attachments_dir / f"{inbound_id:08d}"
    await asyncio.to_thread(_write_all, folder, attachments)
    return tuple(a.filename for a in attachments)
