"""Split raw bytes into the email package's message tree in time linear in their size.

The email package's own parser looks at every line, and at every line it asks each enclosing
multipart whether this is its boundary: ten megabytes of short lines took seconds, and the
same lines under fifty nested multiparts took forty. Here each part's header block is read by
the rules of the email package's header parser (without its buffering, the larger cost of a
short message), and bodies are cut at their boundaries with one regular-expression scan per
level, so the rest of the code reads the same compat32 messages as before.
"""

from __future__ import annotations

import re
from email import errors
from email._policybase import compat32  # email.policy's own; that module loads far more
from email.message import Message
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.policy import Policy

__all__ = ["MAX_DEPTH", "MAX_HEADER_BLOCK", "MAX_PARTS", "parse_bytes"]

# Real mail nests a few levels (a forward of a reply with an attachment); past this, a part is
# kept whole as an opaque leaf.
MAX_DEPTH = 16
# Parts in one message; the ones after these are not read.
MAX_PARTS = 2_000
# A header block is read this far; the longest real ones (many Received lines) are far shorter.
MAX_HEADER_BLOCK = 128 * 1024


class _Part(Message):
    """A parsed part that finds each header field, and each field's parameters, once.

    Reading a message asks one part for its Content-Type, its parameters and a dozen fields
    many times; the email package walks every field, lower-casing its name, and parses the
    parameters anew for each question. Here the fields are filed by name on the first
    question, and filed again whenever the fields change.
    """

    def __init__(self, policy: Policy[Any] = compat32) -> None:
        super().__init__(policy)
        # Lower-case name -> its (name, raw value) pairs; the values as Message.get gives them
        # (fetched through the policy) are made on first question, per name.
        self._filed: dict[str, list[tuple[str, Any]]] = {}
        self._fetched: dict[str, list[Any]] = {}
        # The field list that was filed, and its length then: any change shows in one of them
        # (fields are only ever appended, or the list is replaced), but for replace_header.
        self._filed_from: tuple[list[Any] | None, int] = (None, -1)
        self._params: dict[str, Any] = {}

    def _fields(self) -> dict[str, list[tuple[str, Any]]]:
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        if self._filed_from[0] is not headers or self._filed_from[1] != len(headers):
            filed: dict[str, list[tuple[str, Any]]] = {}
            for field in headers:
                filed.setdefault(field[0].lower(), []).append(field)
            self._filed, self._filed_from = filed, (headers, len(headers))
            self._fetched, self._params = {}, {}
        return self._filed

    def _values(self, name: str) -> list[Any] | None:
        key = name.lower()
        fields = self._fields().get(key)
        if fields is None:
            return None
        values = self._fetched.get(key)
        if values is None:
            fetch = self.policy.header_fetch_parse
            values = self._fetched[key] = [fetch(k, v) for k, v in fields]
        return values

    def get(self, name: str, failobj: Any = None) -> Any:
        """As Message.get, from the filed fields."""
        found = self._values(name)
        return found[0] if found else failobj

    def get_all(self, name: str, failobj: Any = None) -> Any:
        """As Message.get_all, from the filed fields."""
        found = self._values(name)
        return list(found) if found else failobj

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._fields()

    def replace_header(self, _name: str, _value: str) -> None:
        """As Message.replace_header; the fields are filed anew."""
        super().replace_header(_name, _value)
        self._filed_from = (None, -1)

    def _get_params_preserve(self, failobj: Any, header: str) -> Any:
        self._fields()  # files the fields anew (and forgets the parameters) after a change
        key = header.lower()
        if key not in self._params:
            self._params[key] = _PARAMS(self, _MISSING, header)
        found = self._params[key]
        return failobj if found is _MISSING else list(found)


_MISSING = object()
# The email package's own parameter reading, which _Part keeps per field.
_PARAMS = Message._get_params_preserve  # type: ignore[attr-defined]
# The email package's feedparser, line by line: what starts a header line, what ends one.
_HEADER_LINE = re.compile(r"(?:From |[\041-\071\073-\176]*:|[\t ])")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_NEWLINE_AT_END = re.compile(r"(?:\r\n|\r|\n)\Z")


def _head(head: bytes) -> tuple[_Part, str]:
    """A part with the fields of a header block, as email.parser.BytesHeaderParser reads it.

    The same rules, defects and leftover body as the feedparser's header reading (Python
    3.11), without its line-by-line buffering machinery, which cost more than the rest of
    reading a part.
    """
    part = _Part()
    lines = _LINE.findall(head.decode("ascii", "surrogateescape"))
    fields: list[str] = []
    body: list[str] = []
    for number, line in enumerate(lines):
        if _HEADER_LINE.match(line) is None:
            # An empty line ends the headers; any other line is the body's first.
            if line[0] not in "\r\n":
                compat32.handle_defect(part, errors.MissingHeaderBodySeparatorDefect())
                body.append(line)
            body.extend(lines[number + 1 :])
            break
        fields.append(line)
    pushed_back = _fields(part, fields)
    if pushed_back is not None:
        body.insert(0, pushed_back)
    leftover = "".join(body)
    part.set_payload(leftover)
    return part, leftover


def _fields(part: _Part, lines: list[str]) -> str | None:
    """Store the header lines' fields; a "From " line at the end is given back as body."""
    name = ""
    value: list[str] = []
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if line[0] in " \t":
            if not name:
                compat32.handle_defect(part, errors.FirstHeaderLineIsContinuationDefect(line))
                continue
            value.append(line)
            continue
        if name:
            part.set_raw(*_source_parse(value))
            name, value = "", []
        if line.startswith("From "):
            if number == 0:
                end = _NEWLINE_AT_END.search(line)
                part.set_unixfrom(line[: end.start()] if end else line)
                continue
            if number == last:
                return line
            part.defects.append(errors.MisplacedEnvelopeHeaderDefect(line))
            continue
        colon = line.find(":")
        if colon == 0:
            part.defects.append(errors.InvalidHeaderDefect("Missing header name."))
            continue
        name, value = line[:colon], [line]
    if name:
        part.set_raw(*_source_parse(value))
    return None


def _source_parse(lines: list[str]) -> tuple[str, str]:
    """A field's name and value from its lines, as Compat32.header_source_parse gives them."""
    name, value = lines[0].split(":", 1)
    return name, (value.lstrip(" \t") + "".join(lines[1:])).rstrip("\r\n")


_NOT_BLANK = re.compile(rb"\S")
_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*(?=\r\n|\n|\r|\Z)")
_LINE_END = re.compile(rb"\r?\n|\r")
_CR, _LF = 13, 10


class _Budget:
    """How many parts may still be made for this message."""

    def __init__(self) -> None:
        self.parts = MAX_PARTS


def parse_bytes(data: bytes) -> Message:
    """A compat32 Message tree for the raw bytes, as email.message_from_bytes would give."""
    return _parse(data, 0, len(data), 0, _Budget())


def _parse(
    data: bytes, low: int, high: int, depth: int, budget: _Budget, digest: bool = False
) -> Message:
    """The message in data[low:high]; parts are read in place, never copied level by level."""
    budget.parts -= 1
    head, low = _split_head(data, low, high)
    message, leftover = _head(head)
    if digest:
        message.set_default_type("message/rfc822")  # RFC 2046 5.1.5
    if leftover:
        # A line that is no header ends the headers; it and what follows are the body.
        rest = data[low:high]
        data = leftover.encode("ascii", "surrogateescape") + (b"\n" + rest if rest else b"")
        low, high = 0, len(data)
    content_type = message.get_content_type()
    if depth < MAX_DEPTH and budget.parts > 0:
        boundary = _boundary(message) if content_type.startswith("multipart/") else None
        parts = _parts(data, low, high, boundary, budget) if boundary else None
        if parts is not None:
            inner_digest = content_type == "multipart/digest"
            message.set_payload(
                [_parse(data, a, b, depth + 1, budget, inner_digest) for a, b in parts]
            )
            return message
        if (
            content_type.startswith("message/")
            and content_type != "message/delivery-status"
            and _NOT_BLANK.search(data, low, high)
        ):
            # As the email package does: a message/* body is itself a message.
            message.set_payload([_parse(data, low, high, depth + 1, budget)])
            return message
    # Bodies are text with the bytes kept as surrogates, as the email package keeps them.
    message.set_payload(data[low:high].decode("ascii", "surrogateescape"))
    return message


def _split_head(data: bytes, low: int, high: int) -> tuple[bytes, int]:
    """The header block (read to the cap) and where the body starts."""
    line_end = _LINE_END.match(data, low, high)
    if line_end is not None:
        return b"", line_end.end()  # no headers at all
    blank = _blank_line(data, low, high)
    end, body = blank if blank else (high, high)
    # Headers are read only to the cap; the body still starts where the headers really end.
    head = data[low : min(end, low + MAX_HEADER_BLOCK)]
    return (head if head.endswith(b"\n") else head + b"\n"), body


def _blank_line(data: bytes, low: int, high: int) -> tuple[int, int] | None:
    """Where the first empty line starts and ends (LF or CRLF line ends)."""
    # bytes.find runs at memory speed; the second search stops where the first found one.
    crlf = data.find(b"\n\r\n", low, high)
    lf = data.find(b"\n\n", low, crlf + 2 if crlf >= 0 else high)
    if lf >= 0 and (crlf < 0 or lf < crlf):
        return lf, lf + 2
    if crlf < 0:
        return None
    # The headers end before the line end that precedes the empty line.
    return (crlf - 1 if crlf > low and data[crlf - 1] == _CR else crlf), crlf + 3


def _boundary(message: Message) -> bytes | None:
    try:
        boundary = message.get_boundary()
    except Exception:  # a malformed parameter is no boundary
        return None
    if not boundary or len(boundary) > 200:
        return None
    return boundary.encode("ascii", "surrogateescape")


def _parts(
    data: bytes, low: int, high: int, boundary: bytes, budget: _Budget
) -> list[tuple[int, int]] | None:
    """Where the bodies between the boundary lines are; a missing close ends at the end.

    None when no boundary line is there at all: then the body is kept as it is, unsplit.
    """
    # A delimiter starts a line: "\n--boundary" is looked for with bytes.find (memory speed),
    # and what may follow on its line ("--" to close, blanks) is then matched in place.
    marker = b"--" + boundary
    needle = b"\n" + marker
    parts: list[tuple[int, int]] = []
    start: int | None = None
    at = low if data.startswith(marker, low, high) else _next(data, needle, low, high)
    while at >= 0:
        match = _DELIMITER_TAIL.match(data, at + len(marker), high)
        if match is None:
            at = _next(data, needle, at + 1, high)
            continue
        if start is not None:
            # The line end before a delimiter belongs to the delimiter, not to the part.
            end = at - 1 if at > low and data[at - 1] == _LF else at
            end = end - 1 if end > start and data[end - 1] == _CR else end
            parts.append((start, max(start, end)))
            if len(parts) >= budget.parts:
                return parts
        if match.group(1):
            return parts  # the close delimiter: what follows is the epilogue
        line_end = _LINE_END.match(data, match.end(), high)
        start = line_end.end() if line_end else match.end()
        at = _next(data, needle, start, high)
    if start is None:
        return None
    if start < high:
        parts.append((start, high))  # cut off before its close delimiter
    return parts


def _next(data: bytes, needle: bytes, position: int, high: int) -> int:
    """Where the next "--boundary" at a line's start begins, from position on; -1 if none."""
    found = data.find(needle, max(position - 1, 0), high)
    return found + 1 if found >= 0 else -1
