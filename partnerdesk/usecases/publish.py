"""Publish the approved agenda: files on disk and a mail to every contact."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

from agenda.agenda import Agenda
from agenda.errors import WorkflowError
from agenda.model import Group, Meeting
from agenda.workflow import CallEvent, CallState, advance
from partnerdesk.app import App
from partnerdesk.usecases.common import audit, queue_mail, require_call


@dataclass(frozen=True)
class Published:
    """Where the agenda went."""

    version: int
    files: tuple[Path, ...]
    mails_queued: int


def agenda_folder(app: App, group: Group, meeting: Meeting) -> Path:
    """The folder the rendered agendas of a meeting are written to."""
    return app.settings.published_dir / group.slug / meeting.id


async def write_agenda_files(
    app: App, group: Group, meeting: Meeting, agenda: Agenda, *, stem: str
) -> tuple[Path, ...]:
    """Render the agenda as HTML and text into the meeting's folder."""
    folder = agenda_folder(app, group, meeting)
    html = app.renderer.agenda_html(group, meeting, agenda)
    text = app.renderer.agenda_text(group, meeting, agenda)

    def write() -> tuple[Path, ...]:
        folder.mkdir(parents=True, exist_ok=True)
        html_path, text_path = folder / f"{stem}.html", folder / f"{stem}.txt"
        html_path.write_text(html, encoding="utf-8")
        text_path.write_text(text, encoding="utf-8")
        return html_path, text_path

    return await asyncio.to_thread(write)


async def publish(app: App, group: Group, meeting: Meeting, *, actor: str = "cli") -> Published:
    """Send the approved agenda to every contact; closed items only to chair and secretariat."""
    call = await require_call(app, group, meeting)
    agenda = await app.store.agenda(group.slug, meeting.id)
    if agenda is None or call.state not in (CallState.APPROVED, CallState.PUBLISHED):
        raise WorkflowError(
            f"the agenda for meeting '{meeting.id}' is not approved yet; "
            "the chair approves with: partnerdesk agenda approve"
        )
    public = agenda.for_partners()
    files = await write_agenda_files(app, group, meeting, agenda, stem=f"dagsorden-v{agenda.version}")
    queued = 0
    for partner in group.partners:
        for contact in partner.contacts:
            insider = contact.is_chair or contact.role.value == "secretariat"
            shown = agenda if insider else public
            queued += await queue_mail(
                app,
                group,
                meeting=meeting,
                purpose="agenda",
                key=f"{meeting.id}-v{agenda.version}",
                to=contact,
                rendered=app.renderer.published_mail(group, meeting, shown),
            )
    if call.state is CallState.APPROVED:
        await app.store.save_call(replace(call, state=advance(call.state, CallEvent.PUBLISH)))
        await audit(app, group, "agenda.published", actor, meeting.id, version=agenda.version)
    return Published(version=agenda.version, files=files, mails_queued=queued)
