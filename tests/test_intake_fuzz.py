"""Fuzzing the whole intake: ten thousand hostile messages through the service into a database.

Each message is dropped into the Maildir inbox and taken in by the service's own passes
(`until_idle`, what `partnerdesk run --once` does): fetched, stored, routed, read, decided,
echoed and the echoes delivered. The messages are the MIME fuzzer's (generated structures,
mutated corpus replies, the hostile sizes) sent by whoever might write: registered contacts
with their own reply token, another partner's, a forged one or none; the chair; strangers;
our own address. Whatever arrives, no pass raises, every message is stored once with its
exact bytes, every message ends done or held (never failed or quarantined), and the echoes
stay few and small.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mailbox
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, text

from agenda.addresses import plus_address
from agenda.model import Group
from agenda.records import InboundMessage
from agenda.workflow import CallState
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.service import until_idle
from partnerdesk.settings import Settings
from partnerdesk.usecases import calls, ingest
from partnerdesk.usecases.common import call_message_id, token_for
from partnerdesk.usecases.ingest import fetch_mail
from partnerdesk.usecases.intake import Taken, take_in
from tests.conftest import CORPUS_GROUP
from tests.test_mime_fuzz import HOSTILE, REPLIES, build_message, mutate

pytest_plugins = ["tests.storage_fixtures"]

# Ten thousand on SQLite, as the issue asks; a share of it again on PostgreSQL.
SQLITE_BATCHES, POSTGRES_BATCHES, BATCH = 40, 4, 250
# An echo names at most MAX_PROPOSALS items; nothing a partner writes makes it larger.
MAX_ECHO_BYTES = 200_000
# A hang guard, not a speed test: the bound of two seconds a message, for the whole
# pass. A loop that never ends fails here instead of stalling CI; speed is in bench/.
PER_MESSAGE_SECONDS = 2.0


@dataclass
class Intake:
    """One service on one database, fed batch after batch; what it was given so far."""

    runner: asyncio.Runner
    app: App
    clock: DemoClock
    senders: list[tuple[str, str | None]]  # (address, partner slug or None)
    meeting: int = -1  # the meeting whose call is open, by its place in the group file
    tokens: dict[str, str] = field(default_factory=dict)  # partner slug -> token, this call
    earlier: list[str] = field(default_factory=list)  # tokens of the calls before
    call_ids: dict[str, str] = field(default_factory=dict)  # partner slug -> the call's id
    given: int = 0


def _senders(group: Group) -> list[tuple[str, str | None]]:
    contacts: list[tuple[str, str | None]] = [
        (c.email, p.slug) for p in group.partners for c in p.contacts
    ]
    strangers: list[tuple[str, str | None]] = [
        ("ukendt@example.net", None),
        ("Mailer-Daemon@mx.example.net", None),
        ("noreply@kalender.example.com", None),
        ("", None),
        ("not an address", None),
    ]
    own = [(group.reply_address, None), (plus_address(group.reply_address, "abcdef123456"), None)]
    return contacts + strangers + own


def _group_of_many_meetings(folder: Path, meetings: int) -> Path:
    """The corpus group with a meeting every fortnight: each batch answers a call of its own.

    Taking in is quadratic over one call's answers (each is compared with those before it);
    a call of 250 hostile messages is still ten times a real one, and ten thousand over one
    call would measure that known cost instead of fuzzing the intake.
    """
    text, _, _ = CORPUS_GROUP.read_text(encoding="utf-8").partition("[[meetings]]")
    first = datetime.fromisoformat("2027-01-05T14:00:00+01:00")
    for n in range(meetings):
        starts = first + timedelta(days=14 * n)
        text += (
            f'[[meetings]]\nid = "fuzz-{n}"\nstarts_at = {starts.isoformat()}\n'
            f'location = "Grenaa"\ncall_deadline = {(starts - timedelta(days=3)).isoformat()}\n\n'
        )
    path = folder / "group.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def _next_call(intake: Intake) -> None:
    """Publish the call answered so far (as the secretariat would) and open the next one."""
    app = intake.app
    group = app.group()
    if intake.meeting >= 0:
        call = await app.store.get_call(group.slug, f"fuzz-{intake.meeting}")
        assert call is not None
        await app.store.save_call(replace(call, state=CallState.PUBLISHED))
        intake.earlier.extend(intake.tokens.values())
    intake.meeting += 1
    meeting = app.meeting(group, f"fuzz-{intake.meeting}")
    await calls.open_call(app, group, meeting)
    for partner in group.partners:
        token = await token_for(app, group, meeting, partner.slug, "call")
        intake.tokens[partner.slug] = token
        intake.call_ids[partner.slug] = call_message_id(group, meeting, token, partner.contacts[0])


def _start(settings_: Settings) -> Intake:
    runner = asyncio.Runner()
    clock = DemoClock(datetime.fromisoformat("2026-12-01T09:00:00+01:00"))
    app = runner.run(build_app(settings_, clock=clock))
    return Intake(runner, app, clock, _senders(app.group()))


def _stop(intake: Intake) -> None:
    intake.runner.run(close_app(intake.app))
    intake.runner.close()


@pytest.fixture(scope="module")
def quiet_log() -> Iterator[None]:
    # Each held or unreadable message logs a warning; ten thousand of them only slow the run.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def sqlite_intake(tmp_path_factory: pytest.TempPathFactory, quiet_log: None) -> Iterator[Intake]:
    """The service on its embedded defaults: a SQLite file and Maildir folders."""
    folder = tmp_path_factory.mktemp("fuzz-sqlite")
    group = _group_of_many_meetings(folder, SQLITE_BATCHES + len(HOSTILE) + 1)
    intake = _start(Settings(data_dir=folder / "var", groups=[group]))
    yield intake
    _stop(intake)


@pytest.fixture(scope="module")
def postgres_intake(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, quiet_log: None
) -> Iterator[Intake]:
    """The same service on PostgreSQL (the session's own database)."""
    folder = tmp_path_factory.mktemp("fuzz-postgres")
    group = _group_of_many_meetings(folder, POSTGRES_BATCHES + 1)
    intake = _start(Settings(data_dir=folder / "var", database_url=postgres_url, groups=[group]))
    yield intake
    _stop(intake)


# --- the messages ------------------------------------------------------------------------


def _address_header(rng: random.Random, intake: Intake) -> tuple[bytes, str, str | None]:
    """From, To and In-Reply-To of one message: who writes, and with which token."""
    sender, partner = rng.choice(intake.senders)
    group = intake.app.group()
    headers = f"From: {sender}\r\n" if rng.random() < 0.97 else ""
    choice = rng.random()
    to = group.reply_address
    if choice < 0.3 and partner is not None:
        to = plus_address(group.reply_address, intake.tokens[partner])  # their own token
    elif choice < 0.45:
        to = plus_address(group.reply_address, rng.choice(list(intake.tokens.values())))
    elif choice < 0.5 and intake.earlier:
        to = plus_address(group.reply_address, rng.choice(intake.earlier))  # a past call's
    elif choice < 0.6:
        to = plus_address(group.reply_address, rng.randbytes(6).hex())  # forged
    headers += f"To: {to}\r\n"
    if rng.random() < 0.25:
        # A reply quoting the call's Message-ID, which carries a token too.
        headers += f"In-Reply-To: {rng.choice(list(intake.call_ids.values()))}\r\n"
    return headers.encode("utf-8", "surrogateescape"), sender, partner


def _message(rng: random.Random, intake: Intake, number: int) -> bytes:
    """One hostile message: a corpus reply, mutated or not, or a generated MIME structure."""
    kind = rng.random()
    if kind < 0.5:
        body = rng.choice(REPLIES).read_bytes()
        # Most keep their own headers after ours (a second From is a hostile case too).
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            body = mutate(rng, body)
    else:
        body = build_message(rng)
    head, _, _ = _address_header(rng, intake)
    # Unique, so that every message is a message of its own (equal bytes are one message).
    date = formatdate(intake.clock.now.timestamp())
    unique = f"X-Fuzz: {number}\r\nDate: {date}\r\n".encode()
    return unique + head + body


def _drop(intake: Intake, raws: list[bytes]) -> list[str]:
    """Write the messages into the inbox's new/ the Maildir way; their content hashes."""
    inbox = intake.app.settings.inbox_maildir
    hashes = []
    for raw in raws:
        digest = hashlib.sha256(raw).hexdigest()
        name = f"{1_800_000_000 + intake.given}.M{intake.given}P0.fuzz"
        (inbox / "tmp" / name).write_bytes(raw)
        (inbox / "tmp" / name).rename(inbox / "new" / name)
        intake.given += 1
        hashes.append(digest)
    return hashes


# --- what must hold after every pass -----------------------------------------------------


async def _rows(app: App, query: str, **params: object) -> list[tuple[Any, ...]]:
    statement = text(query)
    for name, value in params.items():
        if isinstance(value, list):
            statement = statement.bindparams(bindparam(name, expanding=True))
    engine = app.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(statement, params)]


async def _last_outbox_id(app: App) -> int:
    ((last,),) = await _rows(app, "select coalesce(max(id), 0) from outbox")
    return int(last)


def _take_in(intake: Intake, raws: list[bytes], label: str) -> None:
    """Drop the messages, run the service's passes, and check every rule of the intake."""
    app = intake.app
    before = intake.runner.run(_last_outbox_id(app))
    hashes = _drop(intake, raws)
    guard = PER_MESSAGE_SECONDS * len(raws) + 30
    intake.runner.run(asyncio.wait_for(until_idle(app), timeout=guard))

    inbox = app.settings.inbox_maildir
    waiting = [*(inbox / "new").iterdir(), *(inbox / "cur").iterdir()]
    assert waiting == [], f"{label}: {len(waiting)} messages left in the inbox"
    rows = intake.runner.run(
        _rows(
            app,
            "select content_hash, raw, status, error from inbound_messages"
            " where content_hash in :hashes",
            hashes=sorted(set(hashes)),
        )
    )
    stored = Counter(str(h) for h, *_ in rows)
    assert stored == Counter(set(hashes)), f"{label}: stored {len(rows)} of {len(set(hashes))}"
    for digest, raw, status, error in rows:
        assert hashlib.sha256(bytes(raw)).hexdigest() == digest, f"{label}: raw changed"
        assert status in ("done", "held"), f"{label}: {status} {error}"
    _check_echoes(intake, before, len(raws), label)


def _check_echoes(intake: Intake, before: int, messages: int, label: str) -> None:
    """Echoes: at most one per message, the storm limit per sender, each of bounded size."""
    app = intake.app
    new = intake.runner.run(
        _rows(
            app,
            "select purpose, recipient, meeting, mail from outbox where id > :last",
            last=before,
        )
    )
    assert len(new) <= messages, f"{label}: {len(new)} mails for {messages} messages"
    # The clock moves on more than the storm window between batches. Echoes are counted per
    # call (a past call's reply token answers that call); the held notice once a day.
    echoes = Counter(
        (str(to).lower(), meeting) for purpose, to, meeting, _ in new if purpose == "echo"
    )
    held = Counter(str(to).lower() for purpose, to, _, _ in new if purpose == "held")
    others = [(purpose, to) for purpose, to, _, _ in new if purpose not in ("echo", "held")]
    assert not others, f"{label}: {others} {_failures(intake)}"
    assert max(echoes.values(), default=0) <= app.settings.echo_limit, f"{label}: {echoes}"
    assert max(held.values(), default=0) <= 1, f"{label}: {held}"
    for purpose, to, _, mail in new:
        size = len(str(mail))
        assert size <= MAX_ECHO_BYTES, f"{label}: a {size}-character {purpose} to {to}"
    statuses = intake.runner.run(_rows(app, "select status, count(*) from outbox group by status"))
    assert [s for s, _ in statuses] == ["sent"], f"{label}: {statuses} {_failures(intake)}"


def _failures(intake: Intake) -> list[tuple[Any, ...]]:
    """The outbox rows not sent, with why: what a failing batch is to be read by."""
    return intake.runner.run(
        _rows(
            intake.app,
            "select purpose, recipient, status, error from outbox where status != 'sent'",
        )
    )


def _batch(intake: Intake, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    # Past the storm window: each batch is an hour of someone's mail.
    intake.clock.now += timedelta(minutes=intake.app.settings.echo_window_minutes + 1)
    intake.runner.run(_next_call(intake))
    raws = [_message(rng, intake, intake.given + n) for n in range(BATCH)]
    _take_in(intake, raws, f"seed {seed}")


_SEEDS = st.integers(min_value=0, max_value=2**64 - 1)


def _fuzz(intake: Intake, batches: int) -> None:
    """Batch after batch into the one database, each built from a seed hypothesis draws.

    The batches build on each other (one database, one inbox), which hypothesis can neither
    replay nor shrink; so a failing batch is kept with its seed, the rest are not run, and
    the failure is raised at the end. The seed rebuilds the batch's messages (all but the
    reply tokens, which each database draws anew).
    """
    start = intake.given
    target = start + batches * BATCH
    failed: list[BaseException] = []

    # Hypothesis does not run a seed twice, and may count one it drew again: more are asked
    # for than are run.
    @settings(
        max_examples=batches * 2,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(_SEEDS)
    def batch(seed: int) -> None:
        if failed or intake.given >= target:
            return
        try:
            _batch(intake, seed)
        except Exception as exc:
            failed.append(exc)

    batch()
    if failed:
        raise failed[0]
    assert intake.given >= target


def test_ten_thousand_hostile_messages_through_the_intake_on_sqlite(
    sqlite_intake: Intake,
) -> None:
    _fuzz(sqlite_intake, SQLITE_BATCHES)


def test_a_thousand_hostile_messages_through_the_intake_on_postgresql(
    postgres_intake: Intake,
) -> None:
    _fuzz(postgres_intake, POSTGRES_BATCHES)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_sizes_from_a_partner_are_stored_and_taken_in(
    sqlite_intake: Intake, name: str
) -> None:
    sqlite_intake.runner.run(_next_call(sqlite_intake))
    group = sqlite_intake.app.group()
    partner = group.partners[1]
    head = (
        f"X-Hostile: {name}\r\nFrom: {partner.contacts[0].email}\r\n"
        f"To: {plus_address(group.reply_address, sqlite_intake.tokens[partner.slug])}\r\n"
    )
    _take_in(sqlite_intake, [head.encode() + HOSTILE[name]()], name)


# --- what the fuzzing found ---------------------------------------------------------------


async def test_a_stranger_whose_from_names_no_mailbox_is_held_and_sent_nothing(app: App) -> None:
    group = app.group()
    await calls.open_call(app, group, app.meeting(group, "2026-2"))
    await until_idle(app)
    before = await _last_outbox_id(app)
    inbox = mailbox.Maildir(app.settings.inbox_maildir, create=False)
    # The sixth reads as an encoded word with line breaks in it: no To header can hold it.
    broken = "=?utf-7?q?=0a'b=e2=80=93=0a=00ab@=c3=a6=3fa=f0=9f=98=80'=3f=0a"
    senders = ("", "not an address", "ukendt@[1.2.3", "x@a..b", broken, "ukendt@example.net")
    for sender in senders:
        inbox.add(
            f"From: {sender}\r\nTo: {group.reply_address}\r\nSubject: Punkt\r\n\r\n"
            "Vi foreslår et punkt om lærlingekampagnen.\r\n".encode()
        )
    await until_idle(app)

    statuses = await _rows(app, "select status from inbound_messages")
    assert [s for (s,) in statuses] == ["held"] * 6
    notices = await _rows(
        app, "select id, recipient, status from outbox where id > :last", last=before
    )
    # The one stranger with an address hears that the message waits; nobody else is written to.
    assert [(to, status) for _, to, status in notices] == [("ukendt@example.net", "sent")]


async def test_a_message_id_no_column_can_hold_stores_the_batch_all_the_same(
    tmp_path: Path, database_url: str
) -> None:
    # PostgreSQL refuses a NUL and a Message-ID over the column's 998 characters; either
    # failed the whole batch, every pass, so no mail came in at all.
    app = await build_app(
        Settings(data_dir=tmp_path / "var", database_url=database_url, groups=[CORPUS_GROUP])
    )
    try:
        inbox = mailbox.Maildir(app.settings.inbox_maildir, create=False)
        for message_id in ("<a\x00b@example.com>", f"<{'x' * 5000}@example.com>", "<ok@x.dk>"):
            inbox.add(f"From: jo@example.com\r\nMessage-ID: {message_id}\r\n\r\nHej\r\n".encode())
        assert await fetch_mail(app) == (3, 3)
        stored = await _rows(app, "select message_id from inbound_messages order by id")
        assert sorted(str(m) for (m,) in stored) == ["<ok@x.dk>", "None", "None"]
        assert list(inbox.keys()) == []
    finally:
        await close_app(app)


async def test_a_failure_whose_text_holds_a_nul_is_recorded_and_the_rest_go_on(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reason a message could not be read is kept with it; PostgreSQL refuses a NUL in it,
    # and the failed write stopped every pass at that message.
    app = await build_app(
        Settings(data_dir=tmp_path / "var", database_url=database_url, groups=[CORPUS_GROUP])
    )
    real = take_in

    async def failing(app: App, message: InboundMessage) -> Taken:
        if b"broken" in message.raw:
            raise ValueError("cannot read\x00this")
        return await real(app, message)

    monkeypatch.setattr(ingest, "take_in", failing)
    try:
        inbox = mailbox.Maildir(app.settings.inbox_maildir, create=False)
        inbox.add(b"From: jo@example.com\r\nSubject: broken\r\n\r\nHej\r\n")
        inbox.add(b"From: jo@example.com\r\nSubject: fine\r\n\r\nHej\r\n")
        await until_idle(app)
        statuses = await _rows(app, "select status, error from inbound_messages order by id")
        assert statuses == [("failed", "ValueError: cannot readthis"), ("held", None)]
    finally:
        await close_app(app)
