"""Engines for SQLite (the embedded default) and PostgreSQL, and migrating them to head."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed number: concurrent upgrades of one PostgreSQL database wait for each other on it.
_UPGRADE_LOCK = 7_301_955_112
# How long a SQLite writer waits for another one before giving up, in milliseconds.
_SQLITE_BUSY_MS = 30_000
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> URL:
    """The URL with the async driver this package uses (plain sqlite:// and postgresql:// too)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database URL {parsed!r}: use SQLite or PostgreSQL")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def make_engine(url: str) -> AsyncEngine:
    """An async engine; for SQLite the file's folder is made and WAL and foreign keys are on."""
    parsed = async_url(url)
    if parsed.get_backend_name() == "postgresql":
        # pre_ping: a database restart must not surface as an error in the next use case.
        return create_async_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        if not path.parent.exists():
            private_dir(path.parent)
        private_file(path)
    engine = create_async_engine(parsed)
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def sqlite_engine(url: URL) -> Engine:
    """A plain engine on the same SQLite file, set up alike, for work done in one thread hop."""
    engine = create_engine(url.set(drivername="sqlite"), connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def private_dir(path: Path) -> Path:
    """Make the folder (and its parents) and keep it to its owner: it holds partners' mail."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode passes through the umask and leaves an existing folder alone.
    path.chmod(0o700)
    return path


def private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), or make an existing one so.

    SQLite gives its -wal and -shm files the database file's permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            companion.chmod(0o600)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling begins lazily and cannot take the write lock up
    # front; turning it off lets _sqlite_begin say how a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout first: switching to WAL needs a lock another connection may hold.
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    _wal(cursor)
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch the file to WAL; a connection that races another one to do it waits its turn.

    Switching needs the file to itself, and SQLite does not call the busy handler for it when
    another connection is switching at the same moment (two services starting on a new file):
    it says "database is locked" at once. Once switched, the file stays in WAL.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at the start, so a transaction that reads and then writes
    # waits for another writer (busy_timeout) instead of failing with "database is locked".
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code: the scripts ship inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database to the given revision (head by default)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Two services starting at once must not both create the tables.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK}
                )
            await connection.run_sync(_upgrade_on, alembic_config(url), revision)
    finally:
        await engine.dispose()


def _upgrade_on(connection: Connection, config: Config, revision: str) -> None:
    # env.py runs the migrations on this connection, inside the transaction opened above.
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade_blocking(url: str, revision: str = "head") -> None:
    """upgrade() for synchronous callers, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(upgrade(url, revision))
        return
    # A running loop cannot be re-entered; a second thread gets its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, upgrade(url, revision)).result()
