"""Header blocks are read exactly as the email package's header parser reads them.

mail/mimeparse.py reads each part's header block itself (the feedparser's buffering cost
more than the rest of reading a part); fields, envelope line, defects and the leftover body
must stay the package's, for everyday headers and for broken ones.
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.mimeparse import _head

_PACKAGE = BytesHeaderParser(policy=compat32)


def _seen(message: Message) -> tuple[object, ...]:
    return (
        list(message.raw_items()),
        message.get_unixfrom(),
        message.get_payload(),
        [(type(d), str(d)) for d in message.defects],
    )


EVERYDAY = [
    b"From: Jens <jens@x.dk>\r\nTo: a@b.dk\r\nSubject: Punkt\r\n",
    b"Subject: =?utf-8?q?Forslag_til_punkt?=\n Fortsat\n\tog mere\nX-A:  b  \n",
    b'Content-Type: multipart/mixed;\r\n boundary="xyz"\r\n',
    b"From jens@x.dk Mon Nov 30 09:00:00 2026\nSubject: a\n",
    b"Subject: a\nFrom jens@x.dk Mon\n",
    b"Subject: a\nFrom jens@x.dk Mon\nTo: b\n",
    b" continuation first\nSubject: a\n",
    b": no name\nSubject: a\n",
    b"Subject: a\nthis is body text\nmore\n",
    b"Subject: a\r\rSecond: b\n",
    b"Subject: \xc3\xa6\xc3\xb8 8-bit\n",
    b"Subject: a\rTo: b\rCc: c\r",
    b"No colon at all\n",
    b"\n",
    b"Subject: a",
]


@pytest.mark.parametrize("head", EVERYDAY)
def test_header_blocks_read_as_the_email_package_reads_them(head: bytes) -> None:
    assert _seen(_head(head)[0]) == _seen(_PACKAGE.parsebytes(head))


_PIECES = st.sampled_from(
    [
        b"Subject", b"From ", b"From", b"To", b":", b" ", b"\t", b"\r\n", b"\n", b"\r",
        b"value", b"\xc3\xa6", b"\xff", b"X-A", b"=?utf-8?q?a?=", b";", b"\x00", b"\x0b",
    ]
)  # fmt: skip


@settings(max_examples=2000, database=None)
@given(st.lists(_PIECES, max_size=24).map(b"".join))
def test_any_header_block_reads_as_the_email_package_reads_it(head: bytes) -> None:
    assert _seen(_head(head)[0]) == _seen(_PACKAGE.parsebytes(head))
