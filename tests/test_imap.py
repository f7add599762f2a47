"""The IMAP source against a real Dovecot on loopback: plain, STARTTLS, TLS."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mail.imap import ImapSource, MailboxError
from tests.dovecot_server import PASSWORD, USER, Dovecot, start_dovecot
from tests.smtp_server import Certs, make_certs

MESSAGE = (
    b"From: Jens <jo@danskbyggeri-djurs.example.com>\r\n"
    b"To: partnerskab+0123456789ab@norddjurs.example.org\r\n"
    b"Subject: SV: Indkaldelse\r\nMessage-ID: <{n}@example.com>\r\n\r\n"
    b"Titel: Laerlingekampagne {n}\r\n"
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("imapcerts"))


@pytest.fixture
def dovecot(certs: Certs) -> Iterator[Dovecot]:
    yield from start_dovecot(certs)


def _append(server: Dovecot, n: int, size: int = 0) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.imap_port)
    client.login(USER, PASSWORD)
    body = MESSAGE.replace(b"{n}", str(n).encode()) + b"x" * size
    client.append("INBOX", "", imaplib.Time2Internaldate(0), body)
    client.logout()


def _seen(server: Dovecot) -> list[bytes]:
    client = imaplib.IMAP4("127.0.0.1", server.imap_port)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    _, data = client.search(None, "SEEN")
    client.logout()
    return [x for x in (data[0] or b"").split() if x]


async def test_fetch_leaves_messages_unseen_and_acknowledge_moves_them(dovecot: Dovecot) -> None:
    _append(dovecot, 1)
    _append(dovecot, 2)
    source = ImapSource(dovecot.url("imap"))
    fetched = await source.fetch()
    assert [b"Laerlingekampagne 1" in f.raw for f in fetched] == [True, False]
    assert all(f.source_key.startswith("imap:127.0.0.1/INBOX:") for f in fetched)
    assert _seen(dovecot) == []
    await source.acknowledge(fetched[0].source_key)
    again = await source.fetch()
    assert [f.source_key for f in again] == [fetched[1].source_key]
    processed = ImapSource(dovecot.url("imap", "Processed"))
    assert len(await processed.fetch()) == 1


async def test_starttls_and_implicit_tls_with_our_ca(dovecot: Dovecot, certs: Certs) -> None:
    _append(dovecot, 3)
    for scheme in ("imap+starttls", "imaps"):
        source = ImapSource(dovecot.url(scheme), ca_file=certs.ca_file)
        assert len(await source.fetch()) == 1


async def test_a_certificate_from_an_unknown_ca_is_refused(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    other = make_certs(tmp_path / "other", "other")
    source = ImapSource(dovecot.url("imaps"), ca_file=other.ca_file)
    with pytest.raises(MailboxError) as caught:
        await source.fetch()
    assert caught.value.permanent


async def test_an_oversized_message_is_refused_before_download(dovecot: Dovecot) -> None:
    _append(dovecot, 4, size=5000)
    _append(dovecot, 5)
    source = ImapSource(dovecot.url("imap"), max_size=2000)
    fetched = await source.fetch()
    assert len(fetched) == 1 and b"Laerlingekampagne 5" in fetched[0].raw
    refused = ImapSource(dovecot.url("imap", "Refused"))
    assert len(await refused.fetch()) == 1


async def test_a_dropped_server_is_a_mailbox_error_not_a_crash(dovecot: Dovecot) -> None:
    source = ImapSource(f"imap://{USER}:{PASSWORD}@127.0.0.1:1/INBOX", timeout=3)
    with pytest.raises(MailboxError) as caught:
        await source.fetch()
    assert not caught.value.permanent


async def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot) -> None:
    import asyncio

    source = ImapSource(dovecot.url("imap"))
    waiting = asyncio.ensure_future(source.wait_for_mail(20))
    await asyncio.sleep(1.0)
    started = asyncio.get_running_loop().time()
    _append(dovecot, 6)
    assert await waiting is True
    assert asyncio.get_running_loop().time() - started < 10
    assert await source.wait_for_mail(0.5) is False


async def test_after_a_failure_the_source_backs_off_instead_of_hammering() -> None:
    source = ImapSource(f"imap://{USER}:{PASSWORD}@127.0.0.1:1/INBOX", timeout=3)
    with pytest.raises(MailboxError):
        await source.fetch()
    assert await source.fetch() == []  # within the backoff: no new connection attempt
