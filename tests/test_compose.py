"""Composing an outgoing mail into MIME: headers, alternatives, attachments."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime

from agenda.records import Attachment, OutgoingMail
from mail.compose import compose, envelope_address

ICS = (
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Møde i koordinationsgruppen\r\nEND:VCALENDAR\r\n"
)


def _mail(**changes: object) -> OutgoingMail:
    fields: dict[str, object] = {
        "message_id": "<call-1@norddjurs.example.org>",
        "sender": "Sekretariatet Norddjurs <partnerskab@norddjurs.example.org>",
        "recipients": ("Jens Ø <jo@example.com>", "hr@example.com"),
        "subject": "Indkaldelse af punkter – mødet 27. november",
        "text": "Kære partner,\nSend jeres punkter.\nÆblegrød og øl.\n",
        "html": "<p>Kære partner,</p><p>Æblegrød og øl.</p>",
        "reply_to": "partnerskab+0123456789ab@norddjurs.example.org",
    }
    fields.update(changes)
    return OutgoingMail(**fields)  # type: ignore[arg-type]


def _round_trip(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(), _class=EmailMessage, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_headers_say_who_what_and_where_replies_go() -> None:
    got = _round_trip(compose(_mail()))
    assert got["Message-ID"] == "<call-1@norddjurs.example.org>"
    assert got["From"] == "Sekretariatet Norddjurs <partnerskab@norddjurs.example.org>"
    assert got["To"] == "Jens Ø <jo@example.com>, hr@example.com"
    assert got["Reply-To"] == "partnerskab+0123456789ab@norddjurs.example.org"
    assert got["Subject"] == "Indkaldelse af punkter – mødet 27. november"
    assert parsedate_to_datetime(got["Date"]).tzinfo is not None
    assert got["In-Reply-To"] is None and got["References"] is None


def test_a_name_with_a_comma_stays_one_address() -> None:
    got = _round_trip(
        compose(_mail(sender="Fællessekretariatet, Norddjurs Kommune <partnerskab@k.example.org>"))
    )
    (sender,) = got["From"].addresses
    assert sender.display_name == "Fællessekretariatet, Norddjurs Kommune"
    assert sender.addr_spec == "partnerskab@k.example.org"
    assert envelope_address("Fællessekretariatet, Norddjurs <a@k.dk>") == "a@k.dk"
    assert envelope_address(" a@k.dk ") == "a@k.dk"


def test_automatic_mail_asks_not_to_be_answered_by_robots() -> None:
    got = compose(_mail())
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["X-Auto-Response-Suppress"] == "All"
    personal = compose(_mail(automatic=False))
    assert personal["Auto-Submitted"] is None and personal["X-Auto-Response-Suppress"] is None


def test_a_reply_carries_its_thread() -> None:
    got = compose(_mail(in_reply_to="<a@x>", references=("<root@x>", "<a@x>")))
    assert got["In-Reply-To"] == "<a@x>"
    assert got["References"] == "<root@x> <a@x>"


def test_extra_headers_are_added_and_replace_ours() -> None:
    got = compose(_mail(headers=(("List-Id", "<norddjurs.partnerskab>"), ("Reply-To", "a@b.dk"))))
    assert got["List-Id"] == "<norddjurs.partnerskab>"
    assert got.get_all("Reply-To") == ["a@b.dk"]


def test_text_and_html_are_alternatives_in_utf8_and_7bit_clean() -> None:
    message = compose(_mail())
    raw = message.as_bytes()
    assert raw.isascii()
    got = _round_trip(message)
    assert got.get_content_type() == "multipart/alternative"
    plain = got.get_body(("plain",))
    html = got.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == "Kære partner,\nSend jeres punkter.\nÆblegrød og øl.\n"
    assert "Æblegrød" in html.get_content()
    assert plain.get_content_charset() == "utf-8"


def test_without_html_the_message_is_plain_text() -> None:
    got = compose(_mail(html=None))
    assert got.get_content_type() == "text/plain"


def test_attachments_keep_their_names_and_bytes() -> None:
    pdf = Attachment("Dagsorden æøå.pdf", "application/pdf", b"%PDF-1.7\x00\xff")
    got = _round_trip(compose(_mail(attachments=(pdf,))))
    assert got.get_content_type() == "multipart/mixed"
    (part,) = got.iter_attachments()
    assert part.get_filename() == "Dagsorden æøå.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == b"%PDF-1.7\x00\xff"
    # RFC 2231 for the Danish letters, so every client shows the name as given.
    assert (
        b"filename*=utf-8''Dagsorden%20%C3%A6%C3%B8%C3%A5.pdf"
        in compose(_mail(attachments=(pdf,))).as_bytes()
    )


def test_a_calendar_invitation_keeps_its_method() -> None:
    invite = Attachment("invitation.ics", "text/calendar; method=REQUEST", ICS.encode())
    got = _round_trip(compose(_mail(attachments=(invite,))))
    (part,) = got.iter_attachments()
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_content() == ICS
    assert part.get_filename() == "invitation.ics"


def test_ids_and_texts_from_outside_never_bring_cr_or_lf_into_a_header() -> None:
    message = compose(
        _mail(
            subject="Tak for forslaget:\r\nBcc: victim@example.org",
            in_reply_to="<a\r\nBcc: victim@example.org>",
            references=("<ok@example.org>", "=?utf-8?q?<b=0D=0A>?=", "<ok@example.org>"),
        )
    )
    got = _round_trip(message)
    assert got["Bcc"] is None
    assert got["In-Reply-To"] is None  # nothing well-formed to answer
    assert got["References"] == "<ok@example.org>"
    assert got["Subject"] == "Tak for forslaget: Bcc: victim@example.org"


def test_a_long_thread_keeps_its_first_and_latest_references() -> None:
    ids = tuple(f"<m{n}@example.org>" for n in range(50))
    got = _round_trip(compose(_mail(references=ids, in_reply_to=ids[-1])))
    kept = str(got["References"]).split()
    assert len(kept) == 20 and kept[0] == ids[0] and kept[-1] == ids[-1]
    assert got["In-Reply-To"] == ids[-1]
