"""The call for agenda items as a state machine: one table says which moves are legal."""

from __future__ import annotations

from enum import StrEnum

from agenda.errors import WorkflowError


class CallState(StrEnum):
    """Where a meeting's call stands."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DRAFTED = "drafted"
    APPROVED = "approved"
    PUBLISHED = "published"


class CallEvent(StrEnum):
    """What can happen to a call."""

    OPEN = "open"
    CLOSE = "close"
    COMPILE = "compile"
    APPROVE = "approve"
    EDIT = "edit"
    PUBLISH = "publish"


TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (CallState.DRAFT, CallEvent.OPEN): CallState.OPEN,
    (CallState.OPEN, CallEvent.CLOSE): CallState.CLOSED,
    # The secretariat may compile a draft before the deadline to see where things stand.
    (CallState.OPEN, CallEvent.COMPILE): CallState.OPEN,
    (CallState.CLOSED, CallEvent.COMPILE): CallState.DRAFTED,
    (CallState.DRAFTED, CallEvent.COMPILE): CallState.DRAFTED,
    (CallState.DRAFTED, CallEvent.EDIT): CallState.DRAFTED,
    (CallState.DRAFTED, CallEvent.APPROVE): CallState.APPROVED,
    # A change after approval needs a new approval.
    (CallState.APPROVED, CallEvent.EDIT): CallState.DRAFTED,
    (CallState.APPROVED, CallEvent.COMPILE): CallState.DRAFTED,
    (CallState.APPROVED, CallEvent.PUBLISH): CallState.PUBLISHED,
    # A published agenda may still be corrected; it then goes out again as an update.
    (CallState.PUBLISHED, CallEvent.EDIT): CallState.DRAFTED,
}


def advance(state: CallState, event: CallEvent) -> CallState:
    """The state after the event, or WorkflowError when the move is not allowed."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise WorkflowError("call_move_not_allowed", event=event.value, state=state.value) from None


def can(state: CallState, event: CallEvent) -> bool:
    """Whether the event is allowed in this state."""
    return (state, event) in TRANSITIONS
