"""Telegram through python-telegram-bot: receive partners' messages and commands, send texts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from agenda.ports import DeliveryResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatMessage:
    """A message from a Telegram user, translated at the edge."""

    update_id: int
    chat_id: int
    username: str | None
    text: str
    sent_at: datetime


MessageHandlerFn = Callable[[ChatMessage], Awaitable[str | None]]
CommandHandlerFn = Callable[[str, ChatMessage], Awaitable[str | None]]


class TelegramBot:
    """Polls the Bot API inside our own event loop; replies come from injected handlers."""

    def __init__(
        self,
        token: str,
        *,
        on_message: MessageHandlerFn,
        on_command: CommandHandlerFn,
        base_url: str = "",
        poll_interval: float = 0.0,
    ) -> None:
        builder = Application.builder().token(token)
        if base_url:
            root = base_url.rstrip("/")
            builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
        self._app = builder.build()
        self._on_message = on_message
        self._on_command = on_command
        self._poll_interval = poll_interval
        self._app.add_handler(MessageHandler(filters.COMMAND, self._command))
        self._app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._text))

    async def start(self) -> None:
        """Connect and start polling for updates."""
        await self._app.initialize()
        await self._app.start()
        assert self._app.updater is not None
        await self._app.updater.start_polling(
            poll_interval=self._poll_interval, timeout=1, drop_pending_updates=False
        )

    async def stop(self) -> None:
        """Stop polling and disconnect."""
        if self._app.updater is not None and self._app.updater.running:
            await self._app.updater.stop()
        if self._app.running:
            await self._app.stop()
        await self._app.shutdown()

    async def send_text(self, chat: str, text: str) -> DeliveryResult:
        """Send one message; a blocked bot or a bad chat is permanent, a timeout is not."""
        key = f"telegram:{chat}"
        try:
            await self._app.bot.send_message(chat_id=int(chat), text=text)
        except (Forbidden, BadRequest) as exc:
            return DeliveryResult(key, sent=False, permanent=True, error=str(exc))
        except (RetryAfter, NetworkError) as exc:
            return DeliveryResult(key, sent=False, permanent=False, error=str(exc))
        except TelegramError as exc:
            return DeliveryResult(key, sent=False, permanent=False, error=str(exc))
        except ValueError:
            return DeliveryResult(key, sent=False, permanent=True, error=f"bad chat id {chat!r}")
        return DeliveryResult(key, sent=True)

    @staticmethod
    def _translate(update: Update) -> ChatMessage | None:
        message = update.effective_message
        if message is None or message.text is None or update.effective_chat is None:
            return None
        user = update.effective_user
        return ChatMessage(
            update_id=update.update_id,
            chat_id=update.effective_chat.id,
            username=user.username if user else None,
            text=message.text,
            sent_at=message.date.astimezone(UTC) if message.date else datetime.now(UTC),
        )

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A partner's free-text message."""
        chat_message = self._translate(update)
        if chat_message is None:
            return
        reply = await self._on_message(chat_message)
        if reply and update.effective_message is not None:
            await update.effective_message.reply_text(reply)

    async def _command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, /help, /approve and the like."""
        chat_message = self._translate(update)
        if chat_message is None:
            return
        command = chat_message.text.split()[0].lstrip("/").split("@")[0].lower()
        reply = await self._on_command(command, chat_message)
        if reply and update.effective_message is not None:
            await update.effective_message.reply_text(reply)
