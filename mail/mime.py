"""Decode a raw inbound message into the plain values the rest of the service needs."""

from __future__ import annotations

import codecs
import email
import email.message
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Literal

from mail.html import html_to_text

__all__ = ["Attachment", "DecodedMessage", "MessageError", "read_message"]

Kind = Literal["reply", "auto_reply", "bounce"]


class MessageError(ValueError):
    """The bytes are not a message we can read."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message: display name, MIME type and decoded content."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class DecodedMessage:
    """The parts of an inbound message that the service reads."""

    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    subject: str
    from_name: str
    from_address: str
    to_addresses: tuple[str, ...]
    date: datetime | None
    body_text: str
    attachments: tuple[Attachment, ...]
    kind: Kind
    bounced_recipients: tuple[str, ...]


# Subjects that out-of-office and other automatic answers start with (Danish and English clients).
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatisk\s+svar|autosvar|out\s+of\s+(?:the\s+)?office|fraværende|"
    r"automatic\s+reply|auto[- ]?reply|autoreply|auto:|abwesenheitsnotiz|"
    r"réponse\s+automatique|automatisch\s+antwoord|frånvarande|ikke\s+til\s+stede)",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)(?:@|$)", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_RECIPIENT_FIELD = re.compile(
    r"^(?:final|original)-recipient\s*:\s*(?:[\w.-]+\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_LATIN_FAMILY = frozenset({"ascii", "iso8859-1", "cp1252", "iso8859-15"})
_FALLBACKS = ("utf-8", "cp1252")


def read_message(raw: bytes) -> DecodedMessage:
    """Decode raw RFC 5322 bytes; raise MessageError when they are not a message at all."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MessageError("a message must be given as bytes")
    data = bytes(raw)
    if not data.strip():
        raise MessageError("the message is empty")
    try:
        return _read(data)
    except MessageError:
        raise
    except Exception as error:  # any parser failure is one clean error to callers
        raise MessageError(f"unreadable message: {type(error).__name__}") from error


def _read(data: bytes) -> DecodedMessage:
    message = email.message_from_bytes(data, policy=compat32)
    if not message.keys() and not message.get_payload():
        raise MessageError("no headers and no body")
    from_name, from_address = _sender(message)
    body, attachments, report = _walk(message)
    kind = _kind(message, from_address)
    bounced = _bounced_recipients(message, report) if kind == "bounce" else ()
    return DecodedMessage(
        message_id=_first_id(_header(message, "Message-ID")),
        in_reply_to=_first_id(_header(message, "In-Reply-To")),
        references=tuple(_message_ids(_header(message, "References"))),
        subject=" ".join(_header(message, "Subject").split()),
        from_name=from_name,
        from_address=from_address,
        to_addresses=_recipients(message),
        date=_date(_header(message, "Date")),
        body_text=body,
        attachments=tuple(attachments),
        kind=kind,
        bounced_recipients=bounced,
    )


def _raw_header(message: email.message.Message, name: str) -> str:
    values = message.get_all(name) or []
    return " ".join(_as_text(v) for v in values)


def _as_text(value: object) -> str:
    text = str(value)
    # compat32 keeps undecodable 8-bit header bytes as surrogates; read them as UTF-8 or cp1252.
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return _decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    return text


def _header(message: email.message.Message, name: str) -> str:
    return _decode_words(_raw_header(message, name))


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, tolerating unknown charsets and broken encodings."""
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except Exception:  # a broken encoded word is left as written
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(_decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, then UTF-8, then cp1252; never raise."""
    declared = _codec(charset)
    if declared is not None:
        # Mail labelled Latin-1 or cp1252 is often really UTF-8; valid UTF-8 is almost never
        # an accident in Latin text, so prefer it.
        if declared in _LATIN_FAMILY and not data.isascii():
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    for fallback in _FALLBACKS:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def _sender(message: email.message.Message) -> tuple[str, str]:
    pairs = getaddresses([_raw_header(message, "From")])
    if not pairs:
        return "", ""
    name, address = pairs[0]
    return " ".join(_decode_words(name).split()), address.strip().lower()


def _recipients(message: email.message.Message) -> tuple[str, ...]:
    raw = [_raw_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    seen: dict[str, None] = {}
    for _name, address in getaddresses([value for value in raw if value]):
        address = address.strip().lower()
        if "@" in address:
            seen.setdefault(address, None)
    return tuple(seen)


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _first_id(value: str) -> str:
    ids = _message_ids(value)
    return ids[0] if ids else value.strip()


def _date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _kind(message: email.message.Message, from_address: str) -> Kind:
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    if (
        (content_type == "multipart/report" and report_type != "disposition-notification")
        or _BOUNCE_SENDER.match(from_address)
        or message.get("X-Failed-Recipients") is not None
    ):
        return "bounce"
    auto_submitted = _raw_header(message, "Auto-Submitted").strip().lower()
    precedence = _raw_header(message, "Precedence").strip().lower()
    if (
        (auto_submitted and auto_submitted.split(";")[0].strip() != "no")
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
        or precedence in {"bulk", "junk", "auto_reply", "auto-reply"}
        or content_type == "multipart/report"
        or _AUTO_SUBJECT.match(_header(message, "Subject"))
    ):
        return "auto_reply"
    return "reply"


def _walk(
    message: email.message.Message,
) -> tuple[str, list[Attachment], list[email.message.Message]]:
    """Return the chosen body text, the attachments and any delivery-status parts."""
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    reports: list[email.message.Message] = []
    stack = [message]
    while stack:
        part = stack.pop()
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            reports.append(part)
            continue
        if part.is_multipart() and content_type != "message/rfc822":
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(
                    reversed([c for c in children if isinstance(c, email.message.Message)])
                )
            continue
        disposition = _raw_header(part, "Content-Disposition").split(";")[0].strip().lower()
        filename = _filename(part)
        is_file = disposition == "attachment" or bool(filename)
        if content_type == "text/plain" and not is_file:
            text = _part_text(part)
            if plain is None and text.strip():
                plain = text
            continue
        if content_type == "text/html" and not is_file:
            if html is None:
                html = _part_text(part)
            continue
        if content_type == "message/rfc822" and not is_file:
            # A returned or quoted message is not the sender's body nor a file they sent.
            continue
        attachments.append(
            Attachment(
                filename=filename or "unnamed", content_type=content_type, data=_part_bytes(part)
            )
        )
    if plain is not None:
        body = plain
    elif html is not None:
        body = html_to_text(html)
    else:
        body = ""
    return body, attachments, reports


def _part_bytes(part: email.message.Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
            return inner[0].as_bytes()
        return b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _part_text(part: email.message.Message) -> str:
    text = _decode_bytes(_part_bytes(part), _charset(part)).replace("\r\n", "\n")
    if str(part.get_param("format", "") or "").lower() == "flowed":
        delsp = str(part.get_param("delsp", "") or "").lower() == "yes"
        text = _unflow(text, delsp=delsp)
    return text


def _charset(part: email.message.Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # a malformed charset parameter means "unknown"
        return None


def _unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 soft line breaks (a line ending in a space continues on the next)."""
    out: list[str] = []
    joining = False
    previous_depth = -1
    for line in text.split("\n"):
        body = line.lstrip(">")
        depth = len(line) - len(body)
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        soft = body.endswith(" ") and body != "-- "
        piece = body[:-1] if soft and delsp else body
        if joining and depth == previous_depth:
            out[-1] += piece
        else:
            out.append(">" * depth + " " + piece if depth else piece)
        joining, previous_depth = soft, depth
    return "\n".join(out)


def _filename(part: email.message.Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:  # a broken RFC 2231 parameter is no name
        name = ""
    if isinstance(name, tuple):
        name = _decode_bytes(str(name[2]).encode("latin-1", "replace"), name[0])
    text = _decode_words(_as_text(name))
    # Only the display name: no directories, no control characters.
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in text if ch.isprintable()).strip().strip('"')


def _bounced_recipients(
    message: email.message.Message, reports: list[email.message.Message]
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for report in reports:
        payload = report.get_payload()
        blocks = payload if isinstance(payload, list) else [payload]
        for block in blocks:
            if isinstance(block, email.message.Message):
                text = "\n".join(f"{k}: {_as_text(v)}" for k, v in block.items())
                inner = block.get_payload()
                if isinstance(inner, str):
                    text += "\n" + inner
            else:
                text = _as_text(block)
            for address in _RECIPIENT_FIELD.findall(text):
                found.setdefault(address.lower(), None)
    if not found:
        for _name, address in getaddresses([_raw_header(message, "X-Failed-Recipients")]):
            if "@" in address:
                found.setdefault(address.strip().lower(), None)
    return tuple(found)
