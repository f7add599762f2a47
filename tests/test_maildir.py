"""The embedded default: outgoing mail into a Maildir, incoming mail from one."""

from __future__ import annotations

import mailbox
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from agenda.records import OutgoingMail
from mail.maildir import MaildirSender, MaildirSource


def _mail(n: int) -> OutgoingMail:
    return OutgoingMail(
        message_id=f"<m{n}@k.example.org>",
        sender="gruppe@k.example.org",
        recipients=("jo@example.com",),
        subject=f"Påmindelse {n}",
        text="Husk fristen.",
    )


async def test_the_sender_writes_each_message_into_the_maildir(tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "outbox"
    results = await MaildirSender(outbox).send([_mail(1), _mail(2)])
    assert [(r.message_id, r.sent) for r in results] == [
        ("<m1@k.example.org>", True),
        ("<m2@k.example.org>", True),
    ]
    box = mailbox.Maildir(outbox, create=False)
    subjects = sorted(str(m["Subject"]) for m in box)
    assert subjects == ["=?utf-8?q?P=C3=A5mindelse?= 1", "=?utf-8?q?P=C3=A5mindelse?= 2"]


async def test_what_the_sender_writes_the_source_reads_back(tmp_path: Path) -> None:
    await MaildirSender(tmp_path / "box").send([_mail(1)])
    (fetched,) = await MaildirSource(tmp_path / "box").fetch()
    parsed = message_from_bytes(fetched.raw, policy=default)
    assert parsed["Message-ID"] == "<m1@k.example.org>"
    assert parsed["Subject"] == "Påmindelse 1"
    assert fetched.source_key.startswith("maildir:")


async def test_the_inbox_is_read_in_the_order_mail_arrived(tmp_path: Path) -> None:
    # Writers do not zero-pad the seconds or microseconds in a file's name, so the names'
    # own order is not the order of arrival: 100000 microseconds sort before 99999 as text.
    inbox = tmp_path / "inbox"
    mailbox.Maildir(inbox, create=True)
    names = [
        "999999999.M5P1Q1.host",
        "1764518400.M99999P7Q2.host",
        "1764518400.M100000P7Q3.host:2,S",
        "1764518401.M7P7Q4.host",
    ]
    for n, name in enumerate(names):
        sub = "cur" if ":2," in name else "new"
        (inbox / sub / name).write_bytes(f"Subject: {n}\n\nsvar {n}\n".encode())
    fetched = await MaildirSource(inbox).fetch()
    assert [f.raw.split(b"\n")[0] for f in fetched] == [
        b"Subject: 0",
        b"Subject: 1",
        b"Subject: 2",
        b"Subject: 3",
    ]


async def test_fetch_reads_new_and_cur_without_moving_anything(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    box.add(mailbox.MaildirMessage(b"Subject: new\n\nnew\n"))
    seen = mailbox.MaildirMessage(b"Subject: cur\n\ncur\n")
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    source = MaildirSource(tmp_path / "inbox")
    first = await source.fetch()
    assert sorted(f.raw for f in first) == [b"Subject: cur\n\ncur\n", b"Subject: new\n\nnew\n"]
    assert await source.fetch() == first
    assert len(await source.fetch(limit=1)) == 1


async def test_acknowledge_moves_into_the_processed_subfolder(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    box.add(b"Subject: a\n\na\n")
    box.add(b"Subject: b\n\nb\n")
    source = MaildirSource(tmp_path / "inbox")
    first, second = await source.fetch()
    await source.acknowledge(first.source_key)
    assert await source.fetch() == [second]
    processed = mailbox.Maildir(tmp_path / "inbox" / ".Processed", create=False)
    assert [m.as_bytes() for m in processed] == [first.raw]


async def test_a_backlog_is_worked_off_from_one_listing_by_renames(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for n in range(7):
        box.add(b"Subject: %d\n\n%d\n" % (n, n))
    source = MaildirSource(tmp_path / "inbox")
    seen: list[bytes] = []
    while batch := await source.fetch(limit=3):
        seen.extend(f.raw for f in batch)
        await source.acknowledge_all([f.source_key for f in batch])
    assert len(seen) == len(set(seen)) == 7
    processed = mailbox.Maildir(tmp_path / "inbox" / ".Processed", create=False)
    assert sorted(m.as_bytes() for m in processed) == sorted(seen)
    assert list(box.keys()) == []
    # Mail that arrives once the backlog is done is found by the next listing.
    box.add(b"Subject: late\n\nlate\n")
    (late,) = await source.fetch()
    assert late.raw == b"Subject: late\n\nlate\n"


async def test_a_message_read_by_a_mail_client_keeps_its_flags_when_acknowledged(
    tmp_path: Path,
) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    seen = mailbox.MaildirMessage(b"Subject: cur\n\ncur\n")
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    (fetched,) = await MaildirSource(tmp_path / "inbox").fetch()
    # A source made anew (after a restart) finds the file by its key alone.
    await MaildirSource(tmp_path / "inbox").acknowledge(fetched.source_key)
    processed = mailbox.Maildir(tmp_path / "inbox" / ".Processed", create=False)
    (kept,) = list(processed)
    assert kept.get_flags() == "S"
    assert list(box.keys()) == []


async def test_acknowledging_an_unknown_key_does_nothing(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    box.add(b"Subject: a\n\na\n")
    source = MaildirSource(tmp_path / "inbox")
    (fetched,) = await source.fetch()
    await source.acknowledge("maildir:1700000000.M1P1Q1.nowhere")
    await source.acknowledge("imap:127.0.0.1/INBOX:1:1")
    await source.acknowledge(fetched.source_key)
    await source.acknowledge(fetched.source_key)
    assert await source.fetch() == []


async def test_an_inbox_that_does_not_exist_yet_is_empty(tmp_path: Path) -> None:
    assert await MaildirSource(tmp_path / "var" / "inbox").fetch() == []


async def test_an_oversized_message_is_moved_aside_unread_and_the_rest_is_fetched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    big = b"Subject: big\n\n" + b"x" * 5_000
    box.add(big)
    box.add(b"Subject: small\n\nsmall\n")
    source = MaildirSource(tmp_path / "inbox", max_size=1_000)
    (fetched,) = await source.fetch()
    assert fetched.raw == b"Subject: small\n\nsmall\n"
    refused = mailbox.Maildir(tmp_path / "inbox" / ".Refused", create=False)
    assert [m.as_bytes() for m in refused] == [big]  # kept whole, not lost
    assert "over 1000" in caplog.text and "Refused" in caplog.text
    assert await source.fetch() == [fetched]


async def test_the_sender_writes_a_message_id_once_so_a_resend_is_harmless(
    tmp_path: Path,
) -> None:
    sender = MaildirSender(tmp_path / "outbox")
    assert sender.deduplicates
    first = await sender.send([_mail(1)])
    # Read (moved to cur/ with flags) in between, as a mail client would.
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    (key,) = box.keys()
    message = box[key]
    message.set_subdir("cur")
    message.add_flag("S")
    box[key] = message
    again = await sender.send([_mail(1), _mail(2)])
    assert [r.sent for r in first + again] == [True, True, True]
    assert sorted(str(m["Message-ID"]) for m in box) == [
        "<m1@k.example.org>",
        "<m2@k.example.org>",
    ]


async def test_a_message_that_cannot_be_composed_is_unsendable(tmp_path: Path) -> None:
    broken = OutgoingMail(
        message_id="<bad\r\nid@k.example.org>",
        sender="gruppe@k.example.org",
        recipients=("jo@example.com",),
        subject="x",
        text="x",
    )
    bad, good = await MaildirSender(tmp_path / "outbox").send([broken, _mail(2)])
    assert (bad.sent, bad.permanent, bad.unsendable) == (False, True, True)
    assert good.sent
