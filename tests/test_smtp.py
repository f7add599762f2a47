"""The SMTP sender against a real aiosmtpd server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from agenda.records import Attachment, OutgoingMail
from mail.smtp import SmtpSender, parse_smtp_url
from tests.smtp_server import Certs, RunningSmtp, free_port, make_certs, start_smtp


def _mail(n: int, *to: str) -> OutgoingMail:
    return OutgoingMail(
        message_id=f"<test-{n}@k.example.org>",
        sender="Sekretariatet <gruppe@k.example.org>",
        recipients=to or (f"p{n}@example.org",),
        subject="Indkaldelse – møde",
        text="Kære partner, æøå.",
        html="<p>Kære partner, æøå.</p>",
        reply_to="gruppe+0123456789ab@k.example.org",
        attachments=(Attachment("Bilag æøå.pdf", "application/pdf", b"%PDF-1.4"),),
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def plain() -> Iterator[RunningSmtp]:
    yield from start_smtp()


async def test_a_batch_goes_over_one_connection_with_our_headers(plain: RunningSmtp) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{plain.port}")
    results = await sender.send([_mail(1), _mail(2), _mail(3)])
    assert [r.sent for r in results] == [True, True, True]
    assert plain.script.connections == 1
    got = message_from_bytes(plain.script.received[0].original_content or b"", policy=default)
    assert got["Message-ID"] == "<test-1@k.example.org>"
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["X-Auto-Response-Suppress"] == "All"
    assert got["Reply-To"] == "gruppe+0123456789ab@k.example.org"
    attachment = next(got.iter_attachments())
    assert attachment.get_filename() == "Bilag æøå.pdf"


async def test_451_is_transient_and_552_permanent(plain: RunningSmtp) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{plain.port}")
    plain.script.data_reply = "451 Try again later"
    (result,) = await sender.send([_mail(1)])
    assert not result.sent and not result.permanent
    plain.script.data_reply = "552 Mailbox full"
    (result,) = await sender.send([_mail(2)])
    assert not result.sent and result.permanent


async def test_one_refused_recipient_does_not_stop_the_others(plain: RunningSmtp) -> None:
    plain.script.refuse["gone@example.org"] = "550 No such user"
    sender = SmtpSender(f"smtp://127.0.0.1:{plain.port}")
    (result,) = await sender.send([_mail(1, "gone@example.org", "here@example.org")])
    assert result.sent
    assert result.refused and "gone@example.org" in result.refused[0]
    assert plain.script.received[0].rcpt_tos == ["here@example.org"]
    (alone,) = await sender.send([_mail(2, "gone@example.org")])
    assert not alone.sent and alone.permanent


async def test_a_server_that_is_down_is_a_transient_failure() -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    results = await sender.send([_mail(1), _mail(2)])
    assert [r.sent for r in results] == [False, False]
    assert not any(r.permanent for r in results)


async def test_starttls_with_login_and_our_ca(certs: Certs) -> None:
    for server in start_smtp(certs=certs, auth=True):
        sender = SmtpSender(
            f"smtp+starttls://pd:secret@127.0.0.1:{server.port}", ca_file=certs.ca_file
        )
        (result,) = await sender.send([_mail(1)])
        assert result.sent, result.error
        assert len(server.script.received) == 1


async def test_implicit_tls_is_verified_and_an_unknown_ca_refused(
    certs: Certs, tmp_path: Path
) -> None:
    other = make_certs(tmp_path / "other", "other")
    for server in start_smtp(certs=certs, implicit_tls=True):
        good = SmtpSender(f"smtps://127.0.0.1:{server.port}", ca_file=certs.ca_file)
        (result,) = await good.send([_mail(1)])
        assert result.sent, result.error
        bad = SmtpSender(f"smtps://127.0.0.1:{server.port}", ca_file=other.ca_file, timeout=5)
        (refused,) = await bad.send([_mail(2)])
        assert not refused.sent
        assert "certificate" in (refused.error or "").lower()
        assert len(server.script.received) == 1


def test_urls_carry_credentials_percent_encoded() -> None:
    endpoint = parse_smtp_url("smtp+starttls://relay%40k.dk:p%2Fw@smtp.example.org")
    assert (endpoint.username, endpoint.password, endpoint.port) == ("relay@k.dk", "p/w", 587)
    assert endpoint.start_tls and not endpoint.use_tls
    assert parse_smtp_url("smtps://h.example.org").port == 465
