"""Telegram accounts linked to contacts by a one-time code, and what a chat message carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CodeUse(StrEnum):
    """What became of a link code when someone used it."""

    LINKED = "linked"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CodeOutcome:
    """The outcome of using a code, with the contact it was made for when it linked."""

    use: CodeUse
    group: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class ChatLink:
    """A contact's Telegram account: proven by a code, identified by its user id."""

    group: str
    contact: str
    user_id: int
    chat_id: int
    linked_at: datetime
    active: bool = True
    chat_only: bool = False
    state: dict[str, object] = field(default_factory=dict)
    # The language the person's Telegram app is set to, when it is one of ours ("da", "en").
    language: str | None = None


@dataclass(frozen=True)
class ChatButton:
    """A button under a chat message; data comes back when it is pressed (64 bytes at most)."""

    text: str
    data: str
