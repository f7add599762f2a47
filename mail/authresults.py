"""Authentication-Results (RFC 8601) of our own mail gateway: did DMARC or DKIM pass?"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

import authres  # type: ignore[import-untyped]  # no type information shipped

log = logging.getLogger(__name__)

_HEADERS = BytesHeaderParser(policy=compat32)


@dataclass(frozen=True)
class Verdict:
    """The domains our gateway vouched for: DMARC passed for From, or a DKIM signature passed."""

    dmarc_pass: frozenset[str] = frozenset()
    dkim_pass: frozenset[str] = frozenset()

    def vouches_for(self, address: str) -> bool:
        """Whether the address's domain passed DMARC, or a DKIM signature aligned with it did."""
        domain = address.rsplit("@", 1)[-1].lower()
        if domain in self.dmarc_pass:
            return True
        # Relaxed alignment: a signature by the domain itself or by a parent domain.
        return any(domain == d or domain.endswith("." + d) for d in self.dkim_pass)


def verdict(raw: bytes, authserv_id: str) -> Verdict:
    """What the gateway named authserv_id found; other servers' (and senders') claims count not.

    Only the topmost header from our gateway is read: it is the one the gateway added last,
    and anything below it came with the message, so anyone could have written it.
    """
    try:
        headers = _HEADERS.parsebytes(raw).get_all("Authentication-Results") or []
    except Exception:  # a message we cannot parse is vouched for by no one
        return Verdict()
    for value in headers:
        try:
            parsed = authres.AuthenticationResultsHeader.parse(
                f"Authentication-Results: {' '.join(str(value).split())}"
            )
        except Exception as exc:  # authres raises several kinds on bad input
            log.info("unreadable Authentication-Results header: %s", exc)
            continue
        if str(parsed.authserv_id).lower() != authserv_id.lower():
            continue
        return _read(parsed)
    return Verdict()


def _read(parsed: object) -> Verdict:
    dmarc: set[str] = set()
    dkim: set[str] = set()
    for result in getattr(parsed, "results", ()):
        if str(result.result).lower() != "pass":
            continue
        props = {(p.type, p.name): str(p.value).lower() for p in result.properties or ()}
        if result.method == "dmarc" and ("header", "from") in props:
            dmarc.add(props[("header", "from")])
        elif result.method == "dkim" and ("header", "d") in props:
            dkim.add(props[("header", "d")])
    return Verdict(dmarc_pass=frozenset(dmarc), dkim_pass=frozenset(dkim))
