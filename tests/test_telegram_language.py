"""A person whose Telegram is set to English is answered in English, by the bot and by mail."""

from __future__ import annotations

from partnerdesk.app import App
from partnerdesk.usecases import calls
from partnerdesk.usecases.outbox import deliver_outbox
from tests.fakes.botapi import FakeBotApi, buttons_of
from tests.sent_mail import sent
from tests.telegram_helpers import MEMBER, code_for, reply_count, until

pytest_plugins = ["tests.telegram_fixtures"]

# Camilla's colleague at the same partner, with no Telegram: the group's language.
COLLEAGUE = "pl@di-djursland.example.com"
USER = 901


def _write(botapi: FakeBotApi, text: str) -> None:
    botapi.state.user_writes(USER, None, text, language="en-GB")


def _call_subject(app: App, address: str) -> str:
    mine = [m for m in sent(app, "<call-") if m["To"].addresses[0].addr_spec == address]
    assert len(mine) == 1
    return str(mine[0]["Subject"])


async def test_an_english_telegram_gets_the_bot_the_call_and_the_echo_in_english(
    bot_app: App, botapi: FakeBotApi
) -> None:
    # Telegram shows an English app the English command menu.
    assert "propose" in [c["command"] for c in botapi.state.commands_in["en"]]
    assert "forslag" in [c["command"] for c in botapi.state.commands_in["da"]]
    _write(botapi, "hello")
    assert (await reply_count(botapi, USER, 0))[-1].startswith("Hello! Before you can use me")
    _write(botapi, f"/start {await code_for(bot_app, MEMBER)}")
    assert (await reply_count(botapi, USER, 1))[-1].startswith("Thank you, Camilla Bro!")
    _write(botapi, "/help")
    assert (await reply_count(botapi, USER, 2))[-1].startswith("Hello Camilla Bro!")

    group = bot_app.group()
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    await deliver_outbox(bot_app)
    assert (await reply_count(botapi, USER, 3))[-1].startswith("Call for agenda items – ")
    # The e-mail follows the language Telegram told us; the colleague keeps the group's.
    assert _call_subject(bot_app, MEMBER).startswith("Call for agenda items – ")
    assert _call_subject(bot_app, COLLEAGUE).startswith("Indkaldelse af punkter")

    _write(botapi, "Nothing from us this time.")
    await until(lambda: len(botapi.state.messages_to(USER)) > 4)
    echo = botapi.state.messages_to(USER)[-1]
    assert str(echo["text"]).startswith("Thank you! This is what we understood:")
    assert "✅ Correct" in buttons_of(echo)
