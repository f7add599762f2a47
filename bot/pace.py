"""Keep to Telegram's limits: about 30 messages a second overall and one a second per chat."""

from __future__ import annotations

import asyncio
import math


class Pace:
    """Gives each message a moment to go: a free slot of the overall rate, a second per chat.

    A message waiting for its chat's second does not hold up messages to other chats.
    """

    def __init__(self, *, per_second: float, per_chat_seconds: float) -> None:
        self._rate = per_second
        self._per_chat = per_chat_seconds
        self._taken: set[int] = set()
        self._next_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def reserve(self, chat: int, now: float) -> float:
        """The moment a message to this chat, asked for at now, may go; it is then taken."""
        start = max(now, self._next_chat.get(chat, 0.0))
        if self._rate > 0:
            slot = math.ceil(start * self._rate - 1e-9)
            while slot in self._taken:
                slot += 1
            self._taken.add(slot)
            start = slot / self._rate
        self._next_chat[chat] = start + self._per_chat
        if len(self._next_chat) > 10_000 or len(self._taken) > 10_000:
            # Forget what is long past, so the tables stay small.
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
            self._taken = {s for s in self._taken if s >= now * self._rate}
        return start

    async def wait(self, chat: int) -> None:
        """Return when a message to this chat may go."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            start = self.reserve(chat, now)
        if start > now:
            await asyncio.sleep(start - now)
