"""Compose an outgoing mail into a MIME message: text and HTML, attachments, threading."""

from __future__ import annotations

import re
import secrets
from binascii import b2a_qp
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, Policy, default
from email.utils import format_datetime, localtime
from functools import lru_cache
from typing import Any, NamedTuple

from agenda.records import Attachment, OutgoingMail

# Control characters (CR and LF among them) never reach a header: folded into one space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# A msg-id as RFC 5322 writes it: printable ASCII in angle brackets, an @, no spaces.
_MSG_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")
# A long thread's References keep the first and the latest ids (RFC 5322 3.6.4 allows it).
_MAX_REFERENCES = 20
# Header values the email package writes as given: no quoting, no encoded words, no folding.
_PLAIN_VALUE = re.compile(r"<?[A-Za-z0-9.!#$%&'*+/=^_`{|}~-]+@[A-Za-z0-9.-]+>?|[A-Za-z0-9 ,:+-]+")


class NeedsSmtpUtf8(ValueError):
    """An address has non-ASCII letters before the @: only an SMTPUTF8 server can carry it."""


def compose(mail: OutgoingMail, *, utf8: bool = True) -> EmailMessage:
    """The MIME message for an outgoing mail, UTF-8 throughout.

    Without utf8 every address is made ASCII (domains in IDNA form) so the message can be
    written with RFC 2047 encoded names for a server without SMTPUTF8.
    """
    msg = _headed(mail, utf8=utf8)
    # Quoted-printable keeps the message 7-bit clean, so no relay has to re-encode it.
    msg.set_content(mail.text, charset="utf-8", cte="quoted-printable")
    if mail.html:
        # A boundary of our own: the generator would otherwise search the body for its own.
        msg.make_alternative(boundary=_BOUNDARIES["alternative"])
        msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if mail.attachments:
        msg.make_mixed(boundary=_BOUNDARIES["mixed"])
    for attachment in mail.attachments:
        _attach(msg, attachment)
    return msg


def _headed(mail: OutgoingMail, *, utf8: bool) -> EmailMessage:
    """A message with the mail's headers and no content yet."""
    msg = EmailMessage(policy=_POLICY)
    put = _put_utf8 if utf8 else _put_ascii
    put(msg, "Message-ID", mail.message_id)
    put(msg, "Date", format_datetime(localtime()))
    put(msg, "From", _address(mail.sender, utf8=utf8))
    put(msg, "To", [_address(r, utf8=utf8) for r in mail.recipients])
    put(msg, "Subject", clean_header(mail.subject))
    if mail.reply_to:
        put(msg, "Reply-To", _address(mail.reply_to, utf8=utf8))
    # The ids we answer come from outside: only well-formed ids are copied.
    in_reply_to = message_ids([mail.in_reply_to or ""])
    if in_reply_to:
        put(msg, "In-Reply-To", in_reply_to[0])
    references = message_ids(mail.references)
    if len(references) > _MAX_REFERENCES:
        references = [references[0], *references[-(_MAX_REFERENCES - 1) :]]
    if references:
        put(msg, "References", " ".join(references))
    if mail.automatic:
        # RFC 3834: our messages are automatic; Exchange is asked not to answer them.
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    for name, value in mail.headers:
        if not _HEADER_NAME.match(name):
            raise ValueError(f"not a header name: {name!r}")
        # An extra header replaces one we set, rather than making the message invalid.
        del msg[name]
        msg[name] = clean_header(value)
    return msg


def message_bytes(mail: OutgoingMail, *, utf8: bool, linesep: str = "\r\n") -> bytes:
    """The composed message as it goes on the wire (CRLF) or into a file (LF).

    With utf8, headers are written in UTF-8 (SMTPUTF8); without, as 7-bit RFC 2047.
    """
    policy = (SMTPUTF8 if utf8 else SMTP) if linesep == "\r\n" else _FILE_POLICIES[utf8]
    if mail.attachments or any(_is_content(name) for name, _ in mail.headers):
        return compose(mail, utf8=utf8).as_bytes(policy=policy)
    # Text, or text and HTML: the MIME structure is the same for every such mail, so it is
    # written here around the encoded bodies; the email package writes the headers.
    head = b"".join(policy.fold_binary(n, v) for n, v in _headed(mail, utf8=utf8).raw_items())
    nl = policy.linesep.encode("ascii")
    frame = _frame(utf8=utf8, linesep=policy.linesep, alternative=bool(mail.html))
    text = _quoted_printable(mail.text, nl)
    if not mail.html:
        return b"".join((head, frame.top, nl, text))
    html = _quoted_printable(mail.html, nl)
    boundary = b"--" + _BOUNDARIES["alternative"].encode("ascii")
    return b"".join(
        (
            head,
            frame.top,
            nl,
            boundary,
            nl,
            frame.plain,
            nl,
            text,
            nl,
            boundary,
            nl,
            frame.html,
            nl,
            html,
            nl,
            boundary,
            b"--",
            nl,
        )
    )


_FILE_POLICIES = {True: SMTPUTF8.clone(linesep="\n"), False: default}


def _is_content(name: str) -> bool:
    """Whether a header is one that setting a message's content replaces or adds."""
    lowered = name.lower()
    return lowered.startswith("content-") or lowered == "mime-version"


def _quoted_printable(text: str, nl: bytes) -> bytes:
    """A text body in UTF-8 and quoted-printable, lines ended by nl, as set_content makes it.

    Lines are split where the email package splits them (CR, LF, CRLF) and the body ends
    with a line break; binascii writes lines of at most 76 characters, soft breaks included,
    and encodes what the package encodes: "=", control characters, 8-bit bytes and spaces
    or tabs that end a line.
    """
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    encoded = b2a_qp(body, istext=True)
    return encoded if nl == b"\n" else encoded.replace(b"\n", nl)


class _Frame(NamedTuple):
    """The folded MIME headers of a message with no attachments, each ending a line."""

    top: bytes
    plain: bytes
    html: bytes


@lru_cache(maxsize=8)
def _frame(*, utf8: bool, linesep: str, alternative: bool) -> _Frame:
    """The MIME headers as the email package writes them, taken from a composed message."""
    policy = (SMTPUTF8 if utf8 else SMTP).clone(linesep=linesep)
    sample = OutgoingMail(
        message_id="<frame@example.org>",
        sender="frame@example.org",
        recipients=("frame@example.org",),
        subject="frame",
        text="text",
        html="html" if alternative else None,
    )
    msg = compose(sample, utf8=utf8)

    def folded(part: EmailMessage) -> bytes:
        return b"".join(
            policy.fold_binary(name, value) for name, value in part.raw_items() if _is_content(name)
        )

    if not alternative:
        return _Frame(folded(msg), b"", b"")
    plain, html = msg.iter_parts()
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    return _Frame(folded(msg), folded(plain), folded(html))


def _boundary() -> str:
    """A MIME boundary no part can contain: "=_" never occurs in quoted-printable or base64."""
    return f"=_{secrets.token_hex(16)}"


# One boundary per nesting level for the whole process: no part can contain one anyway, and a
# Content-Type header that every message repeats is parsed and folded once, not per message.
# The two levels differ, so the alternative inside a mixed message ends where it should.
_BOUNDARIES = {"alternative": _boundary(), "mixed": _boundary()}


class _SharedHeader(BaseHeader):
    """A header parsed once and shared by every message that sets the same value.

    Headers are immutable; what the MIME parts of every message repeat (Content-Type,
    Content-Transfer-Encoding, MIME-Version) is parsed and folded once, not per message.
    """

    def fold(self, *, policy: Policy) -> str:
        """The folded header, remembered per kind of policy.

        Kept by what folding depends on, not by the policy object: the generator clones its
        policy for every MIME part, so a cache by identity would miss for every part.
        """
        folds: dict[tuple[object, ...], str] = self.__dict__.setdefault("_folds", {})
        key = (type(policy), policy.linesep, policy.max_line_length, getattr(policy, "utf8", False))
        known = folds.get(key)
        if known is None:
            known = folds[key] = super().fold(policy=policy)
        return known


class _SharedHeaders(HeaderRegistry):
    """Header objects by (name, value), kept for the values that recur."""

    def __init__(self) -> None:
        super().__init__(base_class=_SharedHeader)
        self._made: dict[tuple[str, str], BaseHeader] = {}
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        """The header class for a name, made once: the package makes a new class per call.

        It is asked for on every header set (for the header's max count), which was a third
        of what composing a message cost.
        """
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> Any:
        if not isinstance(value, str) or len(value) > 200:
            return super().__call__(name, value)
        key = (name.lower(), value)
        header = self._made.get(key)
        if header is None:
            if len(self._made) >= 512:
                self._made.clear()  # a bound: per-message values (boundaries) would pile up
            header = self._made[key] = super().__call__(name, value)
        return header


_POLICY = default.clone(header_factory=_SharedHeaders())


def _put_utf8(msg: EmailMessage, name: str, value: str | Address | list[Address]) -> None:
    """Set a header of an SMTPUTF8 message, parsed once per distinct value.

    Addresses go in as the text the email package itself parses them from, so the header
    is the same; as text, one that every message of a call shares (From, Subject, Reply-To)
    is parsed and folded once (see _SharedHeaders). A plain ASCII value is kept as it is
    written anyway.
    """
    text = ", ".join(str(a) for a in value) if isinstance(value, list) else str(value)
    if _plain(name, text):
        msg.set_raw(name, text)
    else:
        # Names and addresses come through clean_header: no line separator in them to refuse.
        msg[name] = text


def _plain(name: str, value: str) -> bool:
    """Whether the email package writes the header unchanged: an address, an id, a date."""
    return (
        value.isascii()
        and _PLAIN_VALUE.fullmatch(value) is not None
        and len(name) + 2 + len(value) <= 78
    )


def _put_ascii(msg: EmailMessage, name: str, value: str | Address | list[Address]) -> None:
    """Set a header in its folded, 7-bit form, made once per distinct value.

    Folding with the email package's parser costs about a millisecond a message, most of it
    on headers that every message of a call shares (From, Subject, Date); their folded form
    is kept. The generator writes a folded value as it is, lines already short enough.
    """
    text = ", ".join(str(a) for a in value) if isinstance(value, list) else str(value)
    if len(text.splitlines()) > 1:
        # As the email package refuses them: a line break would start a header of its own.
        raise ValueError(f"a header value with a line break: {name}")
    folded = _folded(name, text)
    if folded is None:
        msg[name] = value
    else:
        msg.set_raw(name, folded)


@lru_cache(maxsize=256)
def _folded(name: str, value: str) -> str | None:
    """The value as the email package folds it for SMTP; None when it starts on a new line."""
    if _plain(name, value):
        # An address, a Message-ID or a date: the email package would write it unchanged.
        return value
    folded = SMTP.fold(name, SMTP.header_factory(name, value))
    head, _, rest = folded.rstrip("\r\n").partition(": ")
    # A value folded before its first word (long References) is written by the package itself.
    return rest if head == name and rest else None


def clean_header(value: str) -> str:
    """A header value on one line: control characters (CR, LF, NUL) become single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def message_ids(values: tuple[str, ...] | list[str]) -> list[str]:
    """The well-formed <id@host> found in the values, each once, in order."""
    seen: dict[str, None] = {}
    for value in values:
        for found in _MSG_ID.findall(value or ""):
            seen.setdefault(found, None)
    return list(seen)


def needs_smtputf8(mail: OutgoingMail) -> bool:
    """Whether an address has non-ASCII letters before the @ (a domain can go as IDNA)."""
    texts = (mail.sender, *mail.recipients, *((mail.reply_to,) if mail.reply_to else ()))
    return any(not _split(text)[1].rpartition("@")[0].isascii() for text in texts)


def envelope_address(text: str, *, utf8: bool = True) -> str:
    """The bare address of "Name <addr>" (or of a bare address), for the SMTP envelope.

    Without utf8 the domain is given in its ASCII (IDNA) form, and an address whose local
    part is not ASCII raises NeedsSmtpUtf8.
    """
    address = clean_header(_split(text)[1])
    if utf8 or address.isascii():
        return address
    username, at, domain = address.rpartition("@")
    if not at or not username.isascii():
        raise NeedsSmtpUtf8(f"{address} needs a server with SMTPUTF8")
    return f"{username}@{_ascii_domain(domain)}"


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a valid domain: {domain!r}") from exc


def addressable(text: str) -> bool:
    """Whether a mail to this address can be composed: its To header is one this module makes.

    An address read from a stranger's From may look like one and still be refused when the
    header is made (an encoded word with a line break in it, a domain IDNA refuses).
    """
    try:
        _put_utf8(EmailMessage(policy=_POLICY), "To", [_address(text, utf8=True)])
    except Exception:  # whatever composing would raise, it would raise for every try
        return False
    return True


def _split(text: str) -> tuple[str, str]:
    # Split at the last "<": a name such as "Fællessekretariatet, Norddjurs Kommune" has a
    # comma that the address parsers would read as a second address.
    name, bracket, rest = text.rpartition("<")
    if bracket and rest.rstrip().endswith(">"):
        return name.strip().strip('"').strip(), rest.rstrip()[:-1].strip()
    return "", text.strip()


@lru_cache(maxsize=1024)
def _address(text: str, *, utf8: bool) -> Address:
    # Kept: the sender and the reply address recur in every message of a call, and an
    # Address cannot be changed. One that raises is not kept.
    name, _ = _split(text)
    addr = envelope_address(text, utf8=utf8)
    username, at, domain = addr.rpartition("@")
    # The email package quotes or RFC 2047-encodes the name as needed, so commas and æøå come
    # out right; given as parts, an address with æøå in its local part is kept for SMTPUTF8.
    if not at:
        return Address(display_name=clean_header(name), username=addr)
    return Address(display_name=clean_header(name), username=username, domain=domain)


def _attach(msg: EmailMessage, attachment: Attachment) -> None:
    maintype, subtype, params = _content_type(attachment.content_type)
    # The filename goes in as given; the email package writes RFC 2231 for æøå.
    msg.add_attachment(
        attachment.data,
        maintype=maintype,
        subtype=subtype,
        filename=clean_header(attachment.filename) or "bilag",
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
    kind, *rest = clean_header(content_type).split(";")
    maintype, _, subtype = kind.strip().lower().partition("/")
    params: dict[str, str] = {}
    for item in rest:
        name, _, value = item.partition("=")
        if name.strip() and value.strip():
            params[name.strip().lower()] = value.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params
