"""/forslag: a guided proposal, one question at a time, then read through the one intake."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from agenda.records import Attachment
from agenda.revisions import current_answers
from bot.events import ChatEvent, ChatReply, EventKind
from partnerdesk.app import App
from partnerdesk.chat_texts import button, chat_say
from partnerdesk.usecases.linking import Person, update_state

PROPOSING = "propose"
# The questions in order; the answers become the proposal's fields.
STEPS = ("title", "background", "recommendation", "description", "files", "confirm")
# These may be skipped with "-" or the skip button.
_OPTIONAL = frozenset({"description", "files"})
_SKIP = "-"


def _draft(person: Person) -> dict[str, Any]:
    found = person.link.state.get(PROPOSING)
    return dict(found) if isinstance(found, dict) else {}


def _ask(person: Person, step: str) -> ChatReply:
    buttons: tuple[tuple[Any, ...], ...] = ()
    if step in _OPTIONAL:
        buttons = (
            (button(person.language, "button_skip" if step != "files" else "button_done", "fs:"),),
        )
    return ChatReply(chat_say(person.language, f"propose_{step}"), buttons=buttons)


async def start(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """/forslag: begin a new proposal."""
    await update_state(app, person, **{PROPOSING: {"step": "title", "files": []}})
    return [ChatReply(chat_say(person.language, "propose_start")), _ask(person, "title")]


async def cancel(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """/annuller: forget the proposal (or correction, or update) under way."""
    await update_state(app, person, **{PROPOSING: None, "correct": None, "update": None})
    return [ChatReply(chat_say(person.language, "cancelled"))]


def _files(draft: dict[str, Any]) -> list[Attachment]:
    return [
        Attachment(f["filename"], f["content_type"], base64.b64decode(f["data"]))
        for f in draft.get("files", [])
    ]


def _summary(app: App, person: Person, draft: dict[str, Any]) -> ChatReply:
    text = app.renderer.for_language(person.language).telegram_text(
        "proposal",
        person.group,
        draft=draft,
        files=[f.filename for f in _files(draft)],
    )
    buttons = (
        (
            button(person.language, "button_send", "fy:"),
            button(person.language, "button_cancel", "fn:"),
        ),
    )
    return ChatReply(text, buttons=buttons)


async def _advance(app: App, person: Person, draft: dict[str, Any]) -> list[ChatReply]:
    step = STEPS[STEPS.index(draft["step"]) + 1]
    draft["step"] = step
    await update_state(app, person, **{PROPOSING: draft})
    if step == "confirm":
        return [_summary(app, person, draft)]
    return [_ask(person, step)]


async def propose_step(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """One answer to the current question (or a document for the Bilag)."""
    draft = _draft(person)
    step = str(draft.get("step", "title"))
    for document in event.documents:
        draft.setdefault("files", []).append(
            {
                "filename": document.filename,
                "content_type": document.content_type,
                "data": base64.b64encode(document.data).decode("ascii"),
            }
        )
    if event.kind is EventKind.DOCUMENT:
        await update_state(app, person, **{PROPOSING: draft})
        names = ", ".join(f["filename"] for f in draft["files"])
        note = ChatReply(chat_say(person.language, "propose_file_kept", files=names))
        if step == "files":
            return [note]
        return [note, _summary(app, person, draft) if step == "confirm" else _ask(person, step)]
    text = event.text.strip()
    if step == "confirm":
        return [_summary(app, person, draft)]
    if step == "files" or (step in _OPTIONAL and text == _SKIP):
        return await _advance(app, person, draft)
    if not text or (text == _SKIP and step not in _OPTIONAL):
        return [ChatReply(chat_say(person.language, "propose_needed")), _ask(person, step)]
    draft[step] = text
    return await _advance(app, person, draft)


async def skip_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """The skip (or done with Bilag) button."""
    draft = _draft(person)
    if draft.get("step") not in _OPTIONAL:
        return []
    return await _advance(app, person, draft)


async def send_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """Send the proposal: written out as a partner would, and read through the one intake."""
    from partnerdesk.usecases.chat import take_in_chat

    draft = _draft(person)
    if draft.get("step") != "confirm":
        return [ChatReply(chat_say(person.language, "propose_gone"))]
    await update_state(app, person, **{PROPOSING: None})
    group = person.group
    earlier = [
        a
        for a in current_answers(await app.store.answers(group.slug))
        if a.partner == person.partner.slug and a.reading.proposals
    ]
    text = app.renderer.telegram_text("proposal_text", group, draft=draft, more=bool(earlier))
    with_files = replace(event, documents=tuple(_files(draft)))
    await take_in_chat(app, person, with_files, text=text, synthetic="propose")
    return [ChatReply(chat_say(person.language, "propose_sent"), edit=True)]


async def cancel_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """The cancel button under the summary."""
    await update_state(app, person, **{PROPOSING: None})
    return [ChatReply(chat_say(person.language, "cancelled"), edit=True)]
