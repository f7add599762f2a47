"""SIGKILL at random moments while the outbox sends over SMTP: nothing twice, little lost.

Each kill may leave "sending" the message that was on the wire on each of the service's SMTP
connections; an SMTP server would deliver a second copy, so such a message is given up ("may
have arrived") and the secretariat is told. Every other message arrives exactly once.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from agenda.reading import Channel
from agenda.records import OutboxEntry, OutgoingMail
from partnerdesk.app import build_app, close_app
from partnerdesk.settings import Settings
from partnerdesk.usecases.outbox import _INTERRUPTED
from tests.conftest import CORPUS_GROUP
from tests.servers.smtpd import RunningSmtp, start_smtp

pytestmark = pytest.mark.kills

KILLS = 50
LANES = 2  # independent services side by side, to use both cores of a CI runner
CONNECTIONS = 2  # each service sends over this many SMTP connections at once
# Per lane: more than the kills can get through (a run sends a few dozen before its kill), so
# every kill lands while sending.
MESSAGES = 1000


@dataclass
class Lane:
    """One service's data folder and the SMTP server it sends to."""

    number: int
    data: Path
    group: Path
    smtp: RunningSmtp
    kills: int = 0
    most_sending_after_a_kill: int = 0


def _group_far_ahead(folder: Path) -> Path:
    """The corpus group with its meeting years ahead, so nothing but the outbox is due."""
    text = CORPUS_GROUP.read_text(encoding="utf-8").replace("2026-12-08T", "2036-12-08T")
    path = folder / "group.toml"
    path.write_text(text.replace("2026-11-27T", "2036-11-27T"), encoding="utf-8")
    return path


async def _fill(data: Path, group: Path, lane: int) -> None:
    app = await build_app(Settings(data_dir=data, groups=[group]))
    try:
        entries = []
        for n in range(MESSAGES):
            purpose = "held" if n % 10 == 9 else "echo"
            mail = OutgoingMail(
                message_id=f"<{purpose}-{lane}-{n}@norddjurs.example.org>",
                sender="Fællessekretariatet, Norddjurs Kommune <partnerskab@norddjurs.example.org>",
                recipients=(f"p{n}@example.org",),
                subject=f"Tak for dit svar {n}",
                text="Vi har forstået: intet nyt denne gang.\n" * 20,
                in_reply_to=f"<svar-{n}@example.org>",
            )
            entries.append(
                OutboxEntry(
                    group="partnerskab-norddjurs",
                    meeting="2026-2",
                    purpose=purpose,
                    channel=Channel.EMAIL,
                    recipient=mail.recipients[0],
                    mail=mail,
                )
            )
        await app.store.enqueue_many(entries)
    finally:
        await close_app(app)


def _env(lane: Lane) -> dict[str, str]:
    return {
        **os.environ,
        "PARTNERDESK_DATA_DIR": str(lane.data),
        "PARTNERDESK_GROUPS": str(lane.group),
        "PARTNERDESK_SMTP_URL": f"smtp://127.0.0.1:{lane.smtp.port}",
        # A row left "sending" is recognised at once; the service waits ten minutes.
        "PARTNERDESK_SENDING_TIMEOUT_SECONDS": "0",
        # Two messages on their way at once, over two connections.
        "PARTNERDESK_SMTP_MAX_CONNECTIONS": str(CONNECTIONS),
    }


def _rows(data: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data / "partnerdesk.sqlite3", timeout=30) as db:
        return list(db.execute(query).fetchall())


def _statuses(data: Path) -> Counter[str]:
    return Counter(str(s) for (s,) in _rows(data, "select status from outbox"))


def _kill_while_sending(lane: Lane, kills: int, rng: random.Random) -> None:
    """Start the service, wait until it is handing messages over, SIGKILL it; repeat."""
    while lane.kills < kills:
        before = len(lane.smtp.script.received)
        service = subprocess.Popen(
            [sys.executable, "-m", "partnerdesk.cli", "run", "--once"],
            env=_env(lane),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while (
            len(lane.smtp.script.received) == before
            and service.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.002)
        # Somewhere in the middle of sending: claiming, talking SMTP, or recording.
        time.sleep(rng.uniform(0.0, 0.03))
        if service.poll() is None:
            service.send_signal(signal.SIGKILL)
        if service.wait(timeout=30) == -signal.SIGKILL:
            lane.kills += 1
            sending = _statuses(lane.data)["sending"]
            lane.most_sending_after_a_kill = max(lane.most_sending_after_a_kill, sending)
        elif not _statuses(lane.data)["pending"]:
            return  # the outbox is empty: nothing left to interrupt


def _drain(lane: Lane) -> None:
    for _ in range(20):
        done = subprocess.run(
            [sys.executable, "-m", "partnerdesk.cli", "run", "--once"],
            env=_env(lane),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        statuses = _statuses(lane.data)
        if not statuses["pending"] and not statuses["sending"]:
            return
    raise AssertionError(f"the outbox did not drain: {_statuses(lane.data)}")


@pytest.fixture
def lanes(tmp_path: Path) -> Iterator[list[Lane]]:
    """Filled outboxes, each with an aiosmtpd server of its own."""
    servers: list[Generator[RunningSmtp, None, None]] = [start_smtp() for _ in range(LANES)]
    try:
        made = []
        for number, server in enumerate(servers):
            folder = tmp_path / f"lane{number}"
            folder.mkdir()
            lane = Lane(number, folder / "var", _group_far_ahead(folder), next(server))
            asyncio.run(_fill(lane.data, lane.group, number))
            made.append(lane)
        yield made
    finally:
        for server in servers:
            server.close()


def test_fifty_kills_while_sending_lose_at_most_one_message_a_connection_and_double_none(
    lanes: list[Lane],
) -> None:
    seed = random.randrange(2**32)  # noqa: S311 - timing, not secrets
    with ThreadPoolExecutor(LANES) as pool:
        list(
            pool.map(
                lambda lane: _kill_while_sending(
                    lane,
                    KILLS // LANES,
                    random.Random(seed + lane.number),  # noqa: S311
                ),
                lanes,
            )
        )
    for lane in lanes:
        _drain(lane)

    total_kills = sum(lane.kills for lane in lanes)
    assert total_kills == KILLS, f"seed {seed}: only {total_kills} kills landed"
    given_up = 0
    for lane in lanes:
        # A kill leaves "sending" at most the one message on the wire on each connection.
        assert lane.most_sending_after_a_kill <= CONNECTIONS, f"seed {seed}"
        arrived = Counter(str(m["Message-ID"]) for m in lane.smtp.script.messages())
        assert not [mid for mid, n in arrived.items() if n > 1], f"seed {seed}: sent twice"
        rows = _rows(lane.data, "select dedup_key, status, error, purpose from outbox")
        assert len(rows) >= MESSAGES
        for key, status, error, _purpose in rows:
            if status == "sent":
                assert arrived[str(key)] == 1, f"seed {seed}: {key} marked sent, not received"
            else:
                assert (status, error) == ("failed", _INTERRUPTED), f"seed {seed}: {key}"
                given_up += 1
        flagged = [k for k, s, _, purpose in rows if s == "failed" and purpose != "delivery-failed"]
        reports = [k for k, s, _, purpose in rows if s == "sent" and purpose == "delivery-failed"]
        # The secretariat hears of every message given up (a lost report is not reported).
        assert not flagged or reports, f"seed {seed}: the secretariat was not told"
        assert len(flagged) <= lane.kills * CONNECTIONS
    assert given_up <= total_kills * CONNECTIONS
    print(f"seed {seed}: {total_kills} kills, {given_up} messages given up as may have arrived")
