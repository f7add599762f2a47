"""The intake rule: one decision for every channel, by when the answer reached us."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agenda.intake import MAX_PROPOSALS, REVIEW_THRESHOLD, Decision, IntakeFacts, Reason, decide
from agenda.reading import MessageKind
from agenda.records import AnswerStatus
from agenda.workflow import CallState

DEADLINE = datetime.fromisoformat("2026-11-27T12:00:00+01:00")
BEFORE = DEADLINE - timedelta(hours=1)
AFTER = DEADLINE + timedelta(minutes=5)

A = AnswerStatus
R = Reason


def facts(
    *,
    kind: MessageKind = MessageKind.REPLY,
    partner: str | None = "horesta",
    confidence: float = 0.9,
    is_answer: bool = True,
    at: datetime = BEFORE,
    state: CallState | None = CallState.OPEN,
    mismatch: bool = False,
    to_draft: bool = False,
    proposals: int = 1,
    vouched: bool = False,
    takes_back: bool = False,
) -> IntakeFacts:
    return IntakeFacts(
        kind=kind,
        partner=partner,
        confidence=confidence,
        is_answer=is_answer,
        received_at=at,
        call_state=state,
        deadline=DEADLINE,
        token_mismatch=mismatch,
        to_draft=to_draft,
        proposals=proposals,
        vouched=vouched,
        takes_back=takes_back,
    )


# Channel does not appear: the rule has no way to treat e-mail and chat differently.
CASES = [
    # sender
    ("a registered partner before the deadline", facts(), A.ACCEPTED, R.ACCEPTED),
    ("an unknown sender", facts(partner=None), A.HELD, R.UNKNOWN_SENDER),
    ("another partner's token", facts(mismatch=True), A.HELD, R.TOKEN_MISMATCH),
    (
        "an unknown sender after the deadline",
        facts(partner=None, at=AFTER),
        A.HELD,
        R.UNKNOWN_SENDER,
    ),
    # time
    ("five minutes after the deadline, call still open", facts(at=AFTER), A.LATE, R.AFTER_DEADLINE),
    ("exactly at the deadline", facts(at=DEADLINE), A.LATE, R.AFTER_DEADLINE),
    # call state
    ("closed by hand before the deadline", facts(state=CallState.CLOSED), A.LATE, R.CALL_CLOSED),
    ("draft compiled", facts(state=CallState.DRAFTED), A.LATE, R.CALL_CLOSED),
    ("agenda published", facts(state=CallState.PUBLISHED), A.LATE, R.CALL_CLOSED),
    ("no call for the meeting", facts(state=None), A.REVIEW, R.NO_CALL),
    ("call not opened yet", facts(state=CallState.DRAFT), A.REVIEW, R.NO_CALL),
    # a reply to the draft sent to the chair is never an item, whenever it comes
    (
        "the chair's reply to the draft",
        facts(to_draft=True, state=CallState.DRAFTED),
        A.COMMENT,
        R.DRAFT_REPLY,
    ),
    # reading
    ("a dozen proposals is a long answer", facts(proposals=MAX_PROPOSALS), A.ACCEPTED, R.ACCEPTED),
    ("more waits for a person", facts(proposals=MAX_PROPOSALS + 1), A.HELD, R.TOO_MANY),
    (
        "unless the secretariat gave it to the partner",
        facts(proposals=99, vouched=True),
        A.ACCEPTED,
        R.ACCEPTED,
    ),
    ("an uncertain reading", facts(confidence=REVIEW_THRESHOLD - 0.01), A.REVIEW, R.UNCERTAIN),
    ("confidence at the threshold", facts(confidence=REVIEW_THRESHOLD), A.ACCEPTED, R.ACCEPTED),
    ("a question, nothing proposed", facts(is_answer=False), A.REVIEW, R.NOTHING_READ),
    (
        "a withdrawal proposes nothing and is clear",
        facts(is_answer=False, confidence=0.3, takes_back=True),
        A.ACCEPTED,
        R.ACCEPTED,
    ),
    ("an out-of-office", facts(kind=MessageKind.AUTO_REPLY), A.ACCEPTED, R.NOT_A_REPLY),
    (
        "a bounce after the deadline",
        facts(kind=MessageKind.BOUNCE, partner=None, at=AFTER),
        A.ACCEPTED,
        R.NOT_A_REPLY,
    ),
    (
        "a late, uncertain reading is late",
        facts(at=AFTER, confidence=0.1),
        A.LATE,
        R.AFTER_DEADLINE,
    ),
]


@pytest.mark.parametrize(("case", "given", "status", "reason"), CASES, ids=[c[0] for c in CASES])
def test_intake_decides(
    case: str, given: IntakeFacts, status: AnswerStatus, reason: Reason
) -> None:
    assert decide(given) == Decision(status, reason)
