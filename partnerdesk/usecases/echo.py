"""Tell the sender what was understood, on the channel the answer came by."""

from __future__ import annotations

from datetime import datetime

from agenda.intake import Reason
from agenda.model import Group, Language
from agenda.records import Answer, AnswerStatus
from agenda.revisions import Revision
from mail.compose import addressable
from partnerdesk.app import App
from partnerdesk.usecases.common import queue_mail
from partnerdesk.usecases.linking import language_of
from partnerdesk.usecases.routing import Route, token_partner_name


async def echo(
    app: App, route: Route, answer: Answer, *, deadline: datetime | None, revision: Revision
) -> None:
    """The echo of one answer: what we read, what it replaced, and whether it came late."""
    if route.chat_id is not None:
        await _echo_chat(app, route, answer, deadline=deadline, revision=revision)
    else:
        await _echo_mail(app, route, answer, deadline=deadline, revision=revision)


async def _echo_chat(
    app: App, route: Route, answer: Answer, *, deadline: datetime | None, revision: Revision
) -> None:
    from partnerdesk.usecases.chat import queue_chat
    from partnerdesk.usecases.chat_partner import echo_buttons

    group = route.group
    assert group is not None and route.chat_id is not None
    language = await _language(app, group, route.sender)
    speaks = app.renderer.for_language(language)
    if _stranger(answer):
        text = speaks.telegram_text("held", group)
    else:
        text = speaks.chat_echo(
            group,
            route.meeting,
            answer.reading,
            deadline=deadline,
            late=answer.status is AnswerStatus.LATE,
            revision=revision,
        )
    await queue_chat(
        app,
        group,
        route.meeting,
        route.chat_id,
        text,
        f"echo-{answer.id}",
        buttons=echo_buttons(language, answer),
    )


async def _echo_mail(
    app: App, route: Route, answer: Answer, *, deadline: datetime | None, revision: Revision
) -> None:
    group = route.group
    assert group is not None
    if _stranger(answer):
        if not _mailbox(route.sender):
            return  # a forged or broken From names nobody to tell
        day = app.clock().strftime("%Y%m%d")
        # One notice per sender and day, however many messages they send.
        await queue_mail(
            app,
            group,
            meeting=route.meeting,
            purpose="held",
            key=day,
            to=route.sender,
            rendered=app.renderer.held_notice(
                group,
                route.sender,
                token_owner=token_partner_name(group, route) if route.token_mismatch else None,
            ),
            in_reply_to=route.message_id,
        )
        return
    partner = group.partner(answer.partner or "")
    if partner is None or route.meeting is None:
        return
    contact = next(
        (c for c in partner.contacts if c.email == route.sender.lower()), partner.contacts[0]
    )
    await queue_mail(
        app,
        group,
        meeting=route.meeting,
        purpose="echo",
        key=str(answer.id),
        to=route.sender,
        rendered=app.renderer.for_language(await _language(app, group, route.sender)).echo_mail(
            group,
            route.meeting,
            partner,
            contact,
            answer.reading,
            deadline=deadline,
            late=answer.status is AnswerStatus.LATE,
            revision=revision,
        ),
        token=route.token.token if route.token else None,
        reply_to=route.reply_to,
        in_reply_to=route.message_id,
        references=(route.message_id,) if route.message_id else (),
    )


async def _language(app: App, group: Group, sender: str) -> Language:
    """The sender's language when they are a contact; a stranger hears the group's."""
    found = group.contact_by_email(sender)
    return await language_of(app, group, found[1]) if found else group.language


def _stranger(answer: Answer) -> bool:
    """Held because we cannot tell whom it is from: the sender hears only that it waits."""
    return answer.status is AnswerStatus.HELD and answer.reason != Reason.TOO_MANY


def _mailbox(address: str) -> bool:
    """Whether mail can be addressed there: local part, @, a named domain, a To header made.

    A notice to anything else could never be sent, and its failure would reach the
    secretariat as if a partner's mail had bounced.
    """
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        return False
    try:
        domain.encode("idna")
    except UnicodeError:
        return False
    return addressable(address)
