"""Field labels wherever they stand: line start, inline, in a bullet, in a table's first cell."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from agenda.blocks import Block, BlockKind
from agenda.lexicon import lexicon
from agenda.similarity import closest

__all__ = ["Segment", "label_at_start", "labels_inline", "segments"]


class Segment(NamedTuple):
    """A run of text and the field its label names (None for unlabelled text)."""

    field: str | None
    text: str
    # The label stood alone on its line: its value is on the lines below.
    alone: bool = False


# A label is found where its first word stands, and only that word's labels are tried there:
# one pattern of every label costs a short command more to compile than reading the message.
_WORD_CHAR = re.compile(r"\w")
_RUN = re.compile(r"[^\W_]+")
# Where an inline label may start: after a sentence's end, a colon, a pipe or a dash.
_INLINE_START = re.compile(r"(?:(?<=[.!?;:|])|(?<=\s[–-]))\s+[*_]*([^\W_]+)")


@cache
def _filed() -> dict[str, str]:
    """Each label's first word -> those labels as one alternation, longest first."""
    filed: dict[str, list[str]] = {}
    for name in sorted(lexicon().labels, key=len, reverse=True):
        first = _RUN.match(name)
        if first is None:
            raise ValueError(f"label {name!r} does not start with a letter or a digit")
        filed.setdefault(first.group(), []).append(re.escape(name))
    return {word: "|".join(names) for word, names in filed.items()}


@cache
def _at_start(word: str) -> re.Pattern[str]:
    # Emoji, bullets and emphasis may stand before a label; a colon (or the line's end) after.
    return re.compile(
        rf"^[^\w]*?(?P<label>{_filed()[word]})[*_]*"
        rf"\s*(?:(?P<colon>:|\s[–-](?=\s))[*_]*\s*(?P<rest>.*)|[*_]*\s*$)",
        re.IGNORECASE,
    )


@cache
def _inline_at(word: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:(?<=[.!?;:|])|(?<=\s[–-]))\s+[*_]*(?P<label>{_filed()[word]})[*_]*\s*:\s*",
        re.IGNORECASE,
    )


def label_at_start(line: str) -> re.Match[str] | None:
    """A label opening the line: groups "label", "colon" (":" or a dash) and "rest"."""
    first = _WORD_CHAR.search(line)
    run = _RUN.match(line, first.start()) if first else None
    word = run.group().lower() if run else ""
    return _at_start(word).match(line) if word in _filed() else None


def labels_inline(text: str) -> Iterator[re.Match[str]]:
    """Labels inside a line, after a sentence's end, a colon, a pipe or a dash, in order."""
    end = 0
    for start in _INLINE_START.finditer(text):
        word = start.group(1).lower()
        if start.start() < end or word not in _filed():
            continue
        found = _inline_at(word).match(text, start.start())
        if found is not None:
            end = found.end()
            yield found


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
    for m in labels_inline(text):
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
        m = label_at_start(line)
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
