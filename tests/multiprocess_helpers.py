"""Several real `partnerdesk run` processes on one database: a backlog, a call, the sink.

Shared by tests/test_multiprocess.py and bench/processes.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
GROUP = "partnerskab-norddjurs"
MEETING = "2026-2"


def group_file(folder: Path, deadline: datetime) -> Path:
    """The corpus group with its call's deadline at the given time and the meeting days later."""
    text = (CORPUS / "group.toml").read_text(encoding="utf-8")
    starts = deadline + timedelta(days=10)
    text = text.replace("2026-12-08T14:00:00+01:00", starts.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    text = text.replace("2026-11-27T12:00:00+01:00", deadline.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    path = folder / "group.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_inbox(folder: Path, count: int) -> None:
    """count corpus replies in a Maildir's new/, each copy its own message (Message-ID, text)."""
    replies = sorted(p.read_bytes() for p in CORPUS.glob("replies*/*.eml"))
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        raw = replies[n % len(replies)].replace(b"Message-ID: <", b"Message-ID: <copy%d." % n, 1)
        head, sep, body = raw.partition(b"\n\n")
        if not sep:
            head, sep, body = raw.partition(b"\r\n\r\n")
        unique = b"X-Copy: %d\n" % n
        (folder / "new" / f"{1_700_000_000 + n}.M{n}P1.copy").write_bytes(
            unique + head + sep + body + b"\n-- %d\n" % n
        )


def service_env(data: Path, group: Path, url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    """The environment of one service process: the shared database, mailbox and SMTP sink."""
    return {
        **os.environ,
        "PARTNERDESK_DATA_DIR": str(data),
        "PARTNERDESK_GROUPS": str(group),
        "PARTNERDESK_DATABASE_URL": url,
        "PARTNERDESK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PARTNERDESK_POLL_SECONDS": "0.3",
        # Every reply is echoed: the storm guard would otherwise make the count depend on timing.
        "PARTNERDESK_ECHO_LIMIT": "1000000",
        "PARTNERDESK_ECHO_WINDOW_MINUTES": "0",
        **extra,
    }


def start_service(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`partnerdesk run` in a process of its own, its log written to a file."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "partnerdesk.cli", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def stop_services(services: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every service still running and wait for it."""
    for service in services:
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
    for service in services:
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()


async def open_call(data: Path, group: Path, url: str, deadline_in: timedelta | None = None) -> int:
    """Open the meeting's call as the secretariat does (again with a deadline this far from
    now, to move it); the number of messages queued."""
    from partnerdesk.app import build_app, close_app
    from partnerdesk.settings import Settings
    from partnerdesk.usecases.calls import open_call as opening

    app = await build_app(Settings(data_dir=data, groups=[group], database_url=url))
    try:
        chosen = app.group(GROUP)
        meeting = app.meeting(chosen, MEETING)
        deadline = app.clock() + deadline_in if deadline_in is not None else None
        return (await opening(app, chosen, meeting, deadline=deadline)).mails_queued
    finally:
        await close_app(app)


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the shared database, read as an operator would (no ORM)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split(":///", 1)[1], timeout=30) as db:
            return [tuple(r) for r in db.execute(query).fetchall()]
    return asyncio.run(_pg_rows(url, query))


def admin(url: str, statement: str) -> None:
    """Run CREATE or DROP DATABASE on the server of url (outside a transaction)."""
    asyncio.run(_pg_execute(url, statement))


async def _pg_execute(url: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await db.execute(statement)
    finally:
        await db.close()


async def _pg_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    import asyncpg

    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return [tuple(r) for r in await db.fetch(query)]
    finally:
        await db.close()


@dataclass
class Progress:
    """Where the shared work stands, read from the database."""

    inbound: int = 0
    unread: int = 0
    call_state: str = ""
    outbox_waiting: int = 0

    def done(self, expected: int) -> bool:
        """Every message stored and read, the call drafted, the outbox empty."""
        return (
            self.inbound >= expected
            and self.unread == 0
            and self.call_state == "drafted"
            and self.outbox_waiting == 0
        )


def progress(url: str) -> Progress:
    """Read the counts the tests and the benchmark wait on, in one query."""
    [(inbound, unread, state, waiting)] = rows(
        url,
        "select (select count(*) from inbound_messages),"
        " (select count(*) from inbound_messages where status in ('new', 'failed')),"
        # The database holds the one call the test opened.
        " (select coalesce(max(state), '') from calls),"
        " (select count(*) from outbox where status in ('pending', 'sending'))",
    )
    return Progress(
        inbound=int(inbound), unread=int(unread), call_state=str(state), outbox_waiting=int(waiting)
    )


def wait_until(
    check: Callable[[], bool],
    services: list[subprocess.Popen[bytes]],
    seconds: float,
    *,
    every: float = 0.2,
) -> None:
    """Wait for the check; fail at once when a service exits on its own."""
    deadline = time.monotonic() + seconds
    while not check():
        gone = [s.args for s in services if s.poll() is not None and s.returncode != -9]
        if gone:
            raise AssertionError(f"a service stopped by itself: {gone}")
        if time.monotonic() > deadline:
            raise AssertionError("the services did not finish the work in time")
        time.sleep(every)


def utc_now() -> datetime:
    """The real clock: the services run on it."""
    return datetime.now(UTC)
