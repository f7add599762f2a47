"""Open the call in every configured group at once: one deployment, a municipality's groups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from agenda.errors import NotFoundError, PartnerdeskError
from agenda.model import Group, Meeting
from partnerdesk.app import App
from partnerdesk.usecases.calls import Opened, open_call


@dataclass(frozen=True)
class GroupOpening:
    """What opening one group's call did, or why it could not be opened."""

    group: Group
    meeting: Meeting | None = None
    opened: Opened | None = None
    problem: PartnerdeskError | None = None


def next_meeting(group: Group, now: datetime) -> Meeting | None:
    """The group's earliest meeting whose call deadline is still ahead."""
    ahead = [m for m in group.meetings if m.call_deadline > now]
    return min(ahead, key=lambda m: m.starts_at, default=None)


async def open_every_call(
    app: App,
    meeting_id: str | None = None,
    *,
    deadlines: Mapping[str, datetime] | None = None,
    actor: str = "cli",
) -> list[GroupOpening]:
    """Open the named meeting's call (or the next meeting's) in every group.

    deadlines gives a group (by slug) a deadline of its own instead of its group file's.

    One group's problem (no such meeting, a deadline passed) is that group's line in the
    outcome, not the end of the others: a secretariat running a hundred groups wants the
    ninety-nine opened and the hundredth named.
    """
    outcome: list[GroupOpening] = []
    for group in app.groups.values():
        try:
            if meeting_id is not None:
                meeting: Meeting | None = app.meeting(group, meeting_id)
            else:
                meeting = next_meeting(group, app.clock())
            if meeting is None:
                raise NotFoundError("no_next_meeting", group=group.slug)
            deadline = (deadlines or {}).get(group.slug)
            opened = await open_call(app, group, meeting, deadline=deadline, actor=actor)
        except PartnerdeskError as problem:
            outcome.append(GroupOpening(group, problem=problem))
            continue
        outcome.append(GroupOpening(group, meeting, opened))
    return outcome
