"""Close the call and compile the draft agenda; every change is a new version."""

from __future__ import annotations

from dataclasses import dataclass, replace

from agenda.addresses import plus_address
from agenda.agenda import Agenda
from agenda.authority import OPERATOR, Act, may
from agenda.compile import compile_agenda
from agenda.editing import Edit, apply_edits, apply_edits_strict, diff
from agenda.errors import NotAllowedError, NotFoundError, WorkflowError
from agenda.model import Group, Meeting
from agenda.records import AnswerStatus, Call
from agenda.workflow import CallEvent, CallState, advance, can
from partnerdesk.app import App
from partnerdesk.texts import table
from partnerdesk.usecases.common import audit, queue_mail, require_call, token_for
from partnerdesk.usecases.linking import language_of


async def close_call(app: App, group: Group, meeting: Meeting, *, actor: str = "cli") -> Call:
    """Close the call: later answers are kept as late items for the chair to admit."""
    call = await require_call(app, group, meeting)
    if call.state is CallState.OPEN:
        call = replace(call, state=advance(call.state, CallEvent.CLOSE), closed_at=app.clock())
        await app.store.save_call(call)
        await audit(app, group, "call.closed", actor, meeting.id)
    return call


@dataclass(frozen=True)
class Closed:
    """A call closed, its draft compiled and sent to the chair."""

    call: Call
    agenda: Agenda
    mails_queued: int


async def close_and_draft(
    app: App, group: Group, meeting: Meeting, *, actor: str = "cli"
) -> Closed:
    """Close the call, compile the draft and send it to the chair: the same by hand as at the
    deadline."""
    call = await close_call(app, group, meeting, actor=actor)
    agenda, _ = await draft_agenda(app, group, meeting, actor=actor)
    queued = await send_draft_to_chairs(app, group, meeting, agenda)
    call = await require_call(app, group, meeting)
    return Closed(call=call, agenda=agenda, mails_queued=queued)


async def draft_agenda(
    app: App,
    group: Group,
    meeting: Meeting,
    *,
    actor: str = "cli",
    edit: Edit | None = None,
    reverted_to: Agenda | None = None,
) -> tuple[Agenda, bool]:
    """Compile the draft and replay the secretariat's edits; a new version only on a change.

    With reverted_to, the edits of that earlier version are replayed instead of the latest's.
    """
    call = await require_call(app, group, meeting)
    answers = await app.store.answers(group.slug, meeting.id)
    latest = await app.store.agenda(group.slug, meeting.id)
    kept = reverted_to or latest
    edits = [Edit.from_dict(e) for e in kept.edits] if kept else []
    if edit is not None:
        edits.append(edit)
    compiled = compile_agenda(
        group, meeting, answers, now=app.clock(), version=(latest.version + 1) if latest else 1
    )
    if edit is not None:
        # Apply the new edit alone first, so an edit that cannot be done is refused loudly.
        base = apply_edits(compiled, edits[:-1])
        apply_edits_strict(base, edit)
    agenda = replace(apply_edits(compiled, edits), edits=tuple(e.to_dict() for e in edits))
    if latest is not None and latest.items == agenda.items:
        return latest, False
    await app.store.save_agenda(agenda)
    event = (
        CallEvent.EDIT
        if call.state in (CallState.APPROVED, CallState.PUBLISHED)
        else (CallEvent.COMPILE)
    )
    if can(call.state, event):
        # A change after approval needs a new approval: the call goes back to drafted.
        await app.store.save_call(replace(call, state=advance(call.state, event)))
    action = "agenda.edited" if edit else "agenda.drafted"
    await audit(
        app,
        group,
        "agenda.reverted" if reverted_to else action,
        actor,
        meeting.id,
        version=agenda.version,
        diff=diff(latest, agenda),
        edit=edit.to_dict() if edit else None,
        reverted_to=reverted_to.version if reverted_to else None,
    )
    return agenda, True


async def edit_agenda(
    app: App, group: Group, meeting: Meeting, edit: Edit, *, actor: str = OPERATOR
) -> tuple[Agenda, str]:
    """Make one edit; returns the new version and a readable diff in the group's language."""
    if not may(group, actor, Act.EDIT):
        await audit(app, group, "edit.refused", actor, meeting.id)
        raise NotAllowedError("edit_not_allowed", email=actor)
    before = await app.store.agenda(group.slug, meeting.id)
    if before is None:
        raise WorkflowError("no_draft", meeting=meeting.id)
    agenda, _ = await draft_agenda(app, group, meeting, actor=actor, edit=edit)
    return agenda, diff(before, agenda, table(group, "outline"))


async def revert_agenda(
    app: App, group: Group, meeting: Meeting, version: int, *, actor: str = "cli"
) -> tuple[Agenda, str]:
    """Go back to an earlier version's edits, as a new version; returns it and the diff."""
    before = await app.store.agenda(group.slug, meeting.id)
    if before is None:
        raise WorkflowError("no_draft", meeting=meeting.id)
    earlier = await app.store.agenda(group.slug, meeting.id, version)
    if earlier is None:
        raise NotFoundError(
            "no_version", meeting=meeting.id, version=version, latest=before.version
        )
    agenda, _ = await draft_agenda(app, group, meeting, actor=actor, reverted_to=earlier)
    return agenda, diff(before, agenda, table(group, "outline"))


async def decide_late(
    app: App, group: Group, meeting: Meeting, answer_id: int, *, admit: bool, actor: str
) -> Agenda | None:
    """The chair admits a late answer onto the agenda, or declines it (kept, not shown)."""
    if not may(group, actor, Act.ADMIT_LATE):
        await audit(app, group, "late.refused", actor, meeting.id, answer=answer_id)
        raise NotAllowedError("late_not_chair", email=actor)
    answers = {a.id: a for a in await app.store.answers(group.slug, meeting.id)}
    answer = answers.get(answer_id)
    if answer is None or answer.status is not AnswerStatus.LATE:
        raise NotFoundError("no_late_answer", meeting=meeting.id, answer=answer_id)
    status = AnswerStatus.ACCEPTED if admit else AnswerStatus.DECLINED
    await app.store.set_answer_status(answer_id, status)
    await audit(
        app,
        group,
        "late.admitted" if admit else "late.declined",
        actor,
        meeting.id,
        answer=answer_id,
    )
    if not admit:
        return None
    agenda, _ = await draft_agenda(app, group, meeting, actor=actor)
    return agenda


async def send_draft_to_chairs(app: App, group: Group, meeting: Meeting, agenda: Agenda) -> int:
    """E-mail the draft to the chair (and vice chair) with a token to approve by reply."""
    queued = 0
    for partner in group.partners:
        for contact in partner.contacts:
            if not contact.is_chair:
                continue
            token = await token_for(app, group, meeting, partner.slug, "draft")
            reply_to = plus_address(group.reply_address, token)
            speaks = app.renderer.for_language(await language_of(app, group, contact))
            rendered = speaks.draft_to_chair_mail(
                group,
                meeting,
                agenda,
                contact,
                reply_address=reply_to,
                approvals_needed=group.approvals_required,
                mail_approval=bool(app.settings.approval_authserv_id),
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
