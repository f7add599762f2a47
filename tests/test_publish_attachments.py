"""Partners' files go on with the published agenda only when safe: allowed types, a budget."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from agenda.records import Attachment
from partnerdesk.app import App
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import approve as approving
from partnerdesk.usecases import calls, publish
from partnerdesk.usecases.publish import choose_bilag
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS

ALLOWED = Settings().publish_attachment_types
PDF = b"%PDF-1.4\n" + b"0" * 200
PROGRAM = b"MZ\x90\x00" + b"\x00" * 200


def test_only_allowed_types_whose_content_matches_go_within_the_budget() -> None:
    files = [
        Attachment("Rapport.PDF", "application/pdf", PDF),
        Attachment("værktøj.exe", "application/octet-stream", PROGRAM),
        Attachment("faktura.pdf", "application/pdf", PROGRAM),  # a program in disguise
        Attachment("noter.txt", "text/plain", "Lærlinge".encode()),
        Attachment("foto.jpeg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"1" * 100),
        Attachment("script.js", "text/javascript", b"alert(1)"),
        Attachment("stor.pdf", "application/pdf", PDF * 10),
        Attachment("Rapport.PDF", "application/pdf", PDF),  # the same file on a second item
    ]
    chosen, withheld = choose_bilag(files, ALLOWED, budget=1_000)
    assert [a.filename for a in chosen] == ["Rapport.PDF", "noter.txt", "foto.jpeg"]
    assert [(w.filename, w.reason) for w in withheld] == [
        ("værktøj.exe", "type .exe is not sent on"),
        ("faktura.pdf", "content is not a .pdf file"),
        ("script.js", "type .js is not sent on"),
        ("stor.pdf", "over the size budget"),
    ]


def test_the_allowed_types_are_a_setting() -> None:
    settings = Settings(publish_attachment_types=".PDF, docx")  # type: ignore[arg-type]
    assert settings.publish_attachment_types == ["pdf", "docx"]
    assert "exe" not in ALLOWED and "pdf" in ALLOWED


def _reply_with_files(files: list[tuple[str, str, bytes]]) -> bytes:
    raw = (CORPUS / "replies" / "dev-01-byggeri-laerlingekampagne.eml").read_bytes()
    message = message_from_bytes(raw, _class=EmailMessage, policy=default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    reply = EmailMessage()
    for name in ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Date"):
        reply[name] = str(message[name])
    reply.set_content(text)
    for filename, kind, data in files:
        maintype, subtype = kind.split("/")
        reply.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return reply.as_bytes()


async def test_a_program_a_partner_sent_never_reaches_the_partners(
    app: App, clock: DemoClock
) -> None:
    group = app.group()
    meeting = app.meeting(group, "2026-2")
    await calls.open_call(app, group, meeting)
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(
        _reply_with_files(
            [
                ("kampagne.pdf", "application/pdf", PDF),
                ("opdatering.exe", "application/octet-stream", PROGRAM),
            ]
        )
    )
    await tick(app)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(app)
    outcome = await approving.approve(app, group, meeting, "LENE.KJAER@norddjurs.example.org")
    assert outcome.approved

    done = await publish.publish(app, group, meeting)
    await tick(app)

    assert done.withheld == ("opdatering.exe",)
    box = mailbox.Maildir(app.settings.outbox_maildir, create=False)
    agendas = [
        m
        for m in (message_from_bytes(x.as_bytes(), policy=default) for x in box)
        if str(m["Message-ID"]).startswith("<agenda-")
    ]
    assert agendas
    for mail in agendas:
        assert isinstance(mail, EmailMessage)
        names = [p.get_filename() for p in mail.iter_attachments()]
        assert "kampagne.pdf" in names and "opdatering.exe" not in names
    log = await app.store.audit_log(group.slug, meeting.id)
    published = next(e for e in log if e.action == "agenda.published")
    assert published.detail["withheld"] == ["opdatering.exe: type .exe is not sent on"]
    # Kept for the secretariat where it arrived, not thrown away.
    kept = [p.read_bytes() for p in app.settings.attachments_dir.rglob("*.exe")]
    assert kept == [PROGRAM]
