"""An English contact in a Danish group reads English; the agenda stays the group's record."""

from __future__ import annotations

import mailbox
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import approve as approving
from partnerdesk.usecases import calls, publish
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS, CORPUS_GROUP
from tests.sent_mail import plain_text, sent

# Jens answers the call (so he gets an echo), Sofie does not (so she is reminded), Henrik is
# the vice chair (so he gets the draft).
ENGLISH = (
    "jo@danskbyggeri-djurs.example.com",
    "sd@horesta.example.com",
    "hm@lo-djursland.example.org",
)
DANISH = "pl@di-djursland.example.com"
CHAIR = "lene.kjaer@norddjurs.example.org"


@pytest.fixture
async def app(tmp_path: Path, clock: DemoClock) -> AsyncIterator[App]:
    """The corpus group, with two contacts who read English."""
    text = CORPUS_GROUP.read_text("utf-8")
    for address in ENGLISH:
        text = text.replace(f'email = "{address}",', f'email = "{address}", language = "en",')
    group_file = tmp_path / "group.toml"
    group_file.write_text(text, "utf-8")
    built = await build_app(Settings(data_dir=tmp_path / "var", groups=[group_file]), clock=clock)
    try:
        yield built
    finally:
        await close_app(built)


def _to(app: App, address: str, prefix: str) -> EmailMessage:
    mine = [m for m in sent(app, prefix) if m["To"].addresses[0].addr_spec == address]
    assert len(mine) == 1, (address, prefix, len(mine))
    return mine[0]


async def test_call_reminder_echo_and_agenda_reach_each_contact_in_their_language(
    app: App, clock: DemoClock
) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    await tick(app)
    jens = _to(app, ENGLISH[0], "<call-")
    assert str(jens["Subject"]).startswith("Call for agenda items – ")
    # Dates are in the reader's language too.
    assert "December 2026" in str(jens["Subject"])
    assert plain_text(jens).startswith("Dear Jens Østergaard")
    peter = _to(app, DANISH, "<call-")
    assert str(peter["Subject"]).startswith("Indkaldelse af punkter til dagsorden – ")
    assert "december 2026" in str(peter["Subject"])

    raw = (CORPUS / "replies" / "dev-01-byggeri-laerlingekampagne.eml").read_bytes()
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(raw)
    await tick(app)
    echo = _to(app, ENGLISH[0], "<echo-")
    assert str(echo["Subject"]).startswith("Received: your reply to ")

    clock.now = meeting.call_deadline - timedelta(days=4)
    await tick(app)
    sofie = _to(app, ENGLISH[1], "<reminder")
    assert str(sofie["Subject"]).startswith("Reminder: agenda items – ")
    assert str(_to(app, DANISH, "<reminder")["Subject"]).startswith("Påmindelse: ")

    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(app)
    draft = _to(app, ENGLISH[2], "<draft-")
    assert str(draft["Subject"]).startswith("Draft agenda for approval – ")
    assert "Godkendelse af dagsorden" in plain_text(draft)
    assert str(_to(app, CHAIR, "<draft-")["Subject"]).startswith("Udkast til dagsorden")
    await approving.approve(app, group, meeting, CHAIR)
    await publish.publish(app, group, meeting)
    await tick(app)
    agenda = _to(app, ENGLISH[0], "<agenda-")
    assert str(agenda["Subject"]).startswith("Agenda – ")
    body = plain_text(agenda)
    assert body.startswith("Dear partners")
    # The agenda itself is the group's record: Danish inside the mail and in the PDF's name.
    assert "Godkendelse af dagsorden" in body
    assert "Approval of the agenda" not in body
    files = {str(part.get_filename()): part for part in agenda.iter_attachments()}
    assert any(name.startswith("dagsorden-2026-2") for name in files)
    # The calendar invitation is titled as the reader's mail is.
    assert b"SUMMARY:Agenda " in _ics(files["2026-2.ics"])
    danish = _to(app, DANISH, "<agenda-")
    assert str(danish["Subject"]).startswith("Dagsorden – ")
    assert plain_text(danish).startswith("Kære partnere")
    invite = next(p for p in danish.iter_attachments() if p.get_filename() == "2026-2.ics")
    assert b"SUMMARY:Dagsorden " in _ics(invite)


def _ics(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data
