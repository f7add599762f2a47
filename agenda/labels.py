"""Field labels wherever they stand: line start, inline, in a bullet, in a table's first cell."""

from __future__ import annotations

import re
from typing import NamedTuple

from agenda.blocks import Block, BlockKind
from agenda.lexicon import lexicon
from agenda.similarity import closest

__all__ = ["Segment", "segments"]


class Segment(NamedTuple):
    """A run of text and the field its label names (None for unlabelled text)."""

    field: str | None
    text: str
    # The label stood alone on its line: its value is on the lines below.
    alone: bool = False


def _names() -> str:
    return "|".join(re.escape(n) for n in sorted(lexicon().labels, key=len, reverse=True))


# Emoji, bullets and emphasis may stand before a label; a colon (or the line's end) after it.
_AT_START = re.compile(
    rf"^[^\w]*?(?P<label>{_names()})[*_]*"
    rf"\s*(?:(?P<colon>:|\s[–-](?=\s))[*_]*\s*(?P<rest>.*)|[*_]*\s*$)",
    re.IGNORECASE,
)
# Inline, a label follows a sentence's end, a colon, a dash or a pipe, and starts with a capital.
_INLINE = re.compile(
    rf"(?:(?<=[.!?;:|])|(?<=\s[–-]))\s+[*_]*(?P<label>{_names()})[*_]*\s*:\s*", re.IGNORECASE
)


def _sections() -> str:
    return "|".join(re.escape(w) for w in lexicon().phrases.get("sections", ()))


# "Forslag 1: Fælles jobmesse", "Item 2 – New campus": a numbered section with its title.
_NUMBERED_TITLE = re.compile(
    rf"^[^\w]*(?:{_sections()})\s*(?:nr\.?\s*)?\d{{1,2}}\s*(?::|\s[–-])\s*(?P<rest>\S.*)$",
    re.IGNORECASE,
)


# A word before a colon at a line's start, for labels typed with a slip ("Baggrud:").
_LOOSE = re.compile(r"^[^\w]*?(?P<label>[^\W\d_]{5,20})\s*:\s*(?P<rest>.*)$")
_LOOSE_SCORE = 85


def _loose(word: str) -> str | None:
    """The label a misspelt word stands for, if it is close to exactly one."""
    names = [n for n in lexicon().labels if " " not in n and len(n) >= 5]
    found = closest(word.lower(), names)
    return found[0] if found and found[1] >= _LOOSE_SCORE else None


def _field(label: str) -> str:
    return lexicon().labels[" ".join(label.lower().split())]


def _inline(text: str, first: str | None) -> list[Segment]:
    """Split a line's text at inline labels; `first` is the field of its opening run."""
    if ":" not in text:
        return [Segment(first, text.strip())]
    out: list[Segment] = []
    field, start = first, 0
    for m in _INLINE.finditer(text):
        if not m.group("label")[:1].isupper():
            continue
        before = text[start : m.start()].strip(" –-")
        if before or field is not None:
            out.append(Segment(field, before))
        field, start = _field(m.group("label")), m.end()
    out.append(Segment(field, text[start:].strip()))
    return out


def segments(block: Block) -> list[Segment]:
    """The block's text cut at every label."""
    if block.kind is BlockKind.ROW and len(block.cells) >= 2:
        label = block.cells[0].strip(" *_:")
        if label.lower() in lexicon().labels:
            value = " ".join(c for c in block.cells[1:] if c)
            return [Segment(_field(label), value, alone=not value)]
    out: list[Segment] = []
    for line in block.lines:
        numbered = _NUMBERED_TITLE.match(line)
        if numbered:
            out.append(Segment("title", numbered.group("rest").strip()))
            continue
        m = _AT_START.match(line)
        if m is None:
            loose = _LOOSE.match(line)
            slip = _loose(loose.group("label")) if loose else None
            if loose and slip:
                out.extend(_inline(loose.group("rest").strip(), _field(slip)))
            else:
                out.extend(_inline(line, None))
            continue
        rest = (m.group("rest") or "").strip()
        colon = m.group("colon")
        if colon and colon != ":" and " " in m.group("label").strip():
            # "Titel – X" is a label; "Forslag til dagsordenspunkt – møde 8. december" a heading.
            out.extend(_inline(line, None))
            continue
        if m.group("colon") is None or not rest:
            out.append(Segment(_field(m.group("label")), "", alone=True))
            continue
        out.extend(_inline(rest, _field(m.group("label"))))
    # Unlabelled lines next to each other are one run of prose.
    merged: list[Segment] = []
    for seg in out:
        if merged and seg.field is None and merged[-1].field is None and not merged[-1].alone:
            merged[-1] = Segment(None, merged[-1].text + "\n" + seg.text)
        else:
            merged.append(seg)
    return [s for s in merged if s.text or s.alone]
