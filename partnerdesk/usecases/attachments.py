"""Keep received attachments on disk under generated names; the sender's name is display only."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from pathlib import Path

from agenda.records import Attachment
from partnerdesk.app import App

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_INDEX = "index.json"


def stored_name(index: int, display_name: str) -> str:
    """A generated file name; only a plain short suffix of the sender's name survives."""
    suffix = Path(display_name.replace("\\", "/").rsplit("/", 1)[-1]).suffix.lower()
    return f"{index:03d}{suffix if _SAFE_SUFFIX.match(suffix) else '.bin'}"


def _folder(app: App, inbound_id: int) -> Path:
    return app.settings.attachments_dir / f"{inbound_id:08d}"


def attachment_folder(app: App, inbound_id: int) -> Path:
    """Where the files of one stored message are kept."""
    return _folder(app, inbound_id)


def _write_all(folder: Path, attachments: tuple[Attachment, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    index: list[dict[str, str]] = []
    for n, attachment in enumerate(attachments, 1):
        name = stored_name(n, attachment.filename)
        (folder / name).write_bytes(attachment.data)
        index.append({"file": name, "name": attachment.filename, "type": attachment.content_type})
    (folder / _INDEX).write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")


async def keep_attachments(
    app: App, inbound_id: int, attachments: tuple[Attachment, ...]
) -> tuple[str, ...]:
    """Write the files under the message's folder; return their display names."""
    if not attachments:
        return ()
    await asyncio.to_thread(_write_all, _folder(app, inbound_id), attachments)
    return tuple(a.filename for a in attachments)


def _read(folder: Path, wanted: set[str]) -> list[Attachment]:
    index_path = folder / _INDEX
    if not index_path.exists():
        return []
    found: list[Attachment] = []
    for row in json.loads(index_path.read_text(encoding="utf-8")):
        if row["name"] in wanted:
            kind = row.get("type") or mimetypes.guess_type(row["name"])[0]
            found.append(
                Attachment(
                    filename=row["name"],
                    content_type=kind or "application/octet-stream",
                    data=(folder / row["file"]).read_bytes(),
                )
            )
    return found


async def load_attachments(app: App, inbound_id: int, names: tuple[str, ...]) -> list[Attachment]:
    """The kept files of one message with these display names."""
    if not names:
        return []
    return await asyncio.to_thread(_read, _folder(app, inbound_id), set(names))
