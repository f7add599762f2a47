"""Labels found word by word read every line as one pattern of all labels reads it."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.labels import label_at_start, labels_inline
from agenda.lexicon import lexicon

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# The reference: every label in one alternation, longest first, as the reader had it.
_ALL = "|".join(re.escape(n) for n in sorted(lexicon().labels, key=len, reverse=True))
AT_START = re.compile(
    rf"^[^\w]*?(?P<label>{_ALL})[*_]*"
    rf"\s*(?:(?P<colon>:|\s[–-](?=\s))[*_]*\s*(?P<rest>.*)|[*_]*\s*$)",
    re.IGNORECASE,
)
INLINE = re.compile(
    rf"(?:(?<=[.!?;:|])|(?<=\s[–-]))\s+[*_]*(?P<label>{_ALL})[*_]*\s*:\s*", re.IGNORECASE
)


def _shape(m: re.Match[str] | None) -> tuple[object, ...] | None:
    return None if m is None else (m.span(), m.groupdict())


def _same(line: str) -> None:
    assert _shape(label_at_start(line)) == _shape(AT_START.match(line)), line
    assert [_shape(m) for m in labels_inline(line)] == [_shape(m) for m in INLINE.finditer(line)], (
        line
    )


_LABELS = sorted(lexicon().labels)
_PIECES = st.one_of(
    st.sampled_from(_LABELS),
    st.sampled_from(_LABELS).map(str.upper),
    st.sampled_from(_LABELS).map(str.capitalize),
    st.sampled_from(
        [
            " ",
            "  ",
            ":",
            ": ",
            " – ",
            " - ",
            "-",
            ".",
            ". ",
            "!",
            "?",
            ";",
            "|",
            "*",
            "**",
            "_",
            "__",
            "•",
            "1.",
            "🙂",
            "\t",
            "en",
            "ene",
            "s",
            "Forslag",
            "punkt",
            "x",
            "9",
            "æø",
        ]
    ),
    st.text(max_size=3),
)


@settings(max_examples=3000, database=None, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_any_line_reads_as_with_one_pattern_of_all_labels(line: str) -> None:
    _same(line)


@pytest.mark.parametrize(
    "line",
    [
        "Titel: Fælles jobmesse",
        "**Baggrund for forslaget**: Vi mangler hænder",
        "• Indstilling – at gruppen drøfter",
        "Forslag til dagsordenspunkt – møde 8. december",
        "Baggrunden: noget andet",
        "Titel__: med understregning",
        "__Titel__: med understregning foran",
        "Vi har et forslag. Titel: Jobmesse. Baggrund: Mangel på hænder.",
        "Kort sagt - Indstilling: at vi går videre | Bilag: plan.pdf",
        "TITLE: Shared campus. Background:  we lack space",
    ],
)
def test_written_lines_read_as_with_one_pattern_of_all_labels(line: str) -> None:
    _same(line)


def test_every_line_of_the_shared_replies_reads_as_with_one_pattern_of_all_labels() -> None:
    files = sorted(CORPUS.glob("replies*/*.eml"))
    assert files, "the shared corpus lies beside the project"
    lines = 0
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                for line in str(part.get_content()).splitlines():
                    _same(line)
                    lines += 1
    assert lines > 1000
