"""A pressed button: its data names what to do ("ec:12" confirms answer 12)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.events import ChatEvent, ChatReply
from partnerdesk.app import App
from partnerdesk.chat_texts import chat_say
from partnerdesk.usecases import chat_chair, chat_initiatives, chat_partner, chat_propose
from partnerdesk.usecases.linking import Person

Pressed = Callable[[App, Person, ChatEvent, list[str]], Awaitable[list[ChatReply]]]


def _one_number(
    act: Callable[[App, Person, ChatEvent, int], Awaitable[list[ChatReply]]],
) -> Pressed:
    async def pressed(
        app: App, person: Person, event: ChatEvent, args: list[str]
    ) -> list[ChatReply]:
        if not args[0].isdigit():
            # Hand-made callback data ("ec:x"): not one of ours.
            return [ChatReply(chat_say(person.language, "unknown_command"))]
        return await act(app, person, event, int(args[0]))

    return pressed


_BUTTONS: dict[str, tuple[int, Pressed]] = {
    "ec": (1, _one_number(chat_partner.confirm)),
    "er": (1, _one_number(chat_partner.correct)),
    "ew": (1, _one_number(chat_partner.withdraw)),
    "ap": (2, chat_chair.approve_pressed),
    "ra": (1, _one_number(chat_chair.assign_choices)),
    "rp": (2, chat_chair.assign_pressed),
    "rd": (1, _one_number(chat_chair.dismiss_pressed)),
    "cc": (1, chat_partner.channel_pressed),
    "fs": (0, chat_propose.skip_pressed),
    "fy": (0, chat_propose.send_pressed),
    "fn": (0, chat_propose.cancel_pressed),
    "iu": (1, chat_initiatives.update_pressed),
    "ih": (1, chat_initiatives.handover_pressed),
    "ip": (2, chat_initiatives.handover_chosen),
}


async def on_button(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """Do what the button says; a button we never made gets one sentence."""
    kind, _, rest = event.button.partition(":")
    args = rest.split(":") if rest else []
    found = _BUTTONS.get(kind)
    if found is None or len(args) != found[0]:
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    return await found[1](app, person, event, args)
