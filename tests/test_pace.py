"""Telegram's limits, kept from when messages are answered: 30 a second, one a second a chat."""

from __future__ import annotations

import asyncio

import pytest

from bot.pace import Pace


def _sent(pace: Pace, chat: int, at: float) -> None:
    """One message to chat, answered at the moment at."""
    assert pace.delay(chat, at) == 0
    pace.sending(chat)
    pace.answered(chat, at)


def test_the_thirty_first_message_waits_for_the_first_answer_to_be_a_second_old() -> None:
    pace = Pace(per_second=30, per_chat_seconds=1.0)
    for chat in range(30):
        _sent(pace, chat, at=0.01 * chat)
    assert pace.delay(30, now=0.3) == pytest.approx(0.7)
    # Once the first answer is a second old, one more may go, and only one.
    _sent(pace, 30, at=1.0)
    assert pace.delay(31, now=1.0) == pytest.approx(0.01)


def test_messages_still_on_their_way_count_until_they_are_answered() -> None:
    pace = Pace(per_second=2, per_chat_seconds=0.0)
    pace.sending(1)
    pace.sending(2)
    # Nobody knows yet when Telegram saw them: wait for the answers.
    assert pace.delay(3, now=0.0) is None
    pace.answered(1, 0.2)
    assert pace.delay(3, now=0.2) == pytest.approx(1.0)


def test_one_chat_gets_its_next_message_a_second_after_the_last_was_answered() -> None:
    pace = Pace(per_second=30, per_chat_seconds=1.0)
    pace.sending(7)
    assert pace.delay(7, now=0.1) is None
    # Another chat need not wait for that one.
    assert pace.delay(8, now=0.1) == 0
    pace.answered(7, 0.25)
    assert pace.delay(7, now=0.25) == pytest.approx(1.0)
    assert pace.delay(7, now=5.0) == 0


def test_a_wait_telegram_asks_for_holds_that_chat_only() -> None:
    pace = Pace(per_second=30, per_chat_seconds=1.0)
    _sent(pace, 7, at=0.0)
    pace.hold(7, until=3.0)
    assert pace.delay(7, now=1.5) == pytest.approx(1.5)
    assert pace.delay(8, now=1.5) == 0


async def test_turns_let_no_more_than_the_limit_on_their_way_at_once() -> None:
    pace = Pace(per_second=3, per_chat_seconds=0.0)
    inside = most = 0

    async def one(chat: int) -> None:
        nonlocal inside, most
        async with pace.turn(chat):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(one(chat) for chat in range(5)))
    assert most == 3
