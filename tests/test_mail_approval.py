"""Approval by replying to the draft: only when our gateway vouches for the chair's mail."""

from __future__ import annotations

import mailbox
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from agenda.records import AnswerStatus
from agenda.workflow import CallState
from partnerdesk.app import App, build_app, close_app
from partnerdesk.demo import DemoClock
from partnerdesk.settings import Settings
from partnerdesk.usecases import answers as review
from partnerdesk.usecases import calls
from partnerdesk.usecases.tick import tick
from tests.conftest import CORPUS_GROUP
from tests.sent_mail import plain_text as _text
from tests.sent_mail import sent as _sent

GATEWAY = "mx.kommune.example"
CHAIR = "lene.kjaer@norddjurs.example.org"
VICE = "hm@lo-djursland.example.org"
PASS = f"{GATEWAY}; spf=pass smtp.mailfrom=norddjurs.example.org; dkim=pass header.d=norddjurs.example.org; dmarc=pass header.from=norddjurs.example.org"  # noqa: E501 - one header
FORGED = f"{GATEWAY}; spf=fail smtp.mailfrom=norddjurs.example.org; dkim=none; dmarc=fail header.from=norddjurs.example.org"  # noqa: E501 - one header


async def _app(tmp_path: Path, clock: DemoClock, gateway: str) -> App:
    settings = Settings(
        data_dir=tmp_path / "var", groups=[CORPUS_GROUP], approval_authserv_id=gateway
    )
    return await build_app(settings, clock=clock)


@pytest.fixture
async def gated(tmp_path: Path, clock: DemoClock) -> AsyncIterator[App]:
    """The service with the municipality's gateway named, the draft sent to the chairs."""
    app = await _app(tmp_path, clock, GATEWAY)
    try:
        group = app.group()
        meeting = app.meeting(group, "2026-2")
        await calls.open_call(app, group, meeting)
        clock.now = meeting.call_deadline + timedelta(minutes=1)
        await tick(app)
        yield app
    finally:
        await close_app(app)


def _draft_to(app: App, address: str) -> EmailMessage:
    return next(m for m in _sent(app, "<draft-") if address in str(m["To"]))


def _reply(app: App, draft: EmailMessage, sender: str, text: str, results: str | None) -> None:
    headers = f"Authentication-Results: {results}\r\n" if results else ""
    raw = (
        f"{headers}From: Lene <{sender}>\r\nTo: {draft['Reply-To']}\r\n"
        f"Subject: SV: {draft['Subject']}\r\n"
        f"Message-ID: <r-{abs(hash((sender, text, results)))}@x.org>\r\n"
        f"In-Reply-To: {draft['Message-ID']}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n\r\n> Udkast til dagsorden\r\n"
    ).encode()
    mailbox.Maildir(app.settings.inbox_maildir, create=True).add(raw)


async def _state(app: App) -> CallState:
    call = await app.store.get_call(app.group().slug, "2026-2")
    assert call is not None
    return call.state


async def test_an_authentic_godkendt_approves_publishes_and_is_confirmed(gated: App) -> None:
    _reply(gated, _draft_to(gated, CHAIR), CHAIR, "Godkendt, tak", PASS)
    await tick(gated)
    assert await _state(gated) is CallState.PUBLISHED
    (confirmation,) = _sent(gated, "<approval-")
    assert "godkendt og udsendt" in str(confirmation["Subject"])
    group = gated.group()
    # An approval needs nobody's attention afterwards.
    assert await review.review_list(gated, group, gated.meeting(group, "2026-2")) == []
    assert len(_sent(gated, "<agenda-")) == sum(len(p.contacts) for p in gated.group().partners)


async def test_the_chairs_comments_on_the_draft_reach_the_review_not_the_agenda(
    gated: App,
) -> None:
    _reply(gated, _draft_to(gated, CHAIR), CHAIR, "Vi foreslår et punkt om trafik. Mvh Lene", PASS)
    await tick(gated)
    group = gated.group()
    meeting = gated.meeting(group, "2026-2")
    (comment,) = await review.review_list(gated, group, meeting)
    assert comment.answer.status is AnswerStatus.COMMENT and comment.answer.sender == CHAIR
    agenda = await gated.store.agenda(group.slug, meeting.id)
    assert agenda is not None and agenda.version == 1
    assert not any("trafik" in i.title.lower() for i in agenda.items)


async def test_a_forged_from_does_not_approve_and_the_chair_is_told(gated: App) -> None:
    _reply(gated, _draft_to(gated, CHAIR), CHAIR, "Godkendt", FORGED)
    await tick(gated)
    assert await _state(gated) is CallState.DRAFTED
    (told,) = _sent(gated, "<approval-")
    assert str(told["To"]) == CHAIR and "ikke registreret" in str(told["Subject"])
    assert "kunne ikke bekræfte" in _text(told) and "partnerdesk agenda approve" in _text(told)


async def test_a_pass_claimed_by_another_server_or_the_sender_counts_for_nothing(
    gated: App,
) -> None:
    claimed = PASS.replace(GATEWAY, "mx.angriber.example")
    _reply(gated, _draft_to(gated, CHAIR), CHAIR, "Godkendt", claimed)
    _reply(gated, _draft_to(gated, CHAIR), CHAIR, "Godkendt igen", None)
    await tick(gated)
    assert await _state(gated) is CallState.DRAFTED
    assert await gated.store.approvals(gated.group().slug, "2026-2") == []


async def test_another_chairs_draft_does_not_approve_for_this_chair(gated: App) -> None:
    # The vice chair's draft (token and Message-ID) with the chair's authentic From.
    _reply(gated, _draft_to(gated, VICE), CHAIR, "Godkendt", PASS)
    await tick(gated)
    assert await _state(gated) is CallState.DRAFTED
    (told,) = _sent(gated, "<approval-")
    assert "hørte ikke til det udkast" in _text(told)


async def test_a_reply_to_an_older_version_does_not_approve_the_newer(gated: App) -> None:
    from agenda.editing import Edit
    from partnerdesk.usecases import drafting

    first = _draft_to(gated, CHAIR)
    group = gated.group()
    meeting = gated.meeting(group, "2026-2")
    await drafting.edit_agenda(gated, group, meeting, Edit("add", value="Nyt punkt"))
    _reply(gated, first, CHAIR, "Godkendt", PASS)
    await tick(gated)
    assert await _state(gated) is CallState.DRAFTED
    (told,) = _sent(gated, "<approval-")
    assert "version 1" in _text(told) and "version 2" in _text(told)


async def test_without_a_gateway_approval_by_mail_is_off_and_the_draft_says_so(
    tmp_path: Path, clock: DemoClock
) -> None:
    app = await _app(tmp_path, clock, "")
    try:
        group = app.group()
        meeting = app.meeting(group, "2026-2")
        await calls.open_call(app, group, meeting)
        clock.now = meeting.call_deadline + timedelta(minutes=1)
        await tick(app)
        draft = _draft_to(app, CHAIR)
        assert "ikke slået til" in _text(draft)
        _reply(app, draft, CHAIR, "Godkendt", PASS)
        await tick(app)
        assert await _state(app) is CallState.DRAFTED
        (told,) = _sent(app, "<approval-")
        assert "ikke slået til" in _text(told)
    finally:
        await close_app(app)
