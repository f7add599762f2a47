"""Render every user-facing text from the Jinja2 templates, in the group's language."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from agenda.agenda import Agenda, ItemKind
from agenda.model import Contact, Group, Meeting, Partner
from agenda.reading import Reading


@dataclass(frozen=True)
class RenderedMail:
    """An e-mail's subject and its text and HTML bodies."""

    subject: str
    text: str
    html: str


@cache
def _calendar(language: str) -> dict[str, Any]:
    text = resources.files("templates").joinpath(f"{language}/calendar.toml").read_text("utf-8")
    return tomllib.loads(text)


class Renderer:
    """One Jinja2 environment; autoescaping on for HTML, off for plain text."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("templates", ""),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals["ItemKind"] = ItemKind

    def _render(self, group: Group, name: str, **context: Any) -> str:
        language = group.language.value
        tz = ZoneInfo(group.timezone)

        def when(moment: datetime, with_time: bool = True) -> str:
            words = _calendar(language)
            local = moment.astimezone(tz)
            pattern = words["datetime"] if with_time else words["date"]
            return str(
                pattern.format(
                    weekday=words["weekdays"][local.weekday()],
                    day=local.day,
                    month=words["months"][local.month - 1],
                    year=local.year,
                    hour=local.hour,
                    minute=local.minute,
                )
            )

        template = self.env.get_template(f"{language}/{name}")
        return template.render(group=group, when=when, partner_name=_partner_name(group), **context)

    def _mail(self, group: Group, name: str, **context: Any) -> RenderedMail:
        text = self._render(group, f"{name}.txt.j2", **context)
        subject, _, body = text.partition("\n")
        html = self._render(
            group, f"{name}.html.j2", subject=subject.removeprefix("Subject: "), **context
        )
        return RenderedMail(
            subject=subject.removeprefix("Subject: ").strip(), text=body.lstrip("\n"), html=html
        )

    def call_mail(
        self, group: Group, meeting: Meeting, partner: Partner, contact: Contact, reply_address: str
    ) -> RenderedMail:
        """The call for agenda items to one contact."""
        return self._mail(
            group,
            "call",
            meeting=meeting,
            partner=partner,
            contact=contact,
            reply_address=reply_address,
            initiatives=group.initiatives_owned_by(partner.slug),
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
        self, group: Group, meeting: Meeting, partner: Partner, contact: Contact, reading: Reading
    ) -> RenderedMail:
        """What we understood from a partner's answer, and how to correct it."""
        return self._mail(
            group, "echo", meeting=meeting, partner=partner, contact=contact, reading=reading
        )

    def held_notice(self, group: Group, sender: str) -> RenderedMail:
        """To an unknown sender: the message waits for the secretariat."""
        return self._mail(group, "held", sender=sender)

    def draft_to_chair_mail(
        self,
        group: Group,
        meeting: Meeting,
        agenda: Agenda,
        chair: Contact,
        *,
        reply_address: str,
        approvals_needed: int,
    ) -> RenderedMail:
        """The draft to the chair, with how to approve it."""
        return self._mail(
            group,
            "draft",
            meeting=meeting,
            agenda=agenda,
            chair=chair,
            reply_address=reply_address,
            approvals_needed=approvals_needed,
            agenda_text=self.agenda_text(group, meeting, agenda),
        )

    def published_mail(self, group: Group, meeting: Meeting, agenda: Agenda) -> RenderedMail:
        """The approved agenda to every contact."""
        return self._mail(
            group,
            "published",
            meeting=meeting,
            agenda=agenda,
            agenda_text=self.agenda_text(group, meeting, agenda),
        )

    def delivery_failed_mail(
        self, group: Group, failures: Sequence[tuple[str, str, str]]
    ) -> RenderedMail:
        """To the secretariat: messages that could not be delivered."""
        return self._mail(group, "delivery_failed", failures=list(failures))

    def agenda_text(self, group: Group, meeting: Meeting, agenda: Agenda) -> str:
        """The agenda as plain text."""
        return self._render(group, "agenda.txt.j2", meeting=meeting, agenda=agenda)

    def agenda_html(self, group: Group, meeting: Meeting, agenda: Agenda) -> str:
        """The agenda as a printable HTML page (also the source of the PDF)."""
        return self._render(group, "agenda.html.j2", meeting=meeting, agenda=agenda)

    def telegram_text(self, name: str, group: Group, **context: Any) -> str:
        """A short text for the bot."""
        return self._render(group, f"telegram/{name}.txt.j2", **context).strip()


def _partner_name(group: Group) -> Any:
    def name(slug: str | None) -> str:
        partner = group.partner(slug or "")
        return partner.name if partner else (slug or "")

    return name
