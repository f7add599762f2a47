"""Moved to tests/servers/; kept so older imports keep working."""

from tests.servers.certs import Certs, free_port, make_certs
from tests.servers.smtpd import RunningSmtp, Script, start_smtp

__all__ = ["Certs", "RunningSmtp", "Script", "free_port", "make_certs", "start_smtp"]
