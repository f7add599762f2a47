"""The one intake: every answer, whatever its channel, is routed, read, decided and echoed.

The raw message is stored before this runs (by the mail fetcher or the chat handler), so a
crash anywhere here means the message is simply taken in again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from agenda.intake import MAX_PROPOSALS, Decision, IntakeFacts, decide
from agenda.model import Group, Meeting
from agenda.reading import Channel, MessageKind, Reading
from agenda.records import Answer, AnswerStatus, InboundMessage, InboundStatus
from agenda.revisions import STANDING, Intent, Revision, intent_of, revision, superseded
from agenda.workflow import CallState
from partnerdesk.app import App
from partnerdesk.usecases.attachments import keep_attachments
from partnerdesk.usecases.common import audit
from partnerdesk.usecases.routing import Route, route_chat, route_email

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """What the intake made of one message."""

    status: InboundStatus
    answer: Answer | None = None
    decision: Decision | None = None


async def take_in(app: App, message: InboundMessage, *, assigned: str | None = None) -> Taken:
    """Route, read, decide and echo one stored message.

    assigned names the partner the secretariat gave the message to; it counts for them
    whoever sent it.
    """
    assert message.id is not None
    if message.channel is Channel.TELEGRAM:
        route = await route_chat(app, message.raw)
    else:
        route = await route_email(app, message.raw)
    if route.ignore:
        return Taken(InboundStatus.DONE)
    if route.group is None or route.reading is None:
        log.warning("message %s matches no group; held for the secretariat", message.id)
        return Taken(InboundStatus.HELD)
    group = route.group
    if assigned is not None and group.partner(assigned) is not None:
        reading = replace(route.reading, partner=assigned)
        route = replace(route, reading=reading, token_mismatch=False)
    reading = await _with_attachments(app, message.id, route)
    deadline, state = await _call_facts(app, group, route.meeting)
    answer = Answer(
        group=group.slug,
        meeting=route.meeting.id if route.meeting else None,
        channel=route.channel,
        sender=route.sender,
        received_at=message.received_at,
        reading=reading,
        inbound_id=message.id,
    )
    same_call = await _same_call(app, answer)
    earlier = [a for a in same_call if answer.partner is not None and a.partner == answer.partner]
    change = revision(earlier, answer)
    decision = decide(
        IntakeFacts(
            kind=reading.kind,
            partner=reading.partner,
            confidence=reading.confidence,
            is_answer=reading.is_answer,
            # Taking an earlier item back is an answer too, though nothing new is proposed.
            takes_back=bool(change.replaced)
            and (not reading.proposals or intent_of(reading.new_text) is Intent.WITHDRAW),
            received_at=message.received_at,
            call_state=state,
            deadline=deadline,
            token_mismatch=route.token_mismatch,
            to_draft=route.approval is not None,
            proposals=len(reading.proposals),
            vouched=assigned is not None,
        )
    )
    answer = replace(answer, status=decision.status, reason=decision.reason.value)
    answer = replace(answer, id=await app.store.save_answer(answer))
    if reading.kind is MessageKind.BOUNCE:
        await audit(
            app, group, "contact.bounced", "mail", answer.meeting, addresses=list(route.bounced)
        )
    if route.approval is not None:
        from partnerdesk.usecases.approve import approve_by_mail

        if await approve_by_mail(app, route, answer) is not None:
            # An approval recorded needs nobody's attention; other replies are for the review.
            await app.store.set_answer_status(_answer_id(answer), AnswerStatus.APPROVAL)
        return Taken(InboundStatus.DONE, answer, decision)
    if decision.status in STANDING:
        await _mark_superseded(app, [*earlier, answer])
    else:
        change = Revision()
    if reading.kind is MessageKind.REPLY and not _storm(app, answer, same_call):
        from partnerdesk.usecases.echo import echo

        # The echo names at most as many items as an answer may hold; the rest wait in review.
        shown = replace(reading, proposals=reading.proposals[:MAX_PROPOSALS])
        await echo(app, route, replace(answer, reading=shown), deadline=deadline, revision=change)
    status = InboundStatus.HELD if decision.status is AnswerStatus.HELD else InboundStatus.DONE
    return Taken(status, answer, decision)


async def _with_attachments(app: App, inbound_id: int, route: Route) -> Reading:
    reading = route.reading
    assert reading is not None
    names = await keep_attachments(app, inbound_id, route.attachments)
    if names and len(reading.proposals) == 1 and not reading.proposals[0].attachments:
        # Files sent with a single proposal belong to it; with several, the reader decides.
        first = reading.proposals[0]
        reading = replace(reading, proposals=(replace(first, attachments=names),))
    return reading


async def _call_facts(
    app: App, group: Group, meeting: Meeting | None
) -> tuple[datetime | None, CallState | None]:
    if meeting is None:
        return None, None
    call = await app.store.get_call(group.slug, meeting.id)
    if call is None:
        return meeting.call_deadline, None
    return call.deadline_for(meeting), call.state


async def _same_call(app: App, answer: Answer) -> list[Answer]:
    """The answers to the same call this one is compared with (not this message's own).

    Only what the revision and the storm guard look at: the same partner's answers, and the
    same sender's within the echo window. A call with thousands of answers no longer loads
    them all for every message that arrives.
    """
    if answer.meeting is None:
        return []
    return await app.store.related_answers(
        answer.group,
        answer.meeting,
        partner=answer.partner,
        sender=answer.sender,
        since=answer.received_at - timedelta(minutes=app.settings.echo_window_minutes),
        excluding=answer.inbound_id,
    )


def _storm(app: App, answer: Answer, same_call: list[Answer]) -> bool:
    """An autoresponder that is not marked as one: the same text again, or too many, in a while.

    Each of our echoes may draw another automatic reply; answering the same words twice, or
    more than a few messages from one sender in the window, would never end (RFC 3834).
    """
    since = answer.received_at - timedelta(minutes=app.settings.echo_window_minutes)
    recent = [
        a for a in same_call if a.sender.lower() == answer.sender.lower() and since <= a.received_at
    ]
    text = " ".join(answer.reading.new_text.split())
    repeated = any(" ".join(a.reading.new_text.split()) == text for a in recent)
    if repeated or len(recent) >= app.settings.echo_limit:
        log.info("no echo to %s: %d answers in the window", answer.sender, len(recent))
        return True
    return False


async def _mark_superseded(app: App, answers: list[Answer]) -> None:
    for answer_id in superseded(answers):
        await app.store.set_answer_status(answer_id, AnswerStatus.SUPERSEDED)


def _answer_id(answer: Answer) -> int:
    assert answer.id is not None
    return answer.id
