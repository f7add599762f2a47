"""Compose an outgoing mail into a MIME message: text and HTML, attachments, threading."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, localtime

from agenda.records import OutgoingMail


def compose(mail: OutgoingMail) -> EmailMessage:
    """The MIME message for an outgoing mail, UTF-8 throughout."""
    msg = EmailMessage()
    msg["Message-ID"] = mail.message_id
    msg["Date"] = format_datetime(localtime())
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.recipients)
    msg["Subject"] = mail.subject
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    if mail.automatic:
        # RFC 3834: our messages are automatic; Exchange is asked not to answer them.
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    for name, value in mail.headers:
        msg[name] = value
    msg.set_content(mail.text, charset="utf-8")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    for attachment in mail.attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, _, params = rest.partition(";")
        msg.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype.strip() or "octet-stream",
            filename=attachment.filename,
        )
        part = list(msg.iter_attachments())[-1]
        if maintype == "text":
            # Our text attachments (the calendar invitation) are UTF-8; say so, or æøå break.
            part.set_param("charset", "utf-8")
        if "method=" in params:
            # A calendar invitation needs its method on the part, or clients show a plain file.
            part.set_param("method", params.split("method=", 1)[1].strip())
    return msg
