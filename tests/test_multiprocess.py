"""Two and four real `partnerdesk run` processes share one PostgreSQL database.

A backlog of corpus replies in one Maildir, echoes to an aiosmtpd sink, a call whose deadline
passes during the run: every message is stored and read once, every mail arrives once, the
call closes once and its draft goes out once, reminders once. A process killed with SIGKILL
leaves claims that the others take over. Two processes with a bot: only one polls Telegram,
and when it is killed the other takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from partnerdesk.usecases.outbox import _INTERRUPTED
from tests.fakes.botapi import FakeBotApi
from tests.multiprocess_helpers import (
    admin,
    group_file,
    make_inbox,
    open_call,
    progress,
    rows,
    service_env,
    start_service,
    stop_services,
    utc_now,
    wait_until,
)
from tests.servers.smtpd import RunningSmtp, start_smtp

pytest_plugins = ["tests.storage_fixtures"]

BACKLOG = 160
# The call's deadline is moved to this soon after the backlog arrives, so it passes while the
# services read it; until then it is hours away, and the day-before reminder is due.
DEADLINE_SECONDS = 4
# A dead process's claims are taken over this soon (the service waits minutes).
TIMEOUTS = {"PARTNERDESK_READING_TIMEOUT_SECONDS": "2", "PARTNERDESK_SENDING_TIMEOUT_SECONDS": "2"}


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own."""
    name = f"partnerdesk_multi_{secrets.token_hex(5)}"
    admin(postgres_url, f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sink() -> Iterator[RunningSmtp]:
    """An aiosmtpd server that takes every mail."""
    server = start_smtp()
    try:
        yield next(server)
    finally:
        server.close()


@dataclass
class Run:
    """What a run of several services left behind."""

    url: str
    kills: int
    claimed_when_killed: list[int]


def _drop_backlog(inbox: Path, staging: Path) -> None:
    """Move the prepared replies into the inbox at once, as a mail server delivers them."""
    for sub in ("cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for path in sorted((staging / "new").iterdir()):
        os.replace(path, inbox / "new" / path.name)


def _work_off(tmp_path: Path, url: str, sink: RunningSmtp, processes: int, *, kill: bool) -> Run:
    """Open a call, start the services, give them the backlog; with kill, one of them dies
    (SIGKILL) right after claiming its first messages, before reading them."""
    data = tmp_path / "var"
    group = group_file(tmp_path, utc_now() + timedelta(hours=2))
    asyncio.run(open_call(data, group, url))
    make_inbox(tmp_path / "staging", BACKLOG)
    env = service_env(data, group, url, sink.port, **TIMEOUTS)
    doomed = {**env, "PARTNERDESK_FAULT_POINT": "after_claim"} if kill else env
    services = [start_service(doomed, tmp_path / "service0.log")]
    services += [start_service(env, tmp_path / f"service{n}.log") for n in range(1, processes)]
    claimed: list[int] = []
    try:
        # Reminders go to partners that have not answered: before the backlog, that is all.
        wait_until(lambda: bool(_reminder_rows(url)), services, 60)
        _drop_backlog(data / "mail" / "inbox", tmp_path / "staging")
        # The secretariat moves the deadline: it passes while the backlog is read.
        asyncio.run(open_call(data, group, url, timedelta(seconds=DEADLINE_SECONDS)))
        if kill:
            wait_until(lambda: services[0].poll() is not None, services, 60)
            assert services[0].returncode == -signal.SIGKILL
            claimed = [
                int(i)
                for (i,) in rows(
                    url,
                    "select id from inbound_messages"
                    " where claimed_at is not null and status in ('new', 'failed')",
                )
            ]
        wait_until(lambda: progress(url).done(BACKLOG), services, 90)
    finally:
        stop_services(services)
    return Run(url, int(kill), claimed)


def _reminder_rows(url: str) -> list[tuple[object, ...]]:
    return rows(url, "select id from outbox where purpose like 'reminder%'")


def _assert_everything_once(run: Run, sink: RunningSmtp, tmp_path: Path) -> None:
    url = run.url
    # Every message stored once and read once: one answer per message, none left unread.
    inbound = rows(url, "select id, status from inbound_messages")
    assert len(inbound) == BACKLOG
    assert {s for _, s in inbound} <= {"done", "held"}
    answered = Counter(int(i) for (i,) in rows(url, "select inbound_id from answers"))
    assert sorted(answered) == sorted(int(i) for i, _ in inbound)
    assert set(answered.values()) == {1}
    assert not list((tmp_path / "var" / "mail" / "inbox" / "new").iterdir())
    # Every mail arrived once: what is marked sent arrived, nothing arrived twice.
    arrived = Counter(str(m["Message-ID"]) for m in sink.script.messages())
    assert [mid for mid, n in arrived.items() if n > 1] == []
    outbox = rows(url, "select dedup_key, purpose, status, error from outbox")
    given_up = [(k, p) for k, p, s, e in outbox if s == "failed" and e == _INTERRUPTED]
    # A kill may cut off the one mail on the wire; it is given up as "may have arrived".
    assert len(given_up) <= run.kills
    for key, purpose, status, _ in outbox:
        if (key, purpose) in given_up:
            continue
        assert status == "sent", (key, purpose, status)
        assert arrived[str(key)] == 1, (key, purpose)
    purposes = Counter(p for _, p, _, _ in outbox)
    assert purposes["echo"] > BACKLOG // 2
    assert sum(n for p, n in purposes.items() if p.startswith("reminder")) > 0
    # The call closed once, at the deadline, and its draft went to the chairs once.
    closed = rows(url, "select actor from audit_log where action = 'call.closed'")
    assert closed == [("scheduler",)]
    chairs = [k for k, p, _, _ in outbox if p == "draft"]
    assert len(chairs) == len(set(chairs)) == 2


def test_two_processes_read_each_message_once_and_send_each_mail_once(
    tmp_path: Path, database: str, sink: RunningSmtp
) -> None:
    run = _work_off(tmp_path, database, sink, 2, kill=False)
    _assert_everything_once(run, sink, tmp_path)


def test_four_processes_take_over_what_a_killed_one_had_claimed(
    tmp_path: Path, database: str, sink: RunningSmtp
) -> None:
    run = _work_off(tmp_path, database, sink, 4, kill=True)
    _assert_everything_once(run, sink, tmp_path)
    # What was claimed when the process died (its claims among them) was read in the end.
    done = {
        int(i)
        for (i,) in rows(
            database, "select id from inbound_messages where status in ('done', 'held')"
        )
    }
    assert run.claimed_when_killed and set(run.claimed_when_killed) <= done


def _socket_owners(ports: set[int], pids: list[int]) -> dict[int, int]:
    """Which of the processes has a TCP socket bound to each local port (Linux /proc)."""
    inode_port: dict[str, int] = {}
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if port in ports:
                inode_port[fields[9]] = port
    owners: dict[int, int] = {}
    for pid in pids:
        folder = Path(f"/proc/{pid}/fd")
        if not folder.exists():
            continue  # a process that was killed has no sockets left
        for fd in folder.iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inode_port:
                    owners[inode_port[link[8:-1]]] = pid
    return owners


def _pollers(botapi: FakeBotApi, since: int, pids: list[int]) -> set[int]:
    """The processes whose connections asked for updates since the since-th request."""
    with botapi.state.lock:
        ports = set(botapi.state.polls[since:])
    return set(_socket_owners(ports, pids).values())


def _polls(botapi: FakeBotApi) -> int:
    with botapi.state.lock:
        return len(botapi.state.polls)


@pytest.fixture(params=["postgresql", "sqlite"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A PostgreSQL database of the test's own, or a SQLite file (leases on file locks)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'partnerdesk.sqlite3'}"
    url: str = request.getfixturevalue("database")
    return url


def test_one_process_polls_telegram_and_another_takes_over_when_it_dies(
    tmp_path: Path, any_database: str
) -> None:
    group = group_file(tmp_path, utc_now() + timedelta(days=30))
    with FakeBotApi() as botapi:
        env = {
            **os.environ,
            "PARTNERDESK_DATA_DIR": str(tmp_path / "var"),
            "PARTNERDESK_GROUPS": str(group),
            "PARTNERDESK_DATABASE_URL": any_database,
            "PARTNERDESK_TELEGRAM_TOKEN": "123:TEST",
            "PARTNERDESK_TELEGRAM_BASE_URL": botapi.base_url,
            "PARTNERDESK_TELEGRAM_PER_CHAT_SECONDS": "0",
            "PARTNERDESK_POLL_SECONDS": "0.5",
            "PARTNERDESK_LEASE_RETRY_SECONDS": "0.3",
        }
        services = [start_service(env, tmp_path / f"service{n}.log") for n in range(2)]
        pids = [s.pid for s in services]
        try:
            # Both services are up (each has said who it is), then a run of polls.
            wait_until(lambda: _polls(botapi) >= 1, services, 60)
            first = _polls(botapi)
            wait_until(lambda: _polls(botapi) >= first + 8, services, 60)
            pollers = _pollers(botapi, 0, pids)
            assert len(pollers) == 1
            [poller] = pollers
            victim = next(s for s in services if s.pid == poller)
            survivor = next(s for s in services if s.pid != poller)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            before = _polls(botapi)
            botapi.state.user_writes(5151, "someone", "/help")
            wait_until(lambda: bool(botapi.state.texts_to(5151)), [survivor], 60)
            wait_until(lambda: _polls(botapi) >= before + 3, [survivor], 60)
            assert _pollers(botapi, before, pids) == {survivor.pid}
        finally:
            stop_services(services)
