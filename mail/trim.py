"""Cut a plain-text e-mail reply down to what the sender wrote now.

The reply is read top to bottom once. Quoted lines are dropped wherever they stand, so
answers written between quoted blocks survive. A reply header (``-----Oprindelig
meddelelse-----``, an Outlook ``Fra:/Sendt:`` block, or ``Den ... skrev:`` before unquoted
history) ends the new text. A forward marker starts a new segment: what a partner passes on
is theirs, minus its header block, its author's signature and what it quotes. Signatures,
mobile footers, disclaimers and sign-offs ("Med venlig hilsen" + name block) are cut from
the end of every segment.
"""

from __future__ import annotations

from mail.trim_patterns import (
    ATTRIBUTION_START,
    BRACKETED_EMAIL_COLON,
    CLOCK,
    DATEISH,
    DISCLAIMER_START,
    DISCLAIMER_WORDS,
    EMAIL,
    FOOTER_LINK,
    FORWARD_MARKER,
    FORWARD_SUBJECT,
    GMT_OFFSET,
    HEADER_LABELS,
    HEADER_LINE,
    INVISIBLE,
    ISO_DATE_START,
    MOBILE_FOOTER,
    NAME_SIGNOFF,
    NAME_WORD,
    ORIGINAL_MESSAGE,
    QUOTE,
    SELF_QUOTE,
    SEPARATOR,
    SHARED_LINE,
    SIGNATURE_DELIMITER,
    STRONG_CLOSING,
    UNDERSCORES,
    VERB_ANY,
    WEAK_CLOSING,
    ends_with_verb,
)

# A joined attribution longer than this is prose, not a header.
_MAX_ATTRIBUTION = 350
# How far below its first line an attribution may end (Polymail spreads one over five lines).
_ATTRIBUTION_SPAN = 5
# The end of a line that can hold an attribution's closing verb ("... het volgende geschreven:").
_TAIL = 40
# A signature block below a sign-off has at most this many lines.
_MAX_SIGNATURE_LINES = 8
# What follows a "____" line is a footer only when it is this short.
_MAX_FOOTER_LINES = 10

__all__ = ["trim_reply"]


def trim_reply(body: str, *, subject: str = "") -> str:
    """Return the sender's own new text of a plain-text reply body.

    With a forward's subject ("VS:", "Fwd:"), the first embedded header block opens the
    message passed on (Outlook forwards with a bare "Fra:/Sendt:" block and no marker line).
    """
    lines = body.splitlines()
    forward = FORWARD_SUBJECT.match(subject) is not None
    parts = [_finish(segment) for segment in _segments(lines, forward=forward)]
    return "\n\n".join(part for part in parts if part)


def _blank(line: str) -> bool:
    return not line.strip(INVISIBLE)


def _is_quote(line: str) -> bool:
    head = line.lstrip()[:4]
    if head[:1] == ">":
        return True
    # Supercite quoting uses the author's initials: "C> ...".
    return ">" in head and QUOTE.match(line) is not None


def _segments(lines: list[str], *, forward: bool = False) -> list[list[str]]:
    """Split into the sender's text and any forwarded messages, dropping replied-to history."""
    segments: list[list[str]] = []
    current: list[str] = []
    has_content = False
    in_signature = False
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if _blank(line):
            if not in_signature:
                current.append("")
            i += 1
            continue

        if FORWARD_MARKER.match(line):
            segments.append(current)
            current, has_content, in_signature = [], False, False
            i = _skip_header_block(lines, i + 1)
            continue
        if ORIGINAL_MESSAGE.match(line):
            if has_content or in_signature:
                break
            # Nothing written above it: the message is passed on, keep its body.
            i = _skip_header_block(lines, i + 1)
            continue
        if HEADER_LINE.match(line):
            end = _header_block_end(lines, i)
            if end is not None and forward and has_content:
                # The forwarded message starts here: a new segment, as after a marker line.
                segments.append(current)
                current, has_content, in_signature, forward = [], False, False, False
                i = _skip_blank(lines, end)
                continue
            if end is not None:
                if has_content or in_signature:
                    break
                i = _skip_blank(lines, end)
                continue
        if in_signature:
            i += 1
            continue

        if _is_quote(line):
            end = _quote_run_end(lines, i)
            if not _isolated_quote(lines, i, end):
                i = end
                continue

        prefix, attribution_end = _find_attribution(lines, i)
        if attribution_end is not None:
            if prefix:
                current.append(prefix)
                has_content = True
            after = _skip_blank(lines, attribution_end + 1)
            if after < n and _is_quote(lines[after]):
                i = _quote_run_end(lines, after)
                continue
            if has_content:
                break
            # A header with nothing above it introduces a message passed on unquoted.
            i = after
            continue

        if _starts_signature(lines, i, has_content):
            in_signature = True
            i += 1
            continue

        current.append(line)
        has_content = True
        i += 1

    segments.append(current)
    return segments


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and _blank(lines[i]):
        i += 1
    return i


def _skip_header_block(lines: list[str], i: int) -> int:
    i = _skip_blank(lines, i)
    if i < len(lines) and HEADER_LINE.match(lines[i]):
        end = _header_block_end(lines, i)
        if end is not None:
            return _skip_blank(lines, end)
    return i


def _header_category(line: str) -> str | None:
    match = HEADER_LINE.match(line)
    if match is None:
        return None
    return HEADER_LABELS.get(" ".join(match.group("label").lower().split()))


def _header_block_end(lines: list[str], i: int) -> int | None:
    """Return the index after an embedded header block starting at ``i``, if it is one."""
    categories: set[str] = set()
    has_address = False
    n = len(lines)
    j = i
    while j < n and j < i + 14 and not _blank(lines[j]):
        category = _header_category(lines[j])
        if category is None:
            # A wrapped header value sits between two header lines (or ends the block).
            nxt = j + 1
            if not (nxt >= n or _blank(lines[nxt]) or _header_category(lines[nxt]) is not None):
                break
        else:
            categories.add(category)
        if not has_address and EMAIL.search(lines[j]):
            has_address = True
        j += 1
    # "Fra: 10.00 / Til: 12.00" is a time span, not a header: a real block has a sender and a
    # date, or an address beside its date, or three labels one of which names the sender.
    if {"from", "date"} <= categories:
        return j
    if has_address and (
        ("date" in categories and categories & {"to", "subject"})
        or ("from" in categories and len(categories) >= 3)
    ):
        return j
    return None


def _quote_run_end(lines: list[str], i: int) -> int:
    n = len(lines)
    j = i
    while j < n:
        if _is_quote(lines[j]):
            j += 1
            continue
        # A line wedged between quoted lines is a quoted line the client wrapped.
        m = j
        while m < n and m < j + 3 and not _blank(lines[m]) and not _is_quote(lines[m]):
            m += 1
        if m > j and m < n and _is_quote(lines[m]):
            j = m
            continue
        break
    return j


def _isolated_quote(lines: list[str], i: int, end: int) -> bool:
    """A single '>' line inside running text is content (">>> see link <<<"), not a quote."""
    if end - i != 1 or i == 0 or end >= len(lines):
        return False
    before, after = lines[i - 1], lines[end]
    return not (_blank(before) or _blank(after) or _is_quote(before) or _is_quote(after))


def _find_attribution(lines: list[str], i: int) -> tuple[str, int | None]:
    """Find a quote attribution ("On ... wrote:") at line ``i``: (text before it, last line)."""
    line = lines[i]
    if "wrote:" in line and len(line) <= _MAX_ATTRIBUTION:
        shared = SHARED_LINE.match(line.strip())
        if shared is not None and DATEISH.search(shared.group("mid")):
            prefix = shared.group("pre").rstrip(" -")
            if prefix:
                return prefix, i
    end = _attribution_end(lines, i)
    if end is None or end == i or _strong_start(line):
        return "", end
    # A line that only holds an address may be prose before the real header start.
    for j in range(i + 1, end + 1):
        if _strong_start(lines[j]) and _attribution_end(lines, j) == end:
            return "", None
    return "", end


def _strong_start(line: str) -> bool:
    return ATTRIBUTION_START.match(line) is not None


def _attribution_end(lines: list[str], i: int) -> int | None:
    first = lines[i].strip()
    if len(first) > _MAX_ATTRIBUTION or not (
        ATTRIBUTION_START.match(first)
        or ("@" in first and EMAIL.search(first))
        or ends_with_verb(first[-_TAIL:])
    ):
        return None
    parts: list[str] = []
    total = 0
    n = len(lines)
    k = i
    while k < n and k <= i + _ATTRIBUTION_SPAN:
        text = lines[k].strip()
        if not text:
            # Polymail leaves a blank line before "<\nmailto:...\n> wrote:"; nothing else may.
            nxt = _skip_blank(lines, k)
            if nxt >= n or not lines[nxt].lstrip().startswith(("<", "mailto:")):
                return None
            k += 1
            continue
        parts.append(text)
        total += len(text) + 1
        if total > _MAX_ATTRIBUTION:
            return None
        if _could_end(text) and _is_attribution(" ".join(parts)):
            return k
        # A finished sentence is prose; a header wraps mid-phrase or after a date ("28.").
        if _ends_sentence(text):
            return None
        k += 1
    return None


def _ends_sentence(text: str) -> bool:
    return (
        text[-1:] in ".!?"
        and len(text) > 1
        and text[-2].isalpha()
        and not text.endswith(("nachm.", "vorm."))
    )


def _could_end(text: str) -> bool:
    """Cheap test whether an attribution may end on this line (it ends in ':', '>' or a verb)."""
    last = text.rstrip(" -*_")[-1:]
    return (
        last in ":：>"
        or ends_with_verb(text[-_TAIL:]) is not None
        or ISO_DATE_START.match(text) is not None
    )


def _is_attribution(block: str) -> bool:
    text = block.strip().strip("-*_ ")
    if not text:
        return False
    dated = DATEISH.search(text) is not None
    addressed = EMAIL.search(text) is not None
    if ends_with_verb(text):
        if text[-1] in ":：" or block.rstrip().endswith("-"):
            if dated or addressed:
                return True
            # "---- John Smith wrote ----"
            return block.lstrip().startswith("-") and len(text) <= 80
        return addressed or CLOCK.search(text) is not None
    if SELF_QUOTE.search(text):
        # "Som jeg skrev den 3.12 kl. 10:00:" introduces the writer's own words, not history.
        return False
    if text[-1] in ":：":
        if VERB_ANY.search(text) and (addressed or CLOCK.search(text)):
            return True
        return dated and BRACKETED_EMAIL_COLON.search(text) is not None
    if ISO_DATE_START.match(text) and not text.endswith("<"):
        return text.endswith(">") or GMT_OFFSET.search(text) is not None
    return False


def _starts_signature(lines: list[str], i: int, has_content: bool) -> bool:
    """Whether line ``i`` opens a block that is signature, footer or disclaimer to the end."""
    line = lines[i]
    if SIGNATURE_DELIMITER.match(line):
        return True
    if _is_mobile_footer(line):
        return True
    if UNDERSCORES.match(line):
        return _short_remainder(lines, i + 1)
    if has_content and DISCLAIMER_START.match(line) and (i == 0 or _blank(lines[i - 1])):
        j = i
        while j < len(lines) and not _blank(lines[j]):
            if DISCLAIMER_WORDS.search(lines[j]):
                return True
            j += 1
    return False


def _is_mobile_footer(line: str) -> bool:
    text = line.strip()
    if len(text) > 160:
        return False
    if "<" in text or "(" in text or "http" in text or "](" in text:
        text = FOOTER_LINK.sub(" ", text).strip()
    return len(text) <= 70 and MOBILE_FOOTER.match(text) is not None


def _short_remainder(lines: list[str], i: int) -> bool:
    count = 0
    for line in lines[i : i + 4 * _MAX_FOOTER_LINES]:
        if FORWARD_MARKER.match(line) or ORIGINAL_MESSAGE.match(line):
            return True
        if not _blank(line):
            count += 1
            if count > _MAX_FOOTER_LINES:
                return False
    return len(lines) - i <= 4 * _MAX_FOOTER_LINES


def _finish(segment: list[str]) -> str:
    """Drop the sign-off and name block, then trim blank and separator lines at the ends."""
    lines = _strip_signoff(segment)
    while lines and (_blank(lines[-1]) or SEPARATOR.match(lines[-1])):
        lines.pop()
    start = 0
    while start < len(lines) and _blank(lines[start]):
        start += 1
    out: list[str] = []
    blanks = 0
    for line in lines[start:]:
        if _blank(line):
            blanks += 1
            if blanks > 1:
                continue
            out.append("")
        else:
            blanks = 0
            out.append(line.rstrip())
    return "\n".join(out)


def _strip_signoff(lines: list[str]) -> list[str]:
    first_content = next((k for k, line in enumerate(lines) if not _blank(line)), None)
    if first_content is None:
        return []
    cut: int | None = None
    tail = 0
    below = ""
    for k in range(len(lines) - 1, first_content, -1):
        text = lines[k].strip(INVISIBLE)
        if not text:
            continue
        if _is_closing(text, has_tail=tail > 0) or _is_name_signoff(text, lines[k - 1], below):
            cut = k
        if tail >= _MAX_SIGNATURE_LINES or not _signature_like(text):
            break
        tail += 1
        below = text
    return lines[:cut] if cut is not None else list(lines)


def _is_name_signoff(text: str, above: str, below: str) -> bool:
    """ "/Ole" or "-Abhishek Kona" after a blank line; "-Budget" in a list is no signature."""
    if NAME_SIGNOFF.match(text) is None or not _blank(above):
        return False
    return not below or below[0] != text.lstrip()[0]


def _signature_like(text: str) -> bool:
    if len(text) > 80:
        return False
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    if len(words) > 8:
        return False
    return not (text[-1] in ".!?" and len(words) >= 5)


def _is_closing(text: str, *, has_tail: bool) -> bool:
    # A bold sign-off ("*Med venlig hilsen*", from HTML or Gmail) is still a sign-off.
    text = text.strip("*_ ")
    strong = STRONG_CLOSING.match(text)
    if strong is not None:
        return _name_or_nothing(strong.group("rest"), allow_closing=True)
    weak = WEAK_CLOSING.match(text)
    if weak is not None:
        rest = weak.group("rest").strip(" ,.!")
        # "Thanks" alone may be the whole message; it signs off only above a name.
        return has_tail if not rest else _name_or_nothing(rest, allow_closing=False)
    return False


def _name_or_nothing(rest: str, *, allow_closing: bool) -> bool:
    rest = rest.strip(" ,.!:;/&-–—")
    if not rest:
        return True
    if allow_closing and STRONG_CLOSING.match(rest):
        return True
    words = rest.split()
    if words[0].lower() in {"fra", "from", "og", "and", "von", "från"}:
        words = words[1:]
    return 0 < len(words) <= 3 and all(NAME_WORD.match(w) for w in words) and words[0][0].isupper()
