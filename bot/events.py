"""What the bot hands the service and gets back: plain values, free of the Telegram library."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from agenda.chatlinks import ChatButton
from agenda.records import Attachment


class EventKind(StrEnum):
    """What a person did in the chat."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    DOCUMENT = "document"


@dataclass(frozen=True)
class ChatEvent:
    """One update, translated at the edge; the user id says who, never the username."""

    update_id: int
    kind: EventKind
    user_id: int
    chat_id: int
    private: bool
    sent_at: datetime
    username: str | None = None
    text: str = ""
    command: str = ""
    argument: str = ""
    # A pressed button's data and the message that carried it.
    button: str = ""
    message_id: int | None = None
    documents: tuple[Attachment, ...] = ()
    # The language the person's Telegram app is set to ("en", "en-GB", "da"), if it says.
    language: str | None = None


@dataclass(frozen=True)
class ChatReply:
    """An answer in the same chat; edit replaces the message whose button was pressed."""

    text: str
    buttons: tuple[tuple[ChatButton, ...], ...] = ()
    document: Attachment | None = None
    edit: bool = False


EventHandler = Callable[[ChatEvent], Awaitable[list[ChatReply]]]


class UpdateLog(Protocol):
    """Where updates are kept before they are handled, so each is handled once."""

    async def remember(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Keep the update; False when it was handled before."""

    async def handled(self, update_id: int) -> None:
        """The update is done with."""

    async def unhandled(self) -> list[dict[str, Any]]:
        """Updates kept but not handled, oldest first."""
