"""Fuzzing MIME reading: whatever arrives, read_message and trim_reply neither crash nor stall.

Generated messages (hypothesis: structured MIME with bad charsets, broken encodings, odd
boundaries, truncation, NUL bytes; and mutations of the corpus's real replies) plus a small
corpus of hostile ones made here (500 parts, deep nesting, 10 MB lines, many encoded words).
Each must give a DecodedMessage or one MessageError, within two seconds (the hostile ones
together with the Message-ID that ingest reads before storing them).
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.mime import MAX_BODY, MAX_HEADER, MAX_LINES, MessageError, read_message
from mail.trim import trim_reply
from partnerdesk.usecases.ingest import header_message_id

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REPLIES = sorted((CORPUS / "replies").glob("*.eml")) + sorted((CORPUS / "replies-2").glob("*.eml"))
# The bound for one message, reading and trimming together.
PER_MESSAGE = 2.0
FUZZ = settings(
    deadline=timedelta(seconds=PER_MESSAGE),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _read_and_trim(raw: bytes) -> None:
    """The contract: a DecodedMessage whose values are safe to store and show, or MessageError."""
    try:
        message = read_message(raw)
    except MessageError:
        return
    for value in (message.message_id, message.in_reply_to, *message.references):
        assert "\r" not in value and "\n" not in value, value
    assert len(message.subject) <= MAX_HEADER
    assert len(message.body_text) <= MAX_BODY
    assert message.body_text.count("\n") <= MAX_LINES
    # Lone surrogates would be refused by PostgreSQL and by every encoder after it.
    for text in (message.subject, message.from_name, message.body_text):
        text.encode("utf-8")
    for attachment in message.attachments:
        attachment.filename.encode("utf-8")
        assert "/" not in attachment.filename and "\n" not in attachment.filename
    trimmed = trim_reply(message.body_text)
    assert isinstance(trimmed, str)


# --- generated MIME ----------------------------------------------------------------------
# Hypothesis draws a seed and a plain random.Random builds the message from it: ten thousand
# structured messages cost seconds this way, where drawing every choice through hypothesis
# took minutes. A failure names its seed, which rebuilds the message exactly.

_CHARSETS = [
    "utf-8",
    "UTF-8",
    "iso-8859-1",
    "windows-1252",
    "utf-7",
    "utf-16",
    "x-unknown",
    "",
    '"utf-8',
    "utf-8'da'",
]
_LETTERS = "abcæøåÆØÅ -_=?<>@:;,.\"'\t\r\n\x00\u2013\u00e9\U0001f600"
_HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Auto-Submitted",
    "Precedence",
    "Content-Disposition",
    "X-Failed-Recipients",
    "Delivered-To",
]
_CONTENT_TYPES = [
    "text/plain",
    "text/html",
    "application/pdf",
    "application/octet-stream",
    "message/rfc822",
    "message/delivery-status",
    "image/png",
    "text/",
    "multipart/mixed",
    "",
]
_ENCODINGS = ["", "7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "?"]
_NAMES = [
    '; name="../../etc/passwd"',
    "; name*=utf-8''%E6%F8%E5.pdf",
    "; name*=bogus''%ZZ%",
    '; name="=?utf-8?q?Bilag_=C3=A6=0D=0A.pdf?="',
    "; name*0*=utf-8''a; name*1=b",
    '; filename="C:\\Users\\x\\virus.exe"',
]
_BODIES = [
    b"Hej \r\nmed dig \r\n> citat \r\n-- \r\nJens\r\n",
    b"Titel: L\xe6rlinge\r\nBaggrund: x\r\n",
    b"<p>Hej<br>med <b>dig</b></p><div>Fra: Jens</div>",
    b"Final-Recipient: rfc822; jo@example.com\r\nAction: failed\r\n",
    b"JVBERi0xLjQK\r\n===\r\n",
    b"=C3=A6=\r\n=ZZ=\r\n",
]


def _text(rng: random.Random, most: int = 60) -> str:
    return "".join(rng.choice(_LETTERS) for _ in range(rng.randrange(most)))


def _encoded_word(rng: random.Random) -> str:
    data = _text(rng, 30).encode("utf-8", "surrogatepass")
    kind = rng.choice("bqBQx")
    if kind in "bB":
        payload = base64.b64encode(data).decode()
        payload = payload[: rng.randrange(len(payload) + 1)]  # padding lost or cut short
    else:
        payload = "".join(
            chr(b) if 33 <= b < 127 and chr(b) not in "=?_" else f"={b:02X}" for b in data
        )
    return f"=?{rng.choice(_CHARSETS) or 'utf-8'}?{kind}?{payload}?="


def _header_piece(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return _encoded_word(rng)
    if kind == 1:
        return _text(rng)
    return rng.choice(["<a@b>", "<a\r\nb@c>", "Jens <jo@x.dk>", '"Holm, E" <e@x>'])


def _header_value(rng: random.Random) -> str:
    return " ".join(_header_piece(rng) for _ in range(rng.randrange(8)))


def _body(rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randbytes(rng.randrange(300))
    if kind == 1:
        return _text(rng).encode("utf-8", "surrogatepass")
    if kind == 2:
        return _text(rng).encode("latin-1", "replace")
    return rng.choice(_BODIES) * rng.randrange(1, 20)


def _leaf(rng: random.Random) -> bytes:
    charset = rng.choice(_CHARSETS)
    params = f"; charset={charset}" if charset else ""
    if rng.random() < 0.3:
        params += "; format=flowed" + rng.choice(["", "; delsp=yes"])
    if rng.random() < 0.3:
        params += rng.choice(_NAMES)
    headers = f"Content-Type: {rng.choice(_CONTENT_TYPES)}{params}\r\n"
    encoding = rng.choice(_ENCODINGS)
    if encoding:
        headers += f"Content-Transfer-Encoding: {encoding}\r\n"
    if rng.random() < 0.3:
        headers += f"Content-Disposition: {rng.choice(['attachment', 'inline'])}\r\n"
    body = _body(rng)
    return headers.encode() + b"\r\n" + body


def _part(rng: random.Random, depth: int = 0) -> bytes:
    if depth > 4 or rng.random() < 0.55:
        return _leaf(rng)
    boundary = rng.choice(["b1", "=_x", "a b", "", "--", "b1" * 40, f"d{depth}"]).encode()
    subtype = rng.choice(["mixed", "alternative", "report", "related", "digest"])
    body = rng.choice([b"", b"preamble\r\n"])
    for _ in range(rng.randrange(6)):
        body += b"--" + boundary + b"\r\n" + _part(rng, depth + 1) + b"\r\n"
    if rng.random() < 0.7:
        body += b"--" + boundary + b"--\r\n" + rng.choice([b"", b"epilogue"])
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary.decode()}"\r\n\r\n'
    return head.encode() + body


def build_message(rng: random.Random) -> bytes:
    """A structured message with whatever can go wrong in one: bad charsets, cut parts, NULs."""
    head = "".join(
        f"{rng.choice(_HEADER_NAMES)}: {_header_value(rng)}\r\n" for _ in range(rng.randrange(9))
    )
    raw = head.encode("utf-8", "surrogatepass") + _part(rng)
    for _ in range(rng.randrange(3)):
        raw = mutate(rng, raw)
    return raw


def mutate(rng: random.Random, raw: bytes) -> bytes:
    at = rng.randrange(len(raw) + 1)
    action = rng.choice(["cut", "insert", "delete", "repeat", "flip", "nul", "lf"])
    if action == "cut":
        return raw[:at]
    if action == "insert":
        return raw[:at] + rng.randbytes(rng.randrange(1, 40)) + raw[at:]
    if action == "delete":
        return raw[:at] + raw[at + rng.randrange(1, 200) :]
    if action == "repeat":
        return raw[:at] + raw[at : at + 200] * rng.randrange(2, 50) + raw[at:]
    if action == "nul":
        return raw[:at] + b"\x00" + raw[at:]
    if action == "lf":
        return raw.replace(b"\r\n", b"\n")
    if not raw:
        return raw
    at = min(at, len(raw) - 1)
    return raw[:at] + bytes([raw[at] ^ rng.randrange(1, 256)]) + raw[at + 1 :]


_SEEDS = st.integers(min_value=0, max_value=2**64 - 1)


@settings(FUZZ, max_examples=7_000)
@given(_SEEDS)
def test_generated_mime_never_crashes_or_stalls(seed: int) -> None:
    _read_and_trim(build_message(random.Random(seed)))  # noqa: S311 - test data, not secrets


@settings(FUZZ, max_examples=3_000)
@given(_SEEDS, st.sampled_from(REPLIES))
def test_mutated_corpus_replies_never_crash_or_stall(seed: int, reply: Path) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    raw = reply.read_bytes()
    for _ in range(rng.randrange(1, 5)):
        raw = mutate(rng, raw)
    _read_and_trim(raw)


# --- hostile sizes, made here ------------------------------------------------------------

_HEAD = (
    "From: Jens <jo@example.com>\r\nTo: p@example.org\r\nSubject: Punkt\r\n"
    "Message-ID: <x@example.org>\r\nMIME-Version: 1.0\r\n"
)


def _multipart_of(parts: list[str], close: bool = True) -> str:
    body = "".join(f"--b0\r\n{p}\r\n" for p in parts)
    return (
        _HEAD
        + 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
        + body
        + ("--b0--\r\n" if close else "")
    )


def _nested(depth: int, leaf: str) -> bytes:
    inner = leaf
    for d in range(depth):
        inner = (
            f'Content-Type: multipart/mixed; boundary="d{d}"\r\n\r\n'
            f"--d{d}\r\n{inner}\r\n--d{d}--\r\n"
        )
    return (_HEAD + inner).encode()


_PLAIN = "Content-Type: text/plain; charset=utf-8\r\n\r\n"

HOSTILE: dict[str, Callable[[], bytes]] = {
    "truncated multipart": lambda: _multipart_of(
        [_PLAIN + "Hej", "Content-Type: application/pdf\r\n\r\nJVBERi0xLjQK" * 1000],
        close=False,
    ).encode()[:-700],
    "wrong charsets": lambda: _multipart_of(
        [
            'Content-Type: text/plain; charset="x-unknown"\r\n\r\nHej',
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + "\udce6ble",
            "Content-Type: text/plain; charset=utf-7\r\n\r\n+AOY-ble +-+-+\r\n",
            "Content-Type: text/plain; charset=utf-16\r\n\r\n\x00a\x00",
        ]
    ).encode("utf-8", "surrogateescape"),
    "500 parts": lambda: _multipart_of(
        [
            f'Content-Type: text/plain; name="f{i}.txt"\r\nContent-Disposition: attachment\r\n'
            f"\r\nfil {i}"
            for i in range(500)
        ]
    ).encode(),
    "nesting 3000 deep": lambda: _nested(3000, _PLAIN + "Dybt nede\r\n"),
    "nesting 50 deep around 9 MB of short lines": lambda: _nested(50, _PLAIN + "a\r\n" * 3_000_000),
    "9 MB of short lines": lambda: _multipart_of([_PLAIN + "a\r\n" * 3_000_000]).encode(),
    "NUL bytes": lambda: (
        _HEAD + "X-N: a\x00b\r\nContent-Type: text/plain\r\n\r\nHej\x00med\x00dig\r\n"
    ).encode(),
    "a 10 MB line in the body": lambda: (_HEAD + _PLAIN.lstrip() + "a" * 10_000_000).encode(),
    "a 10 MB header line": lambda: (_HEAD + "X-Long: " + "b" * 10_000_000 + "\r\n\r\nHej").encode(),
    "a 10 MB flowed paragraph": lambda: (
        _HEAD
        + "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        + "ord ord ord \r\n" * 800_000
    ).encode(),
    "10 MB of HTML": lambda: (
        _HEAD + "Content-Type: text/html; charset=utf-8\r\n\r\n" + "<div><p>x</p>" * 800_000
    ).encode(),
    "3.4 MB of encoded words in the subject": lambda: (
        "From: a@example.org\r\nSubject: "
        + "=?utf-8?q?=C3=A6bleb=C3=B8f?= " * 113_000
        + "\r\n\r\nHej\r\n"
    ).encode(),
    "100,000 encoded names in To": lambda: (
        "From: a@example.org\r\nTo: "
        + ", ".join(f"=?utf-8?q?N=C3=A6{i}?= <n{i}@example.org>" for i in range(100_000))
        + "\r\n\r\nHej\r\n"
    ).encode(),
    "a million header lines": lambda: (_HEAD + "X-A: b\r\n" * 1_000_000 + "\r\nHej").encode(),
    "2.5 million false boundaries": lambda: (
        _HEAD + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + "x--b" * 2_500_000
    ).encode(),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_messages_are_read_within_the_bound(name: str) -> None:
    raw = HOSTILE[name]()
    started = time.perf_counter()
    # What ingest reads before storing (the Message-ID), then the reading itself.
    header_message_id(raw)
    _read_and_trim(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < PER_MESSAGE, f"{name}: {elapsed:.2f} s"


# --- what the fuzzing found ---------------------------------------------------------------


def test_a_second_from_header_is_not_glued_to_the_first() -> None:
    raw = (
        b"From: lene.kjaer@norddjurs.example.org\r\n"
        b"From: =?utf-8?q?Rikke_N=C3=B8rgaard?= <rn@vidensdjurs.example.org>\r\n"
        b"Subject: Punkt\r\n\r\nHej\r\n"
    )
    assert read_message(raw).from_address == "lene.kjaer@norddjurs.example.org"


@pytest.mark.parametrize(
    "value", ["a@b.dk Jens <jo@example.com>", "not an address", "=?x-unknown?q?a b?=", ""]
)
def test_a_from_header_that_names_no_mailbox_gives_no_address(value: str) -> None:
    raw = f"From: {value}\r\nSubject: Punkt\r\n\r\nHej\r\n".encode()
    assert read_message(raw).from_address == ""


def test_the_message_id_is_found_in_the_header_block_only() -> None:
    assert header_message_id(b"From: a@b.dk\r\nMessage-Id:\r\n <x@example.com>\r\n\r\n") == (
        "<x@example.com>"
    )
    assert header_message_id(b"Message-ID: <first@x.dk>\nMessage-ID: <second@x.dk>\n\n") == (
        "<first@x.dk>"
    )
    assert header_message_id(b"From: a@b.dk\n\nMessage-ID: <in-the-body@x.dk>\n") is None
    assert header_message_id(b"X-Message-ID: <other@x.dk>\n\n") is None
