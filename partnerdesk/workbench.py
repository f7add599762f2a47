"""The secretary's workbench: show one item, edit the draft, late items, the initiatives."""

from __future__ import annotations

import argparse
from pathlib import Path

from agenda.agenda import Agenda
from agenda.editing import Edit, key_at
from agenda.errors import UsageError, WorkflowError
from agenda.model import Group
from agenda.records import AnswerStatus
from agenda.workflow import CallState
from partnerdesk.app import App
from partnerdesk.commands import app_for, meeting_of, one_group
from partnerdesk.settings import Settings
from partnerdesk.texts import say, table
from partnerdesk.usecases import drafting
from partnerdesk.usecases.bilag import keep_bilag
from partnerdesk.usecases.common import local

# How many arguments each action takes; "set" and "add" join the rest into one text.
_WANTS = {"move": 2, "drop": 1, "merge": 2, "split": 1, "close": 1, "open": 1, "attach": 2}


def _word(group: Group, kind: str, word: str) -> str:
    """The action a word names, in the group's language or in English."""
    action = table(group, f"{kind}_words").get(word.lower())
    if action is None:
        raise UsageError("unknown_edit_word", word=word, words=say(group, f"{kind}_word_list"))
    return action


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError("not_a_number", value=value) from None


def _count(action: str, args: list[str], wanted: int) -> None:
    if len(args) != wanted:
        raise UsageError("edit_arguments", action=action, wanted=wanted, given=len(args))


def edit_from_args(
    group: Group, agenda: Agenda, action: str, args: list[str], said: str = ""
) -> Edit:
    """The edit a command line names (items by their printed number); said is the word typed."""
    said = said or action
    if action == "add":
        title = " ".join(args).strip()
        if not title:
            raise UsageError("edit_add_needs_title", action=said)
        return Edit(action="add", value=title)
    if action == "set":
        if len(args) < 3:
            raise UsageError("edit_arguments", action=said, wanted=3, given=len(args))
        field = table(group, "fields").get(args[1].lower())
        if field is None:
            raise UsageError("unknown_field", field=args[1])
        key = key_at(agenda, _number(args[0]))
        return Edit(action="set", key=key, field=field, value=" ".join(args[2:]))
    _count(said, args, _WANTS[action])
    key = key_at(agenda, _number(args[0]))
    if action == "move":
        return Edit(action="move", key=key, position=_number(args[1]))
    if action == "merge":
        return Edit(action="merge", key=key, other=key_at(agenda, _number(args[1])))
    return Edit(action=action, key=key)


async def _current(app: App, group: Group, meeting_id: str) -> Agenda:
    current = await app.store.agenda(group.slug, meeting_id)
    if current is None:
        raise WorkflowError("no_draft", meeting=meeting_id)
    return current


async def agenda_show(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk agenda show: one item of the latest draft in full."""
    async with app_for(settings) as app:
        group, meeting = meeting_of(app, args)
        agenda = await _current(app, group, meeting.id)
        number = _number(args.number)
        key_at(agenda, number)  # one sentence when there is no such item
        text = app.renderer.agenda_item_text(group, meeting, agenda, number)
    head = say(group, "show_head", version=agenda.version, number=number, count=len(agenda.items))
    print(f"{head}\n\n{text.rstrip()}")
    return 0


async def agenda_edit(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk agenda edit: one change to the draft as a new version, printed as a diff."""
    words = list(args.args)
    async with app_for(settings) as app:
        group, meeting = meeting_of(app, args)
        current = await _current(app, group, meeting.id)
        call = await app.store.get_call(group.slug, meeting.id)
        was_approved = call is not None and call.state in (CallState.APPROVED, CallState.PUBLISHED)
        action = _word(group, "edit", args.edit_action)
        if action == "revert":
            _count(args.edit_action, words, 1)
            earlier = _number(words[0])
            agenda, changes = await drafting.revert_agenda(
                app, group, meeting, earlier, actor=args.as_email
            )
            head = say(group, "reverted", version=agenda.version, earlier=earlier)
        else:
            if action == "attach":
                _count(args.edit_action, words, 2)
                key = key_at(current, _number(words[0]))
                name, stored = await keep_bilag(app, group, meeting, Path(words[1]))
                edit = Edit(action="attach", key=key, value=name, other=stored)
            else:
                edit = edit_from_args(group, current, action, words, args.edit_action)
            agenda, changes = await drafting.edit_agenda(
                app, group, meeting, edit, actor=args.as_email
            )
            head = say(group, "edited", version=agenda.version)
    if agenda.version == current.version:
        print(say(group, "nothing_changed", version=agenda.version))
    else:
        print(f"{head}\n{changes}")
        if was_approved:
            # The change is not what the chair approved: it goes back to the chair.
            print(say(group, "approve_again", meeting=meeting.id))
    return 0


async def agenda_late(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk agenda late: list late answers, or admit or decline one (chair only)."""
    async with app_for(settings) as app:
        group, meeting = meeting_of(app, args)
        decision = _word(group, "late", args.decision)
        if decision == "list":
            late = [
                a
                for a in await app.store.answers(group.slug, meeting.id)
                if a.status is AnswerStatus.LATE
            ]
            for a in late:
                partner = group.partner(a.partner or "")
                titles = "; ".join(p.title for p in a.reading.proposals) or say(group, "none")
                who = partner.name if partner else a.sender
                print(say(group, "late_line", id=a.id, partner=who, titles=titles))
            if not late:
                print(say(group, "late_none", meeting=meeting.id))
            return 0
        if args.answer is None:
            raise UsageError("late_needs_number", meeting=meeting.id)
        answer = _number(args.answer)
        # Only a chair may: the use case decides, as for the bot and e-mail.
        agenda = await drafting.decide_late(
            app, group, meeting, answer, admit=decision == "admit", actor=args.as_email or "?"
        )
    if agenda is None:
        print(say(group, "late_declined", answer=answer))
    else:
        print(say(group, "late_admitted", answer=answer, version=agenda.version))
    return 0


async def initiatives_report(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk initiatives report: every initiative, who has the ball, and its history."""
    from partnerdesk.usecases.initiatives import initiatives_report as report

    async with app_for(settings) as app:
        group = one_group(app, args)
        rows = await report(app, group)
    if not rows:
        print(say(group, "report_none"))
    for n, r in enumerate(rows):
        if n:
            print()
        print(say(group, "report_title", code=r.code, title=r.title))
        print(say(group, "report_owner", owner=r.owner, status=r.status))
        print(say(group, "report_criteria", criteria=r.success_criteria or say(group, "none")))
        for h in r.history:
            ball = say(group, "report_ball", owner=h.new_owner) if h.new_owner else ""
            date = f"{local(group, h.at):%Y-%m-%d}"
            line = say(group, "report_history", date=date, reporter=h.reporter, status=h.status)
            print(line + ball)
    return 0
