"""One pass of the service: everything that is due, decided from the database alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agenda.errors import PartnerdeskError, VersionConflictError
from agenda.model import Group, Meeting
from agenda.schedule import due_reminders, is_past_deadline
from agenda.workflow import CallState
from partnerdesk.app import App
from partnerdesk.usecases.calls import send_due_reminders
from partnerdesk.usecases.common import as_called, audit
from partnerdesk.usecases.drafting import close_and_draft
from partnerdesk.usecases.ingest import fetch_mail, process_inbound
from partnerdesk.usecases.leased import SCHEDULE, alone
from partnerdesk.usecases.outbox import deliver_outbox
from partnerdesk.usecases.privacy import purge_expired

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    """What one pass did, for the log and the CLI."""

    fetched: int = 0
    stored: int = 0
    processed: int = 0
    held: int = 0
    failed: int = 0
    reminders: int = 0
    closed: list[str] = field(default_factory=list)
    sent: int = 0
    retrying: int = 0
    send_failed: int = 0
    purged: int = 0

    @property
    def busy(self) -> bool:
        """Whether the pass did work, so another may find more (a batch was full)."""
        return bool(self.stored or self.processed or self.sent or self.closed)

    def plus(self, other: TickReport) -> TickReport:
        """Two passes added up; failures waiting to be retried count once, as the latest."""
        return TickReport(
            fetched=self.fetched + other.fetched,
            stored=self.stored + other.stored,
            processed=self.processed + other.processed,
            held=self.held + other.held,
            failed=self.failed + other.failed,
            reminders=self.reminders + other.reminders,
            closed=self.closed + other.closed,
            sent=self.sent + other.sent,
            retrying=other.retrying,
            send_failed=self.send_failed + other.send_failed,
            purged=self.purged + other.purged,
        )


async def tick(app: App) -> TickReport:
    """Ingest, remind, close at the deadline, compile and send the draft, deliver the outbox."""
    report = TickReport()
    try:
        report.fetched, report.stored = await fetch_mail(app)
    except PartnerdeskError as exc:
        # A mailbox that is down must not stop reminders, deadlines or the outbox.
        log.warning("could not fetch mail: %s", exc)
    ingested = await process_inbound(app)
    report.processed, report.held, report.failed = (
        ingested.processed,
        ingested.held,
        ingested.failed,
    )
    async with alone(app, SCHEDULE) as mine:
        # Deadlines, reminders and the purge: one process at a time decides them; the others
        # read and send meanwhile. The database makes each once-only as well (the call closes
        # under its row's lock; every reminder has its own Message-ID, queued once).
        if mine:
            await _schedule(app, report)
    delivered = await deliver_outbox(app)
    report.sent, report.retrying, report.send_failed = (
        delivered.sent,
        delivered.retrying,
        delivered.failed,
    )
    return report


async def _schedule(app: App, report: TickReport) -> None:
    """Close calls whose deadline passed (and send their draft), remind, purge."""
    now = app.clock()
    # One query for every group's calls: a deployment of a hundred groups makes this pass
    # many times while a backlog of mail goes out.
    for call in await app.store.calls():
        group = app.groups.get(call.group)
        meeting = group.meeting(call.meeting) if group is not None else None
        if group is None or meeting is None:
            continue
        called = as_called(meeting, call)
        if call.state is CallState.OPEN and is_past_deadline(called, now):
            if await app.store.close_call_once(group.slug, meeting.id, now):
                await audit(app, group, "call.closed", "scheduler", meeting.id)
                await _draft(app, group, meeting, report)
        elif call.state is CallState.OPEN:
            if due_reminders(called, app.settings.reminder_days, now):
                report.reminders += await send_due_reminders(app, group, meeting)
        elif (
            call.state is CallState.CLOSED
            and await app.store.agenda(group.slug, meeting.id) is None
        ):
            # Closed without a draft: the process that closed it died before drafting.
            await _draft(app, group, meeting, report)
    # Raw messages past the retention period go for good (GDPR), whatever else is due.
    report.purged = await purge_expired(app)


async def _draft(app: App, group: Group, meeting: Meeting, report: TickReport) -> None:
    try:
        await close_and_draft(app, group, meeting, actor="scheduler")
    except VersionConflictError:
        # Another process drafted this call in the same moment; its draft stands.
        log.info("the draft of %s/%s was made by another process", group.slug, meeting.id)
        return
    report.closed.append(f"{group.slug}/{meeting.id}")
