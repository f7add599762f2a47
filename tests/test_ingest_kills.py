"""SIGKILL at random moments while the service ingests a Maildir backlog and sends the echoes.

Before each `partnerdesk run --once` new partner replies are put in the inbox; the process is
killed somewhere in its pass: starting, storing a batch, moving it into Processed, reading,
deciding, queueing echoes, talking SMTP. After fifty kills and a clean run every message in
the inbox was stored exactly once and acknowledged, every one was read, every outgoing mail
arrived once, and no more were given up as "may have arrived" than one per kill and SMTP
connection.
"""

from __future__ import annotations

import hashlib
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from partnerdesk.usecases.outbox import _INTERRUPTED
from tests.conftest import CORPUS
from tests.servers.smtpd import RunningSmtp, start_smtp
from tests.test_crash_safety import _group_far_ahead

pytestmark = pytest.mark.kills

KILLS = 50
LANES = 2  # independent services side by side, to use both cores of a CI runner
CONNECTIONS = 2  # each service sends over this many SMTP connections at once
BACKLOG = 30  # no new mail while more than this waits to be stored or read
REPLIES = sorted(CORPUS.glob("replies*/*.eml"))
STRANGER = b"From: Ukendt Afsender <ukendt@example.net>\n"


@dataclass
class Lane:
    """One service's data folder, the SMTP server it sends to, and what it was given."""

    number: int
    data: Path
    group: Path
    smtp: RunningSmtp
    seed: int
    kills: int = 0
    most_sending_after_a_kill: int = 0
    # Content hash of every message put in the inbox, by its file name.
    given: dict[str, str] = field(default_factory=dict)
    # How long a pass ran on after it started taking mail in, when nobody killed it.
    tail: float = 2.0
    # How long a pass took to store and move its first batch.
    startup: float = 2.0
    # What each kill interrupted.
    caught: Counter[str] = field(default_factory=Counter)

    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - timing, not secrets

    @property
    def inbox(self) -> Path:
        return self.data / "mail" / "inbox"

    @property
    def stderr(self) -> Path:
        return self.data.parent / "stderr.txt"


def _env(lane: Lane) -> dict[str, str]:
    return {
        **os.environ,
        "PARTNERDESK_DATA_DIR": str(lane.data),
        "PARTNERDESK_GROUPS": str(lane.group),
        "PARTNERDESK_SMTP_URL": f"smtp://127.0.0.1:{lane.smtp.port}",
        # A row left "sending" is recognised at once; the service waits ten minutes.
        "PARTNERDESK_SENDING_TIMEOUT_SECONDS": "0",
        # Echoes go out over two connections at once, one message on each.
        "PARTNERDESK_SMTP_MAX_CONNECTIONS": str(CONNECTIONS),
        # So is a message a killed process had claimed to read (where claims exist).
        "PARTNERDESK_READING_TIMEOUT_SECONDS": "0",
        # Every answer is echoed (copies of one reply too), so that sending goes on.
        "PARTNERDESK_ECHO_LIMIT": "100000",
        "PARTNERDESK_ECHO_WINDOW_MINUTES": "0",
    }


def _cli(lane: Lane, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partnerdesk.cli", *args],
        env=_env(lane),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _rows(data: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data / "partnerdesk.sqlite3", timeout=30) as db:
        return list(db.execute(query).fetchall())


def _waiting(lane: Lane) -> int:
    return sum(1 for sub in ("new", "cur") for _ in (lane.inbox / sub).iterdir())


def _unread(lane: Lane) -> int:
    (n,) = _rows(lane.data, "select count(*) from inbound_messages where status = 'new'")[0]
    return int(n)


def _top_up(lane: Lane) -> None:
    """Put new replies in the inbox, the Maildir way; each copy unique, a few from strangers.

    Only while little waits: each pass is to store, read and send, not to read a backlog
    that the kills let grow.
    """
    if _waiting(lane) + _unread(lane) > BACKLOG:
        return
    # Now and then more than one fetch takes (100): a kill may fall between two batches.
    count = lane.rng.randint(101, 180) if lane.rng.random() < 0.3 else lane.rng.randint(5, 40)
    for _ in range(count):
        n = len(lane.given)
        raw = lane.rng.choice(REPLIES).read_bytes()
        if lane.rng.random() < 0.1:
            raw = STRANGER + raw.replace(b"From:", b"X-Was-From:", 1)
        # Its own line and Message-ID: every copy is a message of its own.
        raw = b"X-Copy: %d-%d\nMessage-ID: <copy-%d-%d@example.com>\n" % (
            lane.number,
            n,
            lane.number,
            n,
        ) + raw.replace(b"Message-ID:", b"X-Original-Message-ID:", 1)
        name = f"{1_800_000_000 + n}.M{n}P{lane.number}.kills"
        (lane.inbox / "tmp" / name).write_bytes(raw)
        (lane.inbox / "tmp" / name).rename(lane.inbox / "new" / name)
        lane.given[name] = hashlib.sha256(raw).hexdigest()


def _statuses(data: Path) -> Counter[str]:
    return Counter(str(s) for (s,) in _rows(data, "select status from outbox"))


def _kill_while_ingesting(lane: Lane, kills: int) -> None:
    """Fill the inbox, start the service, SIGKILL it at a random moment of its pass; repeat."""
    while lane.kills < kills:
        _top_up(lane)
        waiting = _waiting(lane)
        started = time.monotonic()
        with open(lane.stderr, "wb") as stderr:
            service = subprocess.Popen(
                [sys.executable, "-m", "partnerdesk.cli", "run", "--once"],
                env=_env(lane),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        early = lane.rng.random() < 0.25
        if early:
            # Anywhere from start-up to just after the first batch was stored and moved.
            time.sleep(lane.rng.uniform(0.0, lane.startup * 1.2))
        else:
            # Once the first batch is stored and moved, anywhere in the rest of the pass.
            deadline = started + 120
            while _waiting(lane) >= waiting and service.poll() is None:
                assert time.monotonic() < deadline, f"seed {lane.seed}: no mail taken in"
                time.sleep(0.002)
            taking_in = time.monotonic()
            lane.startup = (lane.startup + taking_in - started) / 2
            time.sleep(lane.rng.uniform(0.0, lane.tail))
        if service.poll() is None:
            service.send_signal(signal.SIGKILL)
        code = service.wait(timeout=60)
        if code == -signal.SIGKILL:
            lane.kills += 1
            sending = _statuses(lane.data)["sending"]
            lane.most_sending_after_a_kill = max(lane.most_sending_after_a_kill, sending)
            lane.caught[_caught(lane, sending)] += 1
        else:
            said = lane.stderr.read_text(encoding="utf-8", errors="replace")[-3000:]
            assert code == 0, f"seed {lane.seed}: run --once ended with {code}: {said}"
            if not early:
                # The pass ended first: aim within the passes seen lately.
                lane.tail = (lane.tail + time.monotonic() - taking_in) / 2


def _caught(lane: Lane, sending: int) -> str:
    """Where a kill caught the pass, as far as the folders and the database tell."""
    stored = {str(h) for (h,) in _rows(lane.data, "select content_hash from inbound_messages")}
    waiting = [p.name for sub in ("new", "cur") for p in (lane.inbox / sub).iterdir()]
    if any(lane.given[name.split(":", 1)[0]] in stored for name in waiting):
        return "stored, not yet moved"
    if sending:
        return "sending"
    if _unread(lane):
        return "messages unread"
    return "nothing unread or unsent"


def _drain(lane: Lane) -> None:
    """Clean passes until nothing waits: no mail in the inbox, no message unread or unsent."""
    for _ in range(20):
        done = _cli(lane, "run", "--once")
        assert done.returncode == 0, done.stderr
        unread = _rows(lane.data, "select count(*) from inbound_messages where status = 'new'")
        statuses = _statuses(lane.data)
        if (
            not _waiting(lane)
            and unread == [(0,)]
            and not (statuses["pending"] or statuses["sending"])
        ):
            return
    raise AssertionError(f"the service did not finish: {_statuses(lane.data)}")


@pytest.fixture
def lanes(tmp_path: Path) -> Iterator[list[Lane]]:
    """Services with an open call, each with an aiosmtpd server of its own."""
    servers: list[Generator[RunningSmtp, None, None]] = [start_smtp() for _ in range(LANES)]
    seed = random.randrange(2**32)  # noqa: S311 - timing, not secrets
    print(f"seed {seed}")  # shown with any failure, however it comes
    try:
        made = []
        for number, server in enumerate(servers):
            folder = tmp_path / f"lane{number}"
            folder.mkdir()
            lane = Lane(
                number,
                folder / "var",
                _group_far_ahead(folder),
                next(server),
                seed + number,
            )
            opened = _cli(lane, "call", "open", "--meeting", "2026-2")
            assert opened.returncode == 0, opened.stderr
            made.append(lane)
        yield made
    finally:
        for server in servers:
            server.close()


def test_fifty_kills_while_ingesting_store_every_message_once_and_send_nothing_twice(
    lanes: list[Lane],
) -> None:
    with ThreadPoolExecutor(LANES) as pool:
        list(pool.map(lambda lane: _kill_while_ingesting(lane, KILLS // LANES), lanes))
    for lane in lanes:
        _drain(lane)

    seed = lanes[0].seed
    total_kills = sum(lane.kills for lane in lanes)
    assert total_kills == KILLS, f"seed {seed}: only {total_kills} kills landed"
    given_up = 0
    for lane in lanes:
        _check_inbound(lane)
        given_up += _check_outbound(lane)
    assert given_up <= total_kills * CONNECTIONS
    given = sum(len(lane.given) for lane in lanes)
    caught = sum((lane.caught for lane in lanes), Counter[str]())
    print(f"seed {seed}: {total_kills} kills over {given} messages, {given_up} given up")
    print(f"the kills caught the passes: {dict(caught)}")


def _check_inbound(lane: Lane) -> None:
    """Every file in the inbox stored once, byte for byte, acknowledged, and read."""
    seed = lane.seed
    rows = _rows(lane.data, "select content_hash, status, error from inbound_messages")
    stored = Counter(str(h) for h, _, _ in rows)
    assert stored == Counter(lane.given.values()), f"seed {seed}: stored {len(rows)}"
    assert {str(s) for _, s, _ in rows} <= {"done", "held"}, f"seed {seed}: {rows}"
    raws = _rows(lane.data, "select content_hash, raw from inbound_messages")
    assert all(hashlib.sha256(bytes(r)).hexdigest() == h for h, r in raws)
    processed = lane.inbox / ".Processed"
    moved = {p.name.split(":", 1)[0] for sub in ("new", "cur") for p in (processed / sub).iterdir()}
    assert moved == set(lane.given), f"seed {seed}: not acknowledged"
    # Each message was read into exactly one answer, however often its reading was cut off.
    answers = _rows(lane.data, "select inbound_id from answers")
    assert sorted(int(str(i)) for (i,) in answers) == sorted(
        int(str(i)) for (i,) in _rows(lane.data, "select id from inbound_messages")
    ), f"seed {seed}"


def _check_outbound(lane: Lane) -> int:
    """Every outgoing mail arrived once, or was given up after a kill; how many were."""
    seed = lane.seed
    # A kill leaves "sending" at most the one message on the wire on each connection.
    assert lane.most_sending_after_a_kill <= CONNECTIONS, f"seed {seed}"
    arrived = Counter(str(m["Message-ID"]) for m in lane.smtp.script.messages())
    assert not [mid for mid, n in arrived.items() if n > 1], f"seed {seed}: sent twice"
    rows = _rows(lane.data, "select dedup_key, status, error, purpose from outbox")
    given_up = 0
    for key, status, error, _purpose in rows:
        if status == "sent":
            assert arrived[str(key)] == 1, f"seed {seed}: {key} marked sent, not received"
        else:
            assert (status, error) == ("failed", _INTERRUPTED), f"seed {seed}: {key}"
            given_up += 1
    echoes = Counter(str(p) for _, _, _, p in rows)
    assert echoes["echo"] <= len(lane.given), f"seed {seed}: more echoes than messages"
    flagged = [k for k, s, _, purpose in rows if s == "failed" and purpose != "delivery-failed"]
    assert len(flagged) <= lane.kills * CONNECTIONS, f"seed {seed}"
    return given_up
