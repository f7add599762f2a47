"""The long-running service: a tick every few seconds until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from agenda.ports import MailWaiter
from partnerdesk.app import App
from partnerdesk.usecases.tick import TickReport, tick

log = logging.getLogger(__name__)


async def serve(app: App, *, once: bool = False) -> TickReport | None:
    """Run ticks until SIGTERM/SIGINT; a failing tick is logged and the loop goes on.

    With once, one pass is made and its report returned.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not every platform or thread can take signal handlers; then Ctrl-C still works.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    for part in app.background:
        await part.start()
    try:
        return await _loop(app, stop, once=once)
    finally:
        for part in reversed(app.background):
            await part.stop()


# A backlog is worked off in passes of bounded size; this many at most before pausing.
MAX_PASSES = 1000


async def _loop(app: App, stop: asyncio.Event, *, once: bool) -> TickReport | None:
    while True:
        try:
            report = await until_idle(app, stop)
            log.info("passes: %s", report)
            if once:
                return report
        except Exception:
            if once:
                raise
            log.exception("tick failed; trying again at the next one")
        if await _pause(app, stop):
            return None


async def until_idle(app: App, stop: asyncio.Event | None = None) -> TickReport:
    """Pass after pass until a pass finds nothing more to do; memory stays that of one pass."""
    total = TickReport()
    for _ in range(MAX_PASSES):
        report = await tick(app)
        total = total.plus(report)
        if not report.busy or (stop is not None and stop.is_set()):
            break
    return total


async def _pause(app: App, stop: asyncio.Event) -> bool:
    """Wait for the next pass: new mail (IDLE), the poll interval, or a stop (True)."""
    stopper = asyncio.ensure_future(stop.wait())
    waits: set[asyncio.Future[Any]] = {stopper}
    if isinstance(app.mail_source, MailWaiter):
        waits.add(asyncio.ensure_future(app.mail_source.wait_for_mail(app.settings.poll_seconds)))
    else:
        waits.add(asyncio.ensure_future(asyncio.sleep(app.settings.poll_seconds)))
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return stopper in done
