"""A real Dovecot on 127.0.0.1 for the IMAP tests, started without systemd."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.smtp_server import Certs, free_port

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "partnerskab", "hemmeligt"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    """A running Dovecot: its ports and the test user's credentials."""

    imap_port: int
    imaps_port: int
    root: Path

    def url(self, scheme: str = "imap", folder: str = "INBOX") -> str:
        """An IMAP URL for the test user."""
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}/{folder}"


def require_dovecot() -> None:
    """Fail in CI and skip elsewhere when Dovecot is missing."""
    if os.path.exists(DOVECOT):
        return
    if os.environ.get("CI"):
        pytest.fail("Dovecot is missing: .ci/run must install dovecot-imapd")
    pytest.skip(
        "Dovecot is not installed (apt-get install dovecot-imapd, or run make test as root)"
    )


def _wait(port: int, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not start:\n{log.read_text() if log.exists() else ''}")


def start_dovecot(certs: Certs) -> Iterator[Dovecot]:
    """Start Dovecot with a passwd-file user whose Maildir is owned by an unprivileged uid."""
    require_dovecot()
    # Dovecot refuses uid 0 for mail, and its processes must reach the folder: not /root/tmp.
    root = Path(tempfile.mkdtemp(prefix="pd-dovecot-"))
    root.chmod(0o755)
    owner = pwd.getpwnam("nobody")
    (root / "mail").mkdir()
    os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    imap_port, imaps_port = free_port(), free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            cert=certs.cert_file,
            key=certs.key_file,
            uid=owner.pw_uid,
            gid=owner.pw_gid,
            imap_port=imap_port,
            imaps_port=imaps_port,
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    try:
        _wait(imap_port, root / "dovecot.log")
        _wait(imaps_port, root / "dovecot.log")
        yield Dovecot(imap_port=imap_port, imaps_port=imaps_port, root=root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)
