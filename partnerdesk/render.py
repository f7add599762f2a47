"""Render every user-facing text from the Jinja2 templates, in the reader's language.

A text to one person is rendered in that person's language (`Renderer.for_language`, decided
in `agenda/languages.py`); without one, in the group's. The agenda itself (PDF, HTML, the
copy inside a mail) is always in the group's language: it is the group's record.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from agenda.agenda import Agenda, ItemKind
from agenda.model import Contact, Group, Language, Meeting, Partner
from agenda.reading import Reading
from agenda.revisions import Revision

_SUBJECT = "Subject:"


@dataclass(frozen=True)
class RenderedMail:
    """An e-mail's subject and its text and HTML bodies."""

    subject: str
    text: str
    html: str


class Renderer:
    """Every text from the templates; a view from for_language speaks one person's language."""

    def __init__(self, *, language: Language | None = None, env: Environment | None = None) -> None:
        # None speaks each group's own language; a view from for_language speaks one.
        self.language = language
        self.env = env or _environment()

    def for_language(self, language: Language | None) -> Renderer:
        """The same templates, speaking this language (None: the group's own)."""
        return Renderer(language=language, env=self.env)

    def _language(self, group: Group) -> Language:
        return self.language or group.language

    def _render(self, group: Group, name: str, **context: Any) -> str:
        return self._render_in(self._language(group), group, name, **context)

    def _render_in(self, language: Language, group: Group, name: str, **context: Any) -> str:
        template = self.env.get_template(f"{language.value}/{name}")
        return template.render(group=group, language=language.value, **context)

    def _record(self, group: Group, name: str, **context: Any) -> str:
        # The agenda is the group's record: in the group's language whoever reads it.
        return self._render_in(group.language, group, name, **context)

    def _inline_agenda(
        self, group: Group, meeting: Meeting, agenda: Agenda, *, draft: bool
    ) -> dict[str, Any]:
        """The agenda as a mail carries it inline, text and HTML, in the group's language."""
        context = {"meeting": meeting, "agenda": agenda, "draft": draft}
        return {
            "agenda_text": self._record(group, "agenda.txt.j2", **context).rstrip("\n"),
            "agenda_article": Markup(  # noqa: S704 - an autoescaping template rendered it
                self._record(group, "_agenda_article.html.j2", **context)
            ),
        }

    def cli_text(self, group: Group, name: str, **context: Any) -> str:
        """A longer text the command line prints (one answer in full), in the group's language."""
        return self._render(group, name, **context).strip()

    def _mail(self, group: Group, name: str, **context: Any) -> RenderedMail:
        # The text template's first line is "Subject: ..."; one place words the subject.
        head, _, body = self._render(group, f"{name}.txt.j2", **context).partition("\n")
        if not head.startswith(_SUBJECT):
            raise ValueError(f"template {name}.txt.j2 must start with '{_SUBJECT} '")
        subject = " ".join(head.removeprefix(_SUBJECT).split())
        html = self._render(group, f"{name}.html.j2", subject=subject, **context)
        return RenderedMail(subject=subject, text=body.lstrip("\n"), html=html)

    def call_mail(
        self,
        group: Group,
        meeting: Meeting,
        partner: Partner,
        contact: Contact,
        reply_address: str,
        *,
        chat_link: str | None = None,
    ) -> RenderedMail:
        """The call for agenda items to one contact (with their Telegram link, if any)."""
        return self._mail(
            group,
            "call",
            meeting=meeting,
            partner=partner,
            contact=contact,
            reply_address=reply_address,
            initiatives=group.initiatives_owned_by(partner.slug),
            chat_link=chat_link,
        )

    def reminder_mail(
        self,
        group: Group,
        meeting: Meeting,
        partner: Partner,
        contact: Contact,
        reply_address: str,
        *,
        days_left: int,
    ) -> RenderedMail:
        """A reminder to a partner that has not answered."""
        return self._mail(
            group,
            "reminder",
            meeting=meeting,
            partner=partner,
            contact=contact,
            reply_address=reply_address,
            days_left=days_left,
            initiatives=group.initiatives_owned_by(partner.slug),
        )

    def echo_mail(
        self,
        group: Group,
        meeting: Meeting,
        partner: Partner,
        contact: Contact,
        reading: Reading,
        *,
        deadline: datetime | None = None,
        late: bool = False,
        revision: Revision | None = None,
    ) -> RenderedMail:
        """What we understood from a partner's answer, what it replaced, and how to correct it."""
        return self._mail(
            group,
            "echo",
            meeting=meeting,
            partner=partner,
            contact=contact,
            reading=reading,
            deadline=deadline or meeting.call_deadline,
            late=late,
            revision=revision,
        )

    def held_notice(
        self, group: Group, sender: str, *, token_owner: str | None = None
    ) -> RenderedMail:
        """To an unknown sender (or one using another partner's reply link): it waits."""
        return self._mail(group, "held", sender=sender, token_owner=token_owner)

    def invite_mail(
        self, group: Group, contact: Contact, link: str, *, expires: datetime
    ) -> RenderedMail:
        """A contact's personal Telegram link, by e-mail."""
        return self._mail(group, "invite", contact=contact, link=link, expires=expires)

    def draft_to_chair_mail(
        self,
        group: Group,
        meeting: Meeting,
        agenda: Agenda,
        chair: Contact,
        *,
        reply_address: str,
        approvals_needed: int,
        mail_approval: bool = True,
    ) -> RenderedMail:
        """The draft to the chair, inline, with how to approve it (by reply only where on)."""
        return self._mail(
            group,
            "draft",
            meeting=meeting,
            agenda=agenda,
            chair=chair,
            reply_address=reply_address,
            approvals_needed=approvals_needed,
            draft=True,
            mail_approval=mail_approval,
            **self._inline_agenda(group, meeting, agenda, draft=True),
        )

    def approval_reply(
        self,
        group: Group,
        meeting: Meeting,
        chair: Contact,
        *,
        version: int,
        understood: bool,
        approved: bool,
        published: bool,
        still_needed: Sequence[str],
        refusal: str | None = None,
        answered: int | None = None,
    ) -> RenderedMail:
        """To a chair who answered the draft: approved, recorded, refused and why, or how."""
        return self._mail(
            group,
            "approval",
            meeting=meeting,
            chair=chair,
            version=version,
            understood=understood,
            approved=approved,
            published=published,
            still_needed=list(still_needed),
            refusal=refusal,
            answered=answered,
        )

    def published_mail(self, group: Group, meeting: Meeting, agenda: Agenda) -> RenderedMail:
        """The approved agenda, inline; the caller attaches the PDF and the invitation."""
        return self._mail(
            group,
            "published",
            meeting=meeting,
            agenda=agenda,
            draft=False,
            **self._inline_agenda(group, meeting, agenda, draft=False),
        )

    def delivery_failed_mail(
        self, group: Group, failures: Sequence[tuple[str, str, str]]
    ) -> RenderedMail:
        """To the secretariat: (recipient, purpose, error) of messages not delivered."""
        return self._mail(group, "delivery_failed", failures=list(failures))

    def agenda_text(
        self, group: Group, meeting: Meeting, agenda: Agenda, *, draft: bool | None = None
    ) -> str:
        """The agenda as plain text: draft=True "Udkast", False "Godkendt", None neither."""
        return self._record(group, "agenda.txt.j2", meeting=meeting, agenda=agenda, draft=draft)

    def agenda_html(
        self, group: Group, meeting: Meeting, agenda: Agenda, *, draft: bool | None = None
    ) -> str:
        """The agenda as a printable HTML page, the source of the PDF; draft as agenda_text."""
        return self._record(group, "agenda.html.j2", meeting=meeting, agenda=agenda, draft=draft)

    def chat_echo(
        self,
        group: Group,
        meeting: Meeting | None,
        reading: Reading,
        *,
        deadline: datetime | None = None,
        late: bool = False,
        revision: Revision | None = None,
    ) -> str:
        """The chat's short echo of an answer: what we understood and what it replaced."""
        return self.telegram_text(
            "echo",
            group,
            meeting=meeting,
            reading=reading,
            deadline=deadline or (meeting.call_deadline if meeting else None),
            late=late,
            revision=revision,
        )

    def agenda_item_text(
        self, group: Group, meeting: Meeting, agenda: Agenda, number: int, *, draft: bool = True
    ) -> str:
        """One item of the agenda in full, as in agenda_text (number as printed, from 1)."""
        return self._record(
            group,
            "_agenda_item.txt.j2",
            meeting=meeting,
            agenda=agenda,
            draft=draft,
            n=number,
            item=agenda.items[number - 1],
        )

    def agenda_file_name(
        self, group: Group, meeting: Meeting, agenda: Agenda, *, full: bool = False
    ) -> str:
        """The published agenda's file name without suffix, in the group's language."""
        names = _files(group.language.value)
        stem = str(names["agenda"]).format(meeting=_safe(meeting.id), version=agenda.version)
        return str(names["full"]).format(stem=stem) if full else stem

    def telegram_text(self, name: str, group: Group, **context: Any) -> str:
        """A short text for the bot: call, reminder, echo, held, approved, not_allowed, help."""
        return self._render(group, f"telegram/{name}.txt.j2", **context).strip()


def _environment() -> Environment:
    """One Jinja2 environment for every language; autoescaping on for HTML, off for text."""
    env = Environment(
        loader=PackageLoader("templates", ""),
        undefined=StrictUndefined,
        # Partners' words reach the HTML, so every .html.j2 escapes; text stays verbatim.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates are the installed package's own; they change with a release, which
        # restarts the service. Not asking the file system for every render of a call's mails.
        auto_reload=False,
    )
    env.filters["when"] = _when
    env.filters["paragraphs"] = _paragraphs
    env.globals["ItemKind"] = ItemKind
    env.globals["partner_name"] = _partner_name
    env.globals["previous_meeting"] = _previous_meeting
    return env


@cache
def _calendar(language: str) -> dict[str, Any]:
    """Weekday and month names and date patterns; wording, so it lives with the templates."""
    text = resources.files("templates").joinpath(f"{language}/calendar.toml").read_text("utf-8")
    return tomllib.loads(text)


@pass_context
def _when(context: Context, moment: datetime, style: str = "datetime") -> str:
    """A moment in the group's timezone and the reader's language; style as in calendar.toml."""
    group: Group = context["group"]
    language = str(context.get("language") or group.language.value)
    return _in_words(moment, style, group.timezone, language)


@lru_cache(maxsize=1024)
def _in_words(moment: datetime, style: str, timezone: str, language: str) -> str:
    """A moment in words; kept, as a call's mails name the same few moments thousands of times.

    Moments that compare equal give the same words: aware ones are the same instant, and of
    naive ones only the local fields below are used.
    """
    tz = ZoneInfo(timezone)
    # A naive moment is already the group's local time (that is how group files write them).
    local = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    words = _calendar(language)
    return str(words[style]).format(
        weekday=words["weekdays"][local.weekday()],
        day=local.day,
        month=words["months"][local.month - 1],
        year=local.year,
        hour=local.hour,
        minute=local.minute,
    )


@cache
def _files(language: str) -> dict[str, Any]:
    """How the published files are named in a language."""
    text = resources.files("templates").joinpath(f"{language}/files.toml").read_text("utf-8")
    return tomllib.loads(text)


def _safe(text: str) -> str:
    """A piece of a file name: a meeting id from a group file never becomes a path."""
    cleaned = re.sub(r"[^\w.-]+", "-", text).strip(".-")
    return cleaned or "-"


@pass_context
def _previous_meeting(context: Context, meeting: Meeting) -> Meeting | None:
    """The group's meeting before this one, whose minutes this meeting approves."""
    group: Group = context["group"]
    earlier = [m for m in group.meetings if m.starts_at < meeting.starts_at]
    return max(earlier, key=lambda m: m.starts_at) if earlier else None


@pass_context
def _partner_name(context: Context, slug: str | None) -> str:
    """The partner's name for a slug, or the slug itself when the group has no such partner."""
    group: Group = context["group"]
    partner = group.partner(slug or "")
    return partner.name if partner else (slug or "")


def _paragraphs(text: str | None) -> Markup:
    """Escaped HTML paragraphs from text: blank lines part paragraphs, line breaks are kept."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in b.split("\n")))
        for b in blocks
        if b
    )
