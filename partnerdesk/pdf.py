"""The agenda as PDF, from the same HTML the partners see (WeasyPrint)."""

from __future__ import annotations

import asyncio
import gc
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import SimpleNamespace
from typing import Any

# zlib's own default level; pydyf asks for 9 (see _compress_at_default_level).
_COMPRESSION_LEVEL = 6


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


@cache
def _compress_at_default_level() -> None:
    """Let pydyf deflate streams at zlib's default level instead of its slowest.

    pydyf asks for level 9. On a tagged agenda's streams, mostly the object stream that holds
    the structure tree (a megabyte of near-identical dictionaries for 300 items), that costs
    five times the time of level 6 (0.43 s against 0.08 s for 153 pages) and saves 3 % of the
    file. The content, fonts and tags are the same either way. Done once, and only while pydyf
    still reaches zlib through its module.
    """
    import pydyf

    if getattr(pydyf, "zlib", None) is not zlib:
        return

    def compressobj(level: int = _COMPRESSION_LEVEL, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(min(level, _COMPRESSION_LEVEL), *args, **kwargs)

    pydyf.zlib = SimpleNamespace(compress=zlib.compress, compressobj=compressobj)


class _CollectorPause:
    """Hold off Python's cyclic garbage collector while documents are being rendered.

    WeasyPrint keeps every box of every page alive until the PDF is written, and each full
    collection walks them all: for a 300-item draft, 8 of them took an eighth of the render's
    CPU time. Reference counting still frees what the render drops; cycles wait for the
    first collection after. Renders may overlap in worker threads, so the collector comes
    back when the last one ends, and only if it was on when the first began.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renders = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._renders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._renders += 1
        try:
            yield
        finally:
            with self._lock:
                self._renders -= 1
                if self._renders == 0 and self._was_enabled:
                    gc.enable()


_collector_paused = _CollectorPause()


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF; external resources are never fetched."""
    from weasyprint import HTML

    _remember_page_references()
    _compress_at_default_level()

    def no_fetch(url: str) -> dict[str, object]:
        # Partners' text is escaped, but a PDF renderer must never reach out to the network.
        raise ValueError(f"refusing to fetch {url}")

    # PDF/UA: a tagged PDF that screen readers can follow; Danish public bodies must publish
    # accessible documents.
    with _collector_paused():
        pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)


async def html_to_pdf_async(html: str) -> bytes:
    """html_to_pdf in a worker thread, so the event loop keeps running."""
    return await asyncio.to_thread(html_to_pdf, html)
