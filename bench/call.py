"""A call to a municipality's volume of contacts, beside plain aiosmtplib, in one run.

    python bench/call.py [--contacts 1000,5000] [--databases sqlite,postgresql] [--repeat N]
                         [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--profile]

Ours: `open_call` (the use case, in this process) on a generated group of N contacts (the
corpus group plus partners of ten contacts each), then the service's own passes
(`until_idle`) until an aiosmtpd sink on loopback has accepted every call mail. The anchor,
in the same run and process: plain aiosmtplib handing over the very same messages (the bytes
the sink received from us, so nothing is rendered or composed) over one connection, one
`sendmail` each. The sink runs in a process of its own, so it takes no time from either.
With --profile, ours runs under cProfile and the functions that took the most time are
printed (the sink and the database's threads are not in it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import pstats
import re
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"
MEETING = "2026-2"


class Sink:
    """An aiosmtpd server in a process of its own, so it takes no time from ours or plain.

    `done` is set when it has accepted the number of messages last expected.
    """

    def __init__(self) -> None:
        self.port = _free_port()
        self.done = multiprocessing.Event()
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(
            target=_serve, args=(self.port, self.done, child), daemon=True
        )
        self._process.start()
        assert self._pipe.recv() == "ready"

    def expect(self, count: int) -> None:
        """Forget what was accepted; count anew."""
        self._pipe.send(("expect", count))
        assert self._pipe.recv() == "ok"

    def received(self) -> list[tuple[str, list[str], bytes]]:
        """Sender, recipients and bytes of every message accepted since expect()."""
        self._pipe.send(("received", 0))
        found: list[tuple[str, list[str], bytes]] = self._pipe.recv()
        return found

    def stop(self) -> None:
        """End the server's process."""
        self._pipe.send(("stop", 0))
        self._process.join(timeout=10)


def _free_port() -> int:
    from tests.servers.certs import free_port

    return free_port()


def _serve(port: int, done: Any, pipe: Any) -> None:
    from aiosmtpd.controller import Controller

    handler = _Handler(done)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        command, value = pipe.recv()
        if command == "expect":
            handler.expected, handler.messages = value, []
            done.clear()
            pipe.send("ok")
        elif command == "received":
            pipe.send(handler.messages)
        else:
            controller.stop()
            return


class _Handler:
    def __init__(self, done: Any) -> None:
        self.done = done
        self.expected = 0
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Accept and keep the message."""
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or b"")
        )
        if len(self.messages) >= self.expected:
            self.done.set()
        return "250 Message accepted"


def make_group(folder: Path, contacts: int) -> Path:
    """The corpus group with partners added up to this many contacts, its meeting ahead."""
    text = (CORPUS / "group.toml").read_text(encoding="utf-8")
    # Dates from today, so the call can be opened whenever the benchmark runs.
    starts = datetime.now(UTC) + timedelta(days=60)
    deadline = starts - timedelta(days=14)
    text = re.sub(r"starts_at = \S+", f"starts_at = {starts:%Y-%m-%dT%H:%M:%S}Z", text, count=1)
    text = re.sub(
        r"call_deadline = \S+", f"call_deadline = {deadline:%Y-%m-%dT%H:%M:%S}Z", text, count=1
    )
    have = text.count("email = ") - 1  # the secretariat's address is no contact
    blocks = []
    partner = 0
    while have < contacts:
        partner += 1
        size = min(10, contacts - have)
        people = ",\n".join(
            f'  {{ name = "Kontakt {partner}-{n}", email = "k{n}@partner{partner}.example.org",'
            ' role = "member" }'
            for n in range(size)
        )
        blocks.append(
            f'\n[[partners]]\nslug = "partner-{partner}"\nname = "Partner {partner} A/S"\n'
            f"contacts = [\n{people},\n]\n"
        )
        have += size
    path = folder / "group.toml"
    path.write_text(text + "".join(blocks), encoding="utf-8")
    return path


async def ours(
    url: str, data: Path, group_file: Path, port: int, sink: Sink
) -> tuple[float, float]:
    """Seconds from opening the call until the sink has every call mail; and CPU seconds."""
    from partnerdesk.app import build_app, close_app
    from partnerdesk.service import until_idle
    from partnerdesk.settings import Settings
    from partnerdesk.usecases.calls import open_call

    settings = Settings(
        data_dir=data,
        database_url=url,
        groups=[group_file],
        smtp_url=f"smtp://127.0.0.1:{port}",
    )
    app = await build_app(settings)
    try:
        group = app.group()
        meeting = app.meeting(group, MEETING)
        start, cpu = time.perf_counter(), time.process_time()
        opened = await open_call(app, group, meeting)
        sink.expect(opened.mails_queued)
        queued = time.perf_counter()
        while not sink.done.is_set():
            report = await until_idle(app)
            if not report.sent and not sink.done.is_set():
                raise AssertionError(f"the outbox stopped short: {report}")
        end = time.perf_counter()
        print(f"  ours: queued {opened.mails_queued} in {queued - start:.2f} s", file=sys.stderr)
        return end - start, time.process_time() - cpu
    finally:
        await close_app(app)


async def plain(
    port: int, messages: list[tuple[str, list[str], bytes]], sink: Sink
) -> tuple[float, float]:
    """Seconds for plain aiosmtplib to hand the same messages over one connection; CPU too."""
    import aiosmtplib

    sink.expect(len(messages))
    start, cpu = time.perf_counter(), time.process_time()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await client.connect()
    for sender, recipients, data in messages:
        await client.sendmail(sender, recipients, data)
    await client.quit()
    assert sink.done.is_set()
    return time.perf_counter() - start, time.process_time() - cpu


async def _admin(url: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    db = await asyncpg.connect(url)
    try:
        await db.execute(statement)
    finally:
        await db.close()


Seconds = tuple[float, float]


def measure(database: str, contacts: int, postgres: str, profile: bool) -> tuple[Seconds, Seconds]:
    """(ours, plain), each (wall, CPU) seconds, for one call to this many contacts."""
    sink = Sink()
    port = sink.port
    try:
        with tempfile.TemporaryDirectory(prefix="partnerdesk-bench-") as folder:
            data = Path(folder) / "var"
            group_file = make_group(Path(folder), contacts)
            name = f"partnerdesk_bench_{secrets.token_hex(4)}"
            if database == "sqlite":
                url = f"sqlite+aiosqlite:///{data / 'partnerdesk.sqlite3'}"
            else:
                asyncio.run(_admin(postgres, f'CREATE DATABASE "{name}"'))
                base = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
                url = f"{base}/{name}"
            profiler = cProfile.Profile() if profile else None
            try:
                if profiler is not None:
                    profiler.enable()
                mine = asyncio.run(ours(url, data, group_file, port, sink))
                if profiler is not None:
                    profiler.disable()
            finally:
                if database != "sqlite":
                    asyncio.run(_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            messages = sink.received()
            anchor = asyncio.run(plain(port, messages, sink))
            if profiler is not None:
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    finally:
        sink.stop()
    return mine, anchor


def main() -> None:
    """Print seconds until every call mail is accepted, ours beside plain aiosmtplib."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", default="1000,5000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--profile", action="store_true", help="profile ours (slows it down)")
    args = parser.parse_args()
    # CPU seconds are this process's (threads included): less moved by a loaded machine.
    print(
        f"{'database':10} {'contacts':>8} {'ours s':>8} {'plain s':>8} {'ratio':>6}"
        f" {'ours cpu':>9} {'plain cpu':>9} {'ratio':>6}"
    )
    for database in args.databases.split(","):
        for contacts in (int(c) for c in args.contacts.split(",")):
            runs = [
                measure(database, contacts, args.postgres, args.profile) for _ in range(args.repeat)
            ]
            # The fastest of each: on a shared machine, the runs least disturbed by others.
            mine = min(r[0][0] for r in runs)
            anchor = min(r[1][0] for r in runs)
            mine_cpu = min(r[0][1] for r in runs)
            anchor_cpu = min(r[1][1] for r in runs)
            print(
                f"{database:10} {contacts:8} {mine:8.2f} {anchor:8.2f} {mine / anchor:6.2f}"
                f" {mine_cpu:9.2f} {anchor_cpu:9.2f} {mine_cpu / anchor_cpu:6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
