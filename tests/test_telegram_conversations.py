"""Guided conversations: /forslag with a document that becomes a Bilag; /indsatser and the ball."""

from __future__ import annotations

from agenda.revisions import current_answers
from partnerdesk.app import App
from partnerdesk.usecases import calls
from tests.fakes.botapi import FakeBotApi, buttons_of
from tests.telegram_helpers import MEMBER, linked, until

pytest_plugins = ["tests.telegram_fixtures"]

BUILDER = "jo@danskbyggeri-djurs.example.com"


async def _say(botapi: FakeBotApi, user: int, text: str, replies: int = 1) -> list[str]:
    before = len(botapi.state.messages_to(user))
    botapi.state.user_writes(user, None, text)
    await until(lambda: len(botapi.state.messages_to(user)) >= before + replies)
    return botapi.state.texts_to(user)[before:]


async def _opened(app: App, botapi: FakeBotApi, email: str, user: int) -> None:
    group = app.group()
    await calls.open_call(app, group, app.meeting(group, "2026-2"))
    await linked(app, botapi, email, user)


async def test_a_guided_proposal_with_a_document_becomes_an_item_with_its_bilag(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, MEMBER, 801)
    assert (await _say(botapi, 801, "/forslag", 2))[-1] == "Hvad er titlen på punktet?"
    assert "Baggrund" in (await _say(botapi, 801, "Havnens fremtid"))[-1]
    assert "Indstilling" in (await _say(botapi, 801, "Havnen lukker om to år."))[-1]
    await _say(botapi, 801, "Det indstilles, at koordinationsgruppen drøfter havnen.")
    assert "Bilag" in (await _say(botapi, 801, "-"))[-1]
    before = len(botapi.state.messages_to(801))
    botapi.state.user_sends_document(801, "havneplan.pdf", b"%PDF-1.4 havn")
    await until(lambda: len(botapi.state.messages_to(801)) > before)
    assert botapi.state.texts_to(801)[-1] == "Bilag gemt: havneplan.pdf."
    done = botapi.state.messages_to(801)[before - 1]
    botapi.state.user_presses(801, done, buttons_of(done)["Færdig"])
    await until(lambda: "Skal det sendes?" in botapi.state.texts_to(801)[-1])
    summary = botapi.state.messages_to(801)[-1]
    assert "Bilag: havneplan.pdf" in summary["text"]
    botapi.state.user_presses(801, summary, buttons_of(summary)["✅ Send forslaget"])
    # The echo and the "sent" note race each other; both come.
    await until(lambda: any("Forslag: Havnens fremtid" in t for t in botapi.state.texts_to(801)))
    group = bot_app.group()
    standing = current_answers(await bot_app.store.answers(group.slug, "2026-2"))
    proposal = standing[0].reading.proposals[0]
    assert (proposal.title, proposal.background, proposal.attachments) == (
        "Havnens fremtid",
        "Havnen lukker om to år.",
        ("havneplan.pdf",),
    )


async def test_annuller_stops_a_proposal_at_any_step(bot_app: App, botapi: FakeBotApi) -> None:
    await _opened(bot_app, botapi, MEMBER, 802)
    await _say(botapi, 802, "/forslag", 2)
    await _say(botapi, 802, "Havnens fremtid")
    assert (await _say(botapi, 802, "/annuller"))[-1] == "Annulleret – intet er sendt."
    # The next text is an ordinary answer again, not the proposal's background.
    await _say(botapi, 802, "Ingen punkter fra os denne gang.")
    answers = await bot_app.store.answers(bot_app.group().slug, "2026-2")
    assert len(answers) == 1 and answers[0].reading.nothing_to_add


async def test_an_initiative_update_and_a_ball_handed_over(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, BUILDER, 803)
    texts = await _say(botapi, 803, "/indsatser")
    assert texts[0].startswith("I-1 Flere praktikpladser")
    listed = botapi.state.messages_to(803)[-1]
    botapi.state.user_presses(803, listed, buttons_of(listed)["✏️ Send opdatering"])
    await until(lambda: "Skriv status på I-1" in botapi.state.texts_to(803)[-1])
    await _say(botapi, 803, "12 nye pladser i år; næste skridt er et møde med skolerne.")
    assert "Status på I-1" in botapi.state.texts_to(803)[-1]
    botapi.state.user_presses(803, listed, buttons_of(listed)["⚽ Giv bolden videre"])
    await until(lambda: "Hvem skal have bolden på I-1" in botapi.state.texts_to(803)[-1])
    choices = botapi.state.messages_to(803)[-1]
    assert "Dansk Byggeri" not in " ".join(buttons_of(choices))
    botapi.state.user_presses(803, choices, buttons_of(choices)["HORESTA"])
    await until(lambda: "bolden går til HORESTA" in botapi.state.texts_to(803)[-1])
    group = bot_app.group()
    standing = current_answers(await bot_app.store.answers(group.slug, "2026-2"))
    updates = {u.initiative: u for a in standing for u in a.reading.updates}
    assert updates["I-1"].owner == "horesta"


async def test_a_document_sent_early_is_kept_and_the_question_asked_again(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await _opened(bot_app, botapi, MEMBER, 804)
    await _say(botapi, 804, "/forslag", 2)
    before = len(botapi.state.messages_to(804))
    botapi.state.user_sends_document(804, "bilag.pdf", b"%PDF-1.4 b")
    await until(lambda: len(botapi.state.messages_to(804)) >= before + 2)
    assert botapi.state.texts_to(804)[-2:] == [
        "Bilag gemt: bilag.pdf.",
        "Hvad er titlen på punktet?",
    ]
    for answer in ("Havnen", "Den lukker.", "Det indstilles, at vi drøfter den.", "-", "-"):
        await _say(botapi, 804, answer)
    assert "Bilag: bilag.pdf" in botapi.state.texts_to(804)[-1]
    before = len(botapi.state.messages_to(804))
    botapi.state.user_sends_document(804, "kort.pdf", b"%PDF-1.4 k")
    await until(lambda: len(botapi.state.messages_to(804)) >= before + 2)
    assert "Bilag: bilag.pdf, kort.pdf" in botapi.state.texts_to(804)[-1]
