"""read_message turns any inbound bytes into plain values, or one clean MessageError."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.header import Header
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.mime import MAX_BODY, MAX_HEADER, MAX_LINES, DecodedMessage, MessageError, read_message

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _message(headers: str, body: bytes = b"Hej\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body


PLAIN = _message(
    "From: =?utf-8?b?SmVucyDDmHN0ZXJnYWFyZA==?= <JO@Example.COM>\n"
    "To: =?utf-8?q?F=C3=A6llessekretariatet=2C_Norddjurs?= <Partnerskab+abc@example.org>\n"
    "Cc: Anne <anne@example.org>, partnerskab+abc@example.org\n"
    "Delivered-To: inbox@example.org\n"
    "X-Original-To: Alias@Example.org\n"
    "Subject: =?utf-8?q?SV=3A_Indkaldelse_af_punkter_til_dagsorden?=\n"
    "Date: Mon, 23 Nov 2026 09:41:17 +0000\n"
    "Message-ID: <reply-1@example.com>\n"
    "In-Reply-To: <call-2026-2.abc@example.org>\n"
    "References: <root@example.org>\n <call-2026-2.abc@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n",
    "Hej\r\n\r\nVi har et punkt om lærlinge.\r\n".encode(),
)


def test_plain_reply_gives_its_header_values_decoded() -> None:
    message = read_message(PLAIN)
    assert message.from_name == "Jens Østergaard"
    assert message.from_address == "jo@example.com"
    assert message.subject == "SV: Indkaldelse af punkter til dagsorden"
    assert message.message_id == "<reply-1@example.com>"
    assert message.in_reply_to == "<call-2026-2.abc@example.org>"
    assert message.references == ("<root@example.org>", "<call-2026-2.abc@example.org>")
    assert message.date == datetime(2026, 11, 23, 9, 41, 17, tzinfo=UTC)
    assert message.kind == "reply"
    assert message.bounced_recipients == ()


def test_recipients_include_cc_and_delivery_headers_lower_cased_once() -> None:
    assert read_message(PLAIN).to_addresses == (
        "partnerskab+abc@example.org",
        "anne@example.org",
        "inbox@example.org",
        "alias@example.org",
    )


def test_plain_body_is_decoded_text() -> None:
    assert read_message(PLAIN).body_text == "Hej\n\nVi har et punkt om lærlinge.\n"


def test_decoded_message_is_frozen() -> None:
    message = read_message(PLAIN)
    with pytest.raises(AttributeError):
        message.subject = "x"  # type: ignore[misc]


def test_unparseable_date_is_none() -> None:
    raw = _message("From: a@b.dk\nDate: sometime soon\nSubject: x\n")
    assert read_message(raw).date is None


def _alternative(plain: bytes, html: bytes) -> bytes:
    return _message(
        "From: a@b.dk\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="B"\n',
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + plain
        + b"\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html
        + b"\r\n--B--\r\n",
    )


def test_plain_part_is_preferred_over_html() -> None:
    raw = _alternative(b"plain words", b"<p>html words</p>")
    assert read_message(raw).body_text.strip() == "plain words"


def test_html_only_body_becomes_readable_text_without_scripts() -> None:
    raw = _message(
        "From: a@b.dk\nSubject: x\nContent-Type: text/html; charset=utf-8\n",
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p>Hej igen</p><p>Vi overtager bolden p&aring; I-7.</p>"
        "<div>Den 19. nov. 2026 kl. 09.14 skrev S &lt;s@x.dk&gt;:</div>"
        "<blockquote><div>Kære Anne<br>Send forslag</div></blockquote></body></html>".encode(),
    )
    body = read_message(raw).body_text
    assert "Vi overtager bolden på I-7." in body
    assert "> Kære Anne\n> Send forslag" in body
    assert "alert" not in body
    assert "color" not in body
    assert "<" not in body.replace("&lt;", "").replace("<s@x.dk>", "")


def test_windows_1252_body_is_decoded() -> None:
    raw = _message(
        "From: a@b.dk\nContent-Type: text/plain; charset=Windows-1252\n",
        "Rådhus – møde".encode("cp1252"),
    )
    assert read_message(raw).body_text == "Rådhus – møde"


def test_utf8_body_labelled_latin1_is_read_as_utf8() -> None:
    raw = _message(
        "From: a@b.dk\nContent-Type: text/plain; charset=iso-8859-1\n",
        "Fællessekretariatet".encode(),
    )
    assert read_message(raw).body_text == "Fællessekretariatet"


def test_cp1252_body_labelled_utf8_falls_back_gracefully() -> None:
    raw = _message(
        "From: a@b.dk\nContent-Type: text/plain; charset=utf-8\n", "Grenaa – på".encode("cp1252")
    )
    assert read_message(raw).body_text == "Grenaa – på"


def test_unknown_charset_label_falls_back_to_utf8() -> None:
    raw = _message("From: a@b.dk\nContent-Type: text/plain; charset=x-nonsense\n", "æøå".encode())
    assert read_message(raw).body_text == "æøå"


def test_quoted_printable_and_base64_bodies_are_decoded() -> None:
    qp = _message(
        "From: a@b.dk\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n",
        b"L=C3=A6rlinge=\r\n kampagne",
    )
    b64 = _message(
        "From: a@b.dk\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n",
        b"TMOmcmxpbmdl",
    )
    assert read_message(qp).body_text == "Lærlinge kampagne"
    assert read_message(b64).body_text == "Lærlinge"


def test_format_flowed_soft_breaks_are_joined() -> None:
    raw = _message(
        'From: a@b.dk\nContent-Type: text/plain; charset=utf-8; format="flowed"\n',
        b"Status on I-2: \r\n142 participants.\r\n> quoted \r\n> line\r\n",
    )
    assert read_message(raw).body_text == "Status on I-2: 142 participants.\n> quoted line\n"


def _with_attachment(disposition: str) -> bytes:
    return _message(
        'From: a@b.dk\nSubject: x\nContent-Type: multipart/mixed; boundary="M"\n',
        b"--M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilag.\r\n"
        b"--M\r\nContent-Type: application/pdf\r\n"
        + disposition.encode("ascii")
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--M--\r\n",
    )


def test_attachment_with_rfc2231_name_keeps_danish_letters() -> None:
    raw = _with_attachment(
        "Content-Disposition: attachment; filename*=utf-8''Kortl%C3%A6gning_%C3%B8%C3%A5.pdf"
    )
    message = read_message(raw)
    assert message.body_text.strip() == "Se bilag."
    [attachment] = message.attachments
    assert attachment.filename == "Kortlægning_øå.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.data == b"%PDF-"


def test_attachment_with_rfc2047_name_is_decoded() -> None:
    raw = _with_attachment(
        'Content-Disposition: attachment; filename="=?utf-8?q?Notat_l=C3=A6rlinge.docx?="'
    )
    assert read_message(raw).attachments[0].filename == "Notat lærlinge.docx"


def test_attachment_name_is_the_display_name_only() -> None:
    raw = _with_attachment(
        'Content-Disposition: attachment; filename="C:\\\\tmp\\\\..\\\\bilag.pdf"'
    )
    assert read_message(raw).attachments[0].filename == "bilag.pdf"


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated; x=1",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: auto_reply",
        "Subject: Automatisk svar: Indkaldelse",
        "Subject: Autosvar: Indkaldelse",
        "Subject: Out of Office: Call",
        "Subject: Fraværende 19.-20. november",
        "Subject: Automatic reply: Call",
    ],
)
def test_automatic_answers_are_auto_replies(header: str) -> None:
    name, _, value = header.partition(": ")
    encoded = Header(value, "utf-8").encode() if not value.isascii() else value
    raw = _message(f"From: a@b.dk\n{name}: {encoded}\n")
    assert read_message(raw).kind == "auto_reply"


def test_auto_submitted_no_is_a_person_replying() -> None:
    raw = _message("From: a@b.dk\nAuto-Submitted: no\nSubject: Re: Call\n")
    assert read_message(raw).kind == "reply"


def test_mailer_daemon_sender_is_a_bounce() -> None:
    raw = _message("From: MAILER-DAEMON@mx.example.org\nSubject: failure\n")
    assert read_message(raw).kind == "bounce"


def test_delivery_status_report_is_a_bounce_with_its_recipients() -> None:
    raw = _message(
        "From: Mail System <postmaster@mx.example.org>\nSubject: Undelivered\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\n',
        b"--R\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
        b"Final-Recipient: rfc822; Kirsten@Example.net\r\nAction: failed\r\n"
        b"Status: 5.2.2\r\n\r\n"
        b"Final-Recipient: rfc822; other@example.net\r\nAction: failed\r\n\r\n"
        b"--R\r\nContent-Type: message/rfc822\r\n\r\nFrom: s@x.dk\r\nSubject: Call\r\n\r\n"
        b"indkalder sekretariatet punkter\r\n--R--\r\n",
    )
    message = read_message(raw)
    assert message.kind == "bounce"
    assert message.bounced_recipients == ("kirsten@example.net", "other@example.net")
    assert message.body_text.strip() == "Could not deliver."
    assert message.attachments == ()


def test_every_corpus_message_is_read_with_its_expected_kind() -> None:
    replies = CORPUS / "replies"
    assert replies.is_dir(), f"partner reply corpus missing at {replies}"
    paths = sorted(replies.glob("*.eml"))
    assert paths
    for path in paths:
        expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        message = read_message(path.read_bytes())
        assert message.kind == expected["kind"], path.name
        assert message.from_address == message.from_address.lower()
    bounce = read_message((replies / "dev-26-bounce-mailbox-full.eml").read_bytes())
    assert bounce.bounced_recipients == ("kirsten.ravn@dh-norddjurs.example.net",)


@pytest.mark.parametrize("raw", [b"", b"   \r\n", "not bytes"])
def test_empty_or_non_bytes_input_is_a_message_error(raw: object) -> None:
    with pytest.raises(MessageError):
        read_message(raw)  # type: ignore[arg-type]


def test_message_error_is_a_value_error() -> None:
    assert issubclass(MessageError, ValueError)


def _read_or_error(raw: bytes) -> DecodedMessage | None:
    try:
        return read_message(raw)
    except MessageError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_give_a_message_or_a_message_error(raw: bytes) -> None:
    result = _read_or_error(raw)
    assert result is None or isinstance(result, DecodedMessage)


_FRAGMENTS = st.sampled_from(
    [
        b"From: =?utf-8?b?",
        b"From: \xff\xfe <x@y>\r\n",
        b"To: a@b, =?x-unknown?q?=FF?= <c@d>\r\n",
        b"Subject: =?utf-8?q?=C3?=\r\n",
        b"Date: Mon, 99 Foo 20260 99:99:99 +9999\r\n",
        b'Content-Type: multipart/mixed; boundary="Q"\r\n',
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=Q\r\n",
        b"Content-Type: text/plain; charset*=x''%FF\r\n",
        b'Content-Type: text/html; charset="utf-8\r\n',
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Content-Disposition: attachment; filename*0*=utf-8''%C3; filename*1=x\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Type: message/delivery-status\r\n",
        b"Final-Recipient: rfc822; \r\n",
        b"\r\n",
        b"--Q\r\n",
        b"--Q--\r\n",
        b"=C3=A6=\r\n",
        b"<html><script>x</script><blockquote>",
        b"\x00\x80\xff",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40).map(b"".join))
def test_broken_mime_gives_a_message_or_a_message_error(raw: bytes) -> None:
    result = _read_or_error(raw)
    assert result is None or isinstance(result, DecodedMessage)


def test_a_message_id_that_decodes_to_cr_lf_never_yields_cr_or_lf() -> None:
    raw = _message(
        "From: a@example.org\n"
        "Message-ID: =?utf-8?q?<a=0D=0ABcc:_victim@example.org>?=\n"
        "In-Reply-To: =?utf-8?q?=0D=0AX-Injected:_1?=\n"
        "References: <ok@example.org> =?utf-8?q?<b=0D=0Ac@example.org>?=\n"
    )
    message = read_message(raw)
    for value in (message.message_id, message.in_reply_to, *message.references):
        assert "\r" not in value and "\n" not in value
    # Ids are not encoded words: what looks like one is taken literally, never decoded.
    assert message.references == ("<ok@example.org>", "<b=0D=0Ac@example.org>")
    assert message.in_reply_to == "=?utf-8?q?=0D=0AX-Injected:_1?="


def test_encoded_words_decode_in_one_pass_as_the_rfc_says() -> None:
    cases = {
        "=?utf-8?q?F=C3=A6lles?= =?utf-8?q?sekretariatet?=": "Fællessekretariatet",
        # One letter split over two words.
        "=?utf-8?q?=C3?=\n =?utf-8?q?=A6ble?=": "æble",
        "SV: =?utf-8?q?m=C3=B8de?= i dag": "SV: møde i dag",
        "=?iso-8859-1?b?5g==?= og =?utf-8?B?w7g?=": "æ og ø",
        "=?utf-8?b?!!!?= stays": "=?utf-8?b?!!!?= stays",
        "=?x-unknown?q?abc?=": "abc",
        "=?utf-8*da?q?s=C3=B8?=": "sø",
    }
    for written, meant in cases.items():
        raw = _message(f"From: a@example.org\nSubject: {written}\n")
        assert read_message(raw).subject == meant, written


def test_the_text_handed_on_is_capped_and_a_long_flowed_paragraph_is_joined() -> None:
    line = "Vi foreslår et punkt om lærlinge i turismen. "
    flowed = _message(
        "From: a@example.org\nContent-Type: text/plain; charset=utf-8; format=flowed\n"
        "Content-Transfer-Encoding: 8bit\n",
        (f"{line}\r\n" * 20_000).encode(),
    )
    body = read_message(flowed).body_text
    assert len(body) == MAX_BODY
    assert body.startswith(line * 3)  # one paragraph: the soft breaks joined
    short = _message(
        "From: a@example.org\nContent-Type: text/plain; charset=utf-8; format=flowed\n",
        b"Hej \r\nmed dig\r\n\r\nHilsen\r\n",
    )
    assert read_message(short).body_text == "Hej med dig\n\nHilsen\n"


def test_a_huge_header_is_read_only_to_its_cap() -> None:
    raw = _message("From: a@example.org\nSubject: " + "=?utf-8?q?=C3=A6?= " * 50_000 + "\n")
    assert 0 < len(read_message(raw).subject) <= MAX_HEADER


def test_a_huge_part_cut_for_reading_keeps_its_danish_letters_whole() -> None:
    raw = _message(
        "From: a@example.org\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n",
        ("aæ" * 1_000_000).encode(),  # three bytes a pair: the cut falls inside an æ
    )
    body = read_message(raw).body_text
    assert body.startswith("aæaæ") and len(body) == MAX_BODY
    assert "Ã" not in body


def test_the_text_handed_on_has_at_most_max_lines_lines() -> None:
    raw = _message(
        "From: a@example.org\nContent-Type: text/plain; charset=utf-8\n", b"linje\r\n" * 50_000
    )
    body = read_message(raw).body_text
    assert body == "linje\n" * MAX_LINES
