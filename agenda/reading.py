"""What was read out of one partner message: proposals, updates, or nothing to add."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MessageKind(StrEnum):
    """A reply written by a person, an automatic reply, or a delivery failure."""

    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


class Channel(StrEnum):
    """How a message reached us."""

    EMAIL = "email"
    TELEGRAM = "telegram"


@dataclass(frozen=True)
class Proposal:
    """A proposed agenda item (forslag til punkt)."""

    title: str
    background: str | None = None
    recommendation: str | None = None
    description: str | None = None
    sdgs: tuple[int, ...] = ()
    attachments: tuple[str, ...] = ()
    # Read from an attached document the sender pointed to, not from the mail's text.
    from_document: bool = False


@dataclass(frozen=True)
class InitiativeUpdate:
    """A partner's news on an initiative; owner is set when the ball moves."""

    initiative: str
    status: str
    owner: str | None = None
    next_steps: str | None = None


@dataclass(frozen=True)
class Reading:
    """Everything understood from one message."""

    kind: MessageKind
    partner: str | None
    nothing_to_add: bool = False
    proposals: tuple[Proposal, ...] = ()
    updates: tuple[InitiativeUpdate, ...] = ()
    new_text: str = ""
    confidence: float = 1.0
    notes: tuple[str, ...] = field(default=())
    # Why the confidence is what it is: one short line per rule that decided the reading.
    reasons: tuple[str, ...] = field(default=())

    @property
    def is_answer(self) -> bool:
        """Whether this counts as the partner's answer to the call."""
        return self.kind is MessageKind.REPLY and (
            self.nothing_to_add or bool(self.proposals) or bool(self.updates)
        )

    def to_json(self) -> dict[str, object]:
        """The parse contract's JSON object."""
        return {
            "kind": self.kind.value,
            "partner": self.partner,
            "nothing_to_add": self.nothing_to_add,
            "proposals": [
                {
                    "title": p.title,
                    "background": p.background,
                    "recommendation": p.recommendation,
                    "description": p.description,
                    "sdgs": list(p.sdgs),
                    "attachments": list(p.attachments),
                    "from_document": p.from_document,
                }
                for p in self.proposals
            ],
            "updates": [
                {
                    "initiative": u.initiative,
                    "status": u.status,
                    "owner": u.owner,
                    "next_steps": u.next_steps,
                }
                for u in self.updates
            ],
            "new_text": self.new_text,
            "confidence": round(self.confidence, 2),
            "reasons": list(self.reasons),
        }
