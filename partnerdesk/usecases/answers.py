"""The secretariat's review: read one answer, give it to a partner, drop it, read it again."""

from __future__ import annotations

from dataclasses import dataclass, replace

from agenda.authority import Act, may
from agenda.errors import NotAllowedError, NotFoundError, WorkflowError
from agenda.intake import Reason
from agenda.model import Group, Meeting
from agenda.reading import Channel
from agenda.records import Answer, AnswerStatus, InboundMessage, InboundStatus
from agenda.workflow import CallState
from partnerdesk.app import App
from partnerdesk.usecases.common import audit
from partnerdesk.usecases.intake import Taken, take_in
from partnerdesk.usecases.routing import chat_fields, route_email, token_partner_name

# What the secretariat is asked to look at.
TO_REVIEW = (AnswerStatus.HELD, AnswerStatus.REVIEW, AnswerStatus.LATE, AnswerStatus.COMMENT)


@dataclass(frozen=True)
class AnswerView:
    """One answer as the secretariat reads it."""

    answer: Answer
    subject: str
    attachments: tuple[str, ...]
    # The partner whose reply link a held answer used, when that was not the sender's own.
    token_owner: str | None = None


async def _allowed(app: App, group: Group, actor: str, answer_id: int) -> None:
    if not may(group, actor, Act.REVIEW):
        await audit(app, group, "review.refused", actor, None, answer=answer_id)
        raise NotAllowedError("review_not_allowed", email=actor)


async def find_answer(app: App, group: Group, answer_id: int) -> Answer:
    """The group's answer with this number, or one sentence saying there is none."""
    answer = await app.store.answer(answer_id)
    if answer is None or answer.group != group.slug:
        raise NotFoundError("answer_missing", answer=answer_id, group=group.name)
    return answer


async def _message(app: App, answer: Answer) -> InboundMessage:
    found = None
    if answer.inbound_id is not None:
        found = await app.store.inbound_message(answer.inbound_id)
    if found is None:
        raise NotFoundError("answer_message_gone", answer=answer.id)
    return found


def subject_of(message: InboundMessage) -> str:
    """The subject line of an e-mail, or the chat text's first line."""
    if message.channel is Channel.TELEGRAM:
        _, _, text = chat_fields(message.raw)
        return (text.strip().splitlines() or [""])[0][:80]
    from mail.mime import MessageError, read_message

    try:
        return read_message(message.raw).subject
    except MessageError:
        return ""


async def show_answer(app: App, group: Group, answer_id: int) -> AnswerView:
    """One answer in full: who sent it, its subject, how it was read, its files."""
    answer = await find_answer(app, group, answer_id)
    message = await _message(app, answer)
    names = tuple(n for p in answer.reading.proposals for n in p.attachments)
    return AnswerView(answer=answer, subject=subject_of(message), attachments=names)


@dataclass(frozen=True)
class ReviewPage:
    """The first answers to review, and how many there are in all."""

    views: list[AnswerView]
    total: int


async def review_page(
    app: App, group: Group, meeting: Meeting, *, limit: int | None = None
) -> ReviewPage:
    """Held, uncertain and late answers to a call, and held ones tied to no call; at most limit.

    Only those answers are loaded (and only their messages, for the subject), however many
    the call has.
    """
    page = await app.store.answer_page(
        group.slug, meeting.id, statuses=TO_REVIEW, unrouted=True, limit=limit
    )
    messages = await app.store.inbound_messages(
        [a.inbound_id for a in page.answers if a.inbound_id is not None]
    )
    views: list[AnswerView] = []
    for answer in page.answers:
        message = messages.get(answer.inbound_id) if answer.inbound_id is not None else None
        subject = subject_of(message) if message else ""
        owner = await _token_owner(app, group, answer, message)
        views.append(AnswerView(answer, subject, (), token_owner=owner))
    return ReviewPage(views, page.total)


async def review_list(app: App, group: Group, meeting: Meeting) -> list[AnswerView]:
    """Held, uncertain and late answers to a call, and held ones tied to no call."""
    return (await review_page(app, group, meeting)).views


async def _token_owner(
    app: App, group: Group, answer: Answer, message: InboundMessage | None
) -> str | None:
    if message is None or answer.reason != Reason.TOKEN_MISMATCH:
        return None
    route = await route_email(app, message.raw)
    return token_partner_name(group, route)


async def review_is_over(app: App, group: Group, meeting: Meeting) -> bool:
    """Whether the call is published, so what was not taken up can no longer reach it."""
    call = await app.store.get_call(group.slug, meeting.id)
    return call is not None and call.state is CallState.PUBLISHED


@dataclass(frozen=True)
class Assigned:
    """An answer given to a partner by the secretariat."""

    taken: Taken
    # The sender is not a registered contact of that partner: add them to the group file.
    unregistered: bool


async def assign_answer(
    app: App, group: Group, answer_id: int, partner_slug: str, *, actor: str
) -> Assigned:
    """Count a held answer for a partner; its sender hears what was understood."""
    await _allowed(app, group, actor, answer_id)
    partner = group.partner(partner_slug)
    if partner is None:
        known = ", ".join(p.slug for p in group.partners)
        raise NotFoundError("partner_unknown", partner=partner_slug, group=group.name, known=known)
    answer = await find_answer(app, group, answer_id)
    if answer.status is AnswerStatus.SUPERSEDED:
        raise WorkflowError("answer_superseded", answer=answer_id)
    message = await _message(app, answer)
    taken = await take_in(app, message, assigned=partner.slug)
    await app.store.mark_inbound(_id(message), taken.status)
    await audit(
        app,
        group,
        "answer.assigned",
        actor,
        answer.meeting,
        answer=answer_id,
        partner=partner.slug,
        sender=answer.sender,
    )
    registered = group.contact_by_email(answer.sender) or group.contact_by_telegram(answer.sender)
    unregistered = registered is None or registered[0].slug != partner.slug
    return Assigned(taken=taken, unregistered=unregistered)


async def dismiss_answer(app: App, group: Group, answer_id: int, *, actor: str) -> Answer:
    """Nothing for the agenda: the answer is kept, and no longer asks for attention."""
    await _allowed(app, group, actor, answer_id)
    answer = await find_answer(app, group, answer_id)
    await app.store.set_answer_status(answer_id, AnswerStatus.DISMISSED)
    if answer.inbound_id is not None:
        await app.store.mark_inbound(answer.inbound_id, InboundStatus.DONE)
    await audit(app, group, "answer.dismissed", actor, answer.meeting, answer=answer_id)
    return replace(answer, status=AnswerStatus.DISMISSED)


async def reread_answer(app: App, group: Group, answer_id: int, *, actor: str) -> Taken:
    """Read the kept message again, after the reader or the group file improved."""
    await _allowed(app, group, actor, answer_id)
    answer = await find_answer(app, group, answer_id)
    message = await _message(app, answer)
    # A partner the secretariat assigned stays assigned.
    taken = await take_in(app, message, assigned=answer.partner)
    await app.store.mark_inbound(_id(message), taken.status)
    await audit(app, group, "answer.reread", actor, answer.meeting, answer=answer_id)
    return taken


def _id(message: InboundMessage) -> int:
    assert message.id is not None
    return message.id
