"""Attachment names from outside are display names only, never paths."""

from __future__ import annotations

import pytest

from partnerdesk.usecases.attachments import stored_name


@pytest.mark.parametrize(
    ("sent_as", "kept_as"),
    [
        ("Bilag æøå.pdf", "001.pdf"),
        ("../../etc/passwd", "001.bin"),
        ("..\\..\\windows\\evil.DOCX", "001.docx"),
        ("/absolute/path/x.sh.", "001.bin"),
        ("", "001.bin"),
        ("notat.verylongsuffix", "001.bin"),
    ],
)
def test_files_are_kept_under_generated_names(sent_as: str, kept_as: str) -> None:
    assert stored_name(1, sent_as) == kept_as
