"""The demo's Telegram side: a fake Bot API on loopback, a partner and the chair in chats."""

from __future__ import annotations

import asyncio
from typing import Any

from agenda.model import Contact, Group, Role
from partnerdesk.app import App
from partnerdesk.fakebot import FakeBotApi, buttons_of
from partnerdesk.usecases.linking import new_link

# Telegram account ids of the two people the demo plays.
PARTNER_USER = 1001
CHAIR_USER = 1002


class ChatDemo:
    """Plays two people writing to the bot, through the fake Bot API over real HTTP."""

    def __init__(self, server: FakeBotApi) -> None:
        self.server = server

    def settings(self) -> dict[str, Any]:
        """What the demo's settings need for the bot to talk to the fake server."""
        return {
            "telegram_token": "demo:TOKEN",
            "telegram_base_url": self.server.base_url,
            "telegram_per_chat_seconds": 0.0,
        }

    async def _wait(self, user: int, count: int) -> list[str]:
        # The bot polls in the background; give it the moment it needs.
        for _ in range(1500):
            texts = self.server.state.texts_to(user)
            if len(texts) >= count:
                return texts
            await asyncio.sleep(0.02)
        raise TimeoutError("the bot did not answer")

    async def write(self, user: int, text: str, replies: int = 1) -> list[str]:
        """Write in the chat; the bot's answers to it."""
        before = len(self.server.state.texts_to(user))
        self.server.state.user_writes(user, None, text)
        return (await self._wait(user, before + replies))[before:]

    async def press(self, user: int, label: str, replies: int = 1) -> list[str]:
        """Press the button with this label under the newest message that has it."""
        state = self.server.state
        message = next(m for m in reversed(state.messages_to(user)) if label in buttons_of(m))
        before = len(state.texts_to(user))
        state.user_presses(user, message, buttons_of(message)[label])
        return (await self._wait(user, before + replies))[before:]

    async def link(self, app: App, group: Group, contact: Contact, user: int) -> str:
        """The contact opens their personal link: /start with the one-time code."""
        code = (await new_link(app, group, contact)).rsplit("=", 1)[1]
        return (await self.write(user, f"/start {code}"))[-1]

    def received(self, user: int) -> list[str]:
        """Everything the bot sent to one person."""
        return self.server.state.texts_to(user)


def chat_partner(group: Group, answering_by_mail: set[str]) -> Contact:
    """A member contact whose partner does not answer by mail in the demo."""
    for partner in group.partners:
        if partner.slug in answering_by_mail:
            continue
        for contact in partner.contacts:
            if contact.role is Role.MEMBER:
                return contact
    return group.partners[-1].contacts[0]
