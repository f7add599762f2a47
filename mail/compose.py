"""Compose an outgoing mail into a MIME message: text and HTML, attachments, threading."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime

from agenda.records import Attachment, OutgoingMail


def compose(mail: OutgoingMail) -> EmailMessage:
    """The MIME message for an outgoing mail, UTF-8 throughout."""
    msg = EmailMessage()
    msg["Message-ID"] = mail.message_id
    msg["Date"] = format_datetime(localtime())
    msg["From"] = _address(mail.sender)
    msg["To"] = [_address(r) for r in mail.recipients]
    msg["Subject"] = mail.subject
    if mail.reply_to:
        msg["Reply-To"] = _address(mail.reply_to)
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    if mail.automatic:
        # RFC 3834: our messages are automatic; Exchange is asked not to answer them.
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    for name, value in mail.headers:
        # An extra header replaces one we set, rather than making the message invalid.
        del msg[name]
        msg[name] = value
    # Quoted-printable keeps the message 7-bit clean, so no relay has to re-encode it.
    msg.set_content(mail.text, charset="utf-8", cte="quoted-printable")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in mail.attachments:
        _attach(msg, attachment)
    return msg


def envelope_address(text: str) -> str:
    """The bare address of "Name <addr>" (or of a bare address), for the SMTP envelope."""
    return _split(text)[1]


def _split(text: str) -> tuple[str, str]:
    # Split at the last "<": a name such as "Fællessekretariatet, Norddjurs Kommune" has a
    # comma that the address parsers would read as a second address.
    name, bracket, rest = text.rpartition("<")
    if bracket and rest.rstrip().endswith(">"):
        return name.strip().strip('"').strip(), rest.rstrip()[:-1].strip()
    return "", text.strip()


def _address(text: str) -> Address:
    name, addr = _split(text)
    username, at, domain = addr.rpartition("@")
    # The email package quotes the name as needed, so commas and æøå come out right; given as
    # parts, an address with æøå in its local part is kept for SMTPUTF8 rather than refused.
    if not at:
        return Address(display_name=name, username=addr)
    return Address(display_name=name, username=username, domain=domain)


def _attach(msg: EmailMessage, attachment: Attachment) -> None:
    maintype, subtype, params = _content_type(attachment.content_type)
    # The filename goes in as given; the email package writes RFC 2231 for æøå.
    msg.add_attachment(
        attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
    )
    *_, part = msg.iter_parts()
    assert isinstance(part, EmailMessage)
    if maintype == "text" and "charset" not in params:
        # Our text attachments (the calendar invitation) are UTF-8; say so, or æøå break.
        part.set_param("charset", "utf-8")
    for name, value in params.items():
        # A calendar invitation needs method=REQUEST on the part, or clients show a plain file.
        part.set_param(name, value)


def _content_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    kind, *rest = content_type.split(";")
    maintype, _, subtype = kind.strip().lower().partition("/")
    params: dict[str, str] = {}
    for item in rest:
        name, _, value = item.partition("=")
        if name.strip() and value.strip():
            params[name.strip().lower()] = value.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params
