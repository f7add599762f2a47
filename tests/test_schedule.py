"""Who is reminded, and when."""

from __future__ import annotations

from datetime import timedelta

from agenda.addresses import message_id, plus_address, token_from_address, tokens_in_message_ids
from agenda.reading import Channel, InitiativeUpdate, MessageKind, Proposal
from agenda.records import AnswerStatus
from agenda.schedule import answered_partners, due_reminders, partners_to_remind
from tests.domain_fixtures import DEADLINE, MEETING, answer, small_group


def test_any_answer_by_any_contact_or_channel_counts_nothing_to_add_too() -> None:
    answers = [
        answer("horesta", nothing=True),
        answer("lo", updates=(InitiativeUpdate("I-2", "ok"),), channel=Channel.TELEGRAM),
        answer("tradium", kind=MessageKind.AUTO_REPLY),
        answer(None, proposals=(Proposal("x"),), status=AnswerStatus.HELD),
    ]
    assert answered_partners(answers) == {"horesta", "lo"}
    assert partners_to_remind(small_group(), answers) == ["eau", "tradium"]


def test_reminders_fall_due_at_their_offsets_and_stop_at_the_deadline() -> None:
    days = [5, 1]
    assert due_reminders(MEETING, days, DEADLINE - timedelta(days=6)) == []
    assert due_reminders(MEETING, days, DEADLINE - timedelta(days=4)) == [5]
    assert due_reminders(MEETING, days, DEADLINE - timedelta(hours=2)) == [5, 1]
    assert due_reminders(MEETING, days, DEADLINE) == []


def test_reply_tokens_travel_in_plus_addresses_and_message_ids() -> None:
    address = plus_address("partnerskab@k.example.org", "0123456789ab")
    assert address == "partnerskab+0123456789ab@k.example.org"
    assert token_from_address(address.upper(), "partnerskab@k.example.org") == "0123456789ab"
    other = "other+0123456789ab@k.example.org"
    assert token_from_address(other, "partnerskab@k.example.org") is None
    mid = message_id("call", "2026-2", "0123456789ab", "a@b.example.org", "k.example.org")
    assert tokens_in_message_ids([mid]) == ["0123456789ab"]
    assert message_id("call", "2026-2", "0123456789ab", "A@b.example.org", "k.example.org") == mid
