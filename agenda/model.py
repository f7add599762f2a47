"""The group and its people: partners, contacts, initiatives, meetings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a contact may do for the group."""

    MEMBER = "member"
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    SECRETARIAT = "secretariat"


class Language(StrEnum):
    """Languages the group's texts are written in."""

    DA = "da"
    EN = "en"


@dataclass(frozen=True)
class Contact:
    """A person who speaks for a partner."""

    name: str
    email: str
    role: Role = Role.MEMBER
    telegram: str | None = None
    # The language this person reads; None follows their Telegram, else the group's.
    language: Language | None = None

    @property
    def is_chair(self) -> bool:
        """True for the chair and the vice chair (formandskabet)."""
        return self.role in (Role.CHAIR, Role.VICE_CHAIR)


@dataclass(frozen=True)
class Partner:
    """An organisation in the partnership, reached through its contacts."""

    slug: str
    name: str
    contacts: tuple[Contact, ...] = ()

    @property
    def domains(self) -> frozenset[str]:
        """The mail domains of the partner's registered contacts."""
        return frozenset(c.email.rsplit("@", 1)[-1] for c in self.contacts)


@dataclass(frozen=True)
class Initiative:
    """Ongoing work with an owner: the partner that has the ball."""

    code: str
    title: str
    owner: str
    sdgs: tuple[int, ...] = ()
    success_criteria: str = ""
    status: str = "active"


@dataclass(frozen=True)
class Meeting:
    """One meeting of the group, with the deadline for agenda items."""

    id: str
    starts_at: datetime
    location: str
    call_deadline: datetime
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Secretariat:
    """The office that runs the calls and keeps the agenda."""

    name: str
    email: str


@dataclass(frozen=True)
class Group:
    """A coordination group: the body that meets."""

    slug: str
    name: str
    language: Language
    timezone: str
    reply_address: str
    secretariat: Secretariat
    sdgs: tuple[int, ...] = ()
    approvals_required: int = 1
    partners: tuple[Partner, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    _by_email: dict[str, tuple[Partner, Contact]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        index = {c.email.lower(): (p, c) for p in self.partners for c in p.contacts}
        self._by_email.update(index)

    def partner(self, slug: str) -> Partner | None:
        """The partner with this slug, if any."""
        return next((p for p in self.partners if p.slug == slug), None)

    def initiative(self, code: str) -> Initiative | None:
        """The initiative with this code, if any."""
        return next((i for i in self.initiatives if i.code == code), None)

    def meeting(self, meeting_id: str) -> Meeting | None:
        """The meeting with this id, if any."""
        return next((m for m in self.meetings if m.id == meeting_id), None)

    def contact_by_email(self, address: str) -> tuple[Partner, Contact] | None:
        """The registered contact with this address (case-insensitive)."""
        return self._by_email.get(address.strip().lower())

    def contact_by_telegram(self, username: str) -> tuple[Partner, Contact] | None:
        """The registered contact with this Telegram username (with or without @)."""
        wanted = username.strip().lstrip("@").lower()
        for p in self.partners:
            for c in p.contacts:
                if c.telegram and c.telegram.lstrip("@").lower() == wanted:
                    return p, c
        return None

    def partner_by_domain(self, address: str) -> Partner | None:
        """The one partner whose contacts share this address's domain, if exactly one."""
        domain = address.strip().lower().rsplit("@", 1)[-1]
        found = [p for p in self.partners if domain in p.domains]
        return found[0] if len(found) == 1 else None

    @property
    def chairs(self) -> tuple[Contact, ...]:
        """The chair and vice chair."""
        return tuple(c for p in self.partners for c in p.contacts if c.is_chair)

    def initiatives_owned_by(self, slug: str) -> tuple[Initiative, ...]:
        """The initiatives where this partner has the ball."""
        return tuple(i for i in self.initiatives if i.owner == slug)
