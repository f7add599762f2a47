"""The one intake, end to end on the service: mail and chat alike, the newest answer counts."""

from __future__ import annotations

import json
import mailbox
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from agenda.agenda import ItemKind
from agenda.chatlinks import ChatLink
from agenda.reading import Channel
from agenda.records import AnswerStatus, InboundMessage
from partnerdesk.app import App
from partnerdesk.demo import DemoClock
from partnerdesk.usecases import answers as review
from partnerdesk.usecases import calls, drafting
from partnerdesk.usecases.tick import tick
from tests.sent_mail import plain_text as _text
from tests.sent_mail import sent as _sent

MEETING = "2026-2"


def _mail(
    app: App, sender: str, text: str, *, to: str = "partnerskab@norddjurs.example.org"
) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Svar på indkaldelsen"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(text)
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(message.as_bytes())


async def _chat(app: App, update_id: int, username: str, text: str) -> None:
    raw = json.dumps(
        {
            "update_id": update_id,
            "user_id": 7000 + update_id,
            "chat_id": 7000 + update_id,
            "username": username,
            "text": text,
        }
    ).encode()
    await app.store.store_inbound(
        InboundMessage(
            channel=Channel.TELEGRAM,
            source_key=f"telegram:{update_id}",
            raw=raw,
            received_at=app.clock(),
            sender=f"@{username}",
        )
    )


async def _titles(app: App) -> list[str]:
    group = app.group()
    agenda, _ = await drafting.draft_agenda(app, group, app.meeting(group, MEETING))
    return [i.title for i in agenda.items if i.kind is ItemKind.PROPOSAL]


async def _open(app: App) -> None:
    group = app.group()
    await calls.open_call(app, group, app.meeting(group, MEETING))
    await tick(app)


PROPOSAL = (
    "Hej\n\nVi foreslår et punkt om lærlingekampagnen i byggeriet.\n"
    "Baggrund: Der mangler 40 lærepladser.\n"
    "Indstilling: At gruppen drøfter en kampagne.\n\nMvh Jens"
)
JENS = "Jens Østergaard <jo@danskbyggeri-djurs.example.com>"


async def test_mail_and_chat_after_the_deadline_are_both_late_before_any_pass_closes(
    app: App, clock: DemoClock
) -> None:
    await _open(app)
    group = app.group()
    meeting = app.meeting(group, MEETING)
    clock.now = meeting.call_deadline + timedelta(minutes=5)
    # Both arrive before the pass that closes the call: they are judged by when they came.
    _mail(app, JENS, PROPOSAL)
    # The account is linked to Lene by a code; her username alone would prove nothing.
    await app.store.save_link(
        ChatLink(group.slug, "lene.kjaer@norddjurs.example.org", 7001, 7001, clock.now)
    )
    await _chat(app, 1, "lenekjaer", "Vi foreslår et punkt om trivsel på erhvervsskolerne.")
    await tick(app)
    answers = await app.store.answers(group.slug, MEETING)
    assert {(a.channel, a.status) for a in answers} == {
        (Channel.EMAIL, AnswerStatus.LATE),
        (Channel.TELEGRAM, AnswerStatus.LATE),
    }
    echo = next(m for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-"))
    assert "efter fristen" in _text(echo) and "formanden beslutter" in _text(echo)


async def test_a_correction_by_mail_replaces_the_proposal_and_the_echo_says_so(app: App) -> None:
    await _open(app)
    _mail(app, JENS, PROPOSAL)
    await tick(app)
    assert await _titles(app) == ["Lærlingekampagnen i byggeriet"]
    _mail(app, JENS, "Rettelse: vi har ingen punkter alligevel.\n\nMvh Jens")
    await tick(app)
    assert await _titles(app) == []
    echoes = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-")]
    assert len(echoes) == 2
    last = max(echoes, key=lambda m: "Rettelse" in _text(m) or "taget af" in _text(m))
    assert "Dette er taget af: Lærlingekampagnen i byggeriet" in _text(last)
    history = await app.store.answers(app.group().slug, MEETING)
    assert [a.status for a in history] == [AnswerStatus.SUPERSEDED, AnswerStatus.ACCEPTED]


async def test_one_more_item_from_a_colleague_keeps_the_partners_first(app: App) -> None:
    await _open(app)
    _mail(app, "Camilla Bro <cab@di-djursland.example.com>", "Vi foreslår et punkt om eksport.")
    await tick(app)
    _mail(
        app,
        "Peter Lund <pl@di-djursland.example.com>",
        "Hej, og så et punkt mere fra DI: vi foreslår et punkt om energipriser.",
    )
    await tick(app)
    titles = await _titles(app)
    assert len(titles) == 2 and any("ksport" in t for t in titles)
    assert any("nergipriser" in t for t in titles)


async def test_a_token_of_another_partner_is_held_naming_both(app: App) -> None:
    await _open(app)
    call_to_di = next(
        m
        for m in _sent(app)
        if "cab@di-djursland" in str(m["To"]) and "<call-" in str(m["Message-ID"])
    )
    _mail(
        app, "Henrik Munk <hm@lo-djursland.example.org>", PROPOSAL, to=str(call_to_di["Reply-To"])
    )
    await tick(app)
    group = app.group()
    (answer,) = await app.store.answers(group.slug, MEETING)
    assert answer.status is AnswerStatus.HELD and answer.reason == "token_mismatch"
    assert await _titles(app) == []
    # The secretariat sees both: who wrote, and whose reply link was used.
    (view,) = await review.review_list(app, group, app.meeting(group, MEETING))
    assert view.answer.sender == "hm@lo-djursland.example.org"
    assert view.token_owner == "Dansk Industri (lokalforening)"
    notice = next(m for m in _sent(app) if str(m["Message-ID"]).startswith("<held-"))
    assert "svar på en mail til Dansk Industri (lokalforening)" in _text(notice)


async def test_a_held_answer_given_to_a_partner_reaches_the_draft(app: App) -> None:
    await _open(app)
    _mail(
        app,
        "Lone Winther <lw@dania.example.org>",
        "Vi foreslår et punkt om praktikpladser til elever.",
    )
    await tick(app)
    group = app.group()
    meeting = app.meeting(group, MEETING)
    (held,) = await review.review_list(app, group, meeting)
    assert held.answer.status is AnswerStatus.HELD and held.subject == "Svar på indkaldelsen"
    assert held.answer.id is not None
    done = await review.assign_answer(app, group, held.answer.id, "dania", actor="secretariat")
    assert done.unregistered
    assert await _titles(app) == ["Praktikpladser til elever"]
    assert await review.review_list(app, group, meeting) == []
    answer = await app.store.answer(held.answer.id)
    assert answer is not None and answer.partner == "dania"


async def test_a_dismissed_answer_leaves_the_review_and_is_kept(app: App) -> None:
    await _open(app)
    _mail(app, "Spam <offer@example.net>", "Køb vores kaffemaskiner!")
    await tick(app)
    group = app.group()
    meeting = app.meeting(group, MEETING)
    (held,) = await review.review_list(app, group, meeting)
    assert held.answer.id is not None
    await review.dismiss_answer(app, group, held.answer.id, actor="secretariat")
    assert await review.review_list(app, group, meeting) == []
    kept = await app.store.answer(held.answer.id)
    assert kept is not None and kept.status is AnswerStatus.DISMISSED


async def test_our_own_mail_looping_back_is_never_an_answer(app: App) -> None:
    await _open(app)
    # A forwarding rule sends one of our calls back into the mailbox, display name and all.
    call = next(m for m in _sent(app) if str(m["Message-ID"]).startswith("<call-"))
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(call.as_bytes())
    # A copy whose From was rewritten by a list server is still ours by its Message-ID.
    copy = next(m for m in _sent(app) if str(m["Message-ID"]).startswith("<call-"))
    del copy["From"]
    copy["From"] = "Liste <liste@lists.example.net>"
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(copy.as_bytes())
    await tick(app)
    assert await app.store.answers(app.group().slug, MEETING) == []


async def test_an_unmarked_autoresponder_gets_one_echo_not_a_storm(app: App) -> None:
    await _open(app)
    for _ in range(20):
        # No Auto-Submitted header, no "out of office" words: only its repetition gives it away.
        _mail(app, JENS, "Din besked er videresendt til Jens.")
    await tick(app)
    echoes = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-")]
    assert len(echoes) == 1
    assert len(await app.store.answers(app.group().slug, MEETING)) == 20  # every message kept


async def test_a_partner_writing_often_is_echoed_up_to_the_limit(app: App) -> None:
    await _open(app)
    for n in range(8):
        _mail(app, JENS, f"Vi foreslår et punkt om emne nummer {n}.")
    await tick(app)
    echoes = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-")]
    assert len(echoes) == app.settings.echo_limit


async def test_an_answer_with_dozens_of_items_waits_for_a_person_and_the_echo_stays_small(
    app: App,
) -> None:
    await _open(app)
    items = (f"{n}. Vi foreslår et punkt om uddannelse i område {n}." for n in range(1, 41))
    body = "Hej\n\nVores forslag:\n\n" + "\n\n".join(items) + "\n\nMvh Jens"
    _mail(app, JENS, body)
    await tick(app)
    (answer,) = await app.store.answers(app.group().slug, MEETING)
    assert answer.status is AnswerStatus.HELD and answer.reason == "too_many"
    assert await _titles(app) == []  # nothing reaches the agenda before a person looks
    (echo,) = [m for m in _sent(app) if str(m["Message-ID"]).startswith("<echo-")]
    assert "Forslag 12:" in _text(echo) and "Forslag 13:" not in _text(echo)


async def test_a_withdrawal_takes_the_item_off_without_asking_the_secretariat(app: App) -> None:
    await _open(app)
    _mail(app, JENS, PROPOSAL)
    await tick(app)
    _mail(app, JENS, "Hej igen\n\nVi trækker punktet om lærlingekampagnen.\n\nMvh Jens")
    await tick(app)
    assert await _titles(app) == []
    group = app.group()
    assert await review.review_list(app, group, app.meeting(group, MEETING)) == []
