"""A real Dovecot on 127.0.0.1 for the IMAP tests, started by the test itself, without systemd."""

from __future__ import annotations

import imaplib
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

from tests.servers.certs import Certs, free_port

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "partnerskab", "hemmeligt"
INSTALL = "run .ci/install-dovecot.sh as root (apt-get install dovecot-imapd)"

# Shared by both syntaxes: one passwd-file is passdb and userdb (uid, gid and home in it).
_COMMON = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
"""

CONFIG_23 = (
    _COMMON
    + """
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
"""
)

# Dovecot 2.4 (Debian 13) renamed most settings; written from its documentation.
CONFIG_24 = (
    """
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
"""
    + _COMMON
    + """
ssl_server_cert_file = {cert}
ssl_server_key_file = {key}
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = ~/Maildir
passdb passwd-file {{
  passwd_file_path = {root}/passwd
}}
userdb passwd-file {{
  passwd_file_path = {root}/passwd
}}
"""
)


@dataclass(frozen=True)
class Dovecot:
    """A running Dovecot: its ports, its files and the test user's credentials."""

    imap_port: int
    imaps_port: int
    root: Path
    version: str

    def url(self, scheme: str = "imap", folder: str = "INBOX") -> str:
        """An IMAP URL for the test user."""
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}/{folder}"

    def client(self) -> imaplib.IMAP4:
        """A logged-in plain imaplib client, for setting up and checking from the outside."""
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into a folder of the test user, as a delivery would."""
        client = self.client()
        try:
            typ, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def log(self) -> str:
        """What Dovecot logged so far."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def dovecot_version() -> str | None:
    """The installed Dovecot's version, or None when it is not installed."""
    if not os.path.exists(DOVECOT):
        return None
    out = subprocess.run([DOVECOT, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def require_dovecot() -> str:
    """The version; fails in CI and skips elsewhere when Dovecot cannot run here."""
    version = dovecot_version()
    problem = None
    if version is None:
        problem = f"Dovecot is not installed at {DOVECOT}: {INSTALL}"
    elif os.geteuid() != 0:
        problem = "Dovecot needs root to switch to its users: run the IMAP tests as root"
    if problem is None:
        assert version is not None
        return version
    if os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


def _config(version: str) -> str:
    major, minor = (int(x) for x in version.split(".")[:2])
    return CONFIG_24 if (major, minor) >= (2, 4) else CONFIG_23


def _wait(process: subprocess.Popen[bytes], ports: list[int], log: Path) -> None:
    deadline = time.monotonic() + 15
    waiting = list(ports)
    while waiting and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", waiting[0])) == 0:
                waiting.pop(0)
                continue
        time.sleep(0.05)
    if waiting:
        process.kill()  # stuck or gone: either way its stderr can now be read to the end
        process.wait()
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        logged = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"Dovecot did not start:\n{stderr}\n{logged}")


def start_dovecot(certs: Certs) -> Iterator[Dovecot]:
    """Start Dovecot with a passwd-file user whose Maildir belongs to an unprivileged uid."""
    version = require_dovecot()
    # Dovecot's own processes must reach these files: a world-readable temp dir, not ~/tmp.
    root = Path(tempfile.mkdtemp(prefix="pd-dovecot-"))
    root.chmod(0o755)
    # Dovecot refuses uid 0 for mail; nobody exists everywhere.
    owner = pwd.getpwnam("nobody")
    home = root / "mail" / USER
    home.mkdir(parents=True)
    for path in (root / "mail", home):
        os.chown(path, owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{home}::\n", encoding="utf-8"
    )
    imap_port, imaps_port = free_port(), free_port()
    config = root / "dovecot.conf"
    config.write_text(
        _config(version).format(
            root=root,
            cert=certs.cert_file,
            key=certs.key_file,
            imap_port=imap_port,
            imaps_port=imaps_port,
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    server = Dovecot(imap_port=imap_port, imaps_port=imaps_port, root=root, version=version)
    try:
        _wait(process, [imap_port, imaps_port], root / "dovecot.log")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
        # pytest shows a test's captured output only when it fails: the log is there then.
        print(f"--- Dovecot {version} log ---\n{server.log()}")
        shutil.rmtree(root, ignore_errors=True)
