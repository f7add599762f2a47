"""Migrations: the package migrates itself to head, and head matches the tables exactly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import MIGRATIONS, make_engine, upgrade, upgrade_blocking
from storage.tables import Base

pytest_plugins = ["tests.storage_fixtures"]

# The newest revision: every upgrade must end there.
HEAD = str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _scalar(url: str, sql: str) -> object:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(sql))
    finally:
        await engine.dispose()


async def test_head_matches_the_tables_exactly(database_url: str) -> None:
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)
    assert await _scalar(database_url, "SELECT version_num FROM alembic_version") == HEAD


async def test_concurrent_upgrades_wait_for_each_other(database_url: str) -> None:
    await asyncio.gather(upgrade(database_url), upgrade(database_url))
    assert await _scalar(database_url, "SELECT count(*) FROM alembic_version") == 1


async def test_upgrade_blocking_works_inside_a_running_loop(database_url: str) -> None:
    upgrade_blocking(database_url)
    assert await _scalar(database_url, "SELECT version_num FROM alembic_version") == HEAD


def test_upgrade_blocking_works_without_a_loop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'plain.sqlite3'}"
    upgrade_blocking(url)
    assert asyncio.run(_scalar(url, "SELECT version_num FROM alembic_version")) == HEAD


async def test_sqlite_file_gets_its_folder_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.sqlite3"
    url = f"sqlite:///{path}"  # the plain form is accepted and made async
    await upgrade(url)
    assert path.exists()
    assert await _scalar(url, "PRAGMA journal_mode") == "wal"
    assert await _scalar(url, "PRAGMA foreign_keys") == 1


def test_migration_scripts_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    shipped = sorted(p.name for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert shipped[:2] == ["0001_initial.py", "0002_deadline_and_reason.py"]
    assert shipped[-1].startswith(HEAD)
