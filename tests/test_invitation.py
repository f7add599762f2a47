"""The meeting invitation parses back, and an update keeps the UID with a higher sequence."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from partnerdesk.invitation import invitation
from tests.domain_fixtures import DEADLINE, MEETING, small_group


def test_invitation_parses_back_with_meeting_time_place_and_every_contact() -> None:
    group = small_group()
    first = Calendar.from_ical(
        invitation(
            group, MEETING, summary="Møde", description="Dagsorden", sequence=0, now=DEADLINE
        )
    )
    later = Calendar.from_ical(
        invitation(
            group,
            MEETING,
            summary="Møde",
            description="Rettet",
            sequence=1,
            now=DEADLINE + timedelta(days=1),
        )
    )
    assert first["method"] == "REQUEST"
    one = next(iter(first.walk("VEVENT")))
    two = next(iter(later.walk("VEVENT")))
    assert one["uid"] == two["uid"]
    assert int(str(one["sequence"])) == 0 and int(str(two["sequence"])) == 1
    assert one.decoded("dtstart") == MEETING.starts_at
    assert str(one["location"]) == "Rådhuset"
    attendees = {str(a).removeprefix("mailto:") for a in one.get("attendee")}
    assert attendees == {c.email for p in group.partners for c in p.contacts}
