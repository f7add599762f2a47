"""Reply tokens, plus-addresses and Message-IDs: how a reply finds its call and partner."""

from __future__ import annotations

import hashlib
import re

_TOKEN_IN_ID = re.compile(r"<[a-z0-9-]+?-[^.<>@]*?\.([0-9a-f]{12})(?:\.[0-9a-f]+)?@", re.I)
_TOKEN = re.compile(r"^[0-9a-f]{12}$")


def plus_address(reply_address: str, token: str) -> str:
    """partnerskab@x.dk + token -> partnerskab+token@x.dk."""
    local, _, domain = reply_address.partition("@")
    return f"{local}+{token}@{domain}"


def token_from_address(address: str, reply_address: str) -> str | None:
    """The token in a plus-address to our reply address, if any."""
    local, _, domain = address.strip().lower().partition("@")
    ours_local, _, ours_domain = reply_address.lower().partition("@")
    base, plus, token = local.partition("+")
    if not plus or base != ours_local or domain != ours_domain:
        return None
    return token if _TOKEN.match(token) else None


def tokens_in_message_ids(ids: tuple[str, ...] | list[str]) -> list[str]:
    """Tokens found in our own Message-IDs that a reply quotes (In-Reply-To, References)."""
    found: list[str] = []
    for value in ids:
        found.extend(m.group(1).lower() for m in _TOKEN_IN_ID.finditer(value))
    return found


def domain_of(address: str) -> str:
    """The domain part of an address."""
    return address.rsplit("@", 1)[-1].lower()


def short_hash(text: str) -> str:
    """Six stable hex characters, to tell apart one recipient's copies."""
    return hashlib.sha256(text.lower().encode()).hexdigest()[:6]


def message_id(purpose: str, key: str, token: str | None, recipient: str, domain: str) -> str:
    """A deterministic Message-ID: the same message to the same person has the same id."""
    token_part = f".{token}" if token else ""
    safe_key = re.sub(r"[^A-Za-z0-9-]", "-", key)
    return f"<{purpose}-{safe_key}{token_part}.{short_hash(recipient)}@{domain}>"


# Every Message-ID made by message_id(): <purpose-key[.token].hash6@domain>.
_OUR_ID = re.compile(r"^<[a-z]+[a-z0-9-]*-[^<>@\s]*\.[0-9a-f]{6}@([^<>@\s]+)>$")


def is_our_message_id(value: str, domain: str) -> bool:
    """Whether a Message-ID is one this service made for a group whose mail domain is domain."""
    match = _OUR_ID.match(value.strip())
    return match is not None and match.group(1).lower() == domain.lower()
