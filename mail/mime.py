"""Decode a raw inbound message into the plain values the rest of the service needs."""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.message
import quopri
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses, parsedate_to_datetime
from typing import Literal

from mail.mimeparse import parse_bytes

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
# A msg-id: printable ASCII without spaces in angle brackets (never CR or LF).
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,996}>")
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f]+")
_MAX_ID = 998
_RECIPIENT_FIELD = re.compile(
    r"^(?:final|original)-recipient\s*:\s*(?:[\w.-]+\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# An address list in its everyday shapes ("Name <a@b.dk>", "\"Last, First\" <a@b.dk>", "a@b.dk",
# separated by commas), read with regular expressions; any other shape (comments, groups,
# routes, escapes, empty entries) goes to the email package's character-by-character reader,
# which gives the same pairs for these shapes at a tenth of the speed.
_ATOM = r"[^()<>@,:;.\"\[\]\\\s]++"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
_NAME_WORD = r'"([^"\\\r]*)"|([^()<>@,:;"\[\]\\\s]++)'
_ADDRESS = re.compile(
    rf"[ \t\r\n]*(?:(?P<addr>{_ADDR_SPEC})|(?P<name>(?:(?:{_NAME_WORD})[ \t\r\n]*)*)"
    rf"<(?P<route>{_ADDR_SPEC})>)[ \t\r\n]*(?:,|\Z)",
    re.ASCII,
)
_NAME_WORDS = re.compile(_NAME_WORD, re.ASCII)
# Whitespace that re.ASCII's \s does not know (a no-break space, U+2003, U+001C to U+001F):
# the package drops a local part made of nothing else, so a list holding any goes to its reader.
_OTHER_SPACE = re.compile(r"[^\S \t\r\n\x0b\x0c]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_SURROGATE = re.compile("[\udc80-\udcff]")
# No real header is this long; a longer one is read only this far.
MAX_HEADER = 16_384
# What is handed on for understanding: far more than anyone writes by hand. The raw message
# is kept whole; only the decoded text is cut.
MAX_BODY = 256 * 1024
MAX_HTML = 128 * 1024
# And as many lines: trimming quotes and signatures looks at every line.
MAX_LINES = 10_000
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
    message = parse_bytes(data)
    if not message.keys() and not message.get_payload():
        raise MessageError("no headers and no body")
    headers = _Headers(message)
    from_name, from_address = _sender(headers)
    body, attachments, report = _walk(message)
    kind = _kind(message, headers, from_address)
    bounced = _bounced_recipients(message, report) if kind == "bounce" else ()
    return DecodedMessage(
        # Message-IDs are never encoded words (RFC 2047 5): read raw, only well-formed ids.
        message_id=_first_id(headers.raw("Message-ID")),
        in_reply_to=_first_id(headers.raw("In-Reply-To")),
        references=tuple(_message_ids(headers.raw("References"))),
        subject=" ".join(headers.decoded("Subject").split()),
        from_name=from_name,
        from_address=from_address,
        to_addresses=_recipients(headers),
        date=_date(headers.raw("Date")),
        body_text=body,
        attachments=tuple(attachments),
        kind=kind,
        bounced_recipients=bounced,
    )


def _raw_header(message: email.message.Message, name: str) -> str:
    values = message.get_all(name) or []
    # A header longer than any real one is cut before anything reads it.
    return " ".join(_as_text(v) for v in values)[:MAX_HEADER]


def _as_text(value: object) -> str:
    text = str(value)
    # compat32 keeps undecodable 8-bit header bytes as surrogates; read them as UTF-8 or cp1252.
    if _SURROGATE.search(text):
        return _decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    return text


class _Headers:
    """Each header of one message read and decoded once (a message may ask several times)."""

    def __init__(self, message: email.message.Message) -> None:
        self.message = message
        self._decoded: dict[str, str] = {}

    def raw(self, name: str) -> str:
        return _raw_header(self.message, name)

    def decoded(self, name: str) -> str:
        key = name.lower()
        if key not in self._decoded:
            self._decoded[key] = _decode_words(self.raw(name))
        return self._decoded[key]


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in one pass, tolerating unknown charsets and bad encodings.

    email.header.decode_header joins its pieces over and over and takes minutes on a header
    of many thousand encoded words; this is linear in the header's length.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    run: list[bytes] = []  # the bytes of adjacent encoded words in one charset
    run_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal run_charset
        if run:
            out.append(_decode_bytes(b"".join(run), run_charset))
            run.clear()
        run_charset = None

    previous_was_word = False
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        position = match.end()
        charset = match.group(1).partition("*")[0]  # RFC 2231 may add *language
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            # A broken encoded word is left as written.
            flush()
            out.append(between + match.group(0))
            previous_was_word = False
            continue
        # White space between two encoded words is not part of the text (RFC 2047 6.2).
        if between and not (previous_was_word and between.isspace()):
            flush()
            out.append(between)
        if run and charset.lower() != (run_charset or "").lower():
            flush()
        # Adjacent words in one charset are decoded together: a letter may be split across two.
        run.append(data)
        run_charset = charset
        previous_was_word = True
    flush()
    out.append(value[position:])
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "bB":
            # Missing padding is common in the wild; add it rather than give up.
            bare = text.rstrip("=")
            return base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True)
        return quopri.decodestring(text.encode("ascii"), header=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None


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


def _addresses(value: str) -> list[tuple[str, str]]:
    """(name, address) pairs of an address list, as email.utils.getaddresses gives them."""
    if _OTHER_SPACE.search(value):
        return getaddresses([value])
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(value):
        m = _ADDRESS.match(value, position)
        if m is None:
            return getaddresses([value])
        if m.group("addr") is not None:
            pairs.append(("", m.group("addr")))
        else:
            words = _NAME_WORDS.findall(m.group("name"))
            pairs.append((" ".join(q or a for q, a in words), m.group("route")))
        position = m.end()
    return pairs


def _sender(headers: _Headers) -> tuple[str, str]:
    """The first From header's first mailbox; no address when the header holds none.

    A second From header is not joined to the first: the words of the two would be read as
    one address. Older parsers glue the words of a malformed header ("a@b.dk Jens <jo@x.dk>")
    into an "address" that is nowhere in the header; that is no address either.
    """
    first = _as_text((headers.message.get_all("From") or [""])[0])[:MAX_HEADER]
    pairs = _addresses(first)
    if not pairs:
        return "", ""
    name, address = pairs[0]
    if "@" not in address or address not in first:
        address = ""
    return " ".join(_decode_words(name).split()), _clean(address).lower()


def _recipients(headers: _Headers) -> tuple[str, ...]:
    raw = [headers.raw(name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    seen: dict[str, None] = {}
    for _name, address in _addresses(", ".join(value for value in raw if value)):
        address = _clean(address).lower()
        if "@" in address:
            seen.setdefault(address, None)
    return tuple(seen)


def _clean(value: str) -> str:
    """No white space or control characters (CR, LF, NUL) inside a value that is one token."""
    return _UNSAFE.sub("", value)


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _first_id(value: str) -> str:
    ids = _message_ids(value)
    # Without angle brackets, the id as written, minus anything that could break a header.
    return ids[0] if ids else _clean(value)[:_MAX_ID]


def _date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _kind(message: email.message.Message, headers: _Headers, from_address: str) -> Kind:
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    if (
        (content_type == "multipart/report" and report_type != "disposition-notification")
        or _BOUNCE_SENDER.match(from_address)
        or message.get("X-Failed-Recipients") is not None
    ):
        return "bounce"
    auto_submitted = headers.raw("Auto-Submitted").strip().lower()
    precedence = headers.raw("Precedence").strip().lower()
    if (
        (auto_submitted and auto_submitted.split(";")[0].strip() != "no")
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
        or precedence in {"bulk", "junk", "auto_reply", "auto-reply"}
        or content_type == "multipart/report"
        or _AUTO_SUBJECT.match(headers.decoded("Subject"))
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
        # Loaded here: most mails carry a plain-text part, and the HTML reader's modules cost
        # a short command (`partnerdesk parse`) time it would not otherwise spend.
        from mail.html import html_to_text

        # HTML to text costs seconds a megabyte: convert the start of the markup only (a
        # reply's own words come first; the quoted thread below them is trimmed anyway).
        body = html_to_text(html[:MAX_HTML])
    else:
        body = ""
    return _capped(body), attachments, reports


def _capped(text: str) -> str:
    """The text cut to MAX_BODY characters and MAX_LINES lines, whichever comes first."""
    text = text[:MAX_BODY]
    end = -1
    for _ in range(MAX_LINES):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _part_bytes(part: email.message.Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
            return inner[0].as_bytes()
        return b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _part_text(part: email.message.Message) -> str:
    data = _part_bytes(part)
    # Only the start of a huge part is read as text (a character is 4 bytes at most); the raw
    # message keeps the rest.
    data = _head_of(data, MAX_BODY * 4)
    text = _decode_bytes(data, _charset(part)).replace("\r\n", "\n")
    if str(part.get_param("format", "") or "").lower() == "flowed":
        delsp = str(part.get_param("delsp", "") or "").lower() == "yes"
        text = _unflow(text, delsp=delsp)
    return text


def _head_of(data: bytes, limit: int) -> bytes:
    """The first limit bytes, without a UTF-8 character cut in two at the end.

    Half a letter at the end would make the whole text fail as UTF-8 and be read as cp1252.
    """
    if len(data) <= limit:
        return data
    cut = data[:limit]
    start = len(cut)
    # Back to the first byte of the last character (continuation bytes are 10xxxxxx).
    while start > max(0, len(cut) - 4) and cut[start - 1] & 0xC0 == 0x80:
        start -= 1
    if start and cut[start - 1] >= 0xC0:
        lead = cut[start - 1]
        size = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        if start - 1 + size > len(cut):
            return cut[: start - 1]
    return cut


def _charset(part: email.message.Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # a malformed charset parameter means "unknown"
        return None


def _unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 soft line breaks (a line ending in a space continues on the next)."""
    out: list[str] = []
    # The pieces of the line being joined; joined once at its end, so a long paragraph costs
    # its length, not its length squared.
    pieces: list[str] = []
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
            pieces.append(piece)
        else:
            if pieces:
                out.append("".join(pieces))
            pieces = [">" * depth + " " + piece if depth else piece]
        joining, previous_depth = soft, depth
    if pieces:
        out.append("".join(pieces))
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
