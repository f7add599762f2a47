"""The layout of a partner's text: paragraphs, list items, headings, table rows.

Structure is recognised by shape alone (markers, emphasis, pipes), the same in every language.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

from agenda.lexicon import lexicon

__all__ = ["Block", "BlockKind", "blocks"]


class BlockKind(StrEnum):
    """What shape a block has."""

    PARAGRAPH = "paragraph"
    ITEM = "item"
    HEADING = "heading"
    SECTION = "section"
    ROW = "row"


class Block(NamedTuple):
    """One unit of layout; `lines` are its text without the list marker or emphasis."""

    kind: BlockKind
    lines: tuple[str, ...]
    style: str = ""
    paragraph: int = 0
    cells: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The block's text, lines joined."""
        return "\n".join(self.lines)

    @property
    def head(self) -> str:
        """The first line."""
        return self.lines[0] if self.lines else ""

    @property
    def body(self) -> str:
        """The lines after the first."""
        return "\n".join(self.lines[1:])


_BULLET = re.compile(r"^\s*([-*•–·▪◦‣●○■□➢►✓✔])\s+(\S.*)$")
_DIGIT = re.compile(r"^\s*\(?(\d{1,2})([.)])\s+(\S.*)$")
_ROMAN = re.compile(r"^\s*\(?((?:i{1,3}|iv|vi{0,3}|ix|x))([.)])\s+(\S.*)$", re.IGNORECASE)
_ALPHA = re.compile(r"^\s*\(?([a-zA-Z])([.)])\s+(\S.*)$")
_EMPHASIS = re.compile(r"^\s*(\*\*|\*|__|_)(?=\S)(.+?)(?<=\S)\1\s*:?\s*$")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+(\S.*)$")
_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_BLANK_LINE = re.compile(r"\n\s*\n")
_MONTH_AFTER = re.compile(r"^\s*\d{1,2}\.\s+(\w+)")


def _section_pattern() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in lexicon().phrases.get("sections", ()))
    return re.compile(
        rf"^\s*[*_]*(?:{words})\s*(?:nr\.?\s*)?(\d{{1,2}}|[a-z])\s*[*_]*[:.]?\s*$", re.I
    )


_SECTION = _section_pattern()
_MONTHS = frozenset(m.lower() for m in lexicon().phrases.get("months", ()))


def _marker(line: str, styles: list[str]) -> tuple[str, str] | None:
    """(style, text) when a line opens a list item; `styles` are those seen so far."""
    m = _BULLET.match(line)
    if m:
        return "bullet", m.group(2)
    m = _DIGIT.match(line)
    if m:
        # "8. december er fristen" is a date, not item 8.
        month = _MONTH_AFTER.match(line)
        if month and month.group(1).lower() in _MONTHS:
            return None
        return "digit", m.group(3)
    m = _ROMAN.match(line)
    # "i." and "v." are letters inside a lettered list, numerals anywhere else.
    if m is not None and not (len(m.group(1)) == 1 and "alpha" in styles):
        return "roman", m.group(3)
    m = _ALPHA.match(line)
    # "A. P. Møller" is a name; "a." and "A)" are markers.
    if m is not None and (m.group(2) == ")" or m.group(1).islower()):
        return "alpha", m.group(3)
    return None


def _heading(line: str) -> str | None:
    m = _EMPHASIS.match(line)
    if m and "*" not in m.group(2):
        return m.group(2).strip()
    m = _MARKDOWN_HEADING.match(line)
    return m.group(1).strip() if m else None


def _close(out: list[Block], lines: list[str], kind: BlockKind, style: str, paragraph: int) -> None:
    if lines:
        out.append(Block(kind, tuple(lines), style, paragraph))


def blocks(text: str) -> list[Block]:
    """Cut a text into blocks; items of a second list style nest in the first style's items."""
    out: list[Block] = []
    styles: list[str] = []
    paragraph = 0
    for chunk in _BLANK_LINE.split(text):
        lines = [ln.rstrip() for ln in chunk.splitlines() if ln.strip()]
        if not lines:
            continue
        paragraph += 1
        current: list[str] = []
        kind, style = BlockKind.PARAGRAPH, ""
        for line in lines:
            row = _ROW.match(line)
            if row:
                _close(out, current, kind, style, paragraph)
                current, kind, style = [], BlockKind.PARAGRAPH, ""
                cells = tuple(c.strip() for c in row.group(1).split("|"))
                out.append(
                    Block(BlockKind.ROW, (" ".join(c for c in cells if c),), "", paragraph, cells)
                )
                continue
            if _SECTION.match(line):
                _close(out, current, kind, style, paragraph)
                current, kind, style = [], BlockKind.PARAGRAPH, ""
                out.append(Block(BlockKind.SECTION, (line.strip(),), "", paragraph))
                continue
            marked = _marker(line, styles)
            if marked:
                found, content = marked
                if found not in styles:
                    styles.append(found)
                if styles.index(found) == 0:
                    _close(out, current, kind, style, paragraph)
                    current, kind, style = [content], BlockKind.ITEM, found
                else:
                    # A sub-item belongs to the item it stands under.
                    current.append(content)
                continue
            heading = _heading(line)
            if heading is not None:
                _close(out, current, kind, style, paragraph)
                current, kind, style = [heading], BlockKind.HEADING, ""
                continue
            current.append(line.strip())
        _close(out, current, kind, style, paragraph)
    return out
