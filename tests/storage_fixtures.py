"""Databases for the storage tests: a SQLite file always, PostgreSQL when a URL is given."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.engine import async_url, make_engine, upgrade
from storage.repository import SqlStore
from storage.tables import Base

POSTGRES_ENV = "PARTNERDESK_TEST_POSTGRES_URL"


async def _admin(url: str, statement: str) -> None:
    # CREATE and DROP DATABASE refuse to run inside a transaction.
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session, dropped at the end; skips without a server."""
    given = os.environ.get(POSTGRES_ENV)
    if not given:
        # CI always has PostgreSQL (.ci/run sets the URL): a missing one there is a failure.
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    # A database of our own, so concurrent runs and leftovers never meet.
    name = f"partnerdesk_test_{secrets.token_hex(6)}"
    asyncio.run(_admin(given, f'CREATE DATABASE "{name}"'))
    try:
        yield async_url(given).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(given, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database on each backend."""
    if request.param == "sqlite":
        # A folder that does not exist yet: make_engine must create it.
        return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'db' / 'store.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_empty(url))
    return url


async def _empty(url: str) -> None:
    # The session's PostgreSQL database is shared by the tests; each starts from nothing.
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await engine.dispose()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """A SqlStore on a database migrated to head."""
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield SqlStore(engine)
    finally:
        await engine.dispose()
