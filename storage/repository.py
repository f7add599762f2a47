"""SqlStore: the Store port over SQLAlchemy 2 async; every method is one committed transaction."""

from __future__ import annotations

from storage.agendas import AgendasPart, VersionConflictError
from storage.chatlinks import ChatPart
from storage.deadlines import DeadlinesPart
from storage.groups import GroupsPart
from storage.inbound import InboundPart
from storage.outbox import OutboxPart
from storage.privacy import PrivacyPart
from storage.summaries import SummaryPart


class SqlStore(
    GroupsPart,
    InboundPart,
    OutboxPart,
    AgendasPart,
    ChatPart,
    PrivacyPart,
    DeadlinesPart,
    SummaryPart,
):
    """Everything the service keeps, for many groups in one database (SQLite or PostgreSQL)."""


__all__ = ["SqlStore", "VersionConflictError"]
