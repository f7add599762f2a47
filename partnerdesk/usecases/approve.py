"""Approval by the chair: CLI, e-mail reply, or bot; only a chair can, every step audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from agenda.authority import Act, may
from agenda.errors import NotAllowedError, WorkflowError
from agenda.model import Group, Meeting, Role
from agenda.records import Answer, Approval
from agenda.workflow import CallEvent, CallState, advance
from partnerdesk.app import App
from partnerdesk.usecases.common import audit, require_call
from partnerdesk.usecases.linking import language_of

if TYPE_CHECKING:
    from partnerdesk.usecases.routing import Route

_APPROVAL_WORDS = re.compile(r"^\W*(godkend|approv|ok\b|enig\b)", re.IGNORECASE)


@dataclass(frozen=True)
class ApprovalOutcome:
    """What an approval did: recorded, and whether the agenda is now approved."""

    version: int
    approved: bool
    still_needed: tuple[str, ...]


async def approve(
    app: App, group: Group, meeting: Meeting, email: str, *, channel: str = "cli"
) -> ApprovalOutcome:
    """Record a chair's approval of the latest draft; approve it when enough chairs have."""
    found = group.contact_by_email(email)
    if found is None or not may(group, email, Act.APPROVE):
        await audit(app, group, "approval.refused", email, meeting.id, channel=channel)
        raise NotAllowedError("not_a_chair", email=email, group=group.slug)
    contact = found[1]
    call = await require_call(app, group, meeting)
    agenda = await app.store.agenda(group.slug, meeting.id)
    if agenda is None or call.state not in (CallState.DRAFTED, CallState.APPROVED):
        raise WorkflowError("no_draft_to_approve", meeting=meeting.id)
    await app.store.add_approval(
        Approval(
            group=group.slug,
            meeting=meeting.id,
            version=agenda.version,
            approved_by=contact.email,
            approved_at=app.clock(),
            channel=channel,
        )
    )
    await audit(
        app,
        group,
        "agenda.approval",
        contact.email,
        meeting.id,
        version=agenda.version,
        channel=channel,
    )
    given = {
        a.approved_by
        for a in await app.store.approvals(group.slug, meeting.id)
        if a.version == agenda.version
    }
    needed = _still_needed(group, given)
    approved = not needed
    if approved and call.state is CallState.DRAFTED:
        await app.store.save_call(replace(call, state=advance(call.state, CallEvent.APPROVE)))
        await audit(
            app, group, "agenda.approved", contact.email, meeting.id, version=agenda.version
        )
    return ApprovalOutcome(version=agenda.version, approved=approved, still_needed=needed)


def _still_needed(group: Group, given: set[str]) -> tuple[str, ...]:
    """Who must still approve this version: one chair, or both chair and vice chair."""
    chairs = [c for c in group.chairs if c.role is Role.CHAIR]
    vices = [c for c in group.chairs if c.role is Role.VICE_CHAIR]
    if group.approvals_required == 1:
        return (
            ()
            if any(c.email in given for c in group.chairs)
            else tuple(c.email for c in group.chairs)
        )
    missing: list[str] = []
    for people in (chairs, vices):
        if people and not any(c.email in given for c in people):
            missing.extend(c.email for c in people)
    return tuple(missing)


async def approve_and_publish(
    app: App, group: Group, meeting: Meeting, email: str, *, channel: str
) -> tuple[ApprovalOutcome, bool]:
    """Approve; once every approval needed is in, publish at once. (outcome, published)."""
    from partnerdesk.usecases.publish import publish

    outcome = await approve(app, group, meeting, email, channel=channel)
    if not outcome.approved:
        return outcome, False
    call = await require_call(app, group, meeting)
    if call.state is not CallState.APPROVED:
        return outcome, False
    await publish(app, group, meeting, actor=email)
    return outcome, True


def names_of(group: Group, emails: tuple[str, ...]) -> tuple[str, ...]:
    """The names of the chairs still to approve, for a person to read."""
    found = [group.contact_by_email(e) for e in emails]
    return tuple(f[1].name if f else e for f, e in zip(found, emails, strict=True))


def mail_refusal(app: App, route: Route, latest_version: int) -> str | None:
    """Why a chair's reply to the draft cannot approve it, or None when it may.

    Anyone can write a chair's address in From; only our own gateway's Authentication-Results
    (DMARC, or DKIM aligned with the chair's domain) show the chair sent it. The reply must also
    answer the draft sent to this chair, and its newest version.
    """
    if not app.settings.approval_authserv_id:
        return "email_off"
    if not route.authentic:
        return "not_authentic"
    if route.draft is None or not route.draft.to_sender:
        return "not_bound"
    if route.draft.version != latest_version:
        return "stale"
    return None


async def approve_by_mail(app: App, route: Route, answer: Answer) -> ApprovalOutcome | None:
    """A chair's reply to the draft: an authentic "Godkendt" approves and publishes; the chair
    always hears back what happened, or how to approve when the reply could not count."""
    from partnerdesk.usecases.common import queue_mail

    group, meeting = route.group, route.meeting
    if group is None or meeting is None or not route.approval:
        return None
    found = group.contact_by_email(route.sender)
    latest = await app.store.agenda(group.slug, meeting.id)
    if found is None or latest is None:
        return None
    outcome: ApprovalOutcome | None = None
    published = False
    refusal = mail_refusal(app, route, latest.version)
    if refusal is not None:
        await audit(app, group, "approval.refused", route.sender, meeting.id, why=refusal)
    elif not _APPROVAL_WORDS.search(answer.reading.new_text or ""):
        await audit(app, group, "approval.not_understood", route.sender, meeting.id)
    else:
        try:
            outcome, published = await approve_and_publish(
                app, group, meeting, route.sender, channel="email"
            )
        except (NotAllowedError, WorkflowError) as exc:
            # Already published, or not allowed: recorded, and nothing more to say by mail.
            await audit(app, group, "approval.refused", route.sender, meeting.id, why=exc.key)
            return None
    speaks = app.renderer.for_language(await language_of(app, group, found[1]))
    rendered = speaks.approval_reply(
        group,
        meeting,
        found[1],
        version=outcome.version if outcome else latest.version,
        understood=outcome is not None,
        approved=bool(outcome and outcome.approved),
        published=published,
        still_needed=names_of(group, outcome.still_needed) if outcome else (),
        refusal=refusal,
        answered=route.draft.version if route.draft else None,
    )
    # The reply goes to the chair's registered address, never to a forged sender's.
    await queue_mail(
        app,
        group,
        meeting=meeting,
        purpose="approval",
        key=str(answer.id),
        to=found[1],
        rendered=rendered,
        in_reply_to=route.message_id,
        references=(route.message_id,) if route.message_id else (),
    )
    return outcome
