"""`partnerdesk invite`: one-time Telegram links, printed or mailed to the contacts."""

from __future__ import annotations

import argparse
from datetime import timedelta

from agenda.errors import UsageError
from agenda.model import Contact, Group
from partnerdesk.commands import _app
from partnerdesk.settings import Settings
from partnerdesk.texts import say
from partnerdesk.usecases.common import queue_mail
from partnerdesk.usecases.linking import find_contact, language_of, new_link
from partnerdesk.usecases.outbox import deliver_outbox


async def invite(args: argparse.Namespace, settings: Settings) -> int:
    """Print (or mail, with --mail) a contact's or every contact's Telegram link."""
    if bool(args.contact) == bool(args.all):
        raise UsageError("invite_whom")
    async with _app(settings) as app:
        if args.contact:
            group, _, contact = find_contact(app, args.contact)
            people: list[tuple[Group, Contact]] = [(group, contact)]
        else:
            people = [(g, c) for g in app.groups.values() for p in g.partners for c in p.contacts]
        mailed = 0
        for group, contact in people:
            link = await new_link(app, group, contact)
            if not args.mail:
                print(say(group, "invite_line", name=contact.name, email=contact.email, link=link))
                continue
            expires = app.clock() + timedelta(days=app.settings.telegram_code_days)
            # Each link is new, so each mail is too: the code's start names the message.
            mailed += await queue_mail(
                app,
                group,
                meeting=None,
                purpose="invite",
                key=link.rsplit("=", 1)[1][:12],
                to=contact,
                rendered=app.renderer.for_language(
                    await language_of(app, group, contact)
                ).invite_mail(group, contact, link, expires=expires),
            )
        if args.mail:
            await deliver_outbox(app)
            print(say(people[0][0], "invite_mailed", count=mailed))
    return 0
