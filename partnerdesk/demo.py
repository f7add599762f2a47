"""`partnerdesk demo`: a whole call on embedded defaults, offline, with a simulated clock."""

from __future__ import annotations

import argparse
import mailbox
import shutil
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from agenda.addresses import plus_address
from agenda.errors import NotFoundError
from agenda.model import Group, Meeting
from partnerdesk.app import App, build_app, close_app
from partnerdesk.commands import format_status
from partnerdesk.settings import Settings
from partnerdesk.texts import say
from partnerdesk.usecases import approve as approving
from partnerdesk.usecases import calls, publish
from partnerdesk.usecases.common import call_message_id, local, token_for
from partnerdesk.usecases.tick import tick

_MARKER = ".partnerdesk-demo"
_DEFAULT_GROUP = Path("config/norddjurs.toml")


@dataclass
class DemoClock:
    """A clock the demo moves forward, so a month of work takes a second."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def _choose_group(args: argparse.Namespace) -> tuple[list[Path], bool]:
    """The group files to run, and whether the packaged Norddjurs group must be written."""
    groups = list(args.group or []) or [_DEFAULT_GROUP]
    # Outside the repository the demo brings its own copy of the Norddjurs group.
    packaged = not args.group and not _DEFAULT_GROUP.exists()
    if not packaged and not groups[0].exists():
        raise NotFoundError("demo_group_missing", path=str(groups[0]))
    return groups, packaged


def _write_packaged_group(path: Path) -> None:
    text = resources.files("templates").joinpath("demo/group.toml").read_text("utf-8")
    path.write_text(text, encoding="utf-8")


def _fresh_folder(folder: Path) -> None:
    # Only a folder the demo made itself is wiped; anything else is refused.
    if folder.exists() and any(folder.iterdir()):
        if not (folder / _MARKER).exists():
            raise NotFoundError("demo_folder_taken", folder=str(folder))
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _MARKER).write_text("made by partnerdesk demo\n", encoding="utf-8")


def _next_meeting(group: Group) -> Meeting:
    if not group.meetings:
        raise NotFoundError("demo_no_meeting", group=group.slug)
    return max(group.meetings, key=lambda m: m.starts_at)


async def _deliver_replies(app: App, group: Group, meeting: Meeting) -> int:
    """Partners answer: realistic replies land in the Maildir inbox, each to its reply token."""
    manifest = tomllib.loads(
        resources.files("templates").joinpath("demo/replies.toml").read_text("utf-8")
    )
    env = Environment(
        loader=PackageLoader("templates", "demo"),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - these render raw e-mail messages, not HTML
    )
    inbox = mailbox.Maildir(app.settings.inbox_maildir, create=True)
    count = 0
    for n, entry in enumerate(manifest["replies"], 1):
        partner = group.partner(entry["partner"])
        if partner is None:
            continue
        contact = partner.contacts[0]
        token = await token_for(app, group, meeting, partner.slug, "call")
        sent = local(group, app.clock() - timedelta(hours=len(manifest["replies"]) - n))
        raw = env.get_template(entry["template"]).render(
            sender_name=contact.name,
            sender=entry.get("sender", contact.email),
            to=plus_address(group.reply_address, token),
            call_id=call_message_id(group, meeting, token, contact),
            message_id=f"<demo-{n}-{token}@{contact.email.split('@')[1]}>",
            date=sent.strftime("%a, %d %b %Y %H:%M:%S %z"),
            group=group,
            meeting=meeting,
        )
        inbox.add(raw.replace("\n", "\r\n").encode("utf-8"))
        count += 1
    return count


async def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Open a call, receive replies, remind, close, compile, approve, publish; print where."""
    folder: Path = args.dir
    groups, packaged = _choose_group(args)
    _fresh_folder(folder)
    if packaged:
        groups = [folder / "norddjurs.toml"]
        _write_packaged_group(groups[0])
    settings = settings.model_copy(
        update={
            "data_dir": folder,
            "database_url": "",
            "smtp_url": "",
            "imap_url": "",
            "telegram_token": "",
            "groups": groups[:1],
        }
    )
    from agenda.groupfile import load_group

    first = load_group(groups[0])
    meeting = _next_meeting(first)
    clock = DemoClock(meeting.call_deadline - timedelta(days=10))
    app = await build_app(settings, clock=clock)
    try:
        group = app.group()
        opened = await calls.open_call(app, group, meeting, actor="demo")
        report = await tick(app)
        when = _when(group, meeting.starts_at)
        print(
            say(
                group,
                "demo_opened",
                meeting=meeting.id,
                when=when,
                queued=opened.mails_queued,
                sent=report.sent,
            )
        )

        clock.now += timedelta(days=3)
        replies = await _deliver_replies(app, group, meeting)
        report = await tick(app)
        print(
            say(
                group,
                "demo_replies",
                replies=replies,
                read=report.processed,
                held=report.held,
                sent=report.sent,
            )
        )

        clock.now = meeting.call_deadline - timedelta(days=4)
        report = await tick(app)
        print(say(group, "demo_reminded", reminders=report.reminders))
        print()
        print(format_status(group, await calls.call_status(app, group, meeting)))
        print()

        clock.now = meeting.call_deadline + timedelta(minutes=1)
        report = await tick(app)
        agenda = await app.store.agenda(group.slug, meeting.id)
        assert agenda is not None
        print(say(group, "demo_closed", version=agenda.version, items=len(agenda.items)))

        clock.now += timedelta(hours=2)
        for chair in group.chairs:
            outcome = await approving.approve(app, group, meeting, chair.email, channel="cli")
            role = say(group, f"role_{chair.role.value}")
            print(say(group, "demo_approved", name=chair.name, role=role, version=outcome.version))
            if outcome.approved:
                break

        clock.now += timedelta(minutes=5)
        done = await publish.publish(app, group, meeting, actor="demo")
        report = await tick(app)
        print(say(group, "demo_published", queued=done.mails_queued, sent=report.sent))
        print()
        print(say(group, "demo_where"))
        for path in done.files:
            print(say(group, "demo_agenda", path=path))
        print(say(group, "demo_sent", path=f"{app.settings.outbox_maildir}/new"))
        print(say(group, "demo_inbox", path=app.settings.inbox_maildir))
        print(say(group, "demo_database", url=app.settings.effective_database_url))
        print()
        print(say(group, "demo_try", folder=folder, group=groups[0], meeting=meeting.id))
    finally:
        await close_app(app)
    return 0


def _when(group: Group, moment: datetime) -> str:
    return local(group, moment).strftime("%Y-%m-%d %H:%M")
