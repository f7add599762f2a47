"""`call status`, `call review` and `call history` on a call with many answers, beside an empty one.

    python bench/status.py [--answers 10000] [--databases sqlite,postgresql]
                           [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

A call of the corpus group gets N answers (bulk-inserted: varied partners, channels, one to
three proposals or an initiative update each; one in ten held or for review, each with its
raw message), and a reminder to every contact. Then, each in a process of its own:
the use case in process (time, and peak memory of the Python heap by tracemalloc) and the
command as a person types it (wall time and maximum resident set of the process). The anchor,
in the same run: the same on a call with no answers. The use case and the command ask for
what the command shows: the status table, the first 200 answers to review, the first 200
of the history.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
GROUP = REPO.parent / "shared" / "corpus" / "group.toml"
MEETING = "2026-2"
SCRIPT = Path(sys.executable).with_name("partnerdesk")
COMMANDS = ("status", "review", "history")


def _reading(n: int, partner: str) -> dict[str, object]:
    """A varied reading: proposals with every field, or an update, or nothing to add."""
    text = f"Forslag {n} fra {partner}. " * 12
    proposals = [
        {
            "title": f"Punkt {n}.{k}: lærepladser og opkvalificering",
            "background": text,
            "recommendation": "Det indstilles, at koordinationsgruppen drøfter sagen.",
            "description": text * 2,
            "sdgs": [4, 8],
            "attachments": [],
        }
        for k in range(n % 4)
    ]
    updates = (
        [{"initiative": "I-1", "status": text, "owner": None, "next_steps": None}]
        if n % 4 == 0
        else []
    )
    return {
        "kind": "reply",
        "partner": partner,
        "nothing_to_add": n % 7 == 0 and not proposals,
        "proposals": proposals,
        "updates": updates,
        "new_text": text * 3,
        "confidence": 0.9,
        "notes": [],
    }


async def build(url: str, data: Path, answers: int) -> None:
    """The database: the group, its open call, N answers, a reminder to every contact."""
    from sqlalchemy import insert

    from agenda.groupfile import load_group
    from agenda.reading import Channel
    from agenda.records import (
        AnswerStatus,
        Call,
        InboundMessage,
        OutboxEntry,
        OutboxStatus,
        OutgoingMail,
    )
    from agenda.workflow import CallState
    from partnerdesk.app import build_app, close_app
    from partnerdesk.settings import Settings
    from storage.tables import AnswerRow

    app = await build_app(Settings(data_dir=data, database_url=url, groups=[GROUP]))
    try:
        group = load_group(GROUP)
        start = datetime(2026, 11, 1, 9, tzinfo=UTC)
        await app.store.save_call(Call(group.slug, MEETING, CallState.OPEN, opened_at=start))
        contacts = [(p.slug, c.email) for p in group.partners for c in p.contacts]
        for _, email in contacts:
            mail = OutgoingMail(
                message_id=f"<reminder-{email}>",
                sender=group.reply_address,
                recipients=(email,),
                subject="Påmindelse",
                text="Husk fristen. " * 100,
            )
            await app.store.enqueue(
                OutboxEntry(
                    group=group.slug,
                    meeting=MEETING,
                    purpose="reminder5",
                    channel=Channel.EMAIL,
                    recipient=email,
                    mail=mail,
                    created_at=start + timedelta(days=5),
                    status=OutboxStatus.SENT,
                )
            )
        review = [n for n in range(answers) if n % 10 == 3]
        raws = [
            InboundMessage(
                channel=Channel.EMAIL,
                source_key=f"bench-{n}",
                raw=(
                    f"From: x{n}@example.org\nSubject: Svar {n}\nMessage-ID: <b{n}@example.org>"
                    f"\n\nVi foreslår et punkt om lærepladser. {n}\n"
                ).encode(),
                received_at=start + timedelta(minutes=n),
                message_id=f"<b{n}@example.org>",
                sender=f"x{n}@example.org",
            )
            for n in review
        ]
        ids: list[int | None] = []
        for first in range(0, len(raws), 500):
            ids += await app.store.store_inbound_batch(raws[first : first + 500])
        inbound = dict(zip(review, ids, strict=True))
        rows = []
        for n in range(answers):
            partner, email = contacts[n % len(contacts)]
            status = (
                (AnswerStatus.HELD if n % 20 == 3 else AnswerStatus.REVIEW)
                if n in inbound
                else (AnswerStatus.ACCEPTED if n % 3 else AnswerStatus.SUPERSEDED)
            )
            rows.append(
                {
                    "group_slug": group.slug,
                    "meeting": MEETING,
                    "partner": None if status is AnswerStatus.HELD else partner,
                    "channel": "telegram" if n % 5 == 0 else "email",
                    "sender": email,
                    "received_at": start + timedelta(minutes=n),
                    "reading": _reading(n, partner),
                    "status": status.value,
                    "reason": None,
                    "inbound_id": inbound.get(n),
                }
            )
        async with app.store.engine.begin() as connection:  # type: ignore[attr-defined]
            for first in range(0, len(rows), 1000):
                await connection.execute(insert(AnswerRow), rows[first : first + 1000])
    finally:
        await close_app(app)


async def _use_case(url: str, data: Path, command: str) -> int:
    from partnerdesk.app import build_app, close_app
    from partnerdesk.settings import Settings
    from partnerdesk.usecases import answers, calls

    app = await build_app(Settings(data_dir=data, database_url=url, groups=[GROUP]))
    try:
        group = app.group()
        meeting = app.meeting(group, MEETING)
        if command == "status":
            return len(await calls.call_status(app, group, meeting))
        # What the command itself asks for; a checkout from before the pages asks for all.
        if command == "review":
            if hasattr(answers, "review_page"):
                return len((await answers.review_page(app, group, meeting, limit=200)).views)
            return len(await answers.review_list(app, group, meeting))
        if hasattr(app.store, "answer_page"):
            return len((await app.store.answer_page(group.slug, MEETING, limit=200)).answers)
        return len(await app.store.answers(group.slug, MEETING))
    finally:
        await close_app(app)


def measure_use_case(url: str, data: Path, command: str) -> None:
    """In this process: the use case's time and the Python heap's peak, as JSON on stdout."""
    import tracemalloc

    # Building the app (migrations, group sync) is the same for any call; it is not measured.
    asyncio.run(_use_case(url, data, "history"))
    tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    asyncio.run(_use_case(url, data, command))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": peak}))


def _child(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and maximum resident set (bytes) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{command} failed ({status})")
    return time.perf_counter() - start, usage.ru_maxrss * 1024


def run(url: str, data: Path, label: str) -> dict[str, tuple[float, int, float, int]]:
    """Each command's use case and CLI figures for the database at url."""
    env = {
        **os.environ,
        "PARTNERDESK_DATA_DIR": str(data),
        "PARTNERDESK_DATABASE_URL": url,
        "PARTNERDESK_GROUPS": str(GROUP),
        # The code of this tree, also when the bench runs from another checkout.
        "PYTHONPATH": str(REPO),
    }
    figures = {}
    for command in COMMANDS:
        out = subprocess.run(
            [sys.executable, __file__, "--use-case", command, "--url", url, "--data", str(data)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        inside = json.loads(out.strip().splitlines()[-1])
        wall, rss = _child([str(SCRIPT), "call", command, "--meeting", MEETING], env)
        figures[command] = (inside["seconds"], inside["peak"], wall, rss)
        print(
            f"  {label:26} call {command:8} use case {inside['seconds'] * 1000:6.0f} ms"
            f" (CPU {inside['cpu'] * 1000:5.0f}) {inside['peak'] / 1e6:6.1f} MB heap"
            f"   CLI {wall * 1000:6.0f} ms"
            f" {rss / 1e6:6.0f} MB RSS",
            flush=True,
        )
    return figures


async def _admin(url: str, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.engine import async_url

    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def main() -> None:
    """Build each database, measure the empty call and the full one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--use-case", choices=COMMANDS)
    parser.add_argument("--url")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--build", type=int, metavar="ANSWERS")
    args = parser.parse_args()
    if args.use_case:
        measure_use_case(args.url, args.data, args.use_case)
        return
    if args.build is not None:
        asyncio.run(build(args.url, args.data, args.build))
        return
    from storage.engine import async_url

    for backend in args.databases.split(","):
        for count in (0, args.answers):
            with tempfile.TemporaryDirectory(prefix="partnerdesk-status-") as folder:
                data = Path(folder) / "var"
                name = ""
                if backend == "sqlite":
                    url = f"sqlite+aiosqlite:///{data / 'partnerdesk.sqlite3'}"
                else:
                    name = f"partnerdesk_bench_{secrets.token_hex(4)}"
                    asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{name}"'))
                    url = async_url(args.postgres).set(database=name).render_as_string(False)
                try:
                    # Built in a process of its own: a child starts with its parent's peak
                    # resident set, so this one must stay small for the CLI's figure to hold.
                    builder = [sys.executable, __file__, "--build", str(count), "--url", url]
                    subprocess.run([*builder, "--data", str(data)], check=True)
                    run(url, data, f"{backend}, {count} answers")
                finally:
                    if name:
                        asyncio.run(_admin(args.postgres, f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
