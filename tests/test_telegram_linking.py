"""Linking a Telegram account by a one-time code, and every way it is refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from agenda.chatlinks import CodeUse
from partnerdesk.app import App
from partnerdesk.demo import DemoClock
from partnerdesk.usecases.linking import code_hash, find_contact, link_account, person_of
from tests.fakes.botapi import FakeBotApi
from tests.telegram_helpers import CHAIR, MEMBER, code_for, linked, reply_count

pytest_plugins = ["tests.telegram_fixtures"]


async def test_a_code_links_the_account_that_uses_it(bot_app: App, botapi: FakeBotApi) -> None:
    code = await code_for(bot_app, MEMBER)
    assert len(code) >= 22  # at least 128 bits in URL-safe base64
    botapi.state.user_writes(7001, "camilla", f"/start {code}")
    texts = await reply_count(botapi, 7001, 0)
    assert "Camilla Bro" in texts[0] and "Dansk Industri" in texts[0]
    person = await person_of(bot_app, 7001)
    assert person is not None and person.contact.email == MEMBER


async def test_only_the_hash_of_a_code_is_kept(bot_app: App) -> None:
    code = await code_for(bot_app, MEMBER)
    assert code_hash(code) != code
    use, _ = await link_account(bot_app, code_hash(code), user_id=1, chat_id=1)
    assert use is CodeUse.UNKNOWN


async def test_a_used_code_is_refused_in_one_sentence(bot_app: App, botapi: FakeBotApi) -> None:
    code = await code_for(bot_app, MEMBER)
    botapi.state.user_writes(7002, None, f"/start {code}")
    await reply_count(botapi, 7002, 0)
    botapi.state.user_writes(7003, None, f"/start {code}")
    texts = await reply_count(botapi, 7003, 0)
    assert texts == [
        "Koden er allerede brugt. Bed sekretariatet om et nyt link, hvis det ikke var dig."
    ]
    assert await person_of(bot_app, 7003) is None


async def test_an_expired_or_wrong_code_is_refused(
    bot_app: App, botapi: FakeBotApi, clock: DemoClock
) -> None:
    code = await code_for(bot_app, MEMBER)
    clock.now += timedelta(days=bot_app.settings.telegram_code_days, minutes=1)
    botapi.state.user_writes(7004, None, f"/start {code}")
    botapi.state.user_writes(7005, None, "/start not-a-code-at-all-but-long")
    botapi.state.user_writes(7006, None, "/start <script>")
    assert (await reply_count(botapi, 7004, 0)) == [
        "Koden er udløbet. Bed sekretariatet om et nyt link."
    ]
    for user in (7005, 7006):
        assert "Koden kendes ikke" in (await reply_count(botapi, user, 0))[0]


async def test_one_code_raced_from_two_chats_links_one(bot_app: App) -> None:
    code = await code_for(bot_app, MEMBER)
    results = await asyncio.gather(
        *(link_account(bot_app, code, user_id=8000 + n, chat_id=8000 + n) for n in range(6))
    )
    assert sorted(use for use, _ in results).count(CodeUse.LINKED) == 1


async def test_an_unlinked_account_is_told_how_to_link_and_nothing_else(
    bot_app: App, botapi: FakeBotApi
) -> None:
    # The group file names @lenekjaer, but a username is no proof: anyone can take it.
    botapi.state.user_writes(7010, "lenekjaer", "Et punkt om sommerferiejob. Baggrund: unge.")
    botapi.state.user_writes(7010, "lenekjaer", "/udkast")
    texts = await reply_count(botapi, 7010, 1)
    assert len(set(texts)) == 1 and "linket i indkaldelsesmailen" in texts[0]
    group = bot_app.group()
    assert await bot_app.store.answers(group.slug) == []


async def test_group_chats_are_refused(bot_app: App, botapi: FakeBotApi) -> None:
    code = await code_for(bot_app, MEMBER)
    botapi.state.user_writes(7020, None, f"/start {code}", chat_type="group")
    texts = await reply_count(botapi, -1000 - 7020, 0)
    assert "privat chat" in texts[0]
    assert await person_of(bot_app, 7020) is None


async def test_linking_again_moves_the_contact_to_the_new_account(
    bot_app: App, botapi: FakeBotApi
) -> None:
    await linked(bot_app, botapi, CHAIR, 7030)
    await linked(bot_app, botapi, CHAIR, 7031)
    assert await person_of(bot_app, 7030) is None
    person = await person_of(bot_app, 7031)
    assert person is not None and person.contact.email == CHAIR
    group, _, _ = find_contact(bot_app, CHAIR)
    log = [e.action for e in await bot_app.store.audit_log(group.slug)]
    assert log.count("telegram.linked") == 2
