"""Open a call for agenda items, remind those who have not answered, report who answered."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from agenda.addresses import plus_address
from agenda.errors import WorkflowError
from agenda.languages import language_for
from agenda.model import Group, Language, Meeting
from agenda.records import Call, OutboxEntry, OutboxStatus
from agenda.schedule import due_reminders, partners_to_remind
from agenda.workflow import CallEvent, CallState, advance
from partnerdesk.app import App
from partnerdesk.usecases.chat_delivery import ChatCopy
from partnerdesk.usecases.common import (
    as_called,
    audit,
    call_message_id,
    local,
    outbox_entry,
    queue_mail,
    token_for,
    tokens_for,
)
from partnerdesk.usecases.linking import language_of, link_for_mail


@dataclass(frozen=True)
class Opened:
    """What opening a call did."""

    call: Call
    mails_queued: int
    # The call was open already; nothing new was sent.
    already_open: bool = False
    deadline: datetime | None = None


def _deadline_error(group: Group, meeting: Meeting, deadline: datetime) -> WorkflowError:
    """Why a call cannot be opened with this deadline, and what to do instead."""
    key = "call_deadline_passed" if deadline <= meeting.starts_at else "call_deadline_after_meeting"
    return WorkflowError(
        key,
        meeting=meeting.id,
        deadline=f"{local(group, deadline):%Y-%m-%d %H:%M}",
        starts=f"{local(group, meeting.starts_at):%Y-%m-%d %H:%M}",
    )


async def open_call(
    app: App,
    group: Group,
    meeting: Meeting,
    *,
    deadline: datetime | None = None,
    actor: str = "cli",
) -> Opened:
    """Open the call: every contact of every partner gets the call with its reply token.

    A call whose deadline has passed is refused: partners would get a date in the past and
    the call would close at once. A new deadline may be given instead of the group file's.
    """
    call = await app.store.get_call(group.slug, meeting.id) or Call(group.slug, meeting.id)
    if call.state is CallState.OPEN and deadline is None:
        return Opened(call, 0, already_open=True, deadline=call.deadline_for(meeting))
    # A call that was closed cannot be opened again, whatever the deadline: say that first.
    state = call.state if call.state is CallState.OPEN else advance(call.state, CallEvent.OPEN)
    effective = deadline or call.deadline_for(meeting)
    if effective <= app.clock() or effective >= meeting.starts_at:
        raise _deadline_error(group, meeting, effective)
    if call.state is not CallState.OPEN:
        call = replace(call, state=state, opened_at=app.clock())
    call = replace(call, deadline=deadline or call.deadline)
    await app.store.save_call(call)
    await audit(app, group, "call.opened", actor, meeting.id, deadline=effective.isoformat())
    meeting = as_called(meeting, call)
    queued = 0
    # Looked up once: a call to thousands must not ask the database about each contact.
    linked = {link.contact: link.language for link in await app.store.links(group.slug)}
    mails: list[OutboxEntry] = []
    # One transaction for every partner's token, not one each.
    tokens = await tokens_for(app, group, meeting, [p.slug for p in group.partners], "call")
    # The chat's text once per partner and language: it names no contact, so every linked
    # contact of a partner who reads that language gets the same.
    chat_texts: dict[tuple[str, Language], ChatCopy] = {}
    # Re-running is safe: each message has a deterministic Message-ID and is queued once.
    for partner in group.partners:
        token = tokens[partner.slug]
        reply_to = plus_address(group.reply_address, token)
        for contact in partner.contacts:
            language = language_for(group, contact, linked.get(contact.email))
            speaks = app.renderer.for_language(language)
            is_linked = contact.email in linked
            rendered = speaks.call_mail(
                group,
                meeting,
                partner,
                contact,
                reply_to,
                chat_link=None if is_linked else await link_for_mail(app, group, contact),
            )
            if not is_linked:
                # No chat to copy to: the entry is built here, with nothing to wait for.
                mails.append(
                    outbox_entry(
                        app,
                        group,
                        meeting=meeting,
                        purpose="call",
                        key=meeting.id,
                        to=contact.email,
                        rendered=rendered,
                        token=token,
                        reply_to=reply_to,
                    )
                )
                continue
            chat = chat_texts.get((partner.slug, language))
            if chat is None:
                text = speaks.telegram_text("call", group, meeting=meeting, partner=partner)
                chat = chat_texts[partner.slug, language] = ChatCopy(text)
            queued += await queue_mail(
                app,
                group,
                meeting=meeting,
                purpose="call",
                key=meeting.id,
                to=contact,
                rendered=rendered,
                token=token,
                reply_to=reply_to,
                chat=chat,
                into=mails,
            )
    queued += await app.store.enqueue_many(mails)
    return Opened(call=call, mails_queued=queued, deadline=effective)


async def send_due_reminders(app: App, group: Group, meeting: Meeting) -> int:
    """Remind partners that have not answered, when a reminder offset has come; once each."""
    call = await app.store.get_call(group.slug, meeting.id)
    if call is None or call.state is not CallState.OPEN:
        return 0
    meeting = as_called(meeting, call)
    now = app.clock()
    offsets = due_reminders(meeting, app.settings.reminder_days, now)
    if not offsets:
        return 0
    # Only the latest reminder that is due is sent; a service that was down sends one, not two.
    days = min(offsets)
    answers = await app.store.answers(group.slug, meeting.id)
    queued = 0
    for slug in partners_to_remind(group, answers):
        partner = group.partner(slug)
        if partner is None:
            continue
        token = await token_for(app, group, meeting, slug, "call")
        reply_to = plus_address(group.reply_address, token)
        days_left = max(0, (meeting.call_deadline - now).days)
        for contact in partner.contacts:
            call_id = call_message_id(group, meeting, token, contact)
            speaks = app.renderer.for_language(await language_of(app, group, contact))
            rendered = speaks.reminder_mail(
                group, meeting, partner, contact, reply_to, days_left=days_left
            )
            queued += await queue_mail(
                app,
                group,
                meeting=meeting,
                purpose=f"reminder{days}",
                key=meeting.id,
                to=contact,
                rendered=rendered,
                token=token,
                reply_to=reply_to,
                in_reply_to=call_id,
                references=(call_id,),
                chat=ChatCopy(
                    speaks.telegram_text(
                        "reminder", group, meeting=meeting, partner=partner, days_left=days_left
                    )
                ),
            )
    if queued:
        await audit(app, group, "call.reminded", "scheduler", meeting.id, days=days, mails=queued)
    return queued


@dataclass(frozen=True)
class PartnerStatus:
    """One line of `call status`."""

    partner: str
    name: str
    answered: bool
    via: tuple[str, ...]
    proposals: int
    updates: int
    nothing_to_add: bool
    reminded: tuple[str, ...]


async def call_status(app: App, group: Group, meeting: Meeting) -> list[PartnerStatus]:
    """Who answered, by which channel, with how many items, and who was reminded when.

    Counted by the database: a call with ten thousand answers costs what one with ten does.
    """
    tallies = await app.store.answer_tally(group.slug, meeting.id)
    reminders = await app.store.reminders_sent(group.slug, meeting.id)
    rows: list[PartnerStatus] = []
    for partner in group.partners:
        mine = [t for t in tallies if t.partner == partner.slug and t.status.answered]
        emails = {c.email for c in partner.contacts}
        reminded = sorted({f"{r.at:%Y-%m-%d %H:%M}" for r in reminders if r.recipient in emails})
        rows.append(
            PartnerStatus(
                partner=partner.slug,
                name=partner.name,
                # As answered_partners() decides for whole answers: a reply that says something.
                answered=any(t.is_answer for t in mine),
                via=tuple(sorted({t.channel.value for t in mine if t.is_answer})),
                proposals=sum(t.proposals for t in mine),
                updates=sum(t.updates for t in mine),
                nothing_to_add=any(t.nothing_to_add for t in mine),
                reminded=tuple(reminded),
            )
        )
    return rows


async def outbox_state(app: App, group: Group, meeting: Meeting) -> tuple[int, int]:
    """How many of the call's messages wait to be sent, and how many could not be delivered."""
    counts = await app.store.outbox_counts(group.slug, meeting.id)
    waiting = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
    return waiting, counts.get(OutboxStatus.FAILED, 0)
