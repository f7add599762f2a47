"""The SMTP sender against a real aiosmtpd server on loopback."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from agenda.records import Attachment, OutgoingMail
from mail.smtp import SmtpSender
from mail.urls import parse_smtp_url
from tests.servers.certs import Certs, free_port
from tests.servers.smtpd import SMTP_PASSWORD, SMTP_USER, RunningSmtp

# The server fixtures (certs, smtpd*, dovecot) by name; a plugin, so ruff sees no shadowing.
pytest_plugins = ["tests.servers.fixtures"]


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


def _url(scheme: str, server: RunningSmtp, login: bool = False) -> str:
    # Credentials go into the URL percent-encoded, as an operator would write them.
    user = "pd%40k.example.org:s3cret%2F%C3%A6@" if login else ""
    return f"{scheme}://{user}127.0.0.1:{server.port}"


async def test_a_batch_goes_over_one_connection_with_our_headers(smtpd: RunningSmtp) -> None:
    results = await SmtpSender(_url("smtp", smtpd)).send([_mail(1), _mail(2), _mail(3)])
    assert [(r.message_id, r.sent) for r in results] == [
        ("<test-1@k.example.org>", True),
        ("<test-2@k.example.org>", True),
        ("<test-3@k.example.org>", True),
    ]
    assert smtpd.script.connections == 1
    envelope = smtpd.script.received[0]
    assert envelope.mail_from == "gruppe@k.example.org"
    assert envelope.rcpt_tos == ["p1@example.org"]
    got = smtpd.script.messages()[0]
    assert got["Message-ID"] == "<test-1@k.example.org>"
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["Reply-To"] == "gruppe+0123456789ab@k.example.org"
    assert next(got.iter_attachments()).get_filename() == "Bilag æøå.pdf"


async def test_the_envelope_uses_bare_addresses_even_when_names_have_commas(
    smtpd: RunningSmtp,
) -> None:
    mail = replace(
        _mail(1, '"Holm, Erik" <erik@example.org>'),
        sender="Fællessekretariatet, Norddjurs Kommune <partnerskab@k.example.org>",
    )
    (result,) = await SmtpSender(_url("smtp", smtpd)).send([mail])
    assert result.sent, result.error
    (envelope,) = smtpd.script.received
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "partnerskab@k.example.org",
        ["erik@example.org"],
    )


async def test_an_address_with_danish_letters_goes_by_smtputf8(smtpd: RunningSmtp) -> None:
    (result,) = await SmtpSender(_url("smtp", smtpd)).send([_mail(1, "søren@kærby.example.org")])
    assert result.sent, result.error
    assert smtpd.script.received[0].rcpt_tos == ["søren@kærby.example.org"]


async def test_an_empty_batch_opens_no_connection(smtpd: RunningSmtp) -> None:
    assert await SmtpSender(_url("smtp", smtpd)).send([]) == []
    assert smtpd.script.connections == 0


async def test_a_server_hanging_up_mid_batch_gets_the_rest_on_a_new_connection(
    smtpd: RunningSmtp,
) -> None:
    smtpd.script.hang_up_after = 1
    results = await SmtpSender(_url("smtp", smtpd)).send([_mail(1), _mail(2), _mail(3)])
    assert [r.sent for r in results] == [True, True, True], results
    assert smtpd.script.connections == 2
    assert len(smtpd.script.received) == 3


async def test_451_is_transient_and_the_batch_goes_on(smtpd: RunningSmtp) -> None:
    smtpd.script.data_replies = ["451 4.3.0 Try again later"]
    first, second = await SmtpSender(_url("smtp", smtpd)).send([_mail(1), _mail(2)])
    assert (first.sent, first.permanent) == (False, False)
    assert first.error is not None and first.error.startswith("451")
    assert second.sent
    assert smtpd.script.connections == 1


async def test_552_and_550_are_permanent(smtpd: RunningSmtp) -> None:
    smtpd.script.data_replies = ["552 5.2.2 Mailbox full"]
    smtpd.script.refuse["gone@example.org"] = "550 5.1.1 No such user"
    full, gone = await SmtpSender(_url("smtp", smtpd)).send(
        [_mail(1), _mail(2, "gone@example.org")]
    )
    assert (full.sent, full.permanent) == (False, True)
    assert (gone.sent, gone.permanent) == (False, True)
    assert gone.error is not None and "550" in gone.error


async def test_a_450_for_the_only_recipient_is_transient(smtpd: RunningSmtp) -> None:
    smtpd.script.refuse["busy@example.org"] = "450 4.2.1 Mailbox busy"
    (result,) = await SmtpSender(_url("smtp", smtpd)).send([_mail(1, "busy@example.org")])
    assert (result.sent, result.permanent) == (False, False)


async def test_one_refused_recipient_of_two_is_sent_with_the_refusal_reported(
    smtpd: RunningSmtp,
) -> None:
    smtpd.script.refuse["gone@example.org"] = "550 5.1.1 No such user"
    (result,) = await SmtpSender(_url("smtp", smtpd)).send(
        [_mail(1, "Gone <gone@example.org>", "here@example.org")]
    )
    assert result.sent and not result.permanent
    assert result.refused == ("gone@example.org",)
    assert result.error is not None and "550" in result.error
    assert [e.rcpt_tos for e in smtpd.script.received] == [["here@example.org"]]


async def test_a_server_that_is_down_is_a_transient_failure_for_the_whole_batch() -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    results = await sender.send([_mail(1), _mail(2)])
    assert [(r.sent, r.permanent) for r in results] == [(False, False), (False, False)]
    assert [r.message_id for r in results] == ["<test-1@k.example.org>", "<test-2@k.example.org>"]


async def test_starttls_with_login_and_our_ca(smtpd_starttls: RunningSmtp, certs: Certs) -> None:
    sender = SmtpSender(_url("smtp+starttls", smtpd_starttls, login=True), ca_file=certs.ca_file)
    results = await sender.send([_mail(1), _mail(2)])
    assert [r.sent for r in results] == [True, True], results
    assert smtpd_starttls.script.connections == 1


async def test_a_wrong_password_is_a_transient_failure_not_a_lost_message(
    smtpd_starttls: RunningSmtp, certs: Certs
) -> None:
    url = f"smtp+starttls://pd%40k.example.org:wrong@127.0.0.1:{smtpd_starttls.port}"
    (result,) = await SmtpSender(url, ca_file=certs.ca_file).send([_mail(1)])
    # The settings are wrong, not the message: it waits in the outbox until they are fixed.
    assert (result.sent, result.permanent) == (False, False)
    assert result.error is not None and "535" in result.error
    assert smtpd_starttls.script.received == []


async def test_implicit_tls_with_our_ca_is_accepted(smtpd_tls: RunningSmtp, certs: Certs) -> None:
    (result,) = await SmtpSender(_url("smtps", smtpd_tls), ca_file=certs.ca_file).send([_mail(1)])
    assert result.sent, result.error
    assert len(smtpd_tls.script.received) == 1


async def test_a_certificate_from_an_unknown_ca_is_refused_as_a_failure(
    smtpd_tls: RunningSmtp, smtpd_starttls: RunningSmtp, other_certs: Certs
) -> None:
    for url in (_url("smtps", smtpd_tls), _url("smtp+starttls", smtpd_starttls, login=True)):
        sender = SmtpSender(url, ca_file=other_certs.ca_file, timeout=5)
        (result,) = await sender.send([_mail(1)])
        assert not result.sent
        assert "certificate" in (result.error or "").lower()
    assert smtpd_tls.script.received == smtpd_starttls.script.received == []


async def test_the_rate_cap_spaces_messages_out(smtpd: RunningSmtp) -> None:
    sender = SmtpSender(_url("smtp", smtpd), max_per_second=20)
    started = time.monotonic()
    results = await sender.send([_mail(n) for n in range(6)])
    assert all(r.sent for r in results)
    # Six messages at 20 a second: five gaps of 50 ms at least.
    assert time.monotonic() - started >= 0.25


async def test_concurrent_batches_share_the_connection_cap(smtpd: RunningSmtp) -> None:
    sender = SmtpSender(_url("smtp", smtpd), max_connections=2)
    batches = [[_mail(10 * b + n) for n in range(3)] for b in range(4)]
    results = await asyncio.gather(*(sender.send(batch) for batch in batches))
    await sender.close()
    assert all(r.sent for batch in results for r in batch)
    assert len(smtpd.script.received) == 12
    # Never more connections than the cap; a free one is taken up again by the next batch.
    assert smtpd.script.connections <= 2


async def test_one_connection_serves_one_message_sends_until_closed(smtpd: RunningSmtp) -> None:
    sender = SmtpSender(_url("smtp", smtpd))
    for n in range(5):
        (result,) = await sender.send([_mail(n)])
        assert result.sent, result.error
    await sender.close()
    assert smtpd.script.connections == 1
    (result,) = await sender.send([_mail(9)])  # after closing, a new connection
    await sender.close()
    assert result.sent and smtpd.script.connections == 2


def test_urls_carry_credentials_percent_encoded() -> None:
    endpoint = parse_smtp_url("smtp+starttls://relay%40k.dk:p%2Fw@smtp.example.org")
    assert (endpoint.username, endpoint.password, endpoint.port) == ("relay@k.dk", "p/w", 587)
    assert endpoint.starttls and not endpoint.implicit_tls
    assert parse_smtp_url("smtps://h.example.org").port == 465
    assert parse_smtp_url("smtp://h.example.org").username is None
    assert (SMTP_USER, SMTP_PASSWORD) == ("pd@k.example.org", "s3cret/æ")


def _norddjurs_sender() -> str:
    """The sender the call mails carry, built as the use cases build it, from the real config."""
    from agenda.groupfile import load_group
    from tests.conftest import ROOT

    group = load_group(ROOT / "config" / "norddjurs.toml")
    assert "," in group.secretariat.name  # the comma that once made two mailboxes
    return f"{group.secretariat.name} <{group.reply_address}>"


NORDDJURS = _norddjurs_sender()


async def test_a_server_without_smtputf8_gets_encoded_names_and_ascii_envelopes(
    smtpd_ascii: RunningSmtp,
) -> None:
    calls = [
        replace(_mail(n, f'"Holm, Erik {n}" <erik{n}@example.org>'), sender=NORDDJURS)
        for n in range(18)
    ]
    results = await SmtpSender(_url("smtp", smtpd_ascii)).send(calls)
    assert [r.error for r in results if not r.sent] == []
    assert len(smtpd_ascii.script.received) == 18  # the issue saw 0 of 18
    envelope = smtpd_ascii.script.received[0]
    assert envelope.mail_from == "partnerskab@norddjurs.example.org"
    assert envelope.rcpt_tos == ["erik0@example.org"]
    raw = envelope.original_content or b""
    assert raw.isascii()
    assert b"From: =?utf-8?" in raw  # the name RFC 2047-encoded, comma and all
    got = smtpd_ascii.script.messages()[0]
    (sender,) = got["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Fællessekretariatet, Norddjurs Kommune",
        "partnerskab@norddjurs.example.org",
    )
    assert got["To"].addresses[0].display_name == "Holm, Erik 0"


async def test_a_server_with_smtputf8_gets_the_same_mail_7_bit_when_addresses_are_ascii(
    smtpd: RunningSmtp,
) -> None:
    (result,) = await SmtpSender(_url("smtp", smtpd)).send([replace(_mail(1), sender=NORDDJURS)])
    assert result.sent, result.error
    (envelope,) = smtpd.script.received
    assert envelope.mail_from == "partnerskab@norddjurs.example.org"
    assert not envelope.smtp_utf8
    assert (envelope.original_content or b"").isascii()


async def test_a_danish_domain_goes_as_idna_to_a_server_without_smtputf8(
    smtpd_ascii: RunningSmtp,
) -> None:
    mail = _mail(1, "Søren <soren@kærby.example.org>")
    (result,) = await SmtpSender(_url("smtp", smtpd_ascii)).send([mail])
    assert result.sent, result.error
    assert smtpd_ascii.script.received[0].rcpt_tos == ["soren@xn--krby-voa.example.org"]
    got = smtpd_ascii.script.messages()[0]
    assert got["To"].addresses[0].domain == "xn--krby-voa.example.org"


async def test_a_danish_local_part_without_smtputf8_fails_permanently_and_alone(
    smtpd_ascii: RunningSmtp,
) -> None:
    first, second = await SmtpSender(_url("smtp", smtpd_ascii)).send(
        [_mail(1, "søren@example.org"), _mail(2)]
    )
    assert (first.sent, first.permanent) == (False, True)
    assert first.error is not None and "SMTPUTF8" in first.error
    assert second.sent
    assert [e.rcpt_tos for e in smtpd_ascii.script.received] == [["p2@example.org"]]


async def test_a_message_that_cannot_be_composed_is_unsendable_and_the_batch_goes_on(
    smtpd: RunningSmtp,
) -> None:
    broken = replace(_mail(1), headers=(("Bad Name", "x"),))
    first, second = await SmtpSender(_url("smtp", smtpd)).send([broken, _mail(2)])
    assert (first.sent, first.permanent, first.unsendable) == (False, True, True)
    assert second.sent
    assert len(smtpd.script.received) == 1


async def test_a_kept_connection_the_server_closed_is_replaced_before_the_next_send(
    smtpd: RunningSmtp,
) -> None:
    smtpd.script.hang_up_after = 1  # like a relay's idle timeout between two sends
    sender = SmtpSender(_url("smtp", smtpd))
    (first,) = await sender.send([_mail(1)])
    (second,) = await sender.send([_mail(2)])
    await sender.close()
    assert first.sent and second.sent, (first, second)
    assert len(smtpd.script.received) == 2
    assert smtpd.script.connections == 2


async def test_an_envelope_taken_back_leaves_nothing_behind(smtpd: RunningSmtp) -> None:
    sender = SmtpSender(_url("smtp", smtpd))
    taken_back = sender.prepare(_mail(1, "first@example.org"))
    assert await taken_back.open() is None
    await taken_back.abandon()
    handover = sender.prepare(_mail(2, "second@example.org"))
    assert await handover.open() is None

    result = await handover.hand_over()
    await sender.close()

    assert result.sent
    [envelope] = smtpd.script.received
    assert envelope.rcpt_tos == ["second@example.org"]
    assert smtpd.script.connections == 1
