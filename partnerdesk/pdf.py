"""The agenda as PDF, from the same HTML the partners see (WeasyPrint)."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any


@cache
def _remember_page_references() -> None:
    """Let pydyf build a document's list of page references once per page added.

    WeasyPrint's PDF/UA tagging asks for that list once per tagged box, and pydyf builds it
    anew on every call: quadratic in the length of the agenda, a fifth of the time of a
    300-item draft. The list only grows (pages are appended), so its length says when the
    remembered one is stale. Done once, and only while pydyf still builds it on every call.
    """
    import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer ships no types

    built = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(built, property) or built.fget is None:
        return
    build = built.fget

    def remembered(pdf: Any) -> Any:
        kids = pdf.pages["Kids"]
        known = pdf.__dict__.get("_partnerdesk_pages")
        if known is None or known[0] != len(kids):
            known = (len(kids), build(pdf))
            pdf.__dict__["_partnerdesk_pages"] = known
        return known[1]

    pydyf.PDF.page_references = property(remembered)


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF; external resources are never fetched."""
    from weasyprint import HTML

    _remember_page_references()

    def no_fetch(url: str) -> dict[str, object]:
        # Partners' text is escaped, but a PDF renderer must never reach out to the network.
        raise ValueError(f"refusing to fetch {url}")

    # PDF/UA: a tagged PDF that screen readers can follow; Danish public bodies must publish
    # accessible documents.
    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)


async def html_to_pdf_async(html: str) -> bytes:
    """html_to_pdf in a worker thread, so the event loop keeps running."""
    return await asyncio.to_thread(html_to_pdf, html)
