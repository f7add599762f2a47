"""What the service sent: the Maildir outbox of the embedded defaults, read as a person would."""

from __future__ import annotations

import mailbox
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from partnerdesk.app import App


def sent(app: App, prefix: str = "") -> list[EmailMessage]:
    """Every mail in the outbox, or those whose Message-ID starts with prefix ("<echo-")."""
    box = mailbox.Maildir(app.settings.outbox_maildir, create=True)
    parsed = [message_from_bytes(m.as_bytes(), policy=default) for m in box]
    return [
        m for m in parsed if isinstance(m, EmailMessage) and str(m["Message-ID"]).startswith(prefix)
    ]


def plain_text(message: EmailMessage) -> str:
    """The plain-text body, as a mail program shows it."""
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())
