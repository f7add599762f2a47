"""Turn an HTML-only mail body into readable plain text, quoting blockquotes with '>'."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Content of these elements is never text a reader sees (and scripts must never survive).
_SKIP = frozenset(
    {
        "script",
        "style",
        "head",
        "title",
        "noscript",
        "template",
        "svg",
        "object",
        "iframe",
        "embed",
        "applet",
        "xml",
        "math",
        "select",
        "canvas",
    }
)
_LINE = frozenset(
    {
        "div",
        "br",
        "tr",
        "li",
        "dt",
        "dd",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "address",
        "section",
        "article",
        "header",
        "footer",
        "center",
        "form",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A bold line longer than this is emphasis in running text, not a heading.
_MAX_HEADING = 100
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.words: list[str] = []
        self.depth = 0
        self.line_depth = 0
        self.skipping = 0
        self.pre = 0
        # Tables: rows of the outermost table become "| label | value |" lines.
        self.tables = 0
        self.cells: list[str] | None = None
        self.cell: list[str] | None = None
        # A line written wholly in bold (or as a heading) is a heading: "*text*".
        self.bold = 0
        self.bold_chars = 0
        self.plain_chars = 0

    def _break(self, *, paragraph: bool = False) -> None:
        text = "".join(self.words).strip(" ")
        if self.bold_chars and not self.plain_chars and len(text) <= _MAX_HEADING:
            text = f"*{text}*"
        self._reset_line()
        if text or not paragraph:
            self.lines.append((self.line_depth, text))
        if paragraph and self.lines and self.lines[-1][1]:
            self.lines.append((self.line_depth, ""))
        self.line_depth = self.depth

    def _reset_line(self) -> None:
        self.words = []
        self.bold_chars = self.plain_chars = 0

    def _table_start(self, tag: str) -> bool:
        """Handle table markup; True when the tag was consumed."""
        if tag == "table":
            if self.tables == 0:
                # A table stands apart from the text around it, as its own paragraph.
                self._flush_open()
                if self.lines and self.lines[-1][1]:
                    self.lines.append((self.depth, ""))
            self.tables += 1
            return True
        if self.tables != 1:
            return False
        if tag == "tr":
            self.cells = []
            return True
        if tag in {"td", "th"}:
            self.cell = []
            return True
        if self.cell is not None and (tag in _LINE or tag == "p"):
            self.cell.append(" ")
            return True
        return False

    def _table_end(self, tag: str) -> bool:
        if tag == "table" and self.tables:
            self.tables -= 1
            if self.tables == 0 and self.lines and self.lines[-1][1]:
                self.lines.append((self.depth, ""))
            return True
        if self.tables != 1:
            return False
        if tag in {"td", "th"} and self.cell is not None and self.cells is not None:
            self.cells.append(" ".join("".join(self.cell).split()))
            self.cell = None
            return True
        if tag == "tr" and self.cells is not None:
            cells = [c for c in self.cells if c]
            if len(cells) >= 2:
                self.lines.append((self.depth, "| " + " | ".join(cells) + " |"))
            elif cells:
                self.lines.append((self.depth, cells[0]))
            self.cells = None
            return True
        return self.cell is not None and (tag in _LINE or tag == "p")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"b", "strong"} or tag in _HEADINGS:
            self.bold += 1
        if not self.skipping and self._table_start(tag):
            return
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self._flush_open()
            self.depth += 1
            self.line_depth = self.depth
        elif tag == "p":
            self._flush_open()
            # Outlook's paragraphs (plain and in lists) carry their own spacing, no blank line.
            mso = any(
                k == "class" and v and ("msonormal" in v.lower() or "msolist" in v.lower())
                for k, v in attrs
            )
            if not mso and self.lines and self.lines[-1][1]:
                self.lines.append((self.line_depth, ""))
        elif tag == "hr":
            self._flush_open()
            self.lines.append((self.depth, "_" * 32))
        elif tag == "br":
            self._break()
        elif tag in _LINE:
            self._flush_open()
            if tag == "li":
                self.words.append("- ")
            elif tag == "pre":
                self.pre += 1
        elif tag in {"td", "th"}:
            self.words.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"b", "strong"} or tag in _HEADINGS:
            self.bold = max(0, self.bold - 1)
        if not self.skipping and self._table_end(tag):
            return
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self._flush_open()
            self.depth = max(0, self.depth - 1)
            self.line_depth = self.depth
        elif tag == "p":
            self._flush_open()
        elif tag in _LINE:
            self._flush_open()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.cell is not None:
            self.cell.append(data)
            return
        if data.strip(" \t\r\n\u00a0"):
            if self.bold:
                self.bold_chars += len(data)
            else:
                self.plain_chars += len(data)
        if self.pre:
            parts = data.split("\n")
            for k, part in enumerate(parts):
                if k:
                    self._break()
                self.words.append(part)
            return
        text = _SPACE.sub(" ", data)
        if text.strip(" ") or (self.words and not self.words[-1].endswith(" ")):
            self.words.append(text)

    def _flush_open(self) -> None:
        pending = "".join(self.words)
        if pending.strip(" \u00a0"):
            self._break()
            return
        # Outlook writes its blank lines as paragraphs holding a single &nbsp;.
        if "\u00a0" in pending and self.lines and self.lines[-1][1]:
            self.lines.append((self.line_depth, ""))
        self._reset_line()
        self.line_depth = self.depth

    def text(self) -> str:
        self._flush_open()
        out: list[str] = []
        for depth, line in self.lines:
            line = line.replace("\u00a0", " ").rstrip()
            out.append(("> " * depth + line).rstrip() if depth else line)
        return "\n".join(out).strip("\n")


def html_to_text(markup: str) -> str:
    """Return the visible text of an HTML body; blockquotes become '>'-quoted lines."""
    builder = _TextBuilder()
    try:
        builder.feed(markup)
        builder.close()
    except Exception:  # malformed markup must still give text
        return unescape(_SPACE.sub(" ", _TAG.sub(" ", _HIDDEN.sub(" ", markup)))).strip()
    return builder.text()
