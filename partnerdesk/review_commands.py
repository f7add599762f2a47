"""The secretariat's review from the command line: call review and history, answer …."""

from __future__ import annotations

import argparse

from agenda.model import Group
from agenda.records import Answer
from partnerdesk.app import App
from partnerdesk.commands import _app, _meeting, _one_group
from partnerdesk.settings import Settings
from partnerdesk.texts import pick, say
from partnerdesk.usecases import answers as review
from partnerdesk.usecases.common import local


def _partner_name(group: Group, slug: str | None) -> str:
    partner = group.partner(slug or "")
    return partner.name if partner else "-"


def _status(group: Group, answer: Answer) -> tuple[str, str]:
    reason = pick(group, "answer_reason", answer.reason or "")
    return pick(group, "answer_status", answer.status.value), f" ({reason})" if reason else ""


def _first_lines(text: str, lines: int = 2, width: int = 100) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][:lines]
    return " / ".join(kept)[:width] or "-"


def _limit(args: argparse.Namespace) -> int | None:
    """--limit N; none below one, so a list is never cut to nothing."""
    limit: int | None = getattr(args, "limit", None)
    return None if limit is None else max(1, limit)


def _more(group: Group, count: int) -> None:
    """Say how many answers a long list left out, and how to see them."""
    if count > 0:
        print(say(group, "list_more", count=count))


async def call_review(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk call review: held, uncertain and late answers, with sender and subject."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        page = await review.review_page(app, group, meeting, limit=_limit(args))
        over = await review.review_is_over(app, group, meeting)
    views = page.views
    if not views:
        print(say(group, "review_none"))
        return 0
    if over:
        print(say(group, "review_after_publication"))
    for view in views:
        status, reason = _status(group, view.answer)
        print(
            say(
                group,
                "review_line",
                id=view.answer.id,
                status=status,
                reason=reason,
                sender=view.answer.sender,
                partner=say(group, "review_token_owner", owner=view.token_owner)
                if view.token_owner
                else _partner_name(group, view.answer.partner),
                subject=view.subject or "-",
                first=_first_lines(view.answer.reading.new_text),
            )
        )
    _more(group, page.total - len(views))
    # After publication nothing can reach this agenda any more: nothing left to do.
    print(say(group, "review_total", count=0 if over else page.total))
    print(say(group, "review_hint"))
    return 0


async def call_history(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk call history: every answer to the call, oldest first, and what became of it."""
    async with _app(settings) as app:
        group, meeting = _meeting(app, args)
        page = await app.store.answer_page(
            group.slug, meeting.id, partner=getattr(args, "partner", None), limit=_limit(args)
        )
    if not page.answers:
        print(say(group, "history_none"))
    for a in page.answers:
        status, reason = _status(group, a)
        titles = "; ".join(p.title for p in a.reading.proposals)
        if not titles and a.reading.nothing_to_add:
            titles = say(group, "history_nothing")
        if a.reading.updates:
            codes = ", ".join(u.initiative for u in a.reading.updates)
            titles = "; ".join(t for t in (titles, say(group, "history_updates", codes=codes)) if t)
        print(
            say(
                group,
                "history_line",
                id=a.id,
                at=local(group, a.received_at).strftime("%Y-%m-%d %H:%M"),
                partner=_partner_name(group, a.partner),
                sender=a.sender,
                status=status + reason,
                summary=titles or _first_lines(a.reading.new_text, 1, 60),
            )
        )
    _more(group, page.total - len(page.answers))
    return 0


async def answer_show(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk answer show N: one answer in full."""
    async with _app(settings) as app:
        group = _one_group(app, args)
        view = await review.show_answer(app, group, args.answer)
        text = _render_answer(app, group, view)
    print(text)
    return 0


def _render_answer(app: App, group: Group, view: review.AnswerView) -> str:
    status, reason = _status(group, view.answer)
    return app.renderer.cli_text(
        group,
        "answer.txt.j2",
        answer=view.answer,
        reading=view.answer.reading,
        status=status + reason,
        subject=view.subject,
        attachments=view.attachments,
        partner_label=_partner_name(group, view.answer.partner),
    )


async def answer_assign(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk answer assign N --partner SLUG: the answer counts for that partner."""
    async with _app(settings) as app:
        group = _one_group(app, args)
        done = await review.assign_answer(
            app, group, args.answer, args.partner, actor=args.as_email
        )
        await _deliver(app)
    answer = done.taken.answer
    assert answer is not None
    status, reason = _status(group, answer)
    partner = _partner_name(group, args.partner)
    print(say(group, "answer_assigned", id=args.answer, partner=partner, status=status + reason))
    if done.unregistered:
        print(say(group, "answer_add_contact", sender=answer.sender, partner=partner))
    return 0


async def answer_dismiss(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk answer dismiss N: nothing for the agenda; the answer is kept."""
    async with _app(settings) as app:
        group = _one_group(app, args)
        await review.dismiss_answer(app, group, args.answer, actor=args.as_email)
    print(say(group, "answer_dismissed", id=args.answer))
    return 0


async def answer_reread(args: argparse.Namespace, settings: Settings) -> int:
    """partnerdesk answer reread N: read the kept message again."""
    async with _app(settings) as app:
        group = _one_group(app, args)
        taken = await review.reread_answer(app, group, args.answer, actor=args.as_email)
        await _deliver(app)
    answer = taken.answer
    if answer is None:
        print(say(group, "review_none"))
        return 0
    status, reason = _status(group, answer)
    print(
        say(
            group,
            "answer_reread",
            id=answer.id,
            status=status,
            reason=reason,
            proposals=len(answer.reading.proposals),
            updates=len(answer.reading.updates),
        )
    )
    return 0


async def _deliver(app: App) -> None:
    from partnerdesk.usecases.outbox import deliver_outbox

    # The sender's echo goes now, not at the service's next pass.
    await deliver_outbox(app)
