"""Split raw bytes into the email package's message tree in time linear in their size.

The email package's own parser looks at every line, and at every line it asks each enclosing
multipart whether this is its boundary: ten megabytes of short lines took seconds, and the
same lines under fifty nested multiparts took forty. Here each part's headers go to the email
package's header parser, and bodies are cut at their boundaries with one regular-expression
scan per level, so the rest of the code reads the same compat32 messages as before.
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

__all__ = ["MAX_DEPTH", "MAX_HEADER_BLOCK", "MAX_PARTS", "parse_bytes"]

# Real mail nests a few levels (a forward of a reply with an attachment); past this, a part is
# kept whole as an opaque leaf.
MAX_DEPTH = 16
# Parts in one message; the ones after these are not read.
MAX_PARTS = 2_000
# A header block is read this far; the longest real ones (many Received lines) are far shorter.
MAX_HEADER_BLOCK = 128 * 1024

_HEADERS = BytesHeaderParser(policy=compat32)
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
    message = _HEADERS.parsebytes(head)
    if digest:
        message.set_default_type("message/rfc822")  # RFC 2046 5.1.5
    leftover = message.get_payload()
    if isinstance(leftover, str) and leftover:
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
