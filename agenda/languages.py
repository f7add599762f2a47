"""Which language one person reads: the one place that decides it.

A contact's own `language` in the group file wins; else the language their Telegram app is
set to, when they linked one and it is a language we write; else the group's language.
"""

from __future__ import annotations

from agenda.model import Contact, Group, Language


def from_telegram(code: str | None) -> Language | None:
    """A Telegram `language_code` ("en", "en-GB", "da") as one of ours; None for any other."""
    if not code:
        return None
    # IETF tags: the primary subtag is the language, the rest is region or script.
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return next((lang for lang in Language if lang.value == primary), None)


def language_for(
    group: Group, contact: Contact | None, chat_language: str | None = None
) -> Language:
    """The language for this contact: their own, else their Telegram's, else the group's."""
    if contact is not None and contact.language is not None:
        return contact.language
    return from_telegram(chat_language) or group.language
