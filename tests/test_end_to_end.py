"""The real thing: the CLI against aiosmtpd (SMTP) and Dovecot (IMAP) on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from tests.conftest import CORPUS, CORPUS_GROUP
from tests.dovecot_server import PASSWORD, USER, Dovecot, start_dovecot
from tests.smtp_server import Certs, RunningSmtp, make_certs, start_smtp


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("e2e"))


@pytest.fixture
def dovecot(certs: Certs) -> Iterator[Dovecot]:
    yield from start_dovecot(certs)


@pytest.fixture
def smtp(certs: Certs) -> Iterator[RunningSmtp]:
    yield from start_smtp(certs=certs)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partnerdesk.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _append_raw(server: Dovecot, raw: bytes) -> None:
    import imaplib

    client = imaplib.IMAP4("127.0.0.1", server.imap_port)
    client.login(USER, PASSWORD)
    client.append("INBOX", "", imaplib.Time2Internaldate(0), raw)
    client.logout()


def test_call_goes_out_by_smtp_replies_come_in_by_imap_and_reach_the_draft(
    tmp_path: Path, certs: Certs, dovecot: Dovecot, smtp: RunningSmtp
) -> None:
    group = tmp_path / "group.toml"
    group.write_text(
        CORPUS_GROUP.read_text(encoding="utf-8")
        .replace("2026-12-08T", "2036-12-08T")
        .replace("2026-11-27T", "2036-11-27T"),
        encoding="utf-8",
    )
    env = {
        "PARTNERDESK_DATA_DIR": str(tmp_path / "var"),
        "PARTNERDESK_GROUPS": str(group),
        "PARTNERDESK_SMTP_URL": f"smtp+starttls://127.0.0.1:{smtp.port}",
        "PARTNERDESK_SMTP_CA_FILE": str(certs.ca_file),
        "PARTNERDESK_IMAP_URL": dovecot.url("imaps"),
        "PARTNERDESK_IMAP_CA_FILE": str(certs.ca_file),
    }
    opened = _cli(env, "call", "open", "--meeting", "2026-2")
    assert opened.returncode == 0, opened.stderr
    assert len(smtp.script.received) == 18
    first = message_from_bytes(smtp.script.received[0].original_content or b"", policy=default)
    assert "+" in str(first["Reply-To"])

    for name in (
        "dev-01-byggeri-laerlingekampagne.eml",
        "dev-09-businessdjursland-tre-punkter.eml",
    ):
        _append_raw(dovecot, (CORPUS / "replies" / name).read_bytes())
    ran = _cli(env, "run", "--once")
    assert ran.returncode == 0, ran.stderr
    echoes = [
        e for e in smtp.script.received if b"Message-ID: <echo-" in (e.original_content or b"")
    ]
    assert len(echoes) == 2
    assert _cli(env, "run", "--once").returncode == 0  # nothing is read twice
    draft = _cli(env, "agenda", "draft", "--meeting", "2026-2", "--format", "json")
    assert draft.returncode == 0, draft.stderr
    items = json.loads(draft.stdout)["items"]
    proposals = [i for i in items if i["kind"] == "proposal"]
    assert len(proposals) == 4
    assert {p for i in proposals for p in i["proposers"]} == {
        "Dansk Byggeri (lokalforening)",
        "Business Djursland",
    }
