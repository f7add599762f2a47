"""A whole call on the embedded defaults: Maildir out, Maildir in, SQLite."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from agenda.agenda import ItemKind
from agenda.errors import NotAllowedError
from agenda.workflow import CallState
from partnerdesk.app import App
from partnerdesk.demo import DemoClock
from partnerdesk.usecases import approve as approving
from partnerdesk.usecases import calls, drafting, publish
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS
from tests.sent_mail import sent as _sent


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


def _reply(app: App, name: str) -> None:
    raw = (CORPUS / "replies" / name).read_bytes()
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(raw)


async def test_opening_a_call_mails_every_contact_once_with_its_token(app: App) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    await calls.open_call(app, group, meeting)  # a second run sends nothing new
    await tick(app)
    sent = _sent(app)
    contacts = [c for p in group.partners for c in p.contacts]
    assert sorted(_to(m) for m in sent) == sorted(c.email for c in contacts)
    reply_tos = {str(m["Reply-To"]) for m in sent}
    assert all("+" in r and r.endswith("@norddjurs.example.org") for r in reply_tos)
    # Two contacts of the same partner share the partner's token.
    di = [m for m in sent if "di-djursland" in str(m["To"])]
    assert len({str(m["Reply-To"]) for m in di}) == 1
    assert all(m["Auto-Submitted"] == "auto-generated" for m in sent)


async def test_replies_are_read_echoed_and_counted_and_unknown_senders_held(
    app: App, clock: DemoClock
) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    await tick(app)
    for name in (
        "dev-01-byggeri-laerlingekampagne.eml",
        "dev-04-di-nothing-this-round.eml",
        "dev-24-aarhustech-auto-fravaerende.eml",
        "dev-27-unregistered-halmstad-en.eml",
    ):
        _reply(app, name)
    report = await tick(app)
    assert report.stored == 4
    assert report.held == 1
    status = {r.partner: r for r in await calls.call_status(app, group, meeting)}
    assert status["dansk-byggeri"].answered and status["dansk-byggeri"].proposals == 1
    assert status["di"].answered and status["di"].nothing_to_add
    assert not status["aarhus-tech"].answered  # an out-of-office is no answer
    echoes = {_to(m) for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-")}
    # Those who answered hear what was understood; automatic replies get nothing back.
    assert echoes == {"jo@danskbyggeri-djurs.example.com", "pl@di-djursland.example.com"}
    held = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<held-")]
    assert len(held) == 1
    # The same mailbox content again: nothing is stored twice.
    _reply(app, "dev-01-byggeri-laerlingekampagne.eml")
    assert (await tick(app)).stored == 0


async def test_reminders_go_only_to_partners_that_have_not_answered(
    app: App, clock: DemoClock
) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    _reply(app, "dev-04-di-nothing-this-round.eml")
    await tick(app)
    clock.now = meeting.call_deadline - timedelta(days=4)
    report = await tick(app)
    others = sum(len(p.contacts) for p in group.partners if p.slug != "di")
    assert report.reminders == others
    assert (await tick(app)).reminders == 0  # not twice
    reminded = [m for m in _sent(app) if m["In-Reply-To"] and "reminder" in str(m["Message-ID"])]
    assert not [m for m in reminded if "di-djursland" in str(m["To"])]


async def test_after_the_deadline_the_draft_is_compiled_approved_by_the_chair_and_published(
    app: App, clock: DemoClock
) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    _reply(app, "dev-01-byggeri-laerlingekampagne.eml")
    await tick(app)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    report = await tick(app)
    assert report.closed == ["partnerskab-norddjurs/2026-2"]
    agenda = await app.store.agenda(group.slug, meeting.id)
    assert agenda is not None
    kinds = [i.kind for i in agenda.items]
    assert kinds[:3] == [ItemKind.APPROVE_AGENDA, ItemKind.APPROVE_MINUTES, ItemKind.SINCE_LAST]
    assert kinds[-1] is ItemKind.ANY_OTHER_BUSINESS
    assert any(i.proposers == ("Dansk Byggeri (lokalforening)",) for i in agenda.items)
    chair_mail = [m for m in _sent(app) if "draft" in str(m["Message-ID"])]
    assert {_to(m) for m in chair_mail} == {c.email for c in group.chairs}

    with pytest.raises(NotAllowedError):
        await approving.approve(app, group, meeting, "jo@danskbyggeri-djurs.example.com")
    outcome = await approving.approve(app, group, meeting, "LENE.KJAER@norddjurs.example.org")
    assert outcome.approved
    done = await publish.publish(app, group, meeting)
    assert all(f.exists() for f in done.files)
    call = await app.store.get_call(group.slug, meeting.id)
    assert call is not None and call.state is CallState.PUBLISHED
    log = [e.action for e in await app.store.audit_log(group.slug, meeting.id)]
    assert log.index("call.opened") < log.index("agenda.approved") < log.index("agenda.published")
    # A late reply is kept as a late item, not added to the approved agenda.
    _reply(app, "dev-18-di-alligevel-et-punkt.eml")
    await tick(app)
    again, new = await drafting.draft_agenda(app, group, meeting)
    assert not new and again.version == agenda.version


async def test_a_message_that_keeps_failing_is_quarantined_and_the_rest_flow(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agenda.model import Group
    from agenda.reading import Channel, Reading
    from agenda.records import InboundStatus
    from partnerdesk import parsing
    from partnerdesk.usecases import routing

    def broken(group: Group, raw: bytes, *, channel: Channel, **kw: Any) -> Reading:
        if b"Peter Lund" in raw:
            raise RuntimeError("injected fault")
        return parsing.parse_message(group, raw, channel=channel, **kw)

    monkeypatch.setattr(routing, "parse_message", broken)
    group = app.group()
    await calls.open_call(app, group, app.meeting(group, "2026-2"))
    _reply(app, "dev-04-di-nothing-this-round.eml")
    _reply(app, "dev-01-byggeri-laerlingekampagne.eml")
    for _ in range(app.settings.inbound_max_attempts + 1):
        await tick(app)
    assert len(await app.store.inbound(InboundStatus.QUARANTINED)) == 1
    answers = await app.store.answers(group.slug)
    assert [a.partner for a in answers] == ["dansk-byggeri"]
