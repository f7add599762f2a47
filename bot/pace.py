"""Keep to Telegram's limits: about 30 messages a second overall and one a second per chat."""

from __future__ import annotations

import asyncio


class Pace:
    """Reserves a moment to send for each message; concurrent senders queue fairly."""

    def __init__(self, *, per_second: float, per_chat_seconds: float) -> None:
        self._gap = 1.0 / per_second if per_second > 0 else 0.0
        self._per_chat = per_chat_seconds
        self._next_any = 0.0
        self._next_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat: int) -> None:
        """Return when a message to this chat may go."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            start = max(now, self._next_any, self._next_chat.get(chat, 0.0))
            self._next_any = start + self._gap
            self._next_chat[chat] = start + self._per_chat
            if len(self._next_chat) > 10_000:
                # Forget chats whose pause is long over, so the table stays small.
                self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)
