"""The linear MIME splitter gives what the email package's parser gives, without its stalls."""

from __future__ import annotations

import email
from email.message import Message
from email.policy import compat32
from pathlib import Path

import pytest

from mail.mimeparse import MAX_DEPTH, parse_bytes

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _shape(message: Message) -> object:
    """Content types, headers and leaf payloads of a tree, to compare two parsers."""
    payload = message.get_payload()
    if message.get_content_type() == "message/delivery-status":
        # Kept as text here (mail.mime reads it as text); the email package splits it up.
        return (message.get_content_type(), message.items())
    if isinstance(payload, list):
        inner: object = [_shape(p) for p in payload if isinstance(p, Message)]
    else:
        inner = message.get_payload(decode=True)
    return (message.get_content_type(), message.items(), inner)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("replies*/*.eml")), ids=lambda p: str(p.name))
def test_every_corpus_reply_splits_as_the_email_package_splits_it(path: Path) -> None:
    raw = path.read_bytes()
    assert _shape(parse_bytes(raw)) == _shape(email.message_from_bytes(raw, policy=compat32))


@pytest.mark.parametrize(
    "raw",
    [
        # Two delimiter lines in a row, a preamble and an epilogue, LF line ends.
        b"Content-Type: multipart/mixed; boundary=b\n\npre\n--b\n\n--b\nContent-Type: text/plain"
        b"\n\nHej\n--b--\nepilogue\n",
        # Cut off before the close delimiter.
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain'
        b"\r\n\r\nHej med\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF",
        # No delimiter at all: the body stays whole.
        b"Content-Type: multipart/mixed; boundary=b\n\njust text\n",
        # A digest's parts are messages by default.
        b"Content-Type: multipart/digest; boundary=B\n\n--B\n\nSubject: inner\n\nbody\n--B--\n",
        # Delimiter-like text that does not start a line, and a boundary with trailing blanks.
        b"Content-Type: multipart/mixed; boundary=b\n\n--b  \nContent-Type: text/plain\n\n"
        b"x--b y\n--b--\n",
        # No blank line after the headers; no headers at all.
        b"Subject: x\nnot a header\nmore\n",
        b"\r\nonly a body\r\n",
    ],
)
def test_awkward_structures_split_as_the_email_package_splits_them(raw: bytes) -> None:
    assert _shape(parse_bytes(raw)) == _shape(email.message_from_bytes(raw, policy=compat32))


def test_nesting_past_the_limit_is_kept_whole_as_one_part() -> None:
    inner = b"Content-Type: text/plain\n\ndeep\n"
    for level in range(MAX_DEPTH + 5):
        boundary = f"d{level}".encode()
        inner = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\n\n--"
            + boundary
            + b"\n"
            + inner
            + b"\n--"
            + boundary
            + b"--\n"
        )
    message = parse_bytes(inner)
    depth = 0
    while isinstance(payload := message.get_payload(), list):
        (child,) = payload
        assert isinstance(child, Message)
        message = child
        depth += 1
    assert depth == MAX_DEPTH
    assert message.get_content_type() == "multipart/mixed"
    assert b"deep" in (message.get_payload(decode=True) or b"")
