"""A partner in the chat: answers through the one intake, echo buttons, /status."""

from __future__ import annotations

from agenda.chatlinks import ChatButton
from agenda.model import Language
from agenda.records import Answer, AnswerStatus
from agenda.revisions import STANDING, current_answers
from agenda.workflow import CallState
from bot.events import ChatEvent, ChatReply
from partnerdesk.app import App
from partnerdesk.chat_texts import button, chat_say
from partnerdesk.usecases.common import as_called, audit
from partnerdesk.usecases.linking import Person, update_state

_CORRECTING = "correct"


def echo_buttons(language: Language, answer: Answer) -> tuple[tuple[ChatButton, ...], ...]:
    """Confirm, correct and (when it proposed something) withdraw, under an echo."""
    if answer.id is None or answer.status is AnswerStatus.HELD:
        return ()
    row = [
        button(language, "button_confirm", f"ec:{answer.id}"),
        button(language, "button_correct", f"er:{answer.id}"),
    ]
    if answer.reading.proposals:
        row.append(button(language, "button_withdraw", f"ew:{answer.id}"))
    return (tuple(row),)


async def on_message(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """Free text or a document: a step of a conversation, or through the one intake."""
    from partnerdesk.usecases.chat import take_in_chat
    from partnerdesk.usecases.chat_initiatives import UPDATING, update_written
    from partnerdesk.usecases.chat_propose import PROPOSING, propose_step

    if not event.text.strip() and not event.documents:
        return [ChatReply(chat_say(person.language, "unsupported"))]
    if PROPOSING in person.link.state:
        return await propose_step(app, person, event)
    if UPDATING in person.link.state and event.text.strip():
        return await update_written(app, person, event)
    await take_in_chat(app, person, event)
    return []


async def finish_correction(app: App, person: Person, inbound_id: int) -> None:
    """After "correct", the next message replaces the corrected answer."""
    corrected = person.link.state.get(_CORRECTING)
    if not isinstance(corrected, int):
        return
    await update_state(app, person, **{_CORRECTING: None})
    old = await app.store.answer(corrected)
    new = next(
        (a for a in await app.store.answers(person.group.slug) if a.inbound_id == inbound_id),
        None,
    )
    if old is None or new is None or old.id == new.id or new.status not in STANDING:
        return
    if old.status in STANDING:
        assert old.id is not None
        await app.store.set_answer_status(old.id, AnswerStatus.SUPERSEDED)
        await audit(
            app, person.group, "answer.corrected", person.contact.email, old.meeting, answer=old.id
        )


async def _own_answer(app: App, person: Person, answer_id: int) -> Answer | str:
    answer = await app.store.answer(answer_id)
    if answer is None or answer.group != person.group.slug:
        return chat_say(person.language, "answer_gone")
    if answer.partner != person.partner.slug:
        return chat_say(person.language, "not_yours")
    return answer


async def confirm(app: App, person: Person, event: ChatEvent, answer_id: int) -> list[ChatReply]:
    """The partner says the echo is right: recorded, and the buttons go."""
    answer = await _own_answer(app, person, answer_id)
    if isinstance(answer, str):
        return [ChatReply(answer)]
    await audit(
        app,
        person.group,
        "answer.confirmed",
        person.contact.email,
        answer.meeting,
        answer=answer_id,
    )
    meeting = person.group.meeting(answer.meeting or "")
    text = app.renderer.for_language(person.language).chat_echo(
        person.group, meeting, answer.reading
    )
    return [ChatReply(f"{text}\n\n{chat_say(person.language, 'confirmed')}", edit=True)]


async def correct(app: App, person: Person, event: ChatEvent, answer_id: int) -> list[ChatReply]:
    """The next message the partner writes replaces this answer."""
    answer = await _own_answer(app, person, answer_id)
    if isinstance(answer, str):
        return [ChatReply(answer)]
    await update_state(app, person, **{_CORRECTING: answer_id})
    return [ChatReply(chat_say(person.language, "correct_next"))]


async def withdraw(app: App, person: Person, event: ChatEvent, answer_id: int) -> list[ChatReply]:
    """Take the answer's proposals back: a withdrawal, read through the one intake."""
    from partnerdesk.usecases.chat import take_in_chat

    answer = await _own_answer(app, person, answer_id)
    if isinstance(answer, str):
        return [ChatReply(answer)]
    if not answer.reading.proposals:
        return [ChatReply(chat_say(person.language, "withdraw_nothing"))]
    titles = "; ".join(p.title for p in answer.reading.proposals)
    text = chat_say(person.group, "withdraw_text", titles=titles)
    await take_in_chat(app, person, event, text=text, synthetic="withdraw")
    return []


async def status(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """The open call, its deadline, and what the partner has sent so far."""
    group = person.group
    calls = [c for c in await app.store.calls(group.slug) if c.state is CallState.OPEN]
    meetings = [(m, c) for c in calls if (m := group.meeting(c.meeting)) is not None]
    if not meetings:
        return [
            ChatReply(
                app.renderer.for_language(person.language).telegram_text(
                    "status", group, meeting=None
                )
            )
        ]
    meeting, call = min(meetings, key=lambda mc: mc[0].starts_at)
    meeting = as_called(meeting, call)
    answers = await app.store.answers(group.slug, meeting.id)
    mine = [a for a in current_answers(answers) if a.partner == person.partner.slug]
    waiting = [
        a
        for a in answers
        if a.partner == person.partner.slug
        and a.status in (AnswerStatus.LATE, AnswerStatus.HELD)
        and a.reading.is_answer
    ]
    return [
        ChatReply(
            app.renderer.for_language(person.language).telegram_text(
                "status",
                group,
                meeting=meeting,
                partner=person.partner,
                proposals=[p for a in mine for p in a.reading.proposals],
                updates=[u for a in mine for u in a.reading.updates],
                nothing_to_add=any(a.reading.nothing_to_add for a in mine),
                waiting=len(waiting),
            )
        )
    ]


async def channel(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """/kanal: choose between the chat only, and the chat and e-mail."""
    now = "channel_chat_only" if person.link.chat_only else "channel_both"
    buttons = (
        (
            button(person.language, "button_chat_only", "cc:1"),
            button(person.language, "button_both", "cc:0"),
        ),
    )
    return [
        ChatReply(
            chat_say(person.language, "channel_now", now=chat_say(person.language, now)),
            buttons=buttons,
        )
    ]


async def channel_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """The contact's choice: e-mail as well, or the chat only (mail still if the chat fails)."""
    from dataclasses import replace

    chat_only = args[0] == "1"
    await app.store.save_link(replace(person.link, chat_only=chat_only, active=True))
    await audit(
        app, person.group, "telegram.channel", person.contact.email, None, chat_only=chat_only
    )
    now = "channel_chat_only" if chat_only else "channel_both"
    text = chat_say(person.language, "channel_now", now=chat_say(person.language, now))
    return [ChatReply(text, edit=True)]
