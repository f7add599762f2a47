"""Bilag the secretariat attaches to the draft, kept on disk beside the received attachments.

The file is copied under a generated name; the name the person gave it is display text only,
cleaned so it never becomes a path.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
import unicodedata
from pathlib import Path

from agenda.agenda import Agenda
from agenda.errors import UsageError
from agenda.model import Group, Meeting
from agenda.records import Attachment
from partnerdesk.app import App
from partnerdesk.usecases.attachments import stored_name

MAX_MEGABYTES = 20
_INDEX = "index.json"


def display_name(name: str) -> str:
    """The file's own name, cleaned: no folders, no control characters, no leading dots."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip().lstrip(".").strip()
    if len(base) > 120:
        suffix = Path(base).suffix[:10]
        base = base[: 120 - len(suffix)] + suffix
    return base or "bilag"


def _folder(app: App, group: Group, meeting: Meeting) -> Path:
    # Slugs are checked by the group file; a meeting id is free text, so it is made safe.
    safe = re.sub(r"[^\w.-]+", "-", meeting.id).strip(".-") or "-"
    return app.settings.attachments_dir / "draft" / group.slug / safe


def _index(folder: Path) -> list[dict[str, str]]:
    path = folder / _INDEX
    if not path.exists():
        return []
    rows: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def _read_source(source: Path) -> bytes:
    if not source.exists():
        raise UsageError("attach_missing", path=str(source))
    if not source.is_file():
        raise UsageError("attach_not_a_file", path=str(source))
    size = source.stat().st_size
    if size == 0:
        raise UsageError("attach_empty", path=str(source))
    if size > MAX_MEGABYTES * 1024 * 1024:
        megabytes = f"{size / 1024 / 1024:.1f}"
        raise UsageError("attach_too_big", path=str(source), size=megabytes, limit=MAX_MEGABYTES)
    return source.read_bytes()


def _keep(folder: Path, source: Path) -> tuple[str, str]:
    data = _read_source(source)
    folder.mkdir(parents=True, exist_ok=True)
    rows = _index(folder)
    name = display_name(source.name)
    stored = stored_name(len(rows) + 1, name)
    (folder / stored).write_bytes(data)
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    rows.append({"file": stored, "name": name, "type": kind})
    (folder / _INDEX).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return name, stored


async def keep_bilag(app: App, group: Group, meeting: Meeting, source: Path) -> tuple[str, str]:
    """Copy a file to the draft's folder; returns its display name and its stored name."""
    return await asyncio.to_thread(_keep, _folder(app, group, meeting), source)


def _load(folder: Path, wanted: set[str]) -> list[Attachment]:
    latest: dict[str, dict[str, str]] = {}
    for row in _index(folder):
        # A name attached twice means the newer file.
        latest[row["name"]] = row
    return [
        Attachment(
            filename=row["name"],
            content_type=row.get("type") or "application/octet-stream",
            data=(folder / row["file"]).read_bytes(),
        )
        for name, row in latest.items()
        if name in wanted
    ]


async def load_bilag(app: App, group: Group, meeting: Meeting, agenda: Agenda) -> list[Attachment]:
    """The files the secretariat attached that are on this agenda's items."""
    wanted = {name for item in agenda.items for name in item.attachments}
    if not wanted:
        return []
    return await asyncio.to_thread(_load, _folder(app, group, meeting), wanted)
