"""The calendar invitation for a meeting (iCalendar, RFC 5545), built with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from agenda.addresses import domain_of
from agenda.model import Group, Meeting

# A meeting without an end time is taken to last two hours, as the group's meetings do.
DEFAULT_LENGTH = timedelta(hours=2)


def meeting_uid(group: Group, meeting: Meeting) -> str:
    """The same UID every time, so a later update replaces the first invitation."""
    return f"{group.slug}.{meeting.id}@{domain_of(group.reply_address)}"


def invitation(
    group: Group,
    meeting: Meeting,
    *,
    summary: str,
    description: str,
    sequence: int,
    now: datetime,
) -> bytes:
    """An iCalendar REQUEST for the meeting, with every contact as an attendee."""
    cal = Calendar()
    cal.add("prodid", "-//partnerdesk//agenda//DA")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", meeting_uid(group, meeting))
    event.add("sequence", sequence)
    event.add("dtstamp", now)
    # UTC times need no VTIMEZONE block, and every calendar shows them in local time.
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", (meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH).astimezone(UTC))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", meeting.location)
    organizer = vCalAddress(f"mailto:{group.reply_address}")
    organizer.params["cn"] = vText(group.secretariat.name)
    event["organizer"] = organizer
    for partner in group.partners:
        for contact in partner.contacts:
            attendee = vCalAddress(f"mailto:{contact.email}")
            attendee.params["cn"] = vText(contact.name)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            attendee.params["partstat"] = vText("NEEDS-ACTION")
            event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    return bytes(cal.to_ical())
