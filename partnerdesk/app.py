"""The composition root: builds every adapter from the settings, once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from agenda.errors import GroupFileError, NotFoundError
from agenda.groupfile import GroupSet
from agenda.groupfile import load_groups as load_group_files
from agenda.model import Group, Language, Meeting
from agenda.ports import ChatSender, Leases, MailSender, MailSource, Store
from partnerdesk.render import Renderer
from partnerdesk.settings import Settings

Clock = Callable[[], datetime]


class Background(Protocol):
    """Something that runs beside the ticks while the service runs (the Telegram bot)."""

    async def start(self) -> None:
        """Begin."""

    async def stop(self) -> None:
        """End."""


def _process_leases() -> Leases:
    # Imported here: the storage package is loaded only where a database is used.
    from storage.leases import ProcessLeases

    return ProcessLeases()


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


@dataclass
class App:
    """Everything a use case needs, wired together."""

    settings: Settings
    store: Store
    mail_sender: MailSender
    mail_source: MailSource
    renderer: Renderer
    groups: dict[str, Group]
    clock: Clock = utc_now
    chat_sender: ChatSender | None = None
    closers: list[Callable[[], object]] = field(default_factory=list)
    background: list[Background] = field(default_factory=list)
    # What one of several processes sharing the database does alone (mailbox, deadlines, bot).
    leases: Leases = field(default_factory=_process_leases)
    # Group files that could not be loaded; the other groups run, and this is said loudly.
    broken: tuple[GroupFileError, ...] = ()

    def group(self, slug: str | None = None) -> Group:
        """The group with this slug, or the only group when none is named."""
        if slug is None:
            if len(self.groups) == 1:
                return next(iter(self.groups.values()))
            raise NotFoundError("several_groups")
        try:
            return self.groups[slug]
        except KeyError:
            raise NotFoundError("unknown_group", group=slug) from None

    def meeting(self, group: Group, meeting_id: str) -> Meeting:
        """The meeting of the group, or NotFoundError naming the known ones."""
        found = group.meeting(meeting_id)
        if found is None:
            known = ", ".join(m.id for m in group.meetings) or "none"
            raise NotFoundError(
                "unknown_meeting", group=group.slug, meeting=meeting_id, known=known
            )
        return found


def load_groups(paths: list[Path]) -> GroupSet:
    """Load every group file and folder; a broken file is set aside, not fatal.

    The caller says what was set aside (the command line on stderr, in the group's language).
    """
    return load_group_files(paths)


async def build_app(settings: Settings, *, clock: Clock = utc_now) -> App:
    """Upgrade the database, build the adapters the settings ask for, sync the groups."""
    from storage.engine import make_engine, private_dir, upgrade
    from storage.leases import leases_for
    from storage.repository import SqlStore

    loaded = load_groups(settings.groups)
    groups = loaded.groups
    url = settings.effective_database_url
    # Partners' mail, attachments and the database live here: the owner's alone (0700).
    private_dir(settings.data_dir)
    # The embedded Maildirs exist from the start, so a person can drop mail into the inbox.
    for folder in (settings.outbox_maildir, settings.inbox_maildir):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    await upgrade(url)
    engine = make_engine(url)
    store = SqlStore(engine)
    for group in groups.values():
        await store.sync_group(group)
    app = App(
        settings=settings,
        store=store,
        mail_sender=_mail_sender(settings),
        mail_source=_mail_source(settings),
        renderer=Renderer(),
        groups=groups,
        clock=clock,
        broken=loaded.broken,
    )
    leases = leases_for(engine)
    app.leases = leases
    app.closers.append(leases.close)
    app.closers.append(engine.dispose)
    if settings.telegram_token:
        _attach_telegram(app)
    return app


def _attach_telegram(app: App) -> None:
    """The bot calls the same use cases as the CLI; it gets them as plain callables."""
    from typing import Any

    from bot.events import ChatEvent, ChatReply
    from bot.telegram import TelegramBot
    from partnerdesk.chat_texts import bot_commands
    from partnerdesk.usecases.chat import handle_event
    from partnerdesk.usecases.leased import poller_lease

    async def on_event(event: ChatEvent) -> list[ChatReply]:
        return await handle_event(app, event)

    class Updates:
        """Updates kept in the database before they are handled."""

        async def remember(self, update_id: int, payload: dict[str, Any]) -> bool:
            return await app.store.remember_update(update_id, payload, app.clock())

        async def handled(self, update_id: int) -> None:
            await app.store.update_handled(update_id, app.clock())

        async def unhandled(self) -> list[dict[str, Any]]:
            return await app.store.unhandled_updates()

    first = next(iter(app.groups.values()), None)
    bot = TelegramBot(
        app.settings.telegram_token,
        on_event=on_event,
        updates=Updates(),
        base_url=app.settings.telegram_base_url,
        commands=bot_commands(first) if first else (),
        commands_in={language.value: bot_commands(language) for language in Language},
        per_second=app.settings.telegram_per_second,
        per_chat_seconds=app.settings.telegram_per_chat_seconds,
        leases=app.leases,
        lease_name=poller_lease(app.settings.telegram_token),
        lease_retry_seconds=app.settings.lease_retry_seconds,
    )
    app.chat_sender = bot
    app.background.append(bot)


def _mail_sender(settings: Settings) -> MailSender:
    if settings.smtp_url:
        from mail.smtp import SmtpSender

        return SmtpSender(
            settings.smtp_url,
            ca_file=settings.smtp_ca_file,
            max_connections=settings.smtp_max_connections,
            max_per_second=settings.smtp_max_per_second,
        )
    from mail.maildir import MaildirSender

    return MaildirSender(settings.outbox_maildir)


def _mail_source(settings: Settings) -> MailSource:
    if settings.imap_url:
        from mail.imap import ImapSource

        return ImapSource(
            settings.imap_url,
            ca_file=settings.imap_ca_file,
            processed_folder=settings.imap_processed_folder,
        )
    from mail.maildir import MaildirSource

    return MaildirSource(settings.inbox_maildir)


async def close_app(app: App) -> None:
    """Release connections."""
    for closer in app.closers:
        result = closer()
        if inspect.isawaitable(result):
            await result
