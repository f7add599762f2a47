"""A real SMTP server (aiosmtpd) on 127.0.0.1, port 0, with scripted answers, TLS and AUTH."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Generator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.servers.certs import Certs, free_port

SMTP_USER, SMTP_PASSWORD = "pd@k.example.org", "s3cret/æ"


@dataclass
class Script:
    """What the server answers (per recipient, per DATA) and what it saw."""

    refuse: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    hang_up_after: int | None = None
    received: list[Envelope] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)
    data_peers: list[Any] = field(default_factory=list)

    @property
    def connections(self) -> int:
        """How many connections said EHLO (STARTTLS's second EHLO is the same one)."""
        return len(set(self.peers))

    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed."""
        return [
            message_from_bytes(e.original_content or b"", _class=EmailMessage, policy=default)
            for e in self.received
        ]


class Handler:
    """Records messages; answers as scripted."""

    def __init__(self, script: Script) -> None:
        self.script = script

    async def handle_EHLO(
        self, server: Any, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        self.script.peers.append(session.peer)
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.script.refuse:
            return self.script.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.script.data_peers.append(session.peer)
        if self.script.data_replies:
            return self.script.data_replies.pop(0)
        self.script.received.append(envelope)
        if self.script.hang_up_after == len(self.script.received):
            # Like a relay's idle timeout: the answer goes out, then the line is closed.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    # handled=False: aiosmtpd answers 535 itself; its default (True) leaves the client hanging.
    return AuthResult(success=ok, handled=False)


def server_context(certs: Certs) -> ssl.SSLContext:
    """The server side's TLS context."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert_file, certs.key_file)
    return context


@dataclass
class RunningSmtp:
    """A started server: where it listens and what it got."""

    port: int
    script: Script


def start_smtp(
    *,
    certs: Certs | None = None,
    implicit_tls: bool = False,
    auth: bool = False,
    smtputf8: bool = True,
) -> Generator[RunningSmtp, None, None]:
    """Start aiosmtpd on 127.0.0.1; yields it running; stops it after."""
    script = Script()
    # Without SMTPUTF8 the server neither offers it in EHLO nor takes 8-bit addresses.
    kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
    if certs and implicit_tls:
        kwargs["ssl_context"] = server_context(certs)
    elif certs:
        kwargs.update(tls_context=server_context(certs), require_starttls=True)
    if auth:
        kwargs.update(
            authenticator=_authenticator, auth_require_tls=bool(certs), auth_required=True
        )
    # aiosmtpd wants a port number up front; a free one is as good as port 0 on loopback.
    port = free_port()
    controller = Controller(Handler(script), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield RunningSmtp(port=port, script=script)
    finally:
        controller.stop()
