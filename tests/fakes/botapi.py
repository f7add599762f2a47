"""The fake Bot API server ships with the package (the demo runs against it too)."""

from __future__ import annotations

from partnerdesk.fakebot import BOT_USER, BotApiState, FakeBotApi, buttons_of

__all__ = ["BOT_USER", "BotApiState", "FakeBotApi", "buttons_of"]
