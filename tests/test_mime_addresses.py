"""Address lists are read exactly as the email package reads them, in every shape.

The everyday shapes take a fast path (mail/mime.py `_addresses`); whatever it does not know
goes to email.utils.getaddresses. Either way the (name, address) pairs must be the package's.
"""

from __future__ import annotations

from email.utils import getaddresses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.mime import _addresses, read_message

EVERYDAY = [
    "",
    "jens@norddjurs.dk",
    "Jens Hansen <jens.hansen@norddjurs.dk>",
    '"Hansen, Jens" <jens@norddjurs.dk>',
    "<jens@norddjurs.dk>",
    'Søren Ørsted <soeren@aarhus.dk>, mette@tradium.dk,  "Lund, M." <m.lund@eaaa.dk>',
    "A. P. Møller <ap@example.com>",
    "=?utf-8?q?J=C3=B8rgen_Bo?= <jb@example.dk>",
    'Jens"Hansen" <jens@x.dk>',
    "a@b.dk,",
    "a@b.dk, ",
    "a@b.dk,,c@d.dk",
    "Jens (kontor) <jens@x.dk>",
    "jens@x.dk (Jens)",
    "Gruppe: a@b.dk, c@d.dk;",
    "<@route:a@b.dk>",
    '"Hansen \\" Jens" <j@x.dk>',
    "a..b@x.dk",
    "a@x..dk",
    "a@b@c.dk",
    "Jens\xa0Hansen <j@x.dk>",
    "\xa0@jens",
    "\xa0<j@x.dk>",
    "a.\u2003@x.dk",
    "\x1c@x.dk, j@x.dk",
    "Jens\r\n Hansen <j@x.dk>",
    "jens@x.dk <j@x.dk>",
    "   ",
    "Jens Hansen",
    "<j@x.dk",
]


@pytest.mark.parametrize("value", EVERYDAY)
def test_shapes_read_as_the_email_package_reads_them(value: str) -> None:
    assert _addresses(value) == getaddresses([value])


_PIECES = st.sampled_from(
    [
        "jens", "Hansen", "j.h", "@", "x.dk", "<", ">", ",", " ", "\t", "\r\n", '"', "\\",
        "(", ")", ":", ";", ".", "[", "]", "ø", "\xa0", "\x0b", "\u2003", "\x1c",
        "=?utf-8?q?", "?=", "é",
    ]
)  # fmt: skip


@settings(max_examples=2000, database=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_any_text_reads_as_the_email_package_reads_it(value: str) -> None:
    assert _addresses(value) == getaddresses([value])


def test_sender_and_recipients_of_a_message() -> None:
    raw = (
        b'From: "Hansen, Jens" <Jens.Hansen@Norddjurs.dk>\r\n'
        b"To: sekretariat@example.dk, Mette Lund <mette@tradium.dk>\r\n"
        b"Cc: (intern) kontor@example.dk\r\n"
        b"Subject: Punkt\r\n\r\nHej\r\n"
    )
    message = read_message(raw)
    assert (message.from_name, message.from_address) == ("Hansen, Jens", "jens.hansen@norddjurs.dk")
    assert message.to_addresses == (
        "sekretariat@example.dk",
        "mette@tradium.dk",
        "kontor@example.dk",
    )
