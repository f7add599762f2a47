"""Pytest fixtures for the real servers: a test CA, aiosmtpd in its modes, Dovecot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.certs import Certs, make_certs
from tests.servers.dovecot import Dovecot, start_dovecot
from tests.servers.smtpd import RunningSmtp, start_smtp


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """The test CA and a server certificate for 127.0.0.1 signed by it."""
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def other_certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A second, unrelated CA: what a client must not trust our servers with."""
    return make_certs(tmp_path_factory.mktemp("other-certs"), "other")


@pytest.fixture
def smtpd() -> Iterator[RunningSmtp]:
    """aiosmtpd without TLS or AUTH."""
    yield from start_smtp()


@pytest.fixture
def smtpd_ascii() -> Iterator[RunningSmtp]:
    """aiosmtpd that does not offer SMTPUTF8, like many relays."""
    yield from start_smtp(smtputf8=False)


@pytest.fixture
def smtpd_starttls(certs: Certs) -> Iterator[RunningSmtp]:
    """aiosmtpd that requires STARTTLS and then AUTH."""
    yield from start_smtp(certs=certs, auth=True)


@pytest.fixture
def smtpd_tls(certs: Certs) -> Iterator[RunningSmtp]:
    """aiosmtpd with TLS from the first byte."""
    yield from start_smtp(certs=certs, implicit_tls=True)


@pytest.fixture
def dovecot(certs: Certs) -> Iterator[Dovecot]:
    """A fresh Dovecot with an empty mailbox for the test user."""
    yield from start_dovecot(certs)
