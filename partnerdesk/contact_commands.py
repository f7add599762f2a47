"""The data subject's rights from the command line: contact export and contact erase."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from agenda.errors import UsageError
from agenda.model import Group
from partnerdesk.commands import app_for, one_group
from partnerdesk.settings import Settings
from partnerdesk.texts import say
from partnerdesk.usecases import privacy

# Enough to catch a mistyped command line (a name, a slug); the group file checks the rest.
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _ADDRESS.match(value.strip()):
        raise UsageError("contact_not_email", value=value)
    return value.strip()


def _still_listed(group: Group, email: str, path: Path | None) -> str | None:
    if group.contact_by_email(email) is None:
        return None
    return say(group, "contact_in_group_file", email=email, group=path or group.slug)


async def contact_export(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk contact export EMAIL: everything kept about a person, into a folder."""
    email = _email(args.email)
    async with app_for(settings) as app:
        group = one_group(app, args)
        folder = args.out or Path(say(group, "contact_folder", email=email))
        done = await privacy.export_contact(app, email, folder)
    print(
        say(
            group,
            "contact_exported",
            email=email,
            path=done.folder,
            messages=done.messages,
            answers=done.answers,
            mail=done.mail_to,
        )
    )
    return 0


async def contact_erase(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk contact erase EMAIL: erase what is kept, and say what the record keeps."""
    email = _email(args.email)
    async with app_for(settings) as app:
        group = one_group(app, args)
        erased = await privacy.erase_contact(app, email, actor=args.as_email)
    if erased.messages or erased.answers or erased.mail_to:
        print(
            say(
                group,
                "contact_erased",
                email=email,
                messages=len(erased.messages),
                answers=erased.answers,
                mail=erased.mail_to,
            )
        )
    else:
        print(say(group, "contact_nothing", email=email))
    print(say(group, "contact_kept", approvals=erased.kept_approvals, audit=erased.kept_audit))
    listed = _still_listed(group, email, (args.group or settings.groups or [None])[0])
    if listed:
        print(listed)
    return 0
