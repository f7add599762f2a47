"""A call with answers, a draft and a late item on disk, for running the CLI as a user types it."""

from __future__ import annotations

import asyncio
import atexit
import mailbox
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from partnerdesk.app import build_app, close_app
from partnerdesk.cli import main
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import calls
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS, CORPUS_GROUP

MEETING = "2026-2"
CHAIR = "lene.kjaer@norddjurs.example.org"
# What the command line used to print in English; none of it may reach a Danish group.
ENGLISH = (
    "open",
    "closed",
    "published",
    "admitted",
    "declined",
    "draft version",
    "fetched=",
    "stored=",
    "nothing was due",
    "Traceback",
    "usage:",
    "error:",
    "has the ball",
    "success criteria",
    "nothing changed",
    "is not",
    "no such",
    "approve_agenda",
    "since_last",
    "recommendation",
    "background",
    "proposers",
)


def english_words(text: str) -> list[str]:
    """The old English words found in text (whole words, any case).

    A command to type ("partnerdesk call open --meeting 2026-2") is not prose: its words are
    the command's own, in every language.
    """
    prose = re.sub(r"partnerdesk [^\n\"·]*", "", text)
    return [w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", prose, re.I)]


def group_file(folder: Path, language: str) -> Path:
    """The corpus group in the given language, written to folder."""
    text = CORPUS_GROUP.read_text(encoding="utf-8")
    path = folder / f"group-{language}.toml"
    path.write_text(text.replace('language = "da"', f'language = "{language}"', 1), "utf-8")
    return path


async def _build(data_dir: Path, group: Path) -> None:
    deadline = datetime.fromisoformat("2026-11-27T12:00:00+01:00")
    clock = DemoClock(deadline - timedelta(days=10))
    app = await build_app(Settings(data_dir=data_dir, groups=[group]), clock=clock)
    try:
        g = app.group()
        meeting = app.meeting(g, MEETING)
        await calls.open_call(app, g, meeting)
        inbox = mailbox.Maildir(app.settings.inbox_maildir, create=True)
        for name in (
            "dev-01-byggeri-laerlingekampagne.eml",
            "dev-09-businessdjursland-tre-punkter.eml",
            "dev-05-videndjurs-overgang-dimittender.eml",
            "dev-04-di-nothing-this-round.eml",
        ):
            inbox.add((CORPUS / "replies" / name).read_bytes())
        await tick(app)
        clock.now = deadline + timedelta(minutes=5)
        await tick(app)
        inbox.add((CORPUS / "replies" / "dev-18-di-alligevel-et-punkt.eml").read_bytes())
        await tick(app)
    finally:
        await close_app(app)


_PREPARED: dict[str, Path] = {}


def _prepared(language: str) -> Path:
    """A folder with the group file and a data folder holding the call, built once per run."""
    if language not in _PREPARED:
        base = Path(tempfile.mkdtemp(prefix="partnerdesk-desk-"))
        atexit.register(shutil.rmtree, base, True)
        asyncio.run(_build(base / "var", group_file(base, language)))
        _PREPARED[language] = base
    return _PREPARED[language]


@dataclass
class Desk:
    """The secretariat's desk: a group file, its data folder, and a way to type commands."""

    group: Path
    data_dir: Path
    settings: Path
    capsys: pytest.CaptureFixture[str]

    def run(self, *words: str) -> tuple[int, str, str]:
        """Run `partnerdesk WORDS --group G --settings S`; returns exit code, stdout, stderr."""
        argv = [*words, "--group", str(self.group), "--settings", str(self.settings)]
        code = main(argv)
        out, err = self.capsys.readouterr()
        return code, out, err


def desk(
    tmp_path: Path,
    language: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Desk:
    """A prepared desk in the language, with a settings file naming its data folder."""
    folder = tmp_path / language
    # Building the call takes seconds; each test gets its own copy of one prepared folder.
    shutil.copytree(_prepared(language), folder)
    group = folder / f"group-{language}.toml"
    data_dir = folder / "var"
    for name in ("DATA_DIR", "DATABASE_URL", "GROUPS", "SMTP_URL", "IMAP_URL", "TELEGRAM_TOKEN"):
        monkeypatch.delenv(f"PARTNERDESK_{name}", raising=False)
    settings = folder / "settings.env"
    settings.write_text(f"PARTNERDESK_DATA_DIR={data_dir}\n", encoding="utf-8")
    return Desk(group=group, data_dir=data_dir, settings=settings, capsys=capsys)
