"""Proposals read from attached .docx, .odt and .pdf documents the sender points to."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import docx
import pytest
from odf.opendocument import OpenDocumentText
from odf.text import P

from agenda.groupfile import load_group
from agenda.model import Group
from agenda.reading import Channel
from mail.documents import MAX_BYTES, MAX_UNPACKED, document_text
from mail.mime import Attachment
from partnerdesk.parsing import parse_message
from tests.conftest import CORPUS_GROUP

FORM = [
    "Forslag til dagsordenspunkt, møde 8. december",
    "Titel: Kantinejob for ledige",
    "Baggrund: 14 kantiner mangler faste medarbejdere.",
    "Indstilling: Det indstilles, at jobcentret tilbyder korte forløb i storkøkken.",
    "Sagsfremstilling: Tradium har lokaler og lærere klar.",
]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


@pytest.fixture(scope="module")
def group() -> Group:
    return load_group(CORPUS_GROUP)


def _docx(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(rows: list[tuple[str, str]]) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _odt(lines: list[str]) -> bytes:
    document = OpenDocumentText()
    for line in lines:
        document.text.addElement(P(text=line))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _pdf(lines: list[str]) -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>{line}</p>" for line in lines)
    data: bytes = HTML(string=f"<html><body>{body}</body></html>").write_pdf()
    return data


def _mail(text: str, name: str, data: bytes, content_type: str) -> bytes:
    message = EmailMessage()
    message["From"] = "lk@tradium.example.org"
    message["To"] = "partnerskab@norddjurs.example.org"
    message["Subject"] = "SV: Indkaldelse af punkter til dagsorden"
    message.set_content(text)
    main, sub = content_type.split("/", 1)
    message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return message.as_bytes()


@pytest.mark.parametrize(
    ("name", "content_type", "build"),
    [
        ("forslag.docx", DOCX, _docx),
        ("forslag.odt", ODT, _odt),
        ("forslag.pdf", "application/pdf", _pdf),
    ],
)
def test_a_proposal_in_an_attached_document_is_read_like_a_mail_body(
    group: Group, name: str, content_type: str, build: object
) -> None:
    assert callable(build)
    raw = _mail("Hej\nSe vedhæftede forslag til et punkt.", name, build(FORM), content_type)
    reading = parse_message(group, raw, channel=Channel.EMAIL, sender=None)
    (p,) = reading.proposals
    assert p.title == "Kantinejob for ledige"
    assert p.background is not None and "14 kantiner" in p.background
    assert p.recommendation is not None and "storkøkken" in p.recommendation
    assert p.description is not None and "lokaler" in p.description
    assert p.attachments == (name,)
    assert p.from_document
    assert any("attached document" in r for r in reading.reasons)


def test_a_form_in_a_document_table_is_read_by_its_labels(group: Group) -> None:
    data = _docx_table([("Titel", "Kantinejob for ledige"), ("Indstilling", "At vi starter.")])
    raw = _mail("Forslaget er vedhæftet.", "skema.docx", data, DOCX)
    (p,) = parse_message(group, raw, channel=Channel.EMAIL, sender=None).proposals
    assert (p.title, p.recommendation) == ("Kantinejob for ledige", "At vi starter.")


def test_the_text_wins_and_the_document_fills_what_it_leaves_out(group: Group) -> None:
    text = (
        "Titel: Storkøkken for ledige\n"
        "Indstilling: At Tradium starter et hold i foråret. Se bilag for baggrunden."
    )
    raw = _mail(text, "forslag.docx", _docx(FORM), DOCX)
    (p,) = parse_message(group, raw, channel=Channel.EMAIL, sender=None).proposals
    assert p.title == "Storkøkken for ledige"
    assert p.recommendation is not None and p.recommendation.startswith("At Tradium")
    assert p.background is not None and "14 kantiner" in p.background


def test_a_document_the_text_does_not_point_to_is_not_read(group: Group) -> None:
    raw = _mail("Vi har ingen punkter denne gang.", "forslag.docx", _docx(FORM), DOCX)
    reading = parse_message(group, raw, channel=Channel.EMAIL, sender=None)
    assert reading.proposals == () and reading.nothing_to_add


def test_broken_and_oversized_documents_give_no_text() -> None:
    assert document_text(Attachment("x.docx", DOCX, b"not a zip")) == ""
    assert document_text(Attachment("x.pdf", "application/pdf", b"%PDF-1.4 broken")) == ""
    assert document_text(Attachment("x.odt", ODT, b"PK\x03\x04 nothing")) == ""
    huge = Attachment("x.docx", DOCX, b"0" * (MAX_BYTES + 1))
    assert document_text(huge) == ""
    assert document_text(Attachment("x.xlsx", "application/vnd.ms-excel", _docx(FORM))) == ""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (MAX_UNPACKED + 1))
    assert document_text(Attachment("x.docx", DOCX, bomb.getvalue())) == ""
