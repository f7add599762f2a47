"""The call's status as the table `call status` and the demo print."""

from __future__ import annotations

from agenda.model import Group
from partnerdesk.texts import say, words
from partnerdesk.usecases.calls import PartnerStatus


def format_status(group: Group, rows: list[PartnerStatus]) -> str:
    """The status table as printed, in the group's language."""
    header = tuple(words(group, "status_header"))
    lines = [header]
    for r in rows:
        answered = say(group, "status_yes") if r.answered else say(group, "status_no")
        if r.nothing_to_add and not r.proposals:
            answered = say(group, "status_nothing")
        lines.append(
            (
                r.name,
                answered,
                ",".join(say(group, "via", via=v) for v in r.via) or "-",
                str(r.proposals),
                str(r.updates),
                ", ".join(r.reminded) or "-",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    done = sum(r.answered for r in rows)
    out.append(say(group, "status_total", done=done, total=len(rows)))
    return "\n".join(o.rstrip() for o in out)
