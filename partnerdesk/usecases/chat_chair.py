"""The chair and the secretariat in the chat: see the draft, approve that version, review."""

from __future__ import annotations

from agenda.authority import Act, may
from agenda.chatlinks import ChatButton
from agenda.errors import PartnerdeskError
from agenda.model import Group, Meeting
from agenda.records import Attachment
from agenda.workflow import CallState
from bot.events import ChatEvent, ChatReply
from partnerdesk.app import App
from partnerdesk.chat_texts import button, chat_say
from partnerdesk.texts import error_sentence
from partnerdesk.usecases.common import audit
from partnerdesk.usecases.linking import Person, update_state

_SHOWN = "shown"
# At most this many answers are listed by /review; the rest wait for the next look.
_REVIEW_LIMIT = 10


async def _refused(app: App, person: Person, act: Act, what: str) -> list[ChatReply]:
    await audit(app, person.group, "chat.refused", person.contact.email, None, act=what)
    who = "who_chair" if act is Act.APPROVE else "who_review"
    return [ChatReply(chat_say(person.language, "not_allowed", who=chat_say(person.language, who)))]


async def _drafted(app: App, group: Group) -> Meeting | None:
    """The meeting whose draft waits for approval (the soonest, when there are several)."""
    states = (CallState.DRAFTED, CallState.APPROVED)
    calls = [c for c in await app.store.calls(group.slug) if c.state in states]
    meetings = [m for c in calls if (m := group.meeting(c.meeting)) is not None]
    return min(meetings, key=lambda m: m.starts_at) if meetings else None


async def draft(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """/udkast: the draft as a summary and a PDF, with a button approving this version."""
    from partnerdesk.pdf import html_to_pdf_async

    group = person.group
    if not may(group, person.contact.email, Act.REVIEW):
        return await _refused(app, person, Act.REVIEW, "draft")
    meeting = await _drafted(app, group)
    agenda = await app.store.agenda(group.slug, meeting.id) if meeting else None
    if meeting is None or agenda is None:
        return [ChatReply(chat_say(person.language, "no_draft"))]
    await update_state(app, person, **{_SHOWN: [meeting.id, agenda.version]})
    summary = app.renderer.for_language(person.language).telegram_text(
        "draft", group, meeting=meeting, agenda=agenda
    )
    html = app.renderer.agenda_html(group, meeting, agenda, draft=True)
    pdf = Attachment(
        f"udkast-{meeting.id}-v{agenda.version}.pdf",
        "application/pdf",
        await html_to_pdf_async(html),
    )
    buttons: tuple[tuple[ChatButton, ...], ...] = ()
    if may(group, person.contact.email, Act.APPROVE):
        approve = button(person.language, "button_approve", f"ap:{meeting.id}:{agenda.version}")
        buttons = ((approve,),)
    caption = chat_say(person.language, "draft_caption", version=agenda.version)
    return [ChatReply(summary), ChatReply(caption, document=pdf, buttons=buttons)]


async def _approve(
    app: App, person: Person, meeting_id: str, version: int, how: str
) -> list[ChatReply]:
    """Approve exactly this version; a newer draft or a published agenda is said so."""
    from partnerdesk.usecases.approve import approve_and_publish, names_of

    group = person.group
    email = person.contact.email
    if not may(group, email, Act.APPROVE):
        return await _refused(app, person, Act.APPROVE, how)
    meeting = group.meeting(meeting_id)
    call = await app.store.get_call(group.slug, meeting_id) if meeting else None
    latest = await app.store.agenda(group.slug, meeting_id) if meeting else None
    if meeting is None or call is None or latest is None:
        return [ChatReply(chat_say(person.language, "no_draft"))]
    if call.state is CallState.PUBLISHED:
        # A second press of the same button: approved and published once already.
        return [ChatReply(chat_say(person.language, "already_published", version=latest.version))]
    if latest.version != version:
        await audit(
            app, group, "approval.stale", email, meeting_id, version=version, latest=latest.version
        )
        return [
            ChatReply(chat_say(person.language, "stale", version=version, latest=latest.version))
        ]
    try:
        outcome, _ = await approve_and_publish(app, group, meeting, email, channel="telegram")
    except PartnerdeskError as exc:
        return [ChatReply(error_sentence(person.language.value, exc))]
    from partnerdesk.usecases.outbox import deliver_chats

    await deliver_chats(app, bulk=True)
    text = app.renderer.for_language(person.language).telegram_text(
        "approved",
        group,
        version=outcome.version,
        approved=outcome.approved,
        still_needed=names_of(group, outcome.still_needed),
        meeting=meeting,
    )
    return [ChatReply(text)]


async def approve_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """The approve button under a draft: the version it carries, or nothing."""
    meeting_id, version = args
    if not version.isdigit():
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    return await _approve(app, person, meeting_id, int(version), "button")


async def approve_shown(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """/godkend: approve the version last shown to this chair by /udkast."""
    if not may(person.group, person.contact.email, Act.APPROVE):
        return await _refused(app, person, Act.APPROVE, "command")
    shown = person.link.state.get(_SHOWN)
    if not isinstance(shown, list) or len(shown) != 2:
        return [ChatReply(chat_say(person.language, "show_first"))]
    return await _approve(app, person, str(shown[0]), int(shown[1]), "command")


async def review(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    """/review: held and uncertain answers, each with buttons to assign or dismiss."""
    from partnerdesk.usecases.answers import review_list

    group = person.group
    if not may(group, person.contact.email, Act.REVIEW):
        return await _refused(app, person, Act.REVIEW, "review")
    calls = [c for c in await app.store.calls(group.slug) if c.state is not CallState.PUBLISHED]
    meetings = [m for c in calls if (m := group.meeting(c.meeting)) is not None]
    views = []
    seen: set[int | None] = set()
    for meeting in sorted(meetings, key=lambda m: m.starts_at):
        # Answers tied to no call come with every meeting's list; show each once.
        for view in await review_list(app, group, meeting):
            if view.answer.id not in seen:
                seen.add(view.answer.id)
                views.append(view)
    if not views:
        return [ChatReply(chat_say(person.language, "nothing_to_review"))]
    replies: list[ChatReply] = []
    for view in views[:_REVIEW_LIMIT]:
        answer = view.answer
        assert answer.id is not None
        text = app.renderer.for_language(person.language).telegram_text(
            "review_item", group, view=view, answer=answer
        )
        buttons = (
            (
                button(person.language, "button_assign", f"ra:{answer.id}"),
                button(person.language, "button_dismiss", f"rd:{answer.id}"),
            ),
        )
        replies.append(ChatReply(text, buttons=buttons))
    if len(views) > _REVIEW_LIMIT:
        replies.append(
            ChatReply(chat_say(person.language, "review_more", more=len(views) - _REVIEW_LIMIT))
        )
    return replies


async def assign_choices(
    app: App, person: Person, event: ChatEvent, answer_id: int
) -> list[ChatReply]:
    """Which partner the answer is for: one button per partner."""
    group = person.group
    if not may(group, person.contact.email, Act.REVIEW):
        return await _refused(app, person, Act.REVIEW, "assign")
    partners = [
        button_for(group, p.name, f"rp:{answer_id}:{n}") for n, p in enumerate(group.partners)
    ]
    rows = tuple(tuple(partners[n : n + 2]) for n in range(0, len(partners), 2))
    return [ChatReply(chat_say(person.language, "choose_partner", answer=answer_id), buttons=rows)]


def button_for(group: Group, label: str, data: str) -> ChatButton:
    """A button labelled with a name rather than a catalogued word."""
    return ChatButton(label[:60], data)


async def assign_pressed(
    app: App, person: Person, event: ChatEvent, args: list[str]
) -> list[ChatReply]:
    """Give a held answer to the partner whose button was pressed."""
    from partnerdesk.usecases.answers import assign_answer

    group = person.group
    if not (args[0].isdigit() and args[1].isdigit()) or int(args[1]) >= len(group.partners):
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    partner = group.partners[int(args[1])]
    try:
        await assign_answer(app, group, int(args[0]), partner.slug, actor=person.contact.email)
    except PartnerdeskError as exc:
        return [ChatReply(error_sentence(person.language.value, exc))]
    from partnerdesk.usecases.outbox import deliver_chats

    await deliver_chats(app)
    return [
        ChatReply(
            chat_say(person.language, "assigned", answer=args[0], partner=partner.name), edit=True
        )
    ]


async def dismiss_pressed(
    app: App, person: Person, event: ChatEvent, answer_id: int
) -> list[ChatReply]:
    """Nothing for the agenda: the answer no longer asks for attention."""
    from partnerdesk.usecases.answers import dismiss_answer

    group = person.group
    try:
        await dismiss_answer(app, group, answer_id, actor=person.contact.email)
    except PartnerdeskError as exc:
        return [ChatReply(error_sentence(person.language.value, exc))]
    return [ChatReply(chat_say(person.language, "dismissed", answer=answer_id), edit=True)]
