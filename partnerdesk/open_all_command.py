"""partnerdesk call open: one meeting's call, or with --all the call in every configured group."""

from __future__ import annotations

import argparse
from zoneinfo import ZoneInfo

from partnerdesk.commands import app_for, call_open_one, deadline_in, undelivered
from partnerdesk.service import until_idle
from partnerdesk.settings import Settings
from partnerdesk.texts import error_sentence, pick, say
from partnerdesk.usecases.open_all import GroupOpening, open_every_call


def _line(language: str, done: GroupOpening) -> str:
    if done.problem is not None:
        return error_sentence(language, done.problem)
    assert done.opened is not None and done.meeting is not None
    if done.opened.already_open:
        deadline = done.opened.deadline
        assert deadline is not None
        return say(
            language,
            "call_already_open",
            meeting=done.meeting.id,
            deadline=f"{deadline.astimezone(ZoneInfo(done.group.timezone)):%Y-%m-%d %H:%M}",
        )
    state = pick(language, "call_states", done.opened.call.state.value)
    return say(language, "call_state", meeting=done.meeting.id, state=state)


async def call_open(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk call open: with --all every group's call, else the one meeting's."""
    if getattr(args, "all", False):
        return await call_open_all(args, settings)
    return await call_open_one(args, settings)


async def call_open_all(args: argparse.Namespace, settings: Settings) -> int:
    """Open every group's call, deliver what was queued, print a line per group and a total."""
    async with app_for(settings) as app:
        language = next(iter(app.groups.values())).language.value
        given = getattr(args, "deadline", None)
        # --deadline is read in each group's own time zone.
        deadlines = {slug: deadline_in(g, given) for slug, g in app.groups.items()}
        known = {slug: moment for slug, moment in deadlines.items() if moment is not None}
        outcome = await open_every_call(app, args.meeting, deadlines=known)
        report = await until_idle(app)
        broken = bool(app.broken)
    for done in outcome:
        line = _line(language, done)
        print(say(language, "call_open_all_line", group=done.group.slug, line=line))
    opened = [d.opened for d in outcome if d.opened is not None]
    failed = sum(d.problem is not None for d in outcome)
    queued = sum(o.mails_queued for o in opened)
    print(
        say(
            language,
            "call_open_all_total",
            opened=sum(not o.already_open for o in opened),
            groups=len(outcome),
            already=sum(o.already_open for o in opened),
            failed=failed,
            queued=queued,
            sent=report.sent,
        )
    )
    if undelivered(language, queued, report):
        return 1
    return 1 if failed or broken else 0
