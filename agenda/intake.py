"""The one rule that decides what becomes of an answer, whatever channel brought it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agenda.reading import MessageKind
from agenda.records import AnswerStatus
from agenda.workflow import CallState

# Below this confidence a reading goes to the secretariat before it reaches the agenda.
REVIEW_THRESHOLD = 0.6

# No partner proposes more items than this in one answer; more is a misreading (a pasted
# document, a hostile message) for a person to look at, and the echo stays small.
MAX_PROPOSALS = 12


class Reason(StrEnum):
    """Why an answer was given its status; shown to the secretariat in the review."""

    NOT_A_REPLY = "not_a_reply"
    UNKNOWN_SENDER = "unknown_sender"
    TOKEN_MISMATCH = "token_mismatch"  # noqa: S105 - a reason, not a password
    NO_CALL = "no_call"
    AFTER_DEADLINE = "after_deadline"
    CALL_CLOSED = "call_closed"
    UNCERTAIN = "uncertain"
    NOTHING_READ = "nothing_read"
    TOO_MANY = "too_many"
    DRAFT_REPLY = "draft_reply"
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class IntakeFacts:
    """What is known of an answer when it is decided; the same for every channel."""

    kind: MessageKind
    partner: str | None
    confidence: float
    is_answer: bool
    received_at: datetime
    call_state: CallState | None = None
    deadline: datetime | None = None
    token_mismatch: bool = False
    # A reply to the draft sent to the chair, not an answer to the call.
    to_draft: bool = False
    proposals: int = 0
    # The secretariat gave the answer to its partner after reading it.
    vouched: bool = False
    # It takes earlier items back ("vi trækker punktet"): clear, whatever else it says.
    takes_back: bool = False


@dataclass(frozen=True)
class Decision:
    """The answer's status and why."""

    status: AnswerStatus
    reason: Reason


def decide(facts: IntakeFacts) -> Decision:
    """Accepted, late, held or for review: the rules, in the order they apply.

    Lateness is judged by when the answer reached us, not when it is read, so an e-mail and
    a chat message sent in the same minute are treated alike however the passes fall.
    """
    if facts.kind is not MessageKind.REPLY:
        # Automatic replies and bounces are recorded, never counted as answers.
        return Decision(AnswerStatus.ACCEPTED, Reason.NOT_A_REPLY)
    if facts.to_draft:
        # The chair's comments go to the secretariat; they never become items by themselves.
        return Decision(AnswerStatus.COMMENT, Reason.DRAFT_REPLY)
    if facts.token_mismatch:
        return Decision(AnswerStatus.HELD, Reason.TOKEN_MISMATCH)
    if facts.partner is None:
        return Decision(AnswerStatus.HELD, Reason.UNKNOWN_SENDER)
    if facts.call_state is None or facts.call_state is CallState.DRAFT:
        return Decision(AnswerStatus.REVIEW, Reason.NO_CALL)
    if facts.deadline is not None and facts.received_at >= facts.deadline:
        return Decision(AnswerStatus.LATE, Reason.AFTER_DEADLINE)
    if facts.call_state is not CallState.OPEN:
        return Decision(AnswerStatus.LATE, Reason.CALL_CLOSED)
    if facts.proposals > MAX_PROPOSALS and not facts.vouched:
        # Held, not merely for review: nothing of it reaches the draft before a person looks.
        return Decision(AnswerStatus.HELD, Reason.TOO_MANY)
    if facts.confidence < REVIEW_THRESHOLD and not facts.takes_back:
        return Decision(AnswerStatus.REVIEW, Reason.UNCERTAIN)
    if not (facts.is_answer or facts.takes_back):
        # Neither a proposal, an update nor "nothing to add": a person should look at it.
        return Decision(AnswerStatus.REVIEW, Reason.NOTHING_READ)
    return Decision(AnswerStatus.ACCEPTED, Reason.ACCEPTED)
