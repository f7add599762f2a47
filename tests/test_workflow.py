"""The call's state machine: every pair of state and event is either in the table or refused."""

from __future__ import annotations

import itertools

import pytest

from agenda.errors import WorkflowError
from agenda.workflow import TRANSITIONS, CallEvent, CallState, advance, can


def test_the_happy_path_goes_from_draft_to_published() -> None:
    state = CallState.DRAFT
    for event in (
        CallEvent.OPEN,
        CallEvent.CLOSE,
        CallEvent.COMPILE,
        CallEvent.APPROVE,
        CallEvent.PUBLISH,
    ):
        state = advance(state, event)
    assert state is CallState.PUBLISHED


@pytest.mark.parametrize(("state", "event"), list(itertools.product(CallState, CallEvent)))
def test_every_move_outside_the_table_raises(state: CallState, event: CallEvent) -> None:
    if (state, event) in TRANSITIONS:
        assert advance(state, event) is TRANSITIONS[(state, event)]
        assert can(state, event)
    else:
        assert not can(state, event)
        with pytest.raises(WorkflowError, match=f"cannot {event.value}"):
            advance(state, event)


def test_a_change_after_approval_needs_a_new_approval() -> None:
    assert advance(CallState.APPROVED, CallEvent.EDIT) is CallState.DRAFTED
    with pytest.raises(WorkflowError):
        advance(CallState.DRAFTED, CallEvent.PUBLISH)
