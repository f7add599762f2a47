"""Who may do what for a group: one table, asked by every use case whatever the channel."""

from __future__ import annotations

from enum import StrEnum

from agenda.model import Group, Role

# The person at the command line, who runs the service for the secretariat.
OPERATOR = "secretariat"


class Act(StrEnum):
    """Things only some people may do."""

    APPROVE = "approve"
    ADMIT_LATE = "admit_late"
    EDIT = "edit"
    REVIEW = "review"


_CHAIRS = frozenset({Role.CHAIR, Role.VICE_CHAIR})
_SECRETARIAT = frozenset({Role.SECRETARIAT})

# Approving and admitting late items is the chair's; editing and the review are the
# secretariat's work, which the chair may also do.
WHO_MAY: dict[Act, frozenset[Role]] = {
    Act.APPROVE: _CHAIRS,
    Act.ADMIT_LATE: _CHAIRS,
    Act.EDIT: _CHAIRS | _SECRETARIAT,
    Act.REVIEW: _CHAIRS | _SECRETARIAT,
}


def roles_of(group: Group, actor: str) -> frozenset[Role]:
    """The roles an e-mail address (or the operator) has in the group."""
    address = actor.strip().lower()
    if address == OPERATOR or address == group.secretariat.email.lower():
        return _SECRETARIAT
    found = group.contact_by_email(address)
    return frozenset({found[1].role}) if found else frozenset()


def may(group: Group, actor: str, act: Act) -> bool:
    """Whether actor may do act in this group."""
    return bool(roles_of(group, actor) & WHO_MAY[act])
