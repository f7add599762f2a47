"""The domain's exceptions; each names a sentence in templates/<language>/errors.toml.

An error carries a catalogue key and the values for its sentence, so the command line (or the
bot) words it in the group's language. str(error) is the English sentence, for logs.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import templates

# The folder itself, not importlib.resources: that costs more to import than a command's start.
TEMPLATES = Path(templates.__file__).parent


@cache
def error_catalogue(language: str) -> dict[str, Any]:
    """The error sentences of one language (read-only package data, read once)."""
    return tomllib.loads((TEMPLATES / language / "errors.toml").read_text("utf-8"))


def word_error(key: str, params: dict[str, object], language: str) -> str | None:
    """The sentence for key in language with its values filled in; None when not catalogued."""
    catalogue = error_catalogue(language)
    template = catalogue.get(key)
    if not isinstance(template, str):
        return None
    values: dict[str, object] = {}
    for name, value in params.items():
        # A value with a word of its own (a call state, a field name) is translated too.
        table = catalogue.get(f"{name}_words")
        values[name] = table.get(str(value), value) if isinstance(table, dict) else value
    return template.format(**values)


class PartnerdeskError(Exception):
    """Root of every error partnerdesk raises on purpose: a catalogue key and its values.

    A key that is not in the catalogue is taken as the sentence itself (adapters pass on
    their library's words this way).
    """

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return self.message("en")

    def message(self, language: str) -> str:
        """The sentence in this language; the key itself when it is not catalogued."""
        worded = word_error(self.key, self.params, language)
        return worded if worded is not None else self.key


class GroupFileError(PartnerdeskError, ValueError):
    """A group file that cannot be used, with the file, the entry and what is wrong."""


class WorkflowError(PartnerdeskError, ValueError):
    """A step that is not allowed in the call's current state."""


class VersionConflictError(WorkflowError):
    """This version of the agenda was saved already, by another process in between."""


class NotAllowedError(PartnerdeskError, PermissionError):
    """Someone tried to act without the right to."""


class NotFoundError(PartnerdeskError, LookupError):
    """A meeting, call or item that does not exist."""


class UsageError(PartnerdeskError, ValueError):
    """The command line itself is wrong: a missing argument, a word that is not a number."""
