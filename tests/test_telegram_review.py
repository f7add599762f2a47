"""The secretariat reviews held answers in the chat; `partnerdesk invite` prints the links."""

from __future__ import annotations

import mailbox
import re
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from agenda.records import AnswerStatus
from partnerdesk.app import App
from partnerdesk.cli import main
from partnerdesk.usecases import calls
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS_GROUP
from tests.fakes.botapi import FakeBotApi, buttons_of
from tests.telegram_helpers import SECRETARIAT, bot_settings, linked, reply_count, until

pytest_plugins = ["tests.telegram_fixtures"]


def _stranger_writes(app: App, sender: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "partnerskab@norddjurs.example.org"
    message["Subject"] = "Et forslag"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(text)
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(message.as_bytes())


async def test_the_secretariat_assigns_and_dismisses_held_answers_by_button(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    _stranger_writes(bot_app, "ny@horesta-djurs.example.net", "Vi foreslår et punkt om turisme.")
    _stranger_writes(bot_app, "spam@example.com", "Køb billige ure.")
    await tick(bot_app)
    await linked(bot_app, botapi, SECRETARIAT, 701)
    botapi.state.user_writes(701, None, "/review")
    await until(lambda: len(botapi.state.messages_to(701)) >= 3)
    first, second = botapi.state.messages_to(701)[1:3]
    assert "ny@horesta-djurs.example.net" in first["text"]
    botapi.state.user_presses(701, first, buttons_of(first)["👤 Giv til partner"])
    await until(lambda: len(botapi.state.messages_to(701)) >= 4)
    choices = botapi.state.messages_to(701)[3]
    botapi.state.user_presses(701, choices, buttons_of(choices)["HORESTA"])
    botapi.state.user_presses(701, second, buttons_of(second)["🗑 Afvis"])
    await until(lambda: len(botapi.state.messages_to(701)) >= 6)
    texts = botapi.state.texts_to(701)
    assert any("givet til HORESTA" in t for t in texts)
    assert any("er afvist" in t for t in texts)
    answers = await bot_app.store.answers(group.slug)
    assert sorted((a.partner or "", a.status) for a in answers) == [
        ("", AnswerStatus.DISMISSED),
        ("horesta", AnswerStatus.ACCEPTED),
    ]
    botapi.state.user_writes(701, None, "/review")
    texts = await reply_count(botapi, 701, 6)
    assert texts[-1] == "Intet at se på – alle svar er taget."


def test_invite_prints_a_personal_link_and_refuses_an_unknown_contact(
    tmp_path: Path,
    botapi: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = bot_settings(tmp_path, botapi)
    monkeypatch.setenv("PARTNERDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARTNERDESK_GROUPS", str(settings.groups[0]))
    monkeypatch.setenv("PARTNERDESK_TELEGRAM_TOKEN", settings.telegram_token)
    monkeypatch.setenv("PARTNERDESK_TELEGRAM_BASE_URL", settings.telegram_base_url)
    assert main(["invite", "--contact", "CAB@di-djursland.example.com"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"Camilla Bro <cab@di-djursland.example.com>: https://t.me/pd_bot\?start=[\w-]{32}\n", out
    )
    assert main(["invite", "--contact", "nobody@example.com"]) == 2
    assert "nobody@example.com er ikke kontaktperson" in capsys.readouterr().err
    assert main(["invite"]) == 2
    assert "--contact EMAIL eller --all" in capsys.readouterr().err
    assert main(["invite", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 18 and len({line.rsplit("=", 1)[1] for line in lines}) == 18
    assert main(["invite", "--all", "--mail"]) == 0
    assert "18 mails med Telegram-link sendt." in capsys.readouterr().out
    sent = mailbox.Maildir(settings.outbox_maildir)
    assert sum("https://t.me/pd_bot?start=" in m.as_string() for m in sent) == 18


def test_invite_without_a_bot_says_how_to_set_it_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTNERDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PARTNERDESK_GROUPS", str(CORPUS_GROUP))
    monkeypatch.delenv("PARTNERDESK_TELEGRAM_TOKEN", raising=False)
    assert main(["invite", "--contact", "cab@di-djursland.example.com"]) == 2
    assert "sæt PARTNERDESK_TELEGRAM_TOKEN" in capsys.readouterr().err
