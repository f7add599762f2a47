"""message_bytes writes what the email package writes: same headers, same contents.

The reference is the email package composing the whole message (`compose(...).as_bytes`),
as it still does for mails with attachments. Both outputs are read back with the standard
library's parser; a reader must find no difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, default
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mail.compose as compose
from agenda.records import Attachment, OutboxStatus, OutgoingMail
from partnerdesk.app import App
from partnerdesk.usecases import calls

_NOW = datetime(2026, 11, 17, 12, 0, 1, tzinfo=timezone(timedelta(hours=1)))
_WAYS = [(utf8, linesep) for utf8 in (True, False) for linesep in ("\r\n", "\n")]


@contextmanager
def _one_moment() -> Iterator[None]:
    """Both write the same Date: the clock is stopped while they compose."""
    with patch.object(compose, "localtime", lambda: _NOW):
        yield


def _by_the_email_package(mail: OutgoingMail, *, utf8: bool, linesep: str) -> bytes:
    policy = (SMTPUTF8 if utf8 else SMTP) if linesep == "\r\n" else compose._FILE_POLICIES[utf8]
    return compose.compose(mail, utf8=utf8).as_bytes(policy=policy)


def _parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def _what_a_reader_sees(message: EmailMessage) -> list[object]:
    """Every part's headers as written and its decoded content, in order."""
    seen: list[object] = []
    for part in message.walk():
        assert isinstance(part, EmailMessage)
        seen.append([(name, str(value)) for name, value in part.items()])
        seen.append(sorted(str(defect) for defect in part.defects))
        if not part.is_multipart():
            seen.append(part.get_payload(decode=True))
            seen.append(part.get_content())
    return seen


def _longest_line(raw: bytes, linesep: str) -> int:
    return max(len(line) for line in raw.split(linesep.encode("ascii")))


def _assert_same(mail: OutgoingMail) -> None:
    for utf8, linesep in _WAYS:
        with _one_moment():
            try:
                old = _by_the_email_package(mail, utf8=utf8, linesep=linesep)
            except (ValueError, UnicodeError) as exc:
                refused = type(exc).__name__
            else:
                refused = ""
            if refused:
                # Refused alike.
                with pytest.raises((ValueError, UnicodeError)) as mine:
                    compose.message_bytes(mail, utf8=utf8, linesep=linesep)
                assert mine.type.__name__ == refused
                continue
            new = compose.message_bytes(mail, utf8=utf8, linesep=linesep)
        assert _what_a_reader_sees(_parsed(new)) == _what_a_reader_sees(_parsed(old))
        if _longest_line(old, linesep) <= 78:
            assert _longest_line(new, linesep) <= 78
        if not utf8:
            assert new.isascii()
        # Line ends as asked, and no bare CR or LF of another kind.
        assert new.count(b"\n") == new.count(linesep.encode("ascii"))
        assert new.count(b"\r") == new.count(b"\r\n") if linesep == "\r\n" else b"\r" not in new


async def test_the_mails_of_a_call_read_as_before(app: App) -> None:
    group = app.group()
    await calls.open_call(app, group, app.meeting(group, "2026-2"))
    queued = await app.store.outbox([OutboxStatus.PENDING], limit=10_000)
    contacts = [c for p in group.partners for c in p.contacts]
    assert len(queued) == len(contacts)
    for entry in queued:
        assert entry.mail is not None
        _assert_same(entry.mail)


# Pieces of text that encoders get wrong: line ends of every kind, whitespace ending a line,
# dots and "From " starting one, control characters, "=", long lines, letters beyond the BMP.
_AWKWARD = st.sampled_from(
    [
        "\r\n",
        "\r",
        "\n",
        " \n",
        "\t\r\n",
        "  ",
        "\t",
        ".",
        "\n.\n",
        "..",
        "From ",
        "\nFrom me\n",
        "\x00",
        "\x1b",
        "\x7f",
        "\x0b\x0c",
        "\x85",
        "\u2028",
        "=",
        "=20",
        "=\n",
        "æøå ÆØÅ",
        "–",
        "😀",
        "𝔘",
        "x" * 75,
        "y" * 200,
        " " * 80,
        "é" * 40,
    ]
)
_LETTERS = st.characters(exclude_categories=["Cs"])
_TEXT = st.lists(st.one_of(_AWKWARD, st.text(_LETTERS, max_size=30)), max_size=25).map("".join)
_NAME = st.text(st.sampled_from('abc ÆØÅæøå,."()<>@\\\u2028\x85'), max_size=20)
_ADDRESS = st.sampled_from(["a@example.org", "jens.ø@example.dk", "hr@bøf.dk", "x+1@k.example"])


@st.composite
def _mails(draw: st.DrawFn) -> OutgoingMail:
    def named(address: str) -> str:
        name = draw(_NAME)
        return f"{name} <{address}>" if name.strip() else address

    attachments: tuple[Attachment, ...] = ()
    if draw(st.booleans()) and draw(st.booleans()):
        attachments = (
            Attachment(draw(_NAME) or "bilag.pdf", "application/pdf", draw(st.binary())),
        )
    headers = tuple(
        draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["List-Id", "X-Note", "Content-Language", "MIME-Version"]),
                    st.text(_LETTERS, max_size=40),
                ),
                max_size=2,
            )
        )
    )
    return OutgoingMail(
        message_id="<call-2026-2-0123456789ab@norddjurs.example.org>",
        sender=named("partnerskab@norddjurs.example.org"),
        recipients=tuple(named(a) for a in draw(st.lists(_ADDRESS, min_size=1, max_size=3))),
        subject=draw(st.text(_LETTERS, max_size=120)),
        text=draw(_TEXT),
        html=draw(st.none() | _TEXT),
        reply_to=draw(st.none() | st.just("partnerskab+0123456789ab@norddjurs.example.org")),
        in_reply_to=draw(st.none() | st.just("<a@example.org>")),
        automatic=draw(st.booleans()),
        attachments=attachments,
        headers=headers,
    )


@settings(max_examples=300, deadline=None)
@given(_mails())
def test_any_mail_reads_as_before(mail: OutgoingMail) -> None:
    _assert_same(mail)


def test_a_body_of_nothing_but_awkward_lines_reads_as_before() -> None:
    text = "".join(
        [".\n", "From here\n", "end  \n", "tab\t\r\n", "\x00\x7f\n", "z" * 300, "\r", "é" * 100]
    )
    _assert_same(OutgoingMail("<a@b.c>", "a@b.c", ("d@e.f",), "Emne", text, html=text))
