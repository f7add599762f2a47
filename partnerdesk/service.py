"""The long-running service: a tick every few seconds until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from agenda.ports import MailWaiter
from partnerdesk.app import App
from partnerdesk.texts import DEFAULT_LANGUAGE, say, table
from partnerdesk.usecases.tick import tick

log = logging.getLogger(__name__)


async def serve(app: App, *, once: bool = False) -> None:
    """Run ticks until SIGTERM/SIGINT; a failing tick is logged and the loop goes on."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not every platform or thread can take signal handlers; then Ctrl-C still works.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    for part in app.background:
        await part.start()
    try:
        await _loop(app, stop, once=once)
    finally:
        for part in reversed(app.background):
            await part.stop()


async def _loop(app: App, stop: asyncio.Event, *, once: bool) -> None:
    while True:
        try:
            report = await tick(app)
            log.info("tick: %s", report)
            if once:
                print(_summary(app, report))
        except Exception:
            if once:
                raise
            log.exception("tick failed; trying again at the next one")
        if once:
            return
        if await _pause(app, stop):
            return


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


def _summary(app: App, report: object) -> str:
    """What the pass did, in the (first) group's language."""
    groups = list(app.groups.values())
    language = groups[0].language.value if groups else DEFAULT_LANGUAGE
    words = table(language, "tick_words")
    parts = []
    for name, value in getattr(report, "__dict__", {}).items():
        if value:
            shown = ", ".join(value) if isinstance(value, list) else value
            parts.append(words[name].format(value=shown) if name in words else f"{name}={shown}")
    return ", ".join(parts) or say(language, "run_nothing")
