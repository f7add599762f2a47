"""Two and four real `partnerdesk run` processes share one PostgreSQL database.

A backlog of corpus replies in one Maildir, echoes to an aiosmtpd sink, a call whose deadline
passes during the run: every message is stored and read once, every mail arrives once, the
call closes once and its draft goes out once, reminders once. A process killed with SIGKILL
leaves claims that the others take over. Two processes with a bot: only one polls Telegram,
and when it is killed the other takes over.
"""

from __future__ import annotations

import asyncio
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
# Long enough for the services to start and send reminders before it; short enough to pass
# while they read the backlog.
DEADLINE_SECONDS = 14
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
    group = group_file(tmp_path, utc_now() + timedelta(seconds=DEADLINE_SECONDS))
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
