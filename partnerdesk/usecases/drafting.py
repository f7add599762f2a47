"""Close the call and compile the draft agenda; every change is a new version."""

from __future__ import annotations

from dataclasses import replace

from agenda.addresses import plus_address
from agenda.agenda import Agenda
from agenda.compile import compile_agenda
from agenda.model import Group, Meeting
from agenda.records import Call
from agenda.workflow import CallEvent, CallState, advance, can
from partnerdesk.app import App
from partnerdesk.usecases.common import audit, queue_mail, require_call, token_for


async def close_call(app: App, group: Group, meeting: Meeting, *, actor: str = "cli") -> Call:
    """Close the call: later answers are kept as late items for the chair to admit."""
    call = await require_call(app, group, meeting)
    if call.state is CallState.OPEN:
        call = replace(call, state=advance(call.state, CallEvent.CLOSE), closed_at=app.clock())
        await app.store.save_call(call)
        await audit(app, group, "call.closed", actor, meeting.id)
    return call


def _same_items(a: Agenda, b: Agenda) -> bool:
    return a.items == b.items


async def draft_agenda(
    app: App, group: Group, meeting: Meeting, *, actor: str = "cli"
) -> tuple[Agenda, bool]:
    """Compile the draft; a new version only when something changed. (agenda, is_new)."""
    call = await require_call(app, group, meeting)
    answers = await app.store.answers(group.slug, meeting.id)
    latest = await app.store.agenda(group.slug, meeting.id)
    version = (latest.version + 1) if latest else 1
    agenda = compile_agenda(group, meeting, answers, now=app.clock(), version=version)
    if latest is not None and _same_items(latest, agenda):
        return latest, False
    if latest is not None and call.state in (CallState.APPROVED, CallState.PUBLISHED):
        # Only a change made on purpose (an edit, an admitted late item) reopens an approved
        # agenda; that path goes through edit_agenda, which makes the new version itself.
        return latest, False
    await app.store.save_agenda(agenda)
    if can(call.state, CallEvent.COMPILE):
        await app.store.save_call(replace(call, state=advance(call.state, CallEvent.COMPILE)))
    await audit(app, group, "agenda.drafted", actor, meeting.id, version=agenda.version)
    return agenda, True


async def send_draft_to_chairs(app: App, group: Group, meeting: Meeting, agenda: Agenda) -> int:
    """E-mail the draft to the chair (and vice chair) with a token to approve by reply."""
    queued = 0
    for partner in group.partners:
        for contact in partner.contacts:
            if not contact.is_chair:
                continue
            token = await token_for(app, group, meeting, partner.slug, "draft")
            reply_to = plus_address(group.reply_address, token)
            rendered = app.renderer.draft_to_chair_mail(
                group,
                meeting,
                agenda,
                contact,
                reply_address=reply_to,
                approvals_needed=group.approvals_required,
            )
            queued += await queue_mail(
                app,
                group,
                meeting=meeting,
                purpose="draft",
                key=f"{meeting.id}-v{agenda.version}",
                to=contact,
                rendered=rendered,
                token=token,
                reply_to=reply_to,
            )
    return queued
