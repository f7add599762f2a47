"""Mail server URLs (smtp://, imaps://, ...) and the TLS context every connection uses."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_IMAP_PORTS = {"imap": 143, "imap+starttls": 143, "imaps": 993}


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect: host, port, TLS mode, credentials and (for IMAP) folder."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    folder: str = "INBOX"

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte (smtps, imaps)."""
        return self.scheme in ("smtps", "imaps")

    @property
    def starttls(self) -> bool:
        """Plain connection upgraded with STARTTLS before login; plain smtp:// never upgrades."""
        return self.scheme.endswith("+starttls")


def _parse(url: str, ports: dict[str, int]) -> Endpoint:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ports:
        known = ", ".join(f"{s}://" for s in ports)
        raise ValueError(f"unknown mail URL scheme {scheme!r}; use one of {known}")
    return Endpoint(
        scheme=scheme,
        host=parts.hostname or "localhost",
        port=parts.port or ports[scheme],
        # Credentials are percent-encoded in the URL: "relay%40k.dk" is "relay@k.dk".
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def parse_smtp_url(url: str) -> Endpoint:
    """smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]."""
    return _parse(url, _SMTP_PORTS)


def parse_imap_url(url: str) -> Endpoint:
    """imap://, imap+starttls:// or imaps://user:password@host[:port][/FOLDER]."""
    return _parse(url, _IMAP_PORTS)


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying client context: the given CA file, else the system's trust store."""
    # Never a context without verification: a private server brings its own CA file instead.
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
