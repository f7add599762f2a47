"""The command line's own words, from templates/<language>/cli.toml and errors.toml."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from agenda.errors import TEMPLATES, PartnerdeskError, word_error
from agenda.stored import stored_toml

if TYPE_CHECKING:
    from agenda.model import Group

DEFAULT_LANGUAGE = "da"


@cache
def _catalog(language: str) -> dict[str, Any]:
    return stored_toml(TEMPLATES / language / "cli.toml")


def _language(where: Group | str) -> str:
    return where if isinstance(where, str) else where.language.value


def say(where: Group | str, key: str, **values: object) -> str:
    """One line in the group's language (or a language code); values with a word table too."""
    catalog = _catalog(_language(where))
    worded: dict[str, object] = {}
    for name, value in values.items():
        # A state or a field has a word of its own in each language ("open" is "åben").
        table = catalog.get(f"{name}_words")
        worded[name] = table.get(str(value), value) if isinstance(table, dict) else value
    return str(catalog[key]).format(**worded)


def words(where: Group | str, key: str) -> list[str]:
    """A list of words (such as table headers) in the group's language."""
    return [str(w) for w in _catalog(_language(where))[key]]


def table(where: Group | str, key: str) -> dict[str, str]:
    """A table of words (such as help texts) in the group's language."""
    return {str(k): str(v) for k, v in _catalog(_language(where))[key].items()}


def error_sentence(language: str, exc: BaseException) -> str:
    """One sentence for an error, in this language; an uncatalogued one keeps its words."""
    if isinstance(exc, PartnerdeskError):
        worded = word_error(exc.key, exc.params, language)
        if worded is not None:
            return worded
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return say_error(language, "file_missing", path=exc.filename)
    if isinstance(exc, PermissionError) and exc.filename:
        return say_error(language, "file_denied", path=exc.filename)
    return say_error(language, "unexplained", detail=str(exc) or type(exc).__name__)


def say_error(language: str, key: str, **params: object) -> str:
    """A catalogued error sentence by key."""
    worded = word_error(key, params, language)
    assert worded is not None, key
    return worded


def pick(where: Group | str, key: str, which: str) -> str:
    """One entry of a table of words (such as status names) in the group's language."""
    return str(_catalog(_language(where))[key].get(which, which))
