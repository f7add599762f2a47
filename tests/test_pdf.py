"""The agenda as a PDF: tagged for screen readers, paged like a municipal dagsorden."""

from __future__ import annotations

import asyncio
import gc
import re
from datetime import UTC, datetime
from io import BytesIO

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from agenda.agenda import Agenda, AgendaItem, ItemKind
from agenda.groupfile import load_group
from partnerdesk.pdf import html_to_pdf, html_to_pdf_async
from partnerdesk.render import Renderer
from tests.conftest import CORPUS_GROUP

GROUP = load_group(CORPUS_GROUP)
MEETING = GROUP.meetings[0]
BACKGROUND = "Lærlingepladser i virksomhederne og uddannelsesforløb for unge ledige. " * 4


def _agenda(proposals: int) -> Agenda:
    return Agenda(
        group=GROUP.slug,
        meeting=MEETING.id,
        version=1,
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
        items=(
            AgendaItem(kind=ItemKind.APPROVE_AGENDA),
            *(
                AgendaItem(
                    kind=ItemKind.PROPOSAL,
                    title=f"Lærlingeforslag nummer {n}",
                    proposers=("Tradium",),
                    background=BACKGROUND,
                    recommendation="Det indstilles, at koordinationsgruppen drøfter forslaget.",
                )
                for n in range(1, proposals + 1)
            ),
            AgendaItem(kind=ItemKind.ANY_OTHER_BUSINESS),
        ),
    )


def _draft_pdf(proposals: int) -> PdfReader:
    html = Renderer().agenda_html(GROUP, MEETING, _agenda(proposals), draft=True)
    return PdfReader(BytesIO(html_to_pdf(str(html))))


def test_the_agenda_pdf_is_tagged_danish_and_claims_pdf_ua() -> None:
    pdf = _draft_pdf(2)
    root = pdf.root_object
    mark_info = root["/MarkInfo"].get_object()
    assert isinstance(mark_info, DictionaryObject) and bool(mark_info["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "da"
    metadata = root["/Metadata"].get_object()
    assert isinstance(metadata, StreamObject)
    assert re.search(r"pdfuaid:part(>|=\")1", metadata.get_data().decode())


def test_every_page_says_side_n_af_m_and_the_items_run_in_order() -> None:
    pdf = _draft_pdf(40)
    pages = [page.extract_text() for page in pdf.pages]
    total = len(pages)
    assert total > 3
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} af {total}" in text
    text = " ".join(pages)
    assert "Dagsorden" in text and "Udkast, version 1" in text
    # The list of items first, then the items under their numbers, in agenda order.
    assert text.index("Lærlingeforslag nummer 40") < text.index("1. Godkendelse af dagsorden")
    headings = re.findall(r"(\d+)\. Lærlingeforslag nummer (\d+)\n", text)
    assert headings == [(str(n + 1), str(n)) for n in range(1, 41)]
    assert text.index("42. Eventuelt") > text.index("41. Lærlingeforslag nummer 40")


def test_rendering_leaves_the_garbage_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    _draft_pdf(1)
    assert gc.isenabled()
    gc.disable()
    try:
        _draft_pdf(1)
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_overlapping_renders_bring_the_collector_back_after_the_last() -> None:
    html = str(Renderer().agenda_html(GROUP, MEETING, _agenda(3), draft=True))
    first, second = await asyncio.gather(html_to_pdf_async(html), html_to_pdf_async(html))
    assert gc.isenabled()
    assert len(PdfReader(BytesIO(first)).pages) == len(PdfReader(BytesIO(second)).pages)
