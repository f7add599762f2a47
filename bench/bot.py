"""The bot's handling time with a call's mail queued, beside the same with almost none.

    python bench/bot.py [--messages 200] [--contacts 1000] [--database sqlite|postgresql]
                        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

The service's own bot (python-telegram-bot, as `partnerdesk run` wires it) polls the fake
Bot API (`partnerdesk/fakebot.py`) over HTTP on loopback. A call to --queued contacts is
opened, so that many e-mails wait in the outbox (nothing sends them during the run); then
linked partners write --messages answers (each read, stored and echoed, four per partner) and
the linked chair sends --messages commands (/review, /indsatser), one at a time, alternating
with the partners. Handling time is from the fake server handing the update to the bot
(getUpdates) to the bot's reply arriving at the server. The anchor, in the same run: the same
after the call's mail has gone out (to the Maildir outbox), so nothing waits.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from agenda.records import OutboxStatus  # noqa: E402 - after the path is set
from bench.call import MEETING, _admin, make_group  # noqa: E402
from partnerdesk import fakebot  # noqa: E402

# Each answer differs from the one before, and a partner proposes only a few items: one that
# proposes too many is held for the secretariat, not echoed.
PARTNER_TEXT = (
    "Et punkt om sommerferiejob til unge, runde {n}. Baggrund: mange unge mangler job. "
    "Indstilling: at vi laver en fælles formidling."
)
PER_PARTNER = 4
CHAIR_COMMANDS = ("/review", "/indsatser")


class Clock:
    """When the fake server handed out each update and when each reply arrived."""

    def __init__(self) -> None:
        self.served: dict[int, float] = {}
        self.replies: list[tuple[int, float]] = []

    def install(self) -> None:
        """Record times in the fake server's handler (the benchmark's instrument only)."""
        clock = self
        ok, send = fakebot._Handler._ok, fakebot._Handler._send

        def _ok(handler: Any, result: object) -> None:
            if isinstance(result, list):
                now = time.perf_counter()
                for update in result:
                    clock.served.setdefault(int(update["update_id"]), now)
            ok(handler, result)

        def _send(handler: Any, method: str, params: dict[str, Any]) -> None:
            send(handler, method, params)
            clock.replies.append((int(params["chat_id"]), time.perf_counter()))

        fakebot._Handler._ok = _ok  # type: ignore[method-assign,assignment]
        fakebot._Handler._send = _send  # type: ignore[method-assign,assignment]


async def _say(api: fakebot.FakeBotApi, clock: Clock, user: int, text: str) -> float:
    """Write as the user; seconds from the update being served to the first reply."""
    before = len(clock.replies)
    update = api.state.user_writes(user, None, text)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mine = [t for chat, t in clock.replies[before:] if chat == user]
        if mine and update in clock.served:
            return mine[0] - clock.served[update]
        await asyncio.sleep(0.001)
    raise AssertionError(f"no reply to {text!r}")


async def run(
    url: str, data: Path, group_file: Path, messages: int, *, queued: bool
) -> dict[str, list[float]]:
    """Handling times of partner messages and chair commands, in seconds."""
    from partnerdesk.app import build_app, close_app
    from partnerdesk.service import until_idle
    from partnerdesk.settings import Settings
    from partnerdesk.usecases.calls import open_call
    from tests.telegram_helpers import CHAIR, linked

    clock = Clock()
    clock.install()
    with fakebot.FakeBotApi() as api:
        settings = Settings(
            data_dir=data,
            database_url=url,
            groups=[group_file],
            telegram_token="123:BENCH",  # noqa: S106 - the fake server takes any token
            telegram_base_url=api.base_url,
            telegram_per_chat_seconds=0.0,
            telegram_per_second=1000.0,
        )
        app = await build_app(settings)
        for part in app.background:
            await part.start()
        try:
            group = app.group()
            opened = await open_call(app, group, app.meeting(group, MEETING))
            if not queued:
                await until_idle(app)  # the anchor: the call's mail is out (to the Maildir)
            waiting = len(await app.store.outbox([OutboxStatus.PENDING], limit=100_000))
            print(f"  {opened.mails_queued} queued, {waiting} waiting", file=sys.stderr)
            partners = [p for p in group.partners if p.slug.startswith("partner-")]
            writers = partners[: -(-messages // PER_PARTNER)]
            for n, partner in enumerate(writers):
                await linked(app, api, partner.contacts[0].email, 1000 + n)
            await linked(app, api, CHAIR, 911)
            times: dict[str, list[float]] = {"partner": [], "chair": []}
            for n in range(messages):
                text = PARTNER_TEXT.format(n=n + 1)
                times["partner"].append(await _say(api, clock, 1000 + n // PER_PARTNER, text))
                command = CHAIR_COMMANDS[n % len(CHAIR_COMMANDS)]
                times["chair"].append(await _say(api, clock, 911, command))
            return times
        finally:
            for part in reversed(app.background):
                await part.stop()
            await close_app(app)


def measure(
    contacts: int, messages: int, database: str, postgres: str, *, queued: bool
) -> dict[str, list[float]]:
    """One run in a fresh data folder (and a fresh PostgreSQL database if asked)."""
    with tempfile.TemporaryDirectory(prefix="partnerdesk-bench-") as folder:
        data = Path(folder) / "var"
        group_file = make_group(Path(folder), contacts)
        name = f"partnerdesk_bench_{secrets.token_hex(4)}"
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{data / 'partnerdesk.sqlite3'}"
        else:
            asyncio.run(_admin(postgres, f'CREATE DATABASE "{name}"'))
            base = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            url = f"{base}/{name}"
        try:
            return asyncio.run(run(url, data, group_file, messages, queued=queued))
        finally:
            if database != "sqlite":
                asyncio.run(_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _line(label: str, seconds: list[float]) -> str:
    median = statistics.median(seconds) * 1000
    p95 = statistics.quantiles(seconds, n=20)[-1] * 1000
    return f"{label:40} {len(seconds):5} {median:9.1f} {p95:8.1f} {max(seconds) * 1000:8.1f}"


def main() -> None:
    """Print median and p95 handling time, with the call's mail queued and without."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200, help="of each kind")
    parser.add_argument("--contacts", type=int, default=1000, help="called first")
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(
        f"{'what (' + args.database + ')':34} {'n':>5} {'median ms':>9} {'p95 ms':>8} {'max ms':>8}"
    )
    for queued, label in ((True, "mail queued"), (False, "nothing queued (anchor)")):
        times = measure(args.contacts, args.messages, args.database, args.postgres, queued=queued)
        print(_line(f"partner messages, {label}", times["partner"]))
        print(_line(f"chair commands, {label}", times["chair"]), flush=True)


if __name__ == "__main__":
    main()
