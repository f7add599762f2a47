"""The domain's exceptions; each carries one sentence a person can act on."""

from __future__ import annotations


class PartnerdeskError(Exception):
    """Root of every error partnerdesk raises on purpose."""


class GroupFileError(PartnerdeskError, ValueError):
    """A group file that cannot be used, with the file, the entry and what is wrong."""


class WorkflowError(PartnerdeskError, ValueError):
    """A step that is not allowed in the call's current state."""


class NotAllowedError(PartnerdeskError, PermissionError):
    """Someone tried to act without the right to."""


class NotFoundError(PartnerdeskError, LookupError):
    """A meeting, call or item that does not exist."""
