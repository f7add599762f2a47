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
from agenda.reading import Channel
from agenda.records import OutboxStatus
from agenda.workflow import CallState
from partnerdesk.app import App, build_app, close_app
from partnerdesk.chat_texts import chat_say
from partnerdesk.demo_telegram import CHAIR_USER, PARTNER_USER, ChatDemo, chat_partner
from partnerdesk.fakebot import FakeBotApi
from partnerdesk.settings import Settings
from partnerdesk.status_table import format_status
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
    with FakeBotApi() as server:
        chat = ChatDemo(server)
        settings = settings.model_copy(
            update={
                "data_dir": folder,
                "database_url": "",
                "smtp_url": "",
                "imap_url": "",
                "groups": groups[:1],
                **chat.settings(),
            }
        )
        from agenda.groupfile import load_group

        first = load_group(groups[0])
        meeting = _next_meeting(first)
        clock = DemoClock(meeting.call_deadline - timedelta(days=10))
        app = await build_app(settings, clock=clock)
        for part in app.background:
            await part.start()
        try:
            await _cycle(app, clock, meeting, chat)
        finally:
            for part in reversed(app.background):
                await part.stop()
            await close_app(app)
    print()
    print(say(first, "demo_try", folder=folder, group=groups[0], meeting=meeting.id))
    return 0


def _mail_partners() -> set[str]:
    manifest = tomllib.loads(
        resources.files("templates").joinpath("demo/replies.toml").read_text("utf-8")
    )
    return {str(entry["partner"]) for entry in manifest["replies"]}


async def _cycle(app: App, clock: DemoClock, meeting: Meeting, chat: ChatDemo) -> None:
    """The whole call, with one partner and the chair in Telegram."""
    group = app.group()
    partner_contact = chat_partner(group, _mail_partners())
    chair = group.chairs[0]
    for contact, user in ((partner_contact, PARTNER_USER), (chair, CHAIR_USER)):
        await chat.link(app, group, contact, user)
        print(say(group, "demo_linked", name=contact.name))
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
    call_text = chat.received(PARTNER_USER)[-1]
    print(say(group, "demo_chat_call", name=partner_contact.name, line=call_text.splitlines()[0]))

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
    answer = say(group, "demo_chat_text")
    echo = (await chat.write(PARTNER_USER, answer))[-1]
    print(say(group, "demo_chat_answer", name=partner_contact.name, text=answer))
    print(_indented(echo))
    await chat.press(PARTNER_USER, chat_say(group, "button_confirm"))
    print(say(group, "demo_chat_confirmed", name=partner_contact.name))

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
    shown = await chat.write(CHAIR_USER, "/udkast", replies=2)
    print(say(group, "demo_chat_draft", name=chair.name, line=shown[0].splitlines()[0]))
    label = chat_say(group, "button_approve")
    # The chair's own copy of the agenda comes first, then the answer to the press.
    approved = (await chat.press(CHAIR_USER, label, replies=2))[-1]
    print(say(group, "demo_chat_approved", name=chair.name, label=label))
    print(_indented(approved))
    call = await app.store.get_call(group.slug, meeting.id)
    if call is None or call.state is not CallState.PUBLISHED:
        # A group that needs the vice chair too: the others approve on the command line.
        for other in group.chairs[1:]:
            outcome = await approving.approve(app, group, meeting, other.email, channel="cli")
            role = say(group, f"role_{other.role.value}")
            print(say(group, "demo_approved", name=other.name, role=role, version=outcome.version))
            if outcome.approved:
                break
        clock.now += timedelta(minutes=5)
        await publish.publish(app, group, meeting, actor="demo")
    await tick(app)
    everything = await app.store.outbox(list(OutboxStatus), group=group.slug, limit=100_000)
    mails = [e for e in everything if e.purpose == "agenda" and e.channel is Channel.EMAIL]
    sent = sum(e.status is OutboxStatus.SENT for e in mails)
    print(say(group, "demo_published", queued=len(mails), sent=sent))
    print(say(group, "demo_chat_published", name=partner_contact.name))
    print()
    print(say(group, "demo_where"))
    for path in sorted(publish.agenda_folder(app, group, meeting).iterdir()):
        print(say(group, "demo_agenda", path=path))
    print(say(group, "demo_sent", path=f"{app.settings.outbox_maildir}/new"))
    print(say(group, "demo_inbox", path=app.settings.inbox_maildir))
    print(say(group, "demo_database", url=app.settings.effective_database_url))


def _indented(text: str) -> str:
    return "\n".join(f"     │ {line}" for line in text.splitlines())


def _when(group: Group, moment: datetime) -> str:
    return local(group, moment).strftime("%Y-%m-%d %H:%M")
