"""The data subject's rights as typed (contact export, contact erase) and the retention job."""

from __future__ import annotations

import json
import mailbox
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partnerdesk.app import App
from partnerdesk.demo import DemoClock
from partnerdesk.usecases.tick import tick
from storage.tables import AnswerRow, InboundRow
from tests.cli_fixtures import CHAIR, MEETING, desk, english_words
from tests.conftest import CORPUS

BYGGERI = "jo@danskbyggeri-djurs.example.com"
REPLY = CORPUS / "replies" / "dev-01-byggeri-laerlingekampagne.eml"


def test_export_writes_the_contacts_answers_and_raw_messages_in_danish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    d = desk(tmp_path, "da", monkeypatch, capsys)
    monkeypatch.chdir(tmp_path)
    code, out, err = d.run("contact", "export", BYGGERI)
    assert (code, err) == (0, "")
    assert out.startswith(f"Alt, hvad der er gemt om {BYGGERI}, er skrevet til kontakt-{BYGGERI}")
    assert english_words(out) == []
    folder = tmp_path / f"kontakt-{BYGGERI}"
    data = json.loads((folder / "contact.json").read_text(encoding="utf-8"))
    assert [c["partner"] for c in data["contacts"]] == ["dansk-byggeri"]
    assert [a["reading"]["proposals"][0]["title"] for a in data["answers"]]
    (message,) = data["messages"]
    assert (folder / message["file"]).read_bytes() == REPLY.read_bytes()
    # Every mail sent to the contact (the call, the echo) is in the export too.
    assert {m["purpose"] for m in data["mail_to_them"]} >= {"call", "echo"}


def test_erase_removes_messages_and_answers_and_says_in_english_what_the_record_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    d = desk(tmp_path, "en", monkeypatch, capsys)
    code, out, err = d.run("contact", "erase", BYGGERI)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"Erased about {BYGGERI}: 1 messages with their files, 1 answers")
    assert lines[1].startswith(
        "Kept for the record: the approved and published agendas, 0 approvals"
    )
    assert "cannot be erased on request" in lines[1]
    assert lines[2].startswith(f"{BYGGERI} is still a contact in the group file")
    monkeypatch.chdir(tmp_path)
    assert d.run("contact", "export", BYGGERI)[0] == 0
    data = json.loads((tmp_path / f"contact-{BYGGERI}" / "contact.json").read_text("utf-8"))
    assert (data["answers"], data["messages"], data["mail_to_them"]) == ([], [], [])
    code, out, _ = d.run("contact", "erase", BYGGERI)
    assert out.startswith(f"Nothing is kept about {BYGGERI} beyond the group file")


def test_erasing_the_chair_keeps_the_approval_for_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    d = desk(tmp_path, "da", monkeypatch, capsys)
    assert d.run("agenda", "approve", "--meeting", MEETING, "--as", CHAIR)[0] == 0
    code, out, err = d.run("contact", "erase", CHAIR)
    assert (code, err) == (0, "")
    kept = out.splitlines()[1]
    assert kept.startswith("Beholdt som dokumentation: de godkendte og udsendte dagsordener,")
    assert "1 godkendelser" in kept and "journalpligt" in kept
    assert d.run("agenda", "draft", "--meeting", MEETING)[0] == 0  # the agenda is untouched


def test_an_address_that_is_not_one_gets_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    d = desk(tmp_path, "da", monkeypatch, capsys)
    code, out, err = d.run("contact", "erase", "danskbyggeri")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "partnerdesk: 'danskbyggeri' er ikke en e-mailadresse; "
        "skriv fx partnerdesk contact export navn@example.dk"
    )


async def _count(app: App, table: type[InboundRow | AnswerRow]) -> int:
    store = app.store
    async with store.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_raw_messages_and_their_files_are_deleted_after_the_retention_period(
    app: App, clock: DemoClock
) -> None:
    inbox = mailbox.Maildir(app.settings.inbox_maildir, create=True)
    inbox.add((CORPUS / "replies" / "dev-07-tradium-voksenlaerlinge-docx.eml").read_bytes())
    await tick(app)
    files = list(app.settings.attachments_dir.iterdir())
    assert len(files) == 1 and await _count(app, InboundRow) == 1
    clock.now += timedelta(days=60)
    inbox.add(REPLY.read_bytes())
    await tick(app)
    clock.now += timedelta(days=30, minutes=1)
    report = await tick(app)
    assert report.purged == 1  # the first, 90 days old; the second is 30 days old
    assert not files[0].exists()
    assert await _count(app, InboundRow) == 1
    assert await _count(app, AnswerRow) == 2  # what was read from them stays


def test_erasing_a_contact_unlinks_their_telegram_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    from datetime import UTC, datetime

    from agenda.chatlinks import ChatLink
    from storage.engine import make_engine
    from storage.repository import SqlStore
    from storage.tables import TelegramLinkRow

    d = desk(tmp_path, "da", monkeypatch, capsys)
    url = f"sqlite+aiosqlite:///{d.data_dir / 'partnerdesk.sqlite3'}"

    async def link_then_count(erase: bool) -> int:
        store = SqlStore(make_engine(url))
        try:
            if not erase:
                group = (await store.calls())[0].group
                now = datetime(2026, 11, 20, tzinfo=UTC)
                await store.save_link(ChatLink(group, BYGGERI, 4242, 4242, now))
            async with store.engine.connect() as connection:
                found = await connection.scalar(select(func.count()).select_from(TelegramLinkRow))
            return int(found or 0)
        finally:
            await store.engine.dispose()

    assert asyncio.run(link_then_count(erase=False)) == 1
    assert d.run("contact", "erase", BYGGERI)[0] == 0
    assert asyncio.run(link_then_count(erase=True)) == 0
