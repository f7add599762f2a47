"""SIGKILL at the worst moments; after a restart nothing is lost and nothing is doubled."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
from pathlib import Path

from mail.maildir import MaildirSource
from tests.conftest import CORPUS, CORPUS_GROUP

REPLIES = [
    "dev-01-byggeri-laerlingekampagne.eml",
    "dev-04-di-nothing-this-round.eml",
    "dev-09-businessdjursland-tre-punkter.eml",
]


def _group_far_ahead(folder: Path) -> Path:
    """The corpus group with its meeting years ahead, so no reminder falls due today."""
    text = CORPUS_GROUP.read_text(encoding="utf-8").replace("2026-12-08T", "2036-12-08T")
    path = folder / "group.toml"
    path.write_text(text.replace("2026-11-27T", "2036-11-27T"), encoding="utf-8")
    return path


def _cli(data: Path, *args: str, fault: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PARTNERDESK_DATA_DIR": str(data),
        "PARTNERDESK_GROUPS": str(_group_far_ahead(data.parent)),
        "PARTNERDESK_FAULT_POINT": fault,
        # A crash is recognised at once here; the service waits ten minutes.
        "PARTNERDESK_SENDING_TIMEOUT_SECONDS": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "partnerdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _count_table(data: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(data / "partnerdesk.sqlite3") as db:
        (n,) = db.execute(f"select count(*) from {table}").fetchone()  # noqa: S608 - fixed names
    return int(n)


def test_killed_between_storing_and_acknowledging_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "var"
    assert _cli(data, "call", "open", "--meeting", "2026-2").returncode == 0
    inbox = mailbox.Maildir(data / "mail" / "inbox", create=True)
    for name in REPLIES:
        inbox.add((CORPUS / "replies" / name).read_bytes())

    crashed = _cli(data, "run", "--once", fault="after_store")
    assert crashed.returncode == -signal.SIGKILL
    # The batch was stored and committed as one; the mailbox still holds every message.
    assert _count_table(data, "inbound_messages") == len(REPLIES)
    assert len(list(mailbox.Maildir(data / "mail" / "inbox", create=False))) == len(REPLIES)

    again = _cli(data, "run", "--once")
    assert again.returncode == 0, again.stderr
    assert _count_table(data, "inbound_messages") == len(REPLIES)
    assert _count_table(data, "answers") == len(REPLIES)
    assert len(list(mailbox.Maildir(data / "mail" / "inbox", create=False))) == 0
    status = _cli(data, "call", "status", "--meeting", "2026-2").stdout
    assert "3 af 17 partnere har svaret" in status
    review = _cli(data, "call", "review", "--meeting", "2026-2")
    assert review.returncode == 0 and review.stdout.startswith("Intet at se på")


def test_killed_between_sending_and_marking_sent_sends_nothing_twice(tmp_path: Path) -> None:
    data = tmp_path / "var"
    crashed = _cli(data, "call", "open", "--meeting", "2026-2", fault="after_send")
    assert crashed.returncode == -signal.SIGKILL
    outbox = data / "mail" / "outbox"
    # One message at a time: the crash caught the first one, and no other was claimed.
    assert len(list(mailbox.Maildir(outbox, create=False))) == 1
    assert _count_status(data, "sending") == 1

    again = _cli(data, "run", "--once")
    assert again.returncode == 0, again.stderr
    messages = list(mailbox.Maildir(outbox, create=False))
    calls = [m for m in messages if str(m["Message-ID"]).startswith("<call-")]
    contacts = 18
    assert len(calls) == contacts  # everybody got the call, nobody twice
    assert len({str(m["Message-ID"]) for m in calls}) == contacts
    # The Maildir keeps one file per Message-ID, so the cut-off message was simply sent again.
    reports = [m for m in messages if str(m["Message-ID"]).startswith("<delivery-failed-")]
    assert reports == []
    assert _count_status(data, "sent") == contacts


def _count_status(data: Path, status: str) -> int:
    import sqlite3

    with sqlite3.connect(data / "partnerdesk.sqlite3") as db:
        (n,) = db.execute("select count(*) from outbox where status = ?", (status,)).fetchone()
    return int(n)


def test_the_service_runs_until_sigterm_and_then_stops_cleanly(tmp_path: Path) -> None:
    import time

    data = tmp_path / "var"
    env = {
        **os.environ,
        "PARTNERDESK_DATA_DIR": str(data),
        "PARTNERDESK_GROUPS": str(_group_far_ahead(tmp_path)),
        "PARTNERDESK_POLL_SECONDS": "0.2",
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "partnerdesk.cli", "run"], env=env, stderr=subprocess.PIPE
    )
    inbox = data / "mail" / "inbox"
    deadline = time.monotonic() + 30
    while not (inbox / "new").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    mailbox.Maildir(inbox, create=False).add(
        (CORPUS / "replies" / "dev-04-di-nothing-this-round.eml").read_bytes()
    )
    while list(mailbox.Maildir(inbox, create=False)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(mailbox.Maildir(inbox, create=False)) == []  # picked up while running
    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=30) == 0


async def test_a_processed_folder_half_made_by_a_crash_is_completed(tmp_path: Path) -> None:
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add((CORPUS / "replies" / REPLIES[0]).read_bytes())
    # Killed after the folder and its tmp/ were made, before new/ and cur/.
    (tmp_path / "inbox" / ".Processed" / "tmp").mkdir(parents=True)
    source = MaildirSource(tmp_path / "inbox")

    fetched = await source.fetch()
    await source.acknowledge_all([f.source_key for f in fetched])

    assert len(fetched) == 1
    assert list(mailbox.Maildir(tmp_path / "inbox", create=False)) == []
    assert len(list((tmp_path / "inbox" / ".Processed" / "new").iterdir())) == 1
