"""The command line's own short lines, from templates/<language>/cli.toml."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from agenda.model import Group


@cache
def _catalog(language: str) -> dict[str, Any]:
    text = resources.files("templates").joinpath(f"{language}/cli.toml").read_text("utf-8")
    return tomllib.loads(text)


def say(group: Group, key: str, **values: object) -> str:
    """One line in the group's language."""
    return str(_catalog(group.language.value)[key]).format(**values)


def words(group: Group, key: str) -> list[str]:
    """A list of words (such as table headers) in the group's language."""
    return [str(w) for w in _catalog(group.language.value)[key]]


def pick(group: Group, key: str, which: str) -> str:
    """One entry of a table of words (such as status names) in the group's language."""
    table = _catalog(group.language.value)[key]
    return str(table.get(which, which))
