"""Link a Telegram account to a contact by a one-time code; the account's id is the proof."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

from agenda.chatlinks import ChatLink, CodeUse
from agenda.errors import NotFoundError, WorkflowError
from agenda.languages import from_telegram, language_for
from agenda.model import Contact, Group, Language, Partner
from partnerdesk.app import App
from partnerdesk.usecases.common import audit

log = logging.getLogger(__name__)

# 24 random bytes are 192 bits, written in 32 of the characters a /start payload allows.
_CODE_BYTES = 24
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@runtime_checkable
class _Named(Protocol):
    async def username(self) -> str:
        """The bot's username."""


@dataclass(frozen=True)
class Person:
    """The contact a Telegram account is linked to, as the group file describes them now."""

    group: Group
    partner: Partner
    contact: Contact
    link: ChatLink

    @property
    def language(self) -> Language:
        """The language the bot speaks to this person."""
        return language_for(self.group, self.contact, self.link.language)


def code_hash(code: str) -> str:
    """What is kept of a code: its SHA-256, so a copy of the database links nobody."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


async def bot_username(app: App) -> str:
    """The bot's username: from the settings, else asked of Telegram."""
    if app.settings.telegram_bot_username:
        return app.settings.telegram_bot_username.lstrip("@")
    if isinstance(app.chat_sender, _Named):
        return await app.chat_sender.username()
    raise WorkflowError("telegram_not_configured")


async def new_link(app: App, group: Group, contact: Contact) -> str:
    """A fresh t.me link with a one-time code for the contact."""
    name = await bot_username(app)
    code = secrets.token_urlsafe(_CODE_BYTES)
    now = app.clock()
    await app.store.add_link_code(
        group.slug,
        contact.email,
        code_hash(code),
        now=now,
        expires_at=now + timedelta(days=app.settings.telegram_code_days),
    )
    await audit(app, group, "telegram.code_issued", "secretariat", contact=contact.email)
    return f"https://t.me/{name}?start={code}"


def find_contact(app: App, email: str) -> tuple[Group, Partner, Contact]:
    """The contact with this address in the configured groups, or one sentence."""
    for group in app.groups.values():
        found = group.contact_by_email(email.strip().lower())
        if found is not None:
            return group, found[0], found[1]
    raise NotFoundError("contact_unknown", email=email)


async def link_account(
    app: App, code: str, *, user_id: int, chat_id: int, language: str | None = None
) -> tuple[CodeUse, Person | None]:
    """Spend the code and link this account to its contact; what happened, and to whom.

    The language the person's Telegram app is set to is kept with the link: it is the
    contact's language wherever the group file names none.
    """
    if not _CODE_SHAPE.match(code):
        return CodeUse.UNKNOWN, None
    outcome = await app.store.use_link_code(code_hash(code), user_id, app.clock())
    if outcome.use is not CodeUse.LINKED:
        log.info("link code refused for Telegram user %s: %s", user_id, outcome.use)
        return outcome.use, None
    assert outcome.group is not None and outcome.contact is not None
    group = app.groups.get(outcome.group)
    found = group.contact_by_email(outcome.contact) if group else None
    if group is None or found is None:
        # The contact left the group file after the code was made.
        return CodeUse.UNKNOWN, None
    link = ChatLink(
        group=group.slug,
        contact=found[1].email,
        user_id=user_id,
        chat_id=chat_id,
        linked_at=app.clock(),
        language=spoken.value if (spoken := from_telegram(language)) else None,
    )
    await app.store.save_link(link)
    await audit(app, group, "telegram.linked", found[1].email, user=user_id)
    return CodeUse.LINKED, Person(group, found[0], found[1], link)


async def person_of(app: App, user_id: int) -> Person | None:
    """Whom this Telegram account speaks for; None for an account nobody linked."""
    for link in await app.store.links_of_user(user_id):
        group = app.groups.get(link.group)
        found = group.contact_by_email(link.contact) if group else None
        if group is not None and found is not None:
            return Person(group, found[0], found[1], link)
    return None


async def link_of(app: App, group: Group, contact: Contact) -> ChatLink | None:
    """The contact's linked chat, if they linked one."""
    for link in await app.store.links(group.slug):
        if link.contact == contact.email:
            return link
    return None


async def language_of(app: App, group: Group, contact: Contact) -> Language:
    """The language of every text to this contact (see agenda/languages.py for the order)."""
    if contact.language is not None:
        # Named in the group file: no need to ask the database.
        return contact.language
    link = await link_of(app, group, contact)
    return language_for(group, contact, link.language if link else None)


async def link_for_mail(app: App, group: Group, contact: Contact) -> str | None:
    """A link for the call e-mail: only with a bot, and only for a contact not linked yet."""
    if not app.settings.telegram_token or await link_of(app, group, contact) is not None:
        return None
    try:
        return await new_link(app, group, contact)
    except WorkflowError as exc:
        # Telegram could not tell the bot's name; the call goes out without a link.
        log.warning("no Telegram link in the call to %s: %s", contact.email, exc)
        return None


async def update_state(app: App, person: Person, **changes: object) -> dict[str, object]:
    """Change some of where the person's conversation stands (None forgets a key)."""
    state = {k: v for k, v in {**person.link.state, **changes}.items() if v is not None}
    await app.store.set_chat_state(person.group.slug, person.contact.email, state)
    return state
