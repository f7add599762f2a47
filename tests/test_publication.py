"""From answers to a published agenda, driven by a fake clock (two-person approval)."""

from __future__ import annotations

import mailbox
from collections.abc import AsyncIterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from io import BytesIO
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from agenda.agenda import ItemKind
from agenda.editing import Edit, key_at
from agenda.errors import WorkflowError
from agenda.records import AnswerStatus
from agenda.workflow import CallState
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import approve as approving
from partnerdesk.usecases import calls, drafting, publish
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS, CORPUS_GROUP


@pytest.fixture
async def app2(tmp_path: Path, clock: DemoClock) -> AsyncIterator[App]:
    """The corpus group, but both chair and vice chair must approve."""
    text = CORPUS_GROUP.read_text(encoding="utf-8").replace(
        'reply_address = "', 'approvals_required = 2\nreply_address = "', 1
    )
    group_file = tmp_path / "group.toml"
    group_file.write_text(text, encoding="utf-8")
    built = await build_app(Settings(data_dir=tmp_path / "var", groups=[group_file]), clock=clock)
    try:
        yield built
    finally:
        await close_app(built)


def _reply(app: App, name: str) -> None:
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(
        (CORPUS / "replies" / name).read_bytes()
    )


def _sent(app: App) -> list[EmailMessage]:
    box = mailbox.Maildir(app.settings.outbox_maildir, create=True)
    parsed = [message_from_bytes(m.as_bytes(), policy=default) for m in box]
    return [m for m in parsed if isinstance(m, EmailMessage)]


async def test_two_person_approval_reapproval_after_a_change_and_publication(
    app2: App, clock: DemoClock
) -> None:
    app = app2
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    for name in (
        "dev-01-byggeri-laerlingekampagne.eml",
        "dev-09-businessdjursland-tre-punkter.eml",
        "dev-04-di-nothing-this-round.eml",
    ):
        _reply(app, name)
    await tick(app)
    # Tradium proposes the same subject: one item, both proposers, both texts.
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(
        "From: Line <lk@tradium.example.org>\r\nTo: partnerskab@norddjurs.example.org\r\n"
        "Subject: Punkt\r\nMessage-ID: <tradium-1@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Titel: Lærlingekampagne 2027 i bygge- og anlægsbranchen\r\n"
        "Baggrund: Tradium har plads til 15 flere elever.\r\n".encode()
    )
    await tick(app)

    clock.now = meeting.call_deadline + timedelta(minutes=5)
    await tick(app)
    # A late item is kept for the chair, not put on the agenda by itself.
    _reply(app, "dev-18-di-alligevel-et-punkt.eml")
    await tick(app)
    late = [
        a for a in await app.store.answers(group.slug, meeting.id) if a.status is AnswerStatus.LATE
    ]
    assert len(late) == 1
    agenda = await app.store.agenda(group.slug, meeting.id)
    assert agenda is not None
    first_version = agenda.version
    merged = next(i for i in agenda.items if i.title.startswith("Lærlingekampagne"))
    assert merged.proposers == ("Dansk Byggeri (lokalforening)", "Tradium")
    assert merged.background is not None and "15 flere elever" in merged.background

    outcome = await approving.approve(app, group, meeting, "lene.kjaer@norddjurs.example.org")
    assert not outcome.approved
    assert outcome.still_needed == ("hm@lo-djursland.example.org",)
    with pytest.raises(WorkflowError):
        await publish.publish(app, group, meeting)

    # The chair admits the late item: a new version, which needs both approvals again.
    assert late[0].id is not None
    admitted = await drafting.decide_late(
        app, group, meeting, late[0].id, admit=True, actor="lene.kjaer@norddjurs.example.org"
    )
    assert admitted is not None and admitted.version == first_version + 1
    assert "Dansk Industri" in " ".join(p for i in admitted.items for p in i.proposers)
    outcome = await approving.approve(app, group, meeting, "hm@lo-djursland.example.org")
    assert not outcome.approved  # the chair approved an older version
    outcome = await approving.approve(app, group, meeting, "lene.kjaer@norddjurs.example.org")
    assert outcome.approved

    # An edit after approval needs approval again.
    current = await app.store.agenda(group.slug, meeting.id)
    assert current is not None
    _, changes = await drafting.edit_agenda(
        app, group, meeting, Edit("close", key=key_at(current, 4)), actor="secretariat"
    )
    assert "[lukket]" in changes
    call = await app.store.get_call(group.slug, meeting.id)
    assert call is not None and call.state is CallState.DRAFTED
    for chair_email in ("lene.kjaer@norddjurs.example.org", "hm@lo-djursland.example.org"):
        outcome = await approving.approve(app, group, meeting, chair_email)
    assert outcome.approved

    done = await publish.publish(app, group, meeting)
    await tick(app)
    published = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<agenda-")]
    contacts = sum(len(p.contacts) for p in group.partners)
    assert len(published) == contacts
    final = await app.store.agenda(group.slug, meeting.id)
    assert final is not None
    closed_title: str = final.items[3].title
    member = next(m for m in published if "tk@dania" in str(m["To"]))
    chair = next(m for m in published if "lene.kjaer" in str(m["To"]))
    pdf_part = next(
        p for p in member.iter_attachments() if p.get_content_type() == "application/pdf"
    )
    pdf_text = " ".join(
        page.extract_text() for page in PdfReader(BytesIO(pdf_part.get_content())).pages
    )
    assert "Godkendelse af dagsorden" in pdf_text
    assert "Eventuelt" in pdf_text
    assert closed_title not in pdf_text  # a closed item goes only to chair and secretariat
    chair_pdf = next(
        p for p in chair.iter_attachments() if p.get_content_type() == "application/pdf"
    )
    chair_text = " ".join(
        page.extract_text() for page in PdfReader(BytesIO(chair_pdf.get_content())).pages
    )
    assert closed_title.split()[0] in chair_text
    ics = next(p for p in member.iter_attachments() if p.get_content_type() == "text/calendar")
    event = next(iter(Calendar.from_ical(ics.get_content()).walk("VEVENT")))
    assert event.decoded("dtstart") == meeting.starts_at
    assert int(str(event["sequence"])) == done.sequence == 0
    assert all(f.exists() for f in done.files)
    kinds = [i.kind for i in final.items]
    assert kinds[0] is ItemKind.APPROVE_AGENDA and kinds[-1] is ItemKind.ANY_OTHER_BUSINESS
