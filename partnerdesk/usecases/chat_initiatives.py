"""/indsatser: the partner's initiatives, with buttons to send an update or hand over the ball."""

from __future__ import annotations

from agenda.chatlinks import ChatButton
from agenda.model import Initiative
from bot.events import ChatEvent, ChatReply
from partnerdesk.app import App
from partnerdesk.chat_texts import button, chat_say
from partnerdesk.usecases.linking import Person, update_state

UPDATING = "update"


def _own(person: Person, code: str) -> Initiative | None:
    found = person.group.initiative(code)
    return found if found is not None and found.owner == person.partner.slug else None


async def initiatives(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """Each initiative the partner has the ball on, with its buttons."""
    group = person.group
    owned = group.initiatives_owned_by(person.partner.slug)
    if not owned:
        return [
            ChatReply(chat_say(person.language, "initiatives_none", partner=person.partner.name))
        ]
    return [
        ChatReply(
            app.renderer.for_language(person.language).telegram_text(
                "initiative", group, initiative=i
            ),
            buttons=(
                (
                    button(person.language, "button_update", f"iu:{i.code}"),
                    button(person.language, "button_handover", f"ih:{i.code}"),
                ),
            ),
        )
        for i in owned
    ]


async def update_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """Ask for the update; the next message is it."""
    initiative = _own(person, args[0])
    if initiative is None:
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    await update_state(app, person, **{UPDATING: initiative.code})
    text = chat_say(person.language, "update_ask", code=initiative.code, title=initiative.title)
    return [ChatReply(text)]


async def update_written(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """The update the partner was asked for: read through the one intake."""
    from partnerdesk.usecases.chat import take_in_chat

    code = str(person.link.state.get(UPDATING))
    await update_state(app, person, **{UPDATING: None})
    text = chat_say(person.group, "update_text", code=code, text=event.text.strip())
    await take_in_chat(app, person, event, text=text, synthetic="update")
    return []


async def handover_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """Which partner gets the ball: one button per other partner."""
    group = person.group
    initiative = _own(person, args[0])
    if initiative is None:
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    choices = [
        ChatButton(p.name[:60], f"ip:{initiative.code}:{n}")
        for n, p in enumerate(group.partners)
        if p.slug != person.partner.slug
    ]
    rows = tuple(tuple(choices[n : n + 2]) for n in range(0, len(choices), 2))
    text = chat_say(person.language, "handover_ask", code=initiative.code, title=initiative.title)
    return [ChatReply(text, buttons=rows)]


async def handover_chosen(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """The ball goes to the chosen partner: an update saying so, through the one intake."""
    from partnerdesk.usecases.chat import take_in_chat

    group = person.group
    initiative = _own(person, args[0])
    if initiative is None or not args[1].isdigit() or int(args[1]) >= len(group.partners):
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    partner = group.partners[int(args[1])]
    text = chat_say(group, "handover_text", code=initiative.code, partner=partner.name)
    await take_in_chat(app, person, event, text=text, synthetic="handover")
    return []
