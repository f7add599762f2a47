"""The bot's short sentences, from templates/<language>/telegram/chat.toml."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from agenda.chatlinks import ChatButton
from agenda.model import Group, Language


@cache
def _catalog(language: str) -> dict[str, Any]:
    path = resources.files("templates").joinpath(f"{language}/telegram/chat.toml")
    return tomllib.loads(path.read_text("utf-8"))


def chat_say(to: Group | Language, key: str, /, **values: object) -> str:
    """One sentence of the bot in the person's language (or, given a group, the group's)."""
    language = to.language if isinstance(to, Group) else to
    return str(_catalog(language.value)[key]).format(**values)


def bot_commands(to: Group | Language) -> list[tuple[str, str]]:
    """The commands the bot lists in Telegram's menu, with their descriptions."""
    language = to.language if isinstance(to, Group) else to
    table = _catalog(language.value)["commands"]
    return [(str(name), str(text)) for name, text in table.items()]


def button(to: Group | Language, key: str, data: str) -> ChatButton:
    """A button whose label is a catalogued word."""
    return ChatButton(chat_say(to, key), data)
