"""Telegram's limits: about 30 messages a second overall, one a second in one chat."""

from __future__ import annotations

import pytest

from bot.pace import Pace


def test_a_call_to_many_chats_goes_out_at_thirty_a_second() -> None:
    pace = Pace(per_second=30, per_chat_seconds=1.0)
    starts = [pace.reserve(chat, now=0.0) for chat in range(61)]
    assert starts == sorted(starts)
    assert starts[30] == pytest.approx(1.0) and starts[60] == pytest.approx(2.0)


def test_messages_to_one_chat_are_a_second_apart() -> None:
    pace = Pace(per_second=30, per_chat_seconds=1.0)
    assert [pace.reserve(7, now=0.0) for _ in range(3)] == pytest.approx([0.0, 1.0, 2.0])
    # Another chat need not wait for that one.
    assert pace.reserve(8, now=0.0) < 1.0


def test_a_chat_that_was_quiet_goes_at_once() -> None:
    pace = Pace(per_second=30, per_chat_seconds=1.0)
    pace.reserve(7, now=0.0)
    assert pace.reserve(7, now=5.0) == 5.0
