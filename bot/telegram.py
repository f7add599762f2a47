"""Telegram through python-telegram-bot: updates in as ChatEvents, messages out with buttons."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from agenda.chatlinks import ChatButton
from agenda.ports import DeliveryResult, Leases
from agenda.records import Attachment
from bot.events import ChatEvent, ChatReply, EventHandler, EventKind, UpdateLog
from bot.pace import Pace

log = logging.getLogger(__name__)

# A wait Telegram asks for beyond this is left to the outbox's next attempt: the outbox
# sends one message at a time, and a longer wait here would hold every other chat and mail.
_LONGEST_WAIT = 5.0
# Bots may download files up to 20 MB; larger ones are refused by Telegram anyway.
_LARGEST_FILE = 20 * 1024 * 1024


def _markup(buttons: Sequence[Sequence[ChatButton]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the int form will become a timedelta; both are read alike.
        warnings.simplefilter("ignore")
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class TelegramBot:
    """Polls the Bot API inside our own event loop; the service answers through on_event."""

    def __init__(
        self,
        token: str,
        *,
        on_event: EventHandler,
        updates: UpdateLog,
        base_url: str = "",
        commands: Sequence[tuple[str, str]] = (),
        commands_in: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        per_second: float = 30.0,
        per_chat_seconds: float = 1.0,
        leases: Leases | None = None,
        lease_name: str = "telegram-poller",
        lease_retry_seconds: float = 5.0,
    ) -> None:
        builder = Application.builder().token(token)
        if base_url:
            root = base_url.rstrip("/")
            builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
        self._app = builder.build()
        self._on_event = on_event
        self._updates = updates
        self._commands = tuple(commands)
        # Telegram shows a user the menu of their app's language, else the default one.
        self._commands_in = {code: tuple(menu) for code, menu in (commands_in or {}).items()}
        self._pace = Pace(per_second=per_second, per_chat_seconds=per_chat_seconds)
        self._app.add_handler(TypeHandler(Update, self._dispatch))
        # Without leases this process is the only one and polls from the start.
        self._leases = leases
        self._lease_name = lease_name
        self._lease_retry = lease_retry_seconds
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, then poll for updates while this process holds the poller lease.

        Telegram hands a bot's updates to one poller; of several processes sharing the
        database one holds the lease and polls, the others send only and keep trying to take
        the lease, so one of them takes over within a few seconds when the poller dies.
        """
        await self._app.initialize()
        # Every process sets the menus: the same request each time, whoever polls.
        await self._set_menus()
        await self._app.start()
        if self._leases is None:
            await self._begin_polling()
            return
        self._poller = asyncio.create_task(self._poll_while_leased(self._leases))

    async def _poll_while_leased(self, leases: Leases) -> None:
        """Take the lease when it is free, poll while it is held, stop when it is lost."""
        while True:
            try:
                lease = await leases.acquire(self._lease_name)
            except Exception as exc:  # the database may be away for a while; try again
                log.warning("could not ask for the Telegram poller lease: %s", exc)
                lease = None
            if lease is None:
                await asyncio.sleep(self._lease_retry)
                continue
            try:
                log.info("this process polls Telegram")
                await self._begin_polling()
                while True:
                    await asyncio.sleep(self._lease_retry)
                    if not await lease.still_held():
                        break
                log.warning("the Telegram poller lease was lost; polling stops")
            except Exception:
                log.exception("Telegram polling failed; trying again")
            finally:
                await self._end_polling()
                await lease.release()
            # Whatever ended the polling, another process gets a chance before this one.
            await asyncio.sleep(self._lease_retry)

    async def _set_menus(self) -> None:
        """The command list, in the default language and in each language of its own."""
        menus = [(None, self._commands), *self._commands_in.items()] if self._commands else []
        for code, menu in menus:
            try:
                await self._app.bot.set_my_commands(
                    [BotCommand(name, text) for name, text in menu], language_code=code
                )
            except TelegramError as exc:
                log.warning("could not set the bot's command list: %s", exc)

    async def _begin_polling(self) -> None:
        """Handle what a stop left unhandled, then poll."""
        for payload in await self._updates.unhandled():
            update = Update.de_json(payload, self._app.bot)
            await self._dispatch(update, None)
        assert self._app.updater is not None
        # A long poll of ten seconds: few requests to Telegram, and a stop waits at most that.
        await self._app.updater.start_polling(timeout=10, drop_pending_updates=False)

    async def _end_polling(self) -> None:
        if self._app.updater is not None and self._app.updater.running:
            await self._app.updater.stop()

    async def stop(self) -> None:
        """Stop polling (giving the lease up) and disconnect."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self._end_polling()
        if self._app.running:
            await self._app.stop()
        await self._app.shutdown()

    async def username(self) -> str:
        """The bot's username, for t.me links."""
        me = await self._app.bot.get_me()
        return me.username or ""

    async def send_text(
        self,
        chat: str,
        text: str,
        *,
        buttons: Sequence[Sequence[ChatButton]] = (),
        document: Attachment | None = None,
    ) -> DeliveryResult:
        """Send one message; blocked or bad chats are permanent, floods and timeouts are not."""
        try:
            chat_id = int(chat)
        except ValueError:
            return DeliveryResult(f"telegram:{chat}", sent=False, permanent=True, error="bad chat")
        bot = self._app.bot
        if document is not None:
            return await self._call(
                chat_id,
                lambda: bot.send_document(
                    chat_id=chat_id,
                    document=InputFile(document.data, filename=document.filename),
                    caption=text[:1024] or None,
                    reply_markup=_markup(buttons),
                ),
            )
        return await self._call(
            chat_id,
            lambda: bot.send_message(chat_id=chat_id, text=text, reply_markup=_markup(buttons)),
        )

    async def _call(self, chat_id: int, send: Callable[[], Awaitable[object]]) -> DeliveryResult:
        key = f"telegram:{chat_id}"
        while True:
            try:
                async with self._pace.turn(chat_id):
                    await send()
            except RetryAfter as exc:
                wait = _seconds(exc)
                if wait > _LONGEST_WAIT:
                    return DeliveryResult(key, sent=False, error=str(exc), retry_after=wait)
                log.info("Telegram asks us to wait %.0f s", wait)
                # Counted from its answer; other chats go on meanwhile.
                self._pace.hold(chat_id, asyncio.get_running_loop().time() + wait)
                continue
            except Forbidden as exc:
                return DeliveryResult(key, sent=False, permanent=True, error=str(exc), blocked=True)
            except BadRequest as exc:
                return DeliveryResult(key, sent=False, permanent=True, error=str(exc))
            except TelegramError as exc:
                return DeliveryResult(key, sent=False, permanent=False, error=str(exc))
            return DeliveryResult(key, sent=True)

    async def _dispatch(self, update: Update, context: ContextTypes.DEFAULT_TYPE | None) -> None:
        """Keep the update, translate it, let the service answer, and mark it handled."""
        if not await self._updates.remember(update.update_id, update.to_dict()):
            return
        if update.callback_query is not None:
            # Stop the button's spinner at once; the answer follows in the chat.
            await self._answer_button(update)
        try:
            event = await self._translate(update)
            if event is not None:
                for reply in await self._on_event(event):
                    await self._reply(update, event, reply)
        except TelegramError as exc:
            # The answer could not be sent (blocked in between, network); nothing is redone.
            log.warning("could not answer update %s: %s", update.update_id, exc)
        finally:
            await self._updates.handled(update.update_id)

    async def _answer_button(self, update: Update) -> None:
        assert update.callback_query is not None
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            # An old press can no longer be answered; the reply in the chat is what counts.
            log.info("button press %s not acknowledged: %s", update.update_id, exc)

    async def _reply(self, update: Update, event: ChatEvent, reply: ChatReply) -> None:
        query = update.callback_query
        if reply.edit and query is not None and isinstance(query.message, Message):
            async with self._pace.turn(event.chat_id):
                await query.message.edit_text(reply.text, reply_markup=_markup(reply.buttons))
            return
        result = await self.send_text(
            str(event.chat_id), reply.text, buttons=reply.buttons, document=reply.document
        )
        if not result.sent:
            log.warning("reply to chat %s not sent: %s", event.chat_id, result.error)

    async def _translate(self, update: Update) -> ChatEvent | None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or user.is_bot:
            return None
        base: dict[str, Any] = {
            "update_id": update.update_id,
            "user_id": user.id,
            "chat_id": chat.id,
            "private": chat.type == ChatType.PRIVATE,
            "username": user.username,
            "language": user.language_code,
        }
        query = update.callback_query
        if query is not None:
            message_id = query.message.message_id if query.message is not None else None
            return ChatEvent(
                kind=EventKind.BUTTON,
                sent_at=datetime.now(UTC),
                button=query.data or "",
                message_id=message_id,
                **base,
            )
        message = update.effective_message
        if message is None:
            return None
        sent_at = message.date.astimezone(UTC) if message.date else datetime.now(UTC)
        if message.document is not None:
            return ChatEvent(
                kind=EventKind.DOCUMENT,
                sent_at=sent_at,
                text=message.caption or "",
                documents=await self._download(message),
                **base,
            )
        text = message.text or ""
        if text.startswith("/"):
            head, _, rest = text.partition(" ")
            command = head[1:].split("@")[0].lower()
            return ChatEvent(
                kind=EventKind.COMMAND,
                sent_at=sent_at,
                text=text,
                command=command,
                argument=rest.strip(),
                **base,
            )
        # A photo, a voice message or a sticker comes as a text event without text.
        return ChatEvent(kind=EventKind.TEXT, sent_at=sent_at, text=text, **base)

    async def _download(self, message: Message) -> tuple[Attachment, ...]:
        document = message.document
        assert document is not None
        if document.file_size is not None and document.file_size > _LARGEST_FILE:
            return ()
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
        return (
            Attachment(
                filename=document.file_name or "bilag",
                content_type=document.mime_type or "application/octet-stream",
                data=data,
            ),
        )
