"""The data folder holds partners' mail: it and the database are the owner's alone."""

from __future__ import annotations

import stat
from pathlib import Path

from partnerdesk.app import build_app, close_app
from partnerdesk.settings import Settings
from storage.engine import make_engine
from tests.conftest import CORPUS_GROUP


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_data_folder_is_0700_and_the_database_0600(tmp_path: Path) -> None:
    data = tmp_path / "var"
    app = await build_app(Settings(data_dir=data, groups=[CORPUS_GROUP]))
    await close_app(app)
    assert _mode(data) == 0o700
    database = data / "partnerdesk.sqlite3"
    assert _mode(database) == 0o600
    for companion in data.glob("partnerdesk.sqlite3-*"):
        assert _mode(companion) == 0o600, companion


async def test_an_existing_open_data_folder_and_database_are_closed_up(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    database = data / "partnerdesk.sqlite3"
    database.touch()
    database.chmod(0o644)
    app = await build_app(Settings(data_dir=data, groups=[CORPUS_GROUP]))
    await close_app(app)
    assert (_mode(data), _mode(database)) == (0o700, 0o600)


async def test_a_database_folder_made_for_sqlite_is_private(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}")
    await engine.dispose()
    assert _mode(tmp_path / "new") == 0o700
    assert _mode(tmp_path / "new" / "db.sqlite3") == 0o600
