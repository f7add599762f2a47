"""Publish the approved agenda: PDF, HTML, text and invitation on disk, and a mail to everyone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from agenda.agenda import Agenda
from agenda.errors import WorkflowError
from agenda.model import Contact, Group, Meeting, Role
from agenda.records import Answer, Attachment
from agenda.workflow import CallEvent, CallState, advance
from partnerdesk.app import App
from partnerdesk.invitation import invitation
from partnerdesk.pdf import html_to_pdf_async
from partnerdesk.usecases.attachments import load_attachments
from partnerdesk.usecases.bilag import load_bilag
from partnerdesk.usecases.chat_delivery import ChatCopy
from partnerdesk.usecases.common import audit, queue_mail, require_call
from partnerdesk.usecases.linking import language_of

logger = logging.getLogger(__name__)

# What a file of each type starts with: a program renamed to .pdf is still not sent on.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "odp": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
}
_SAME_TYPE = {"jpeg": "jpg", "htm": "html"}


@dataclass(frozen=True)
class Published:
    """Where the agenda went, and which partners' files were kept back."""

    version: int
    files: tuple[Path, ...]
    mails_queued: int
    sequence: int
    withheld: tuple[str, ...] = ()


@dataclass(frozen=True)
class Withheld:
    """A partner's file that is not sent on with the agenda, and why."""

    filename: str
    reason: str


def file_type(filename: str) -> str:
    """The type a file name claims: its suffix, lower case, without the dot."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower().lstrip(".")
    return _SAME_TYPE.get(suffix, suffix)


def _looks_like(kind: str, data: bytes) -> bool:
    if kind == "txt":
        # Text has no NUL bytes; programs and archives do.
        return b"\x00" not in data[:65536]
    signatures = _SIGNATURES.get(kind)
    # A type the operator allowed without a known signature is taken by its name.
    return signatures is None or data.startswith(signatures)


def choose_bilag(
    files: Sequence[Attachment], allowed: Sequence[str], budget: int
) -> tuple[list[Attachment], list[Withheld]]:
    """The files that go on with the agenda (allowed type, within budget) and those kept back."""
    allowed_types = {_SAME_TYPE.get(t, t) for t in allowed}
    chosen: list[Attachment] = []
    withheld: list[Withheld] = []
    seen: set[tuple[str, bytes]] = set()
    spent = 0
    for attachment in files:
        key = (attachment.filename, attachment.data)
        if key in seen:
            continue  # one file on two items goes once
        seen.add(key)
        kind = file_type(attachment.filename)
        if kind not in allowed_types:
            withheld.append(Withheld(attachment.filename, f"type .{kind or '?'} is not sent on"))
        elif not _looks_like(kind, attachment.data):
            withheld.append(Withheld(attachment.filename, f"content is not a .{kind} file"))
        elif spent + len(attachment.data) > budget:
            withheld.append(Withheld(attachment.filename, "over the size budget"))
        else:
            spent += len(attachment.data)
            chosen.append(attachment)
    return chosen, withheld


@dataclass(frozen=True)
class Rendition:
    """One agenda rendered every way it is sent."""

    html: str
    text: str
    pdf: bytes


def agenda_folder(app: App, group: Group, meeting: Meeting) -> Path:
    """The folder the rendered agendas of a meeting are written to."""
    return app.settings.published_dir / group.slug / meeting.id


async def render_agenda(app: App, group: Group, meeting: Meeting, agenda: Agenda) -> Rendition:
    """HTML, text and PDF of the agenda, from the same templates."""
    html = app.renderer.agenda_html(group, meeting, agenda, draft=False)
    text = app.renderer.agenda_text(group, meeting, agenda, draft=False)
    return Rendition(html=html, text=text, pdf=await html_to_pdf_async(html))


async def _write(folder: Path, files: dict[str, bytes]) -> tuple[Path, ...]:
    def write() -> tuple[Path, ...]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in files.items():
            path = folder / name
            path.write_bytes(data)
            paths.append(path)
        return tuple(paths)

    return await asyncio.to_thread(write)


async def _bilag(app: App, agenda: Agenda, answers: dict[int, Answer]) -> list[Attachment]:
    """The files partners sent with the proposals on the agenda."""
    found: list[Attachment] = []
    for item in agenda.items:
        for contribution in item.contributions:
            answer = answers.get(contribution.answer_id or -1)
            if answer is None or answer.inbound_id is None:
                continue
            names = tuple(
                a for p in answer.reading.proposals for a in p.attachments if a in item.attachments
            )
            found += await load_attachments(app, answer.inbound_id, names)
    return found


def _insider(contact: Contact) -> bool:
    return contact.is_chair or contact.role is Role.SECRETARIAT


async def publish(app: App, group: Group, meeting: Meeting, *, actor: str = "cli") -> Published:
    """Send the approved agenda to every contact; closed items only to chair and secretariat."""
    call = await require_call(app, group, meeting)
    agenda = await app.store.agenda(group.slug, meeting.id)
    if agenda is None or call.state is not CallState.APPROVED:
        raise WorkflowError("not_approved", meeting=meeting.id)
    log = await app.store.audit_log(group.slug, meeting.id)
    sequence = sum(1 for e in log if e.action == "agenda.published")
    full = await render_agenda(app, group, meeting, agenda)
    public_agenda = agenda.for_partners()
    public = (
        full
        if public_agenda.items == agenda.items
        else await render_agenda(app, group, meeting, public_agenda)
    )
    mail_text = app.renderer.published_mail(group, meeting, public_agenda)
    ics = invitation(
        group,
        meeting,
        summary=mail_text.subject,
        description=public.text,
        sequence=sequence,
        now=app.clock(),
    )
    stem = app.renderer.agenda_file_name(group, meeting, agenda)
    files = await _write(
        agenda_folder(app, group, meeting),
        {
            f"{stem}.pdf": public.pdf,
            f"{stem}.html": public.html.encode("utf-8"),
            f"{stem}.txt": public.text.encode("utf-8"),
            f"{app.renderer.agenda_file_name(group, meeting, agenda, full=True)}.pdf": full.pdf,
            f"{meeting.id}.ics": ics,
        },
    )
    answers = {a.id: a for a in await app.store.answers(group.slug, meeting.id) if a.id}
    bilag_all, withheld = choose_bilag(
        await _bilag(app, agenda, answers),
        app.settings.publish_attachment_types,
        app.settings.publish_attachment_budget,
    )
    chosen = {(a.filename, a.data) for a in bilag_all}
    bilag_public = [
        a for a in await _bilag(app, public_agenda, answers) if (a.filename, a.data) in chosen
    ]
    for kept_back in withheld:
        # The file stays where it was kept when it arrived; the secretariat finds it there.
        logger.warning("not sent on with the agenda: %s (%s)", kept_back.filename, kept_back.reason)
    # The secretariat's own Bilag were chosen by hand for this agenda; they always go along.
    bilag_all = [*bilag_all, *await load_bilag(app, group, meeting, agenda)]
    bilag_public = [*bilag_public, *await load_bilag(app, group, meeting, public_agenda)]
    # One invitation per language: its title is the subject the reader's mail has.
    invites = {group.language: ics}
    queued = 0
    for partner in group.partners:
        for contact in partner.contacts:
            insider = _insider(contact)
            shown_agenda = agenda if insider else public_agenda
            shown = full if insider else public
            language = await language_of(app, group, contact)
            speaks = app.renderer.for_language(language)
            rendered = speaks.published_mail(group, meeting, shown_agenda)
            if language not in invites:
                invites[language] = invitation(
                    group,
                    meeting,
                    summary=rendered.subject,
                    description=public.text,
                    sequence=sequence,
                    now=app.clock(),
                )
            invite = Attachment(
                f"{meeting.id}.ics", "text/calendar; method=REQUEST", invites[language]
            )
            queued += await queue_mail(
                app,
                group,
                meeting=meeting,
                purpose="agenda",
                key=f"{meeting.id}-v{agenda.version}",
                to=contact,
                rendered=rendered,
                attachments=(
                    Attachment(f"{stem}.pdf", "application/pdf", shown.pdf),
                    invite,
                    *(bilag_all if insider else bilag_public),
                ),
                chat=ChatCopy(
                    speaks.telegram_text("agenda", group, meeting=meeting, agenda=shown_agenda),
                    document=Attachment(f"{stem}.pdf", "application/pdf", shown.pdf),
                ),
            )
    await app.store.save_call(replace(call, state=advance(call.state, CallEvent.PUBLISH)))
    await audit(
        app,
        group,
        "agenda.published",
        actor,
        meeting.id,
        version=agenda.version,
        sequence=sequence,
        withheld=[f"{w.filename}: {w.reason}" for w in withheld],
    )
    return Published(
        version=agenda.version,
        files=files,
        mails_queued=queued,
        sequence=sequence,
        withheld=tuple(w.filename for w in withheld),
    )
