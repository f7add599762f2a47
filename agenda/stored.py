"""Tables built from the package's data files, kept between runs beside those files.

Parsing TOML (the reading vocabulary, the command line's words) and filing every phrase costs
a short command (`partnerdesk parse`) more than reading the message. The tables are plain
data, so they are kept in marshal's format in `__pycache__/`, as Python keeps a module's
bytecode there, and used while the files they come from (the code that builds them among
them) read the same. Where the folder cannot be written, the tables are built at every start
instead; a damaged copy is built again. Only the package's own files are kept so, never a
group file or anything a person sends.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tomllib
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["stored", "stored_toml"]

# Increased when the tables change shape without their sources changing.
_FORMAT = 1


def _key(sources: Sequence[Path]) -> tuple[Any, ...]:
    """What the tables were built from: each file's name, size and checksum.

    By content, not by time of change: an edit within the clock's tick is seen too.
    """
    files = []
    for source in sources:
        data = source.read_bytes()
        files.append((source.name, len(data), zlib.crc32(data)))
    return (_FORMAT, marshal.version, tuple(files))


def _load(path: Path) -> object:
    try:
        # Written by this module beside the package's code and trusted as its bytecode is.
        return marshal.loads(path.read_bytes())  # noqa: S302
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or damaged
        return None


def _save(path: Path, data: bytes) -> None:
    """Write the copy whole or not at all; another process may be writing it too."""
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(exist_ok=True)
        part.write_bytes(data)
        os.replace(part, path)
    except OSError:  # a read-only installation: build at every start
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)


def stored(
    sources: Sequence[Path], path: Path, build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The tables kept at `path` if built from these very sources, else built and kept."""
    key = _key(sources)
    found = _load(path)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == key:
        tables: dict[str, Any] = found[1]
        return tables
    tables = build()
    _save(path, marshal.dumps((key, tables)))
    return tables


def stored_toml(path: Path) -> dict[str, Any]:
    """A data file of the package parsed, kept as `stored` keeps tables."""
    kept = path.parent / "__pycache__" / f"{path.stem}.marshal"
    return stored([path], kept, lambda: tomllib.loads(path.read_text(encoding="utf-8")))
