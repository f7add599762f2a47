"""A backlog worked off by 1, 2 and 4 `partnerdesk run` processes sharing one PostgreSQL.

    python bench/processes.py [--count 2000] [--processes 1,2,4]
                              [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

For each number of processes: a fresh database, the corpus group with its call open (the
deadline weeks ahead), the services started and idle, then `count` corpus replies (each copy
its own message) dropped into the shared Maildir at once. Timed from the drop until every
message is stored and read and every echo has been handed to an aiosmtpd server on
127.0.0.1: messages per second, and the ratio to one process measured in the same run (the
anchor). Each process claims a few messages at a time (FOR UPDATE SKIP LOCKED) and reads them
on its own; fetching from the mailbox is one process at a time (a lease), in batches.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.multiprocess_helpers import (  # noqa: E402  # after the path is set
    admin,
    group_file,
    make_inbox,
    open_call,
    progress,
    service_env,
    start_service,
    stop_services,
    utc_now,
    wait_until,
)
from tests.servers.smtpd import start_smtp  # noqa: E402  # after the path is set


def _drop(staging: Path, inbox: Path) -> None:
    for sub in ("cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for path in sorted((staging / "new").iterdir()):
        os.replace(path, inbox / "new" / path.name)


def measure(processes: int, count: int, postgres: str) -> tuple[float, int]:
    """Seconds from the drop until the backlog is read and echoed; the echoes sent."""
    name = f"partnerdesk_bench_{secrets.token_hex(4)}"
    server = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{server}/{name}"
    admin(postgres, f'CREATE DATABASE "{name}"')
    smtp = start_smtp()
    sink = next(smtp)
    try:
        with tempfile.TemporaryDirectory(prefix="partnerdesk-bench-") as folder:
            base = Path(folder)
            data = base / "var"
            group = group_file(base, utc_now() + timedelta(days=30))
            asyncio.run(open_call(data, group, url))
            make_inbox(base / "staging", count)
            env = service_env(data, group, url, sink.port)
            services = [start_service(env, base / f"service{n}.log") for n in range(processes)]
            try:
                # Started and idle: the call's mails are out.
                wait_until(lambda: progress(url).outbox_waiting == 0, services, 300)
                before = len(sink.script.received)
                start = time.perf_counter()
                _drop(base / "staging", data / "mail" / "inbox")
                # Looked at twice a second: the looking takes a little of the machine too.
                wait_until(lambda: _finished(url, count), services, 3600, every=0.5)
                seconds = time.perf_counter() - start
            finally:
                stop_services(services)
            echoes = len(sink.script.received) - before
    finally:
        smtp.close()
        admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return seconds, echoes


def _finished(url: str, count: int) -> bool:
    now = progress(url)
    return now.inbound >= count and now.unread == 0 and now.outbox_waiting == 0


def main() -> None:
    """Print messages per second per number of processes, and the ratio to one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  messages: {args.count}")
    print(f"{'processes':>9} {'seconds':>8} {'msg/s':>7} {'echoes':>7} {'ratio':>6}")
    anchor: float | None = None
    for processes in (int(p) for p in args.processes.split(",")):
        seconds, echoes = measure(processes, args.count, args.postgres)
        rate = args.count / seconds
        anchor = anchor or rate
        print(f"{processes:9} {seconds:8.1f} {rate:7.1f} {echoes:7} {rate / anchor:6.2f}")


if __name__ == "__main__":
    main()
