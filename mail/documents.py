"""Text of attached documents (.docx, .odt, .pdf), read like a mail body, within limits.

Tables become "| label | value |" rows, the same shape the HTML reader gives, so a proposal
written as a form is read by its labels.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from mail.mime import Attachment

__all__ = ["MAX_BYTES", "MAX_PAGES", "document_text", "readable"]

# A proposal is a page or two; anything far larger is not read (and cannot stall the reader).
MAX_BYTES = 5 * 1024 * 1024
MAX_PAGES = 20
MAX_CHARS = 50_000
# A .docx or .odt is a zip: its parts together may unpack to at most this much.
MAX_UNPACKED = 50 * 1024 * 1024
_SUFFIXES = (".docx", ".odt", ".pdf")


def readable(attachment: Attachment) -> bool:
    """Whether the attachment is a document kind this module reads, within the size limit."""
    name = attachment.filename.lower()
    return name.endswith(_SUFFIXES) and 0 < len(attachment.data) <= MAX_BYTES


def document_text(attachment: Attachment) -> str:
    """The document's text; empty when it is not a readable document or cannot be read."""
    if not readable(attachment):
        return ""
    name = attachment.filename.lower()
    try:
        if name.endswith((".docx", ".odt")) and not _small_zip(attachment.data):
            _not_read(attachment, "unpacks too large")
            return ""
        if name.endswith(".docx"):
            text = _docx(attachment.data)
        elif name.endswith(".odt"):
            text = _odt(attachment.data)
        else:
            text = _pdf(attachment.data)
    except Exception as error:  # a broken or hostile file is no text, never a crash
        _not_read(attachment, type(error).__name__)
        return ""
    return text[:MAX_CHARS]


def _not_read(attachment: Attachment, why: str) -> None:
    import logging  # here: reading a message that logs nothing does not load it

    logging.getLogger(__name__).info("attachment %r not read: %s", attachment.filename, why)


def _small_zip(data: bytes) -> bool:
    """Whether a zip's parts unpack within the limit (a zip bomb is not read)."""
    import zipfile  # here: a mail with no document does not load it

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist()) <= MAX_UNPACKED


def _rows(rows: Iterable[list[str]]) -> list[str]:
    out: list[str] = []
    for cells in rows:
        clean = [" ".join(c.split()) for c in cells]
        # Merged cells repeat their text; keep each once.
        unique = list(dict.fromkeys(c for c in clean if c))
        if unique:
            out.append("| " + " | ".join(unique) + " |")
    return out


def _docx(data: bytes) -> str:
    import docx  # python-docx; imported here so mail/ loads without it

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.append("")
        lines.extend(_rows([cell.text for cell in row.cells] for row in table.rows))
    return "\n".join(lines)


def _odt(data: bytes) -> str:
    from odf import teletype  # odfpy
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    document = load(io.BytesIO(data))
    lines: list[str] = []
    for element in document.text.childNodes:
        if element.qname == P().qname or element.qname == H().qname:
            lines.append(teletype.extractText(element))
        elif element.qname == Table().qname:
            lines.append("")
            rows = [
                [teletype.extractText(c) for c in row.getElementsByType(TableCell)]
                for row in element.getElementsByType(TableRow)
            ]
            lines.extend(_rows(rows))
            lines.append("")
    return "\n".join(lines)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
    return "\n\n".join(pages)
