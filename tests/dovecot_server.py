"""Moved to tests/servers/; kept so older imports keep working."""

from tests.servers.dovecot import PASSWORD, USER, Dovecot, start_dovecot

__all__ = ["PASSWORD", "USER", "Dovecot", "start_dovecot"]
