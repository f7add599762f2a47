"""Open a call for agenda items, remind those who have not answered, report who answered."""

from __future__ import annotations

from dataclasses import dataclass, replace

from agenda.addresses import plus_address
from agenda.model import Group, Meeting
from agenda.records import Answer, AnswerStatus, Call, OutboxStatus
from agenda.schedule import answered_partners, due_reminders, partners_to_remind
from agenda.workflow import CallEvent, CallState, advance
from partnerdesk.app import App
from partnerdesk.usecases.common import audit, call_message_id, queue_mail, token_for


@dataclass(frozen=True)
class Opened:
    """What opening a call did."""

    call: Call
    mails_queued: int


async def open_call(app: App, group: Group, meeting: Meeting, *, actor: str = "cli") -> Opened:
    """Open the call: every contact of every partner gets the call with its reply token."""
    call = await app.store.get_call(group.slug, meeting.id) or Call(group.slug, meeting.id)
    if call.state is not CallState.OPEN:
        call = replace(call, state=advance(call.state, CallEvent.OPEN), opened_at=app.clock())
        await app.store.save_call(call)
        await audit(app, group, "call.opened", actor, meeting.id)
    queued = 0
    # Re-running is safe: each message has a deterministic Message-ID and is queued once.
    for partner in group.partners:
        token = await token_for(app, group, meeting, partner.slug, "call")
        reply_to = plus_address(group.reply_address, token)
        for contact in partner.contacts:
            rendered = app.renderer.call_mail(group, meeting, partner, contact, reply_to)
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
            )
    return Opened(call=call, mails_queued=queued)


async def send_due_reminders(app: App, group: Group, meeting: Meeting) -> int:
    """Remind partners that have not answered, when a reminder offset has come; once each."""
    call = await app.store.get_call(group.slug, meeting.id)
    if call is None or call.state is not CallState.OPEN:
        return 0
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
            rendered = app.renderer.reminder_mail(
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
    """Who answered, by which channel, with how many items, and who was reminded when."""
    answers = await app.store.answers(group.slug, meeting.id)
    done = answered_partners(answers)
    reminders = [
        e
        for e in await app.store.outbox(list(OutboxStatus), group=group.slug, limit=100_000)
        if e.meeting == meeting.id and e.purpose.startswith("reminder")
    ]
    rows: list[PartnerStatus] = []
    for partner in group.partners:
        mine: list[Answer] = [
            a for a in answers if a.partner == partner.slug and a.status is not AnswerStatus.HELD
        ]
        emails = {c.email for c in partner.contacts}
        reminded = sorted(
            {
                e.created_at.strftime("%Y-%m-%d %H:%M")
                for e in reminders
                if e.recipient in emails and e.created_at is not None
            }
        )
        rows.append(
            PartnerStatus(
                partner=partner.slug,
                name=partner.name,
                answered=partner.slug in done,
                via=tuple(sorted({a.channel.value for a in mine if a.reading.is_answer})),
                proposals=sum(len(a.reading.proposals) for a in mine),
                updates=sum(len(a.reading.updates) for a in mine),
                nothing_to_add=any(a.reading.nothing_to_add for a in mine),
                reminded=tuple(reminded),
            )
        )
    return rows
