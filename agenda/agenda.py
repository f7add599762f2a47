"""The agenda of a meeting: numbered items in the Danish municipal format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    """Standard items are worded by the templates; proposals carry the partners' words."""

    APPROVE_AGENDA = "approve_agenda"
    APPROVE_MINUTES = "approve_minutes"
    SINCE_LAST = "since_last"
    PROPOSAL = "proposal"
    ANY_OTHER_BUSINESS = "any_other_business"


@dataclass(frozen=True)
class Contribution:
    """One partner's words inside a (possibly merged) proposal item."""

    partner: str
    partner_name: str
    title: str
    background: str | None = None
    recommendation: str | None = None
    description: str | None = None
    answer_id: int | None = None


@dataclass(frozen=True)
class InitiativeStatus:
    """An initiative as it stands for "Siden sidst": who has the ball and the latest news."""

    code: str
    title: str
    owner: str
    owner_name: str
    status: str
    success_criteria: str
    updates: tuple[tuple[str, str], ...] = ()
    ball_moved_from: str | None = None


@dataclass(frozen=True)
class AgendaItem:
    """One numbered item on the agenda."""

    kind: ItemKind
    title: str = ""
    background: str | None = None
    recommendation: str | None = None
    description: str | None = None
    attachments: tuple[str, ...] = ()
    proposers: tuple[str, ...] = ()
    sdgs: tuple[int, ...] = ()
    sdgs_outside: tuple[int, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    initiatives: tuple[InitiativeStatus, ...] = ()
    closed: bool = False
    late: bool = False
    key: str = ""

    @property
    def merged(self) -> bool:
        """True when several partners' proposals were merged into this item."""
        return len(self.contributions) > 1


@dataclass(frozen=True)
class Agenda:
    """A version of the draft agenda for one meeting."""

    group: str
    meeting: str
    version: int
    created_at: datetime
    items: tuple[AgendaItem, ...] = ()
    note: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    edits: tuple[dict[str, str | int], ...] = ()

    def numbered(self) -> list[tuple[int, AgendaItem]]:
        """The items with their numbers, as printed."""
        return list(enumerate(self.items, 1))

    def for_partners(self) -> Agenda:
        """The agenda without closed items (lukkede punkter)."""
        return Agenda(
            group=self.group,
            meeting=self.meeting,
            version=self.version,
            created_at=self.created_at,
            items=tuple(i for i in self.items if not i.closed),
            note=self.note,
            meta=self.meta,
            edits=self.edits,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Agenda:
        """Rebuild an agenda from to_dict()."""
        items = tuple(_item_from_dict(i) for i in data.get("items", []))
        return cls(
            group=data["group"],
            meeting=data["meeting"],
            version=int(data["version"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            items=items,
            note=data.get("note", ""),
            meta=dict(data.get("meta", {})),
            edits=tuple(dict(e) for e in data.get("edits", ())),
        )


def _item_from_dict(d: dict[str, Any]) -> AgendaItem:
    return AgendaItem(
        kind=ItemKind(d["kind"]),
        title=d.get("title", ""),
        background=d.get("background"),
        recommendation=d.get("recommendation"),
        description=d.get("description"),
        attachments=tuple(d.get("attachments", ())),
        proposers=tuple(d.get("proposers", ())),
        sdgs=tuple(d.get("sdgs", ())),
        sdgs_outside=tuple(d.get("sdgs_outside", ())),
        contributions=tuple(Contribution(**c) for c in d.get("contributions", ())),
        initiatives=tuple(
            InitiativeStatus(**{**s, "updates": tuple(tuple(u) for u in s.get("updates", ()))})
            for s in d.get("initiatives", ())
        ),
        closed=bool(d.get("closed", False)),
        late=bool(d.get("late", False)),
        key=d.get("key", ""),
    )
