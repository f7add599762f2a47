"""CPU per message of opening a call and composing its mails, beside parsing them, in one run.

    python bench/compose.py [--contacts 1000] [--repeat 5]

Ours, for a generated group of N contacts (the corpus group plus partners of ten contacts
each, as bench/call.py makes it), on SQLite in a temporary folder:
- `open_call`: the whole use case per contact (rendering, queueing, the one bulk insert);
- `call_mail`: rendering the call's text and HTML, one contact at a time, as open_call does
  (part of open_call);
- `message_bytes`: the queued mails composed for the wire, with and without SMTPUTF8, and
  for a file (LF).
The anchor, in the same run: `email.message_from_bytes(..., policy=default)` on the bytes
composed, i.e. what the standard library takes to read one such message. Figures are µs of
CPU time (time.process_time, threads included) per message, the least of --repeat runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
MEETING = "2026-2"


def _least(runs: int, work: Callable[[], object]) -> float:
    """The least CPU seconds of some runs of work."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


async def _open_once(group_file: Path, folder: Path) -> tuple[float, list[Any], float]:
    """CPU seconds of one open_call on a fresh database, the mails it queued, render seconds."""
    from agenda.languages import language_for
    from partnerdesk.app import build_app, close_app
    from partnerdesk.settings import Settings
    from partnerdesk.usecases.calls import open_call

    settings = Settings(data_dir=folder, groups=[group_file])
    app = await build_app(settings)
    try:
        group = app.group()
        meeting = app.meeting(group, MEETING)
        queued: list[Any] = []
        enqueue_many = app.store.enqueue_many

        async def keep(entries: Any) -> int:
            queued.extend(entries)
            return await enqueue_many(entries)

        app.store.enqueue_many = keep  # type: ignore[method-assign]
        # The templates compiled, as in a running service (each app has its own environment).
        partner = group.partners[0]
        app.renderer.call_mail(group, meeting, partner, partner.contacts[0], "x@example.org")
        start = time.process_time()
        await open_call(app, group, meeting)
        opened = time.process_time() - start
        # Rendering alone, as open_call renders for each contact (templates are compiled now).
        start = time.process_time()
        for partner in group.partners:
            for contact in partner.contacts:
                speaks = app.renderer.for_language(language_for(group, contact, None))
                speaks.call_mail(group, meeting, partner, contact, "x+0123456789ab@example.org")
        rendered = time.process_time() - start
        return opened, [entry.mail for entry in queued], rendered
    finally:
        await close_app(app)


def main() -> None:
    """Print µs of CPU per message for each step, and for the anchor."""
    from bench.call import make_group
    from mail.compose import message_bytes

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; the least counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="partnerdesk-bench-") as name:
        folder = Path(name)
        group_file = make_group(folder, args.contacts)
        opens: list[float] = []
        renders: list[float] = []
        mails: list[Any] = []
        for n in range(args.repeat + 1):
            opened, mails, rendered = asyncio.run(_open_once(group_file, folder / f"var{n}"))
            if n:  # the first run compiles the templates and warms the caches
                opens.append(opened)
                renders.append(rendered)
    count = len(mails)
    wire = [message_bytes(m, utf8=False) for m in mails]

    def compose(utf8: bool, linesep: str) -> Callable[[], object]:
        return lambda: [message_bytes(m, utf8=utf8, linesep=linesep) for m in mails]

    figures = {
        "open_call, per contact": min(opens),
        "  call_mail, one at a time": min(renders),
        "message_bytes, 7-bit CRLF": _least(args.repeat, compose(False, "\r\n")),
        "message_bytes, SMTPUTF8 CRLF": _least(args.repeat, compose(True, "\r\n")),
        "message_bytes, 7-bit LF": _least(args.repeat, compose(False, "\n")),
        "anchor: message_from_bytes": _least(
            args.repeat, lambda: [message_from_bytes(b, policy=default) for b in wire]
        ),
    }
    print(f"{count} messages, {sum(map(len, wire)) // count} bytes each on average")
    for label, seconds in figures.items():
        print(f"{label:32} {seconds / count * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
