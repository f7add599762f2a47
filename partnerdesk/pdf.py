"""The agenda as PDF, from the same HTML the partners see (WeasyPrint)."""

from __future__ import annotations

import asyncio


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF; external resources are never fetched."""
    from weasyprint import HTML

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
