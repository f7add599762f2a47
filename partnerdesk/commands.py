"""What each CLI command does: build the app, call one use case, print the outcome."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from agenda.errors import NotFoundError, UsageError
from agenda.groupfile import group_files, load_group
from agenda.model import Group, Meeting
from agenda.records import OutboxStatus
from partnerdesk.app import App, build_app, close_app
from partnerdesk.service import until_idle
from partnerdesk.settings import Settings
from partnerdesk.status_table import format_status
from partnerdesk.texts import DEFAULT_LANGUAGE, error_sentence, pick, say
from partnerdesk.usecases import approve as approving
from partnerdesk.usecases import calls, drafting, publish
from partnerdesk.usecases.tick import TickReport


def _require_groups(settings: Settings) -> None:
    if not settings.groups:
        raise NotFoundError("no_group")


@asynccontextmanager
async def _app(settings: Settings) -> AsyncIterator[App]:
    _require_groups(settings)
    app = await build_app(settings)
    say_broken(app)
    try:
        yield app
    finally:
        await close_app(app)


def say_broken(app: App) -> None:
    """Every group file that was set aside, one sentence each on stderr; the rest run."""
    if not app.broken:
        return
    language = next(iter(app.groups.values())).language.value
    for problem in app.broken:
        sentence = error_sentence(language, problem)
        line = say(language, "group_skipped", sentence=sentence, running=len(app.groups))
        print(f"partnerdesk: {line}", file=sys.stderr)


def _one_group(app: App, args: argparse.Namespace) -> Group:
    # With several groups configured, --group names the file; take the group it defines.
    named = list(args.group or [])
    if len(named) == 1 and len(app.groups) > 1 and not Path(named[0]).is_dir():
        return app.group(load_group(named[0]).slug)
    return app.group()


def _meeting(app: App, args: argparse.Namespace) -> tuple[Group, Meeting]:
    group = _one_group(app, args)
    return group, app.meeting(group, args.meeting)


# The workbench commands (partnerdesk/workbench.py) find their app, group and meeting alike.
app_for = _app
one_group = _one_group
meeting_of = _meeting


def _language(args: argparse.Namespace, settings: Settings) -> str:
    """The language of the named or configured group, for commands that load no group."""
    paths = group_files(args.group or settings.groups)
    return load_group(paths[0]).language.value if paths else DEFAULT_LANGUAGE


async def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk db upgrade: apply the migrations."""
    from storage.engine import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(settings.effective_database_url)
    print(say(_language(args, settings), "db_upgraded"))
    return 0


def _deadline(group: Group, value: str | None) -> datetime | None:
    """--deadline in the group's own time: "2027-01-10 12:00" (a date alone means 12:00)."""
    if value is None:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(f"{text} 12:00" if len(text) == 10 else text)
    except ValueError:
        raise UsageError("deadline_unreadable", value=value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(group.timezone))
    return moment


deadline_in = _deadline


def _moment(group: Group, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(group.timezone)).strftime("%Y-%m-%d %H:%M")


def undelivered(group: Group | str, queued: int, report: TickReport) -> bool:
    """Say loudly, on stderr, that mail was queued and none of it could be sent."""
    if not queued or report.sent or not (report.retrying or report.send_failed):
        return False
    print(
        say(group, "delivery_failed", waiting=report.retrying, failed=report.send_failed),
        file=sys.stderr,
    )
    return True


async def call_open_one(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk call open for one meeting: send the call to every contact."""
    if args.meeting is None:
        raise UsageError("call_open_needs_meeting")
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        deadline = _deadline(group, getattr(args, "deadline", None))
        opened = await calls.open_call(app, group, meeting, deadline=deadline)
        if opened.already_open:
            assert opened.deadline is not None
            line = say(
                group,
                "call_already_open",
                meeting=meeting.id,
                deadline=_moment(group, opened.deadline),
            )
            print(line)
            return 0
        report = await until_idle(app)
    print(
        say(
            group,
            "call_opened",
            meeting=meeting.id,
            state=pick(group, "call_states", opened.call.state.value),
            queued=opened.mails_queued,
            sent=report.sent,
        )
    )
    return 1 if undelivered(group, opened.mails_queued, report) else 0


async def call_close(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk call close: close now; the draft goes to the chair as at the deadline."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        closed = await drafting.close_and_draft(app, group, meeting)
        report = await until_idle(app)
    print(
        say(
            group,
            "call_closed_draft",
            meeting=meeting.id,
            version=closed.agenda.version,
            items=len(closed.agenda.items),
            queued=closed.mails_queued,
            sent=report.sent,
        )
    )
    return 1 if undelivered(group, closed.mails_queued, report) else 0


async def call_status(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk call status: a table of who answered, and mail still waiting or failed."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        rows = await calls.call_status(app, group, meeting)
        waiting, failed = await calls.outbox_state(app, group, meeting)
    print(format_status(group, rows))
    if waiting or failed:
        print(say(group, "outbox_state", waiting=waiting, failed=failed))
    return 0


async def agenda_draft(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk agenda draft: compile and print (or write) the draft."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        agenda, _ = await drafting.draft_agenda(app, group, meeting)
        if args.format == "json":
            text = json.dumps(agenda.to_dict(), ensure_ascii=False, indent=2)
        elif args.format == "html":
            text = app.renderer.agenda_html(group, meeting, agenda, draft=True)
        else:
            text = app.renderer.agenda_text(group, meeting, agenda, draft=True)
    if args.out:
        await asyncio.to_thread(args.out.write_text, text, encoding="utf-8")
        print(say(group, "draft_written", version=agenda.version, path=args.out))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _person(group: Group, email: str) -> str:
    """A contact as people know them: name and address."""
    found = group.contact_by_email(email)
    return f"{found[1].name} <{email}>" if found else email


async def agenda_approve(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk agenda approve: approve the latest draft as a chair."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        outcome = await approving.approve(app, group, meeting, args.as_email)
    if outcome.approved:
        print(say(group, "approved", version=outcome.version))
    else:
        needed = ", ".join(_person(group, email) for email in outcome.still_needed)
        print(say(group, "approval_recorded", version=outcome.version, needed=needed))
    return 0


async def agenda_publish(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk agenda publish: send the approved agenda to every contact."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        done = await publish.publish(app, group, meeting)
        report = await until_idle(app)
    files = ", ".join(str(f) for f in done.files)
    print(
        say(
            group,
            "published",
            version=done.version,
            queued=done.mails_queued,
            sent=report.sent,
            files=files,
        )
    )
    return 0


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk run: the service loop (or one pass with --once, non-zero when mail is stuck)."""
    from partnerdesk.service import serve

    async with _app(settings) as app:
        report = await serve(app, once=args.once)
        group = app.group() if len(app.groups) == 1 else next(iter(app.groups.values()))
        # Mail that failed before and waits for its next try is stuck, even in a quiet pass.
        waiting = [
            e for e in await app.store.outbox([OutboxStatus.PENDING], limit=10_000) if e.attempts
        ]
    if report is None:
        return 0
    print(format_tick(group, report))
    stuck = report.send_failed + max(report.retrying, len(waiting))
    if stuck and not report.sent:
        failed, retrying = report.send_failed, max(report.retrying, len(waiting))
        print(say(group, "delivery_failed", waiting=retrying, failed=failed), file=sys.stderr)
        return 1
    # A message that could not be read or delivered (quarantined), or a group file that was
    # set aside, is worth a non-zero exit: a job run by cron must notice.
    return 1 if report.failed or report.send_failed or app.broken else 0


def format_tick(group: Group, report: TickReport) -> str:
    """One pass of the service, in the group's language."""
    parts = [
        say(group, f"tick_{name}", count=value)
        for name, value in (
            ("fetched", report.fetched),
            ("processed", report.processed),
            ("held", report.held),
            ("failed", report.failed),
            ("reminders", report.reminders),
            ("closed", len(report.closed)),
            ("sent", report.sent),
            ("retrying", report.retrying),
            ("send_failed", report.send_failed),
        )
        if value
    ]
    return ", ".join(parts) if parts else say(group, "tick_nothing")


async def demo(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk demo: the whole cycle on embedded defaults, offline."""
    from partnerdesk.demo import run_demo

    return await run_demo(args, settings)
