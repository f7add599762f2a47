"""The IMAP source against a real Dovecot on loopback: plain, STARTTLS, TLS."""

from __future__ import annotations

import asyncio

import pytest

from mail.errors import MailboxError
from mail.imap import ImapSource
from mail.urls import parse_imap_url
from tests.servers.certs import Certs, free_port
from tests.servers.dovecot import PASSWORD, USER, Dovecot

# The server fixtures (certs, smtpd*, dovecot) by name; a plugin, so ruff sees no shadowing.
pytest_plugins = ["tests.servers.fixtures"]


def _message(n: int, padding: int = 0) -> bytes:
    return (
        b"From: Jens <jo@danskbyggeri-djurs.example.com>\r\n"
        b"To: partnerskab+0123456789ab@norddjurs.example.org\r\n"
        b"Subject: SV: Indkaldelse\r\n"
        b"Message-ID: <%d@example.com>\r\n\r\n"
        b"Titel: Laerlingekampagne %d\r\n" % (n, n) + b"x" * padding
    )


def _seen(server: Dovecot, folder: str = "INBOX") -> list[bytes]:
    client = server.client()
    try:
        client.select(folder)
        _, data = client.search(None, "SEEN")
    finally:
        client.logout()
    return (data[0] or b"").split()


def _count(server: Dovecot, folder: str) -> int:
    client = server.client()
    try:
        typ, data = client.select(folder, readonly=True)
    finally:
        client.logout()
    return int(data[0] or 0) if typ == "OK" else 0


def _uidvalidity(server: Dovecot, folder: str = "INBOX") -> str:
    client = server.client()
    try:
        _, data = client.status(folder, "(UIDVALIDITY)")
    finally:
        client.logout()
    line: bytes = data[0]
    return line.decode().split("UIDVALIDITY ")[1].rstrip(")")


async def test_fetch_returns_exact_bytes_without_marking_them_seen(dovecot: Dovecot) -> None:
    dovecot.append(_message(1))
    dovecot.append(_message(2))
    source = ImapSource(dovecot.url("imap"))
    fetched = await source.fetch()
    assert [f.raw for f in fetched] == [_message(1), _message(2)]
    assert _seen(dovecot) == []
    assert await source.fetch() == fetched  # nothing moved, nothing marked
    await source.close()


async def test_the_source_key_names_host_folder_uidvalidity_and_uid(dovecot: Dovecot) -> None:
    dovecot.append(_message(1))
    (fetched,) = await ImapSource(dovecot.url("imap")).fetch()
    assert fetched.source_key == f"imap:127.0.0.1/INBOX:{_uidvalidity(dovecot)}:1"


async def test_acknowledge_moves_to_processed_and_the_next_fetch_skips_it(
    dovecot: Dovecot,
) -> None:
    dovecot.append(_message(1))
    dovecot.append(_message(2))
    source = ImapSource(dovecot.url("imap"), processed_folder="Behandlet")
    first, second = await source.fetch()
    await source.acknowledge(first.source_key)
    assert await source.fetch() == [second]
    assert _count(dovecot, "Behandlet") == 1
    await source.acknowledge(first.source_key)  # twice is harmless
    assert _count(dovecot, "Behandlet") == 1


async def test_a_batch_is_acknowledged_in_one_move_on_the_kept_connection(
    dovecot: Dovecot,
) -> None:
    for n in range(5):
        dovecot.append(_message(n))
    source = ImapSource(dovecot.url("imap"))
    fetched = await source.fetch()
    await source.acknowledge_all([f.source_key for f in fetched[:4]] + ["maildir:x"])
    assert await source.fetch() == fetched[4:]
    assert _count(dovecot, "Processed") == 4
    await source.close()


async def test_a_changed_uidvalidity_leaves_the_message_alone(dovecot: Dovecot) -> None:
    dovecot.append(_message(1))
    source = ImapSource(dovecot.url("imap"))
    (fetched,) = await source.fetch()
    host_folder, _validity, uid = fetched.source_key.rsplit(":", 2)
    await source.acknowledge(f"{host_folder}:1:{uid}")
    await source.acknowledge(f"imap:elsewhere.example.org/INBOX:{_validity}:{uid}")
    assert await source.fetch() == [fetched]
    assert _count(dovecot, "Processed") == 0


async def test_starttls_and_implicit_tls_with_our_ca(dovecot: Dovecot, certs: Certs) -> None:
    dovecot.append(_message(3))
    for scheme in ("imap+starttls", "imaps"):
        source = ImapSource(dovecot.url(scheme), ca_file=certs.ca_file)
        (fetched,) = await source.fetch()
        assert fetched.raw == _message(3)
        await source.close()


async def test_a_certificate_from_an_unknown_ca_is_refused(
    dovecot: Dovecot, other_certs: Certs
) -> None:
    for scheme in ("imap+starttls", "imaps"):
        source = ImapSource(dovecot.url(scheme), ca_file=other_certs.ca_file)
        with pytest.raises(MailboxError, match="certificate") as caught:
            await source.fetch()
        assert caught.value.permanent


async def test_a_wrong_password_is_a_permanent_mailbox_error(dovecot: Dovecot) -> None:
    source = ImapSource(f"imap://{USER}:wrong@127.0.0.1:{dovecot.imap_port}/INBOX")
    with pytest.raises(MailboxError, match="login") as caught:
        await source.fetch()
    assert caught.value.permanent


async def test_an_oversized_message_is_moved_to_refused_without_download(
    dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.append(_message(4, padding=5000))
    dovecot.append(_message(5))
    source = ImapSource(dovecot.url("imap"), max_size=2000)
    (fetched,) = await source.fetch()
    assert fetched.raw == _message(5)
    assert _count(dovecot, "Refused") == 1
    assert _seen(dovecot, "Refused") == []
    assert "moved to Refused" in caplog.text


async def test_a_dropped_connection_is_reopened_on_the_next_call(dovecot: Dovecot) -> None:
    dovecot.append(_message(1))
    source = ImapSource(dovecot.url("imap"))
    (fetched,) = await source.fetch()
    # Pull the socket from under the kept connection, as a server's idle timeout would.
    assert source._box is not None
    source._box.client.sock.close()
    assert await source.fetch() == [fetched]
    await source.acknowledge(fetched.source_key)
    assert await source.fetch() == []


async def test_a_server_that_is_down_is_a_transient_mailbox_error_then_a_backoff() -> None:
    source = ImapSource(f"imap://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/INBOX", timeout=3)
    with pytest.raises(MailboxError) as caught:
        await source.fetch()
    assert not caught.value.permanent
    assert await source.fetch() == []  # within the backoff: no new connection attempt


async def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot) -> None:
    source = ImapSource(dovecot.url("imap"))
    waiting = asyncio.ensure_future(source.wait_for_mail(20))
    await asyncio.sleep(1.0)
    started = asyncio.get_running_loop().time()
    await asyncio.to_thread(dovecot.append, _message(6))
    assert await waiting is True
    assert asyncio.get_running_loop().time() - started < 10
    assert await source.wait_for_mail(0.5) is False


def test_imap_urls_name_the_folder_and_default_to_inbox() -> None:
    assert parse_imap_url("imaps://u%40k.dk:pw@mail.example.org/Partnere").folder == "Partnere"
    endpoint = parse_imap_url("imaps://u%40k.dk:pw@mail.example.org")
    assert (endpoint.folder, endpoint.port, endpoint.username) == ("INBOX", 993, "u@k.dk")
    assert parse_imap_url("imap+starttls://h/INBOX").port == 143
    with pytest.raises(ValueError, match="scheme"):
        parse_imap_url("pop3://h")
