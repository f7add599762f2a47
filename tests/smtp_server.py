"""A real SMTP server (aiosmtpd) on 127.0.0.1, port 0, with scripted answers and TLS."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Script:
    """What the server answers: per recipient, or to every DATA."""

    refuse: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    received: list[Envelope] = field(default_factory=list)
    connections: int = 0


class Handler:
    """Records messages; answers as scripted."""

    def __init__(self, script: Script) -> None:
        self.script = script

    async def handle_EHLO(
        self, server: Any, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        self.script.connections += 1
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
        if self.script.data_reply:
            return self.script.data_reply
        self.script.received.append(envelope)
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"pd" and data.password == b"secret"
    return AuthResult(success=ok)


@dataclass(frozen=True)
class Certs:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certs(folder: Path, name: str = "test") -> Certs:
    """Create a CA and a localhost certificate under folder."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certs = Certs(
        folder / f"{name}-ca.pem", folder / f"{name}-cert.pem", folder / f"{name}-key.pem"
    )
    certs.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certs.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certs.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certs


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


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp(
    *, certs: Certs | None = None, implicit_tls: bool = False, auth: bool = False
) -> Iterator[RunningSmtp]:
    """Start aiosmtpd on 127.0.0.1, port 0; yields it running; stops it after."""
    script = Script()
    kwargs: dict[str, Any] = {}
    if certs and implicit_tls:
        kwargs["ssl_context"] = server_context(certs)
    elif certs:
        kwargs["server_kwargs"] = {"tls_context": server_context(certs), "require_starttls": True}
    if auth:
        server_kwargs = kwargs.setdefault("server_kwargs", {})
        server_kwargs.update(
            {
                "authenticator": _authenticator,
                "auth_require_tls": bool(certs),
                "auth_required": True,
            }
        )
    port = free_port()
    controller = Controller(Handler(script), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield RunningSmtp(port=port, script=script)
    finally:
        controller.stop()
