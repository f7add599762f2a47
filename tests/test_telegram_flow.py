"""Partners answer in Telegram and the chair approves there, through the real service wiring."""

from __future__ import annotations

from datetime import timedelta

from agenda.reading import Channel
from agenda.records import OutboxStatus
from agenda.workflow import CallState
from partnerdesk.app import App
from partnerdesk.demo import DemoClock
from partnerdesk.usecases import calls
from partnerdesk.usecases.outbox import deliver_outbox
from partnerdesk.usecases.tick import tick
from tests.fakes.botapi import FakeBotApi, buttons_of
from tests.telegram_helpers import CHAIR, MEMBER, linked, reply_count, until

pytest_plugins = ["tests.telegram_fixtures"]

PROPOSAL = (
    "Et punkt om sommerferiejob til unge. Baggrund: mange unge mangler job. "
    "Indstilling: at vi laver en fælles formidling."
)


async def test_a_linked_partners_answer_is_read_and_echoed_with_buttons(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    await linked(bot_app, botapi, MEMBER, 501)
    botapi.state.user_writes(501, "someone_else", PROPOSAL)
    await until(lambda: len(botapi.state.messages_to(501)) >= 2)
    echo = botapi.state.messages_to(501)[-1]
    assert "Forslag: Sommerferiejob til unge" in echo["text"]
    assert set(buttons_of(echo)) == {"✅ Korrekt", "✏️ Ret", "🗑 Træk tilbage"}
    answers = await bot_app.store.answers(group.slug, meeting.id)
    assert [(a.channel, a.partner, a.sender) for a in answers] == [(Channel.TELEGRAM, "di", MEMBER)]
    status = {r.partner: r for r in await calls.call_status(bot_app, group, meeting)}
    assert status["di"].answered and status["di"].via == ("telegram",)


async def test_partner_text_is_shown_verbatim_never_as_formatting(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    await linked(bot_app, botapi, MEMBER, 502)
    botapi.state.user_writes(
        502, None, "Titel: Havnen <b>nu</b> *igen* _snart_\nBaggrund: [link](x)"
    )
    await until(lambda: len(botapi.state.messages_to(502)) >= 2)
    echo = botapi.state.messages_to(502)[-1]
    # Sent as plain text: Telegram shows the partner's characters as they are.
    assert "parse_mode" not in echo or echo.get("parse_mode") is None
    assert "Havnen <b>nu</b> *igen* _snart_" in echo["text"]


async def test_a_call_reaches_a_linked_chat_and_the_mail_goes_too(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    await linked(bot_app, botapi, MEMBER, 503)
    opened = await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    await deliver_outbox(bot_app)
    texts = botapi.state.texts_to(503)
    assert "Indkaldelse af punkter til dagsorden" in texts[-1]
    mails = await bot_app.store.outbox([OutboxStatus.SENT], group=group.slug, limit=1000)
    assert MEMBER in {e.recipient for e in mails if e.channel is Channel.EMAIL}
    assert opened.mails_queued >= len([c for p in group.partners for c in p.contacts])


async def test_the_call_mail_carries_a_link_for_contacts_not_yet_linked(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    await linked(bot_app, botapi, MEMBER, 504)
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    queued = await bot_app.store.outbox([OutboxStatus.PENDING], group=group.slug, limit=1000)
    mails = {e.recipient: e.mail for e in queued if e.mail is not None}
    assert "https://t.me/pd_bot?start=" in mails[CHAIR].text
    assert "t.me" not in mails[MEMBER].text


async def test_a_blocked_chat_is_closed_and_the_contact_gets_mail(
    bot_app: App, botapi: FakeBotApi
) -> None:
    group = bot_app.group()
    await linked(bot_app, botapi, MEMBER, 505)
    botapi.state.user_writes(505, None, "/kanal")
    await until(lambda: len(botapi.state.messages_to(505)) >= 2)
    choice = botapi.state.messages_to(505)[-1]
    botapi.state.user_presses(505, choice, buttons_of(choice)["Kun Telegram"])
    await until(lambda: "kun beskeder her" in botapi.state.texts_to(505)[-1])
    botapi.state.blocked_chats.add(505)
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    await deliver_outbox(bot_app)
    await deliver_outbox(bot_app)
    assert botapi.state.refused == [505]
    links = await bot_app.store.links(group.slug)
    assert [lk.active for lk in links] == [False]
    sent = await bot_app.store.outbox([OutboxStatus.SENT], group=group.slug, limit=1000)
    calls_to_member = [e for e in sent if e.recipient == MEMBER and e.purpose == "call"]
    assert len(calls_to_member) == 1 and calls_to_member[0].channel is Channel.EMAIL
    log = [e.action for e in await bot_app.store.audit_log(group.slug)]
    assert "telegram.blocked" in log


async def test_only_a_chair_may_approve_and_it_is_audited(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(bot_app)
    await linked(bot_app, botapi, MEMBER, 900)
    for command in ("/godkend", "/udkast", "/review"):
        botapi.state.user_writes(900, None, command)
    texts = await reply_count(botapi, 900, 3)
    assert "Det må kun formanden og næstformanden gøre" in texts[1]
    assert all("Dit forsøg er noteret" in t for t in texts[1:])
    refused = [e for e in await bot_app.store.audit_log(group.slug) if e.action == "chat.refused"]
    assert [e.actor for e in refused] == [MEMBER] * 3
    call = await bot_app.store.get_call(group.slug, meeting.id)
    assert call is not None and call.state is CallState.DRAFTED


async def test_the_chair_sees_the_draft_and_approves_that_version_by_button(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    await linked(bot_app, botapi, MEMBER, 910)
    botapi.state.user_writes(910, None, PROPOSAL)
    await until(lambda: len(botapi.state.messages_to(910)) >= 2)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(bot_app)
    await linked(bot_app, botapi, CHAIR, 911)
    before = len(botapi.state.messages_to(911))
    botapi.state.user_writes(911, None, "/udkast")
    await until(lambda: len(botapi.state.messages_to(911)) >= before + 2)
    summary, pdf = botapi.state.messages_to(911)[before : before + 2]
    assert "Sommerferiejob til unge" in summary["text"]
    assert pdf["document"] == "udkast-2026-2-v1.pdf"
    assert pdf["document_data"].startswith(b"%PDF")
    assert buttons_of(pdf) == {"✅ Godkend denne version": "ap:2026-2:1"}
    # Pressed twice: approved and published once.
    botapi.state.user_presses(911, pdf, "ap:2026-2:1")
    botapi.state.user_presses(911, pdf, "ap:2026-2:1")
    await until(lambda: any("allerede godkendt" in t for t in botapi.state.texts_to(911)))
    texts = botapi.state.texts_to(911)
    assert sum("er godkendt og sendes nu ud" in t for t in texts) == 1
    call = await bot_app.store.get_call(group.slug, meeting.id)
    assert call is not None and call.state is CallState.PUBLISHED
    log = [e.action for e in await bot_app.store.audit_log(group.slug, meeting.id)]
    assert log.count("agenda.published") == 1
    # The published agenda reaches both linked chats as a PDF, and every contact by mail.
    await until(
        lambda: any(
            m.get("document", "").startswith("dagsorden") for m in botapi.state.messages_to(910)
        )
    )
    agenda_msg = [m for m in botapi.state.messages_to(910) if m.get("document")][-1]
    assert "er godkendt (version 1)" in agenda_msg["caption"]
    sent = await bot_app.store.outbox(list(OutboxStatus), group=group.slug, limit=10_000)
    mailed = {e.recipient for e in sent if e.purpose == "agenda" and e.channel is Channel.EMAIL}
    assert {MEMBER, CHAIR} <= mailed


async def test_a_stale_approve_button_is_refused(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    from agenda.editing import Edit
    from partnerdesk.usecases.drafting import edit_agenda

    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(bot_app)
    await linked(bot_app, botapi, CHAIR, 920)
    before = len(botapi.state.messages_to(920))
    botapi.state.user_writes(920, None, "/udkast")
    await until(lambda: len(botapi.state.messages_to(920)) >= before + 2)
    pdf = botapi.state.messages_to(920)[before + 1]
    await edit_agenda(bot_app, group, meeting, Edit(action="add", value="Havnens fremtid"))
    botapi.state.user_presses(920, pdf, buttons_of(pdf)["✅ Godkend denne version"])
    texts = await reply_count(botapi, 920, before + 2)
    assert "Knappen gælder version 1, men udkastet er nu version 2" in texts[-1]
    # /godkend approves the version last shown, so it is refused the same way.
    botapi.state.user_writes(920, None, "/godkend")
    texts = await reply_count(botapi, 920, before + 3)
    assert "version 2" in texts[-1]
    call = await bot_app.store.get_call(group.slug, meeting.id)
    assert call is not None and call.state is CallState.DRAFTED
    assert await bot_app.store.approvals(group.slug, meeting.id) == []


async def test_godkend_approves_the_version_last_shown(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await calls.open_call(bot_app, group, meeting)
    clock.now = meeting.call_deadline + timedelta(minutes=1)
    await tick(bot_app)
    await linked(bot_app, botapi, CHAIR, 930)
    botapi.state.user_writes(930, None, "/godkend")
    texts = await reply_count(botapi, 930, 1)
    assert "Skriv /udkast først" in texts[-1]
    botapi.state.user_writes(930, None, "/udkast")
    botapi.state.user_writes(930, None, "/godkend")
    await until(lambda: any("sendes nu ud" in t for t in botapi.state.texts_to(930)))
    approvals = await bot_app.store.approvals(group.slug, meeting.id)
    assert [(a.version, a.approved_by, a.channel) for a in approvals] == [(1, CHAIR, "telegram")]


async def test_a_reminder_reaches_a_linked_partner_who_has_not_answered(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    group = bot_app.group()
    meeting = bot_app.meeting(group, "2026-2")
    await linked(bot_app, botapi, MEMBER, 940)
    await calls.open_call(bot_app, group, meeting)
    clock.now = meeting.call_deadline - timedelta(days=4)
    await tick(bot_app)
    texts = botapi.state.texts_to(940)
    assert texts[-1].startswith("Påmindelse: vi har endnu ikke hørt fra Dansk Industri")


async def test_a_long_flood_wait_puts_the_message_back_until_telegram_allows_it(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    group = bot_app.group()
    await linked(bot_app, botapi, MEMBER, 950)
    botapi.state.floods, botapi.state.flood_seconds = 1, 3600
    await calls.open_call(bot_app, group, bot_app.meeting(group, "2026-2"))
    await deliver_outbox(bot_app)
    waiting = await bot_app.store.outbox([OutboxStatus.PENDING], group=group.slug)
    (chat,) = [e for e in waiting if e.channel is Channel.TELEGRAM]
    assert chat.next_attempt_at is not None
    assert chat.next_attempt_at >= clock.now + timedelta(seconds=3600)
    clock.now += timedelta(hours=1, minutes=1)
    await deliver_outbox(bot_app)
    assert "Indkaldelse af punkter" in botapi.state.texts_to(950)[-1]
