"""Ingest of a backlog of partner replies from a Maildir, beside the floor, in one run.

    python bench/ingest.py [--counts 1000,10000] [--databases sqlite,postgresql] [--repeat N]
                           [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Ours: `partnerdesk.usecases.ingest.fetch_mail` pass after pass until the inbox is empty, on an
app built by `build_app` (the service's own wiring): every message read, its headers parsed,
stored in the database and committed, then moved into Processed.
The floor: the least any program must do for the same: read the file, parse its headers,
INSERT and COMMIT it (plain sqlite3 or asyncpg, no ORM), rename it into Processed.
The replies are the corpus's (replies*/*.eml), each copy made unique (its own Message-ID and
line), so none is a duplicate. Each measurement runs in a process of its own, which reports
its peak memory (maximum resident set size).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"


def make_inbox(folder: Path, count: int) -> None:
    """count varied replies in folder's new/, each unique."""
    replies = sorted(p.read_bytes() for p in CORPUS.glob("replies*/*.eml"))
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        raw = replies[n % len(replies)]
        head, sep, body = raw.partition(b"\n\n")
        if not sep:
            head, sep, body = raw.partition(b"\r\n\r\n")
        unique = b"X-Bench-Copy: %d\nMessage-ID: <bench-%d@example.org>\n" % (n, n)
        (folder / "new" / f"{1_700_000_000 + n}.M{n}P1.bench").write_bytes(
            unique + head + sep + body + b"\n-- %d\n" % n
        )


async def ours(url: str, data: Path, group: Path) -> int:
    """fetch_mail until the inbox is empty; the number of messages stored."""
    from partnerdesk.app import build_app, close_app
    from partnerdesk.settings import Settings
    from partnerdesk.usecases.ingest import fetch_mail

    app = await build_app(Settings(data_dir=data, database_url=url, groups=[group]))
    stored = 0
    try:
        start = time.perf_counter()
        while True:
            fetched, new = await fetch_mail(app)
            stored += new
            if not fetched:
                break
        _report(stored, time.perf_counter() - start)
    finally:
        await close_app(app)
    return stored


_HEADERS = BytesHeaderParser(policy=compat32)
_INSERT = (
    "INSERT INTO inbound_messages (channel, source_key, message_id, content_hash, sender, raw,"
    " status, attempts, error, received_at) VALUES ({})"
)


def _files(inbox: Path) -> list[Path]:
    return sorted((inbox / "new").iterdir())


def _row(path: Path) -> tuple[str, str, str | None, str, None, bytes, str, int, None]:
    raw = path.read_bytes()
    # The header block only, as ingest does: the parser would read the body too.
    ends = [n for n in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if n >= 0]
    message_id = _HEADERS.parsebytes(raw[: min(ends) + 1] if ends else raw).get("Message-ID")
    digest = hashlib.sha256(raw).hexdigest()
    return ("email", f"maildir:{path.name}", message_id, digest, None, raw, "new", 0, None)


def floor_sqlite(file: Path, inbox: Path) -> int:
    """Read, parse, INSERT and COMMIT, rename: one message at a time, plain sqlite3."""
    import sqlite3

    db = sqlite3.connect(file, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    done = inbox / ".Processed" / "new"
    done.mkdir(parents=True, exist_ok=True)
    insert = _INSERT.format(", ".join("?" * 10))
    start = time.perf_counter()
    count = 0
    for path in _files(inbox):
        db.execute("BEGIN IMMEDIATE")
        db.execute(insert, (*_row(path), datetime.now(UTC).isoformat()))
        db.execute("COMMIT")
        os.replace(path, done / path.name)
        count += 1
    _report(count, time.perf_counter() - start)
    db.close()
    return count


async def floor_postgres(url: str, inbox: Path) -> int:
    """Read, parse, INSERT and COMMIT, rename: one message at a time, plain asyncpg."""
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    done = inbox / ".Processed" / "new"
    done.mkdir(parents=True, exist_ok=True)
    insert = _INSERT.format(", ".join(f"${n}" for n in range(1, 11)))
    start = time.perf_counter()
    count = 0
    for path in _files(inbox):
        await db.execute(insert, *_row(path), datetime.now(UTC))  # autocommit: one commit each
        os.replace(path, done / path.name)
        count += 1
    _report(count, time.perf_counter() - start)
    await db.close()
    return count


def _report(count: int, seconds: float) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"count": count, "seconds": seconds, "peak_mb": peak}))


def _child(args: argparse.Namespace) -> None:
    """One measurement in this process (the parent starts it)."""
    data = Path(args.data)
    inbox = data / "mail" / "inbox"
    if args.kind == "ours":
        asyncio.run(ours(args.url, data, CORPUS / "group.toml"))
    elif args.url.startswith("sqlite"):
        from storage.engine import upgrade_blocking

        upgrade_blocking(args.url)
        floor_sqlite(Path(args.url.split(":///", 1)[1]), inbox)
    else:
        from storage.engine import upgrade_blocking

        upgrade_blocking(args.url)
        asyncio.run(floor_postgres(args.url, inbox))


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await db.execute(statement)
    finally:
        await db.close()


def _measure(kind: str, database: str, count: int, postgres: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="partnerdesk-bench-") as folder:
        data = Path(folder) / "var"
        make_inbox(data / "mail" / "inbox", count)
        name = f"partnerdesk_bench_{secrets.token_hex(4)}"
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{data / 'partnerdesk.sqlite3'}"
        else:
            asyncio.run(_admin(postgres, f'CREATE DATABASE "{name}"'))
            url = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            url = f"{url}/{name}"
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--url", url, "--data", str(data)],
                check=True,
                capture_output=True,
                text=True,
            )
        finally:
            if database != "sqlite":
                asyncio.run(_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["count"] == count, result
    return result


def main() -> None:
    """Print messages per second, ours beside the floor, per database and backlog."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", default="1000,10000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--child", choices=["ours", "floor"])
    parser.add_argument("--url")
    parser.add_argument("--data")
    args = parser.parse_args()
    if args.child:
        args.kind = args.child
        _child(args)
        return
    counts = [int(c) for c in args.counts.split(",")]
    print(
        f"{'database':10} {'messages':>8} {'ours/s':>8} {'floor/s':>8} {'ratio':>6}"
        f" {'ms/msg':>7} {'peak MB':>8} {'floor MB':>8}"
    )
    for database in args.databases.split(","):
        per_message: dict[int, float] = {}
        floor_per_message: dict[int, float] = {}
        for count in counts:
            # The fastest of the runs: on a shared machine, the one least disturbed by others.
            mine = min(
                (_measure("ours", database, count, args.postgres) for _ in range(args.repeat)),
                key=lambda r: r["seconds"],
            )
            floor = min(
                (_measure("floor", database, count, args.postgres) for _ in range(args.repeat)),
                key=lambda r: r["seconds"],
            )
            rate, floor_rate = count / mine["seconds"], count / floor["seconds"]
            per_message[count] = mine["seconds"] / count
            floor_per_message[count] = floor["seconds"] / count
            print(
                f"{database:10} {count:8} {rate:8.0f} {floor_rate:8.0f} {rate / floor_rate:6.2f}"
                f" {per_message[count] * 1000:7.2f} {mine['peak_mb']:8.0f} {floor['peak_mb']:8.0f}"
            )
        if len(counts) > 1:
            first, last = counts[0], counts[-1]
            # The floor's own ratio shows how much of a change is the machine's, not ours.
            print(
                f"{database:10} cost per message at {last} vs {first}:"
                f" {per_message[last] / per_message[first]:.2f}"
                f" (the floor's: {floor_per_message[last] / floor_per_message[first]:.2f})"
            )


if __name__ == "__main__":
    main()
