"""Keep to Telegram's limits: about 30 messages a second overall and one a second per chat.

Telegram counts when requests reach it, and that is later than when we send them, by a delay
that varies. So the limits are kept from the moments our requests are *answered*: a message
goes only when fewer than the limit were answered within the last second or are still on
their way, and a chat gets its next message only a second after its last one was answered.
Whatever the delays, Telegram then never sees more than the limit in one second, nor two
messages to one chat within a second (tests/test_telegram_pacing.py checks it from the
server's side).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_WINDOW_SECONDS = 1.0


class Pace:
    """Says when each message may go; a message waiting for its chat holds up no other chat."""

    def __init__(self, *, per_second: float, per_chat_seconds: float) -> None:
        # Zero or less: no overall limit (tests that do not look at pacing).
        self._limit = max(1, math.floor(per_second)) if per_second > 0 else 0
        self._per_chat = per_chat_seconds
        self._answered: deque[float] = deque()
        self._on_the_way = 0
        self._busy: set[int] = set()
        self._chat_free: dict[int, float] = {}
        # Woken whenever an answer comes, for messages that wait for one.
        self._answer_came = asyncio.Condition()

    def delay(self, chat: int, now: float) -> float | None:
        """Seconds until a message to this chat may go (0: now); None while answers are due."""
        if chat in self._busy:
            return None
        wait = max(0.0, self._chat_free.get(chat, 0.0) - now)
        if not self._limit:
            return wait
        while self._answered and self._answered[0] <= now - _WINDOW_SECONDS:
            self._answered.popleft()
        over = self._on_the_way + len(self._answered) - self._limit
        if over < 0:
            return wait
        if over >= len(self._answered):
            # Only messages still on their way fill the second; their answers decide.
            return None
        # The oldest answers leave the second first; this many must have left.
        return max(wait, self._answered[over] + _WINDOW_SECONDS - now)

    def sending(self, chat: int) -> None:
        """A message to this chat is on its way."""
        self._on_the_way += 1
        self._busy.add(chat)

    def answered(self, chat: int, now: float) -> None:
        """The message to this chat was answered (sent, refused or failed) at now."""
        self._on_the_way -= 1
        self._busy.discard(chat)
        self._answered.append(now)
        self.hold(chat, now + self._per_chat)
        if len(self._chat_free) > 10_000:
            # Forget chats whose second is long past, so the table stays small.
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}

    def hold(self, chat: int, until: float) -> None:
        """Nothing goes to this chat before until (Telegram asked us to wait)."""
        self._chat_free[chat] = max(self._chat_free.get(chat, 0.0), until)

    @asynccontextmanager
    async def turn(self, chat: int) -> AsyncIterator[None]:
        """Wait until a message to this chat may go; it is on its way inside the block."""
        loop = asyncio.get_running_loop()
        async with self._answer_came:
            while (wait := self.delay(chat, loop.time())) != 0:
                # Until the moment is there, or an answer changes what is on the way.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._answer_came.wait(), timeout=wait)
            self.sending(chat)
        try:
            yield
        finally:
            async with self._answer_came:
                self.answered(chat, loop.time())
                self._answer_came.notify_all()
