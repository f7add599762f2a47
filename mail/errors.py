"""The mail adapters' errors: each says whether trying again later can help."""

from __future__ import annotations

from agenda.errors import PartnerdeskError


class DeliveryError(PartnerdeskError):
    """A message could not be handed to the mail server; permanent when retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class MailboxError(PartnerdeskError):
    """The mailbox could not be read or changed; permanent when retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
