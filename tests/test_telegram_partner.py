"""A partner in the chat: confirm, correct and withdraw an echo, /status, documents as Bilag."""

from __future__ import annotations

from typing import Any

import pytest

from agenda.records import AnswerStatus
from agenda.revisions import current_answers
from partnerdesk.app import App
from partnerdesk.usecases import calls
from tests.fakes.botapi import FakeBotApi, buttons_of
from tests.telegram_helpers import MEMBER, linked, reply_count, until

pytest_plugins = ["tests.telegram_fixtures"]

PROPOSAL = (
    "Et punkt om sommerferiejob til unge. Baggrund: mange unge mangler job. "
    "Indstilling: at vi laver en fælles formidling."
)


async def _answered(app: App, botapi: FakeBotApi, user: int, text: str) -> dict[str, Any]:
    """Write in the chat and wait for the echo; the echo message."""
    before = len(botapi.state.messages_to(user))
    botapi.state.user_writes(user, None, text)
    await until(lambda: len(botapi.state.messages_to(user)) > before)
    return botapi.state.messages_to(user)[-1]


async def _titles(app: App) -> list[str]:
    group = app.group()
    answers = await app.store.answers(group.slug, "2026-2")
    return [p.title for a in current_answers(answers) for p in a.reading.proposals]


async def _opened(app: App, botapi: FakeBotApi, user: int) -> None:
    group = app.group()
    await calls.open_call(app, group, app.meeting(group, "2026-2"))
    await linked(app, botapi, MEMBER, user)


async def test_confirm_records_it_and_takes_the_buttons_away(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 601)
    echo = await _answered(bot_app, botapi, 601, PROPOSAL)
    botapi.state.user_presses(601, echo, buttons_of(echo)["✅ Korrekt"])
    await until(lambda: botapi.state.messages_to(601)[-1]["method"] == "editMessageText")
    edited = botapi.state.messages_to(601)[-1]
    assert edited["message_id"] == echo["message_id"]
    assert "Bekræftet" in edited["text"] and "Sommerferiejob" in edited["text"]
    assert not buttons_of(edited)
    log = [e.action for e in await bot_app.store.audit_log(bot_app.group().slug)]
    assert "answer.confirmed" in log


async def test_correct_makes_the_next_message_replace_the_answer(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 602)
    echo = await _answered(bot_app, botapi, 602, PROPOSAL)
    before = len(botapi.state.messages_to(602))
    botapi.state.user_presses(602, echo, buttons_of(echo)["✏️ Ret"])
    texts = await reply_count(botapi, 602, before)
    assert "din næste besked erstatter svaret" in texts[-1]
    # "et punkt mere" would normally add; after "correct" the message replaces.
    await _answered(
        bot_app, botapi, 602, "Et punkt mere: praktikpladser. Baggrund: få pladser i år."
    )
    assert await _titles(bot_app) == ["Praktikpladser"]
    answers = await bot_app.store.answers(bot_app.group().slug, "2026-2")
    assert [a.status for a in answers] == [AnswerStatus.SUPERSEDED, AnswerStatus.ACCEPTED]


async def test_withdraw_takes_the_proposal_back_through_the_intake(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 603)
    echo = await _answered(bot_app, botapi, 603, PROPOSAL)
    assert await _titles(bot_app) == ["Sommerferiejob til unge"]
    before = len(botapi.state.messages_to(603))
    botapi.state.user_presses(603, echo, buttons_of(echo)["🗑 Træk tilbage"])
    texts = await reply_count(botapi, 603, before)
    assert "Sommerferiejob til unge" in texts[-1]
    assert await _titles(bot_app) == []
    answers = await bot_app.store.answers(bot_app.group().slug, "2026-2")
    assert len(answers) == 2 and answers[-1].reading.new_text.startswith("Vi trækker")


async def test_a_button_on_someone_elses_answer_does_nothing(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 604)
    echo = await _answered(bot_app, botapi, 604, PROPOSAL)
    answer_id = buttons_of(echo)["🗑 Træk tilbage"].split(":")[1]
    await linked(bot_app, botapi, "lene.kjaer@norddjurs.example.org", 605)
    botapi.state.user_writes(605, None, "/hjaelp")
    before = len(await reply_count(botapi, 605, 1))
    # Callback data made by hand, in the other person's own chat.
    mine = {**botapi.state.messages_to(605)[-1]}
    botapi.state.user_presses(605, mine, f"ew:{answer_id}")
    botapi.state.user_presses(605, mine, "ew:not-a-number")
    texts = await reply_count(botapi, 605, before + 1)
    assert texts[-2:] == [
        "Det svar er ikke jeres.",
        "Den kommando kender jeg ikke. Skriv /hjaelp for at se, hvad du kan.",
    ]
    assert await _titles(bot_app) == ["Sommerferiejob til unge"]


async def test_status_shows_the_call_and_what_the_partner_sent(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 606)
    botapi.state.user_writes(606, None, "/status")
    texts = await reply_count(botapi, 606, 1)
    assert "Fristen er" in texts[-1] and "Intet endnu" in texts[-1]
    await _answered(bot_app, botapi, 606, PROPOSAL)
    botapi.state.user_writes(606, None, "/status")
    texts = await reply_count(botapi, 606, 3)
    assert "Dansk Industri" in texts[-1] and "Forslag: Sommerferiejob til unge" in texts[-1]


async def test_a_document_with_a_proposal_becomes_its_bilag(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 607)
    botapi.state.user_sends_document(607, "plan.pdf", b"%PDF-1.4 plan", caption=PROPOSAL)
    await until(lambda: len(botapi.state.messages_to(607)) >= 2)
    assert "bilag: plan.pdf" in botapi.state.texts_to(607)[-1]
    answers = await bot_app.store.answers(bot_app.group().slug, "2026-2")
    assert answers[0].reading.proposals[0].attachments == ("plan.pdf",)


async def test_a_failure_inside_gets_one_sentence_and_the_bot_goes_on(
    bot_app: App, botapi: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnerdesk.usecases import chat_partner

    async def broken(*args: object) -> list[object]:
        raise RuntimeError("database went away")

    await _opened(bot_app, botapi, 608)
    monkeypatch.setattr(chat_partner, "status", broken)
    botapi.state.user_writes(608, None, "/status")
    texts = await reply_count(botapi, 608, 1)
    assert texts[-1] == "Det gik desværre galt. Prøv igen om lidt – eller skriv til sekretariatet."
    monkeypatch.undo()
    botapi.state.user_writes(608, None, "/status")
    texts = await reply_count(botapi, 608, 2)
    assert "Fristen er" in texts[-1]


async def test_a_photo_gets_a_sentence_on_what_the_bot_reads(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, 609)
    botapi.state.user_sends_photo(609)
    texts = await reply_count(botapi, 609, 1)
    assert texts[-1].startswith("Jeg kan læse tekst og dokumenter.")
    assert await bot_app.store.answers(bot_app.group().slug) == []
