"""Many groups in one deployment: PARTNERDESK_GROUPS names a folder of group files.

A municipality runs every committee from one service: a hundred groups of twenty partners
(two contacts each) in one database, their calls opened with one command, delivered to a real
SMTP server, and a reply to one group's call counted in that group only.
"""

from __future__ import annotations

import asyncio
import mailbox
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest

from agenda.errors import GroupFileError
from agenda.groupfile import group_files, load_groups
from partnerdesk.cli import main
from storage.engine import make_engine
from storage.repository import SqlStore
from tests.servers.smtpd import RunningSmtp, start_smtp

pytest_plugins = ["tests.storage_fixtures"]

GROUPS, PARTNERS, CONTACTS = 100, 20, 2
MEETING = "m-1"
REPLY_ADDRESS = "partnerskab@kommune.example.org"


def group_text(n: int, *, partners: int = PARTNERS, language: str = "da") -> str:
    """Group number n: its own partners and contacts, one meeting whose call is ahead.

    Times are taken from now because the command line runs on the real clock; every group
    shares the municipality's one reply mailbox, so only the reply token tells them apart.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    deadline, starts = now + timedelta(days=20), now + timedelta(days=30)
    lines = [
        "[group]",
        f'slug = "g{n:03d}"',
        f'name = "Udvalg {n:03d}"',
        f'language = "{language}"',
        'timezone = "Europe/Copenhagen"',
        f'reply_address = "{REPLY_ADDRESS}"',
        "[secretariat]",
        'name = "Sekretariatet"',
        f'email = "{REPLY_ADDRESS}"',
    ]
    for p in range(partners):
        lines += [
            "[[partners]]",
            f'slug = "p{p:02d}"',
            f'name = "Partner {p:02d} i udvalg {n:03d}"',
        ]
        contacts = [
            f'{{ name = "Kontakt {c} {p:02d} {n:03d}", email = "{contact(n, p, c)}", '
            f'role = "{"chair" if p == 0 and c == 0 else "member"}" }}'
            for c in range(CONTACTS)
        ]
        lines.append(f"contacts = [{', '.join(contacts)}]")
    lines += [
        "[[meetings]]",
        f'id = "{MEETING}"',
        f'starts_at = "{starts.isoformat()}"',
        f'call_deadline = "{deadline.isoformat()}"',
        'location = "Rådhuset"',
    ]
    return "\n".join(lines) + "\n"


def contact(group: int, partner: int, number: int) -> str:
    """The address of one contact; unique across the whole deployment."""
    return f"k{number}.p{partner:02d}.g{group:03d}@partner.example.org"


def write_groups(folder: Path, count: int, **kwargs: object) -> Path:
    """count group files in folder, named so that sorting keeps their order."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"g{n:03d}.toml").write_text(group_text(n, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return folder


def _env(monkeypatch: pytest.MonkeyPatch, folder: Path, data_dir: Path, **more: str) -> None:
    for name in ("DATA_DIR", "DATABASE_URL", "GROUPS", "SMTP_URL", "IMAP_URL", "TELEGRAM_TOKEN"):
        monkeypatch.delenv(f"PARTNERDESK_{name}", raising=False)
    monkeypatch.setenv("PARTNERDESK_GROUPS", str(folder))
    monkeypatch.setenv("PARTNERDESK_DATA_DIR", str(data_dir))
    for name, value in more.items():
        monkeypatch.setenv(f"PARTNERDESK_{name}", value)


# Loading a folder ----------------------------------------------------------------------------


def test_a_folder_stands_for_every_group_file_in_it_sorted(tmp_path: Path) -> None:
    folder = write_groups(tmp_path / "groups", 3, partners=2)
    (folder / "README.txt").write_text("not a group", encoding="utf-8")
    loaded = load_groups([folder])
    assert list(loaded.groups) == ["g000", "g001", "g002"]
    assert loaded.broken == ()
    assert group_files([folder]) == sorted(folder.glob("*.toml"))


def test_a_broken_file_is_set_aside_and_named_while_the_others_load(tmp_path: Path) -> None:
    folder = write_groups(tmp_path / "groups", 3, partners=2)
    (folder / "g001.toml").write_text("[group]\nslug = 'g001'\nname = \n", encoding="utf-8")
    loaded = load_groups([folder])
    assert list(loaded.groups) == ["g000", "g002"]
    assert len(loaded.broken) == 1
    assert "g001.toml" in str(loaded.broken[0])


def test_two_files_for_one_group_is_one_error_naming_both(tmp_path: Path) -> None:
    folder = write_groups(tmp_path / "groups", 2, partners=2)
    (folder / "zz-copy.toml").write_text(group_text(1, partners=2), encoding="utf-8")
    with pytest.raises(GroupFileError) as raised:
        load_groups([folder])
    sentence = str(raised.value)
    assert "zz-copy.toml" in sentence and "g001.toml" in sentence and "'g001'" in sentence


def test_a_folder_without_group_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(GroupFileError, match="no group files"):
        load_groups([tmp_path / "empty"])


def test_the_command_line_names_the_broken_file_and_runs_the_other_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_groups(tmp_path / "groups", 3, partners=2)
    (folder / "g002.toml").write_text("[group\n", encoding="utf-8")
    _env(monkeypatch, folder, tmp_path / "var")
    code = main(["call", "open", "--all"])
    out, err = capsys.readouterr()
    # The two good groups' calls are out (in the Maildir outbox); the broken one is named.
    assert "g000: " in out and "g001: " in out and "g002" not in out
    assert "g002.toml" in err and "de øvrige 2 grupper kører" in err
    assert "Traceback" not in err
    assert code == 1
    assert len(list(mailbox.Maildir(tmp_path / "var" / "mail" / "outbox"))) == 2 * 2 * CONTACTS


def test_the_command_line_refuses_two_files_for_one_group_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_groups(tmp_path / "groups", 2, partners=2)
    (folder / "zz-copy.toml").write_text(group_text(0, partners=2), encoding="utf-8")
    _env(monkeypatch, folder, tmp_path / "var")
    code = main(["call", "open", "--all"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and "zz-copy.toml" in err and "g000.toml" in err


def test_call_open_all_opens_each_groups_next_meeting_with_a_deadline_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_groups(tmp_path / "groups", 2, partners=2)
    _env(monkeypatch, folder, tmp_path / "var")
    deadline = (datetime.now(UTC) + timedelta(days=25)).strftime("%Y-%m-%d 10:00")
    assert main(["call", "open", "--all", "--deadline", deadline]) == 0
    out = capsys.readouterr().out
    assert "g000: Indkaldelsen til mødet m-1 er åben" in out
    assert "for 2 af 2 grupper" in out and "8 e-mails i kø, 8 afsendt" in out
    assert main(["call", "open", "--all"]) == 0
    again = capsys.readouterr().out
    assert again.count(f"er allerede åben; fristen er {deadline}") == 2


def test_call_open_needs_a_meeting_or_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_groups(tmp_path / "groups", 1, partners=2)
    _env(monkeypatch, folder, tmp_path / "var")
    assert main(["call", "open"]) == 2
    assert "--all" in capsys.readouterr().err


# A hundred groups ----------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[RunningSmtp]:
    """A plain SMTP sink on loopback that keeps every message."""
    yield from start_smtp()


def _calls_by_recipient(smtp: RunningSmtp) -> dict[str, list[EmailMessage]]:
    got: dict[str, list[EmailMessage]] = {}
    for message in smtp.script.messages():
        got.setdefault(parseaddr(str(message["To"]))[1], []).append(message)
    return got


async def _answers(url: str, group: str) -> list[tuple[str | None, str]]:
    engine = make_engine(url)
    try:
        answers = await SqlStore(engine).answers(group, MEETING)
    finally:
        await engine.dispose()
    return [(a.partner, a.sender) for a in answers]


def test_a_hundred_groups_get_their_own_calls_and_replies_stay_in_their_group(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smtp: RunningSmtp,
    database_url: str,
) -> None:
    database = database_url
    folder = write_groups(tmp_path / "groups", GROUPS)
    data_dir = tmp_path / "var"
    _env(
        monkeypatch,
        folder,
        data_dir,
        DATABASE_URL=database,
        SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        SMTP_MAX_CONNECTIONS="4",
    )

    assert main(["call", "open", "--all"]) == 0
    out, err = capsys.readouterr()
    total = GROUPS * PARTNERS * CONTACTS
    assert f"Indkaldelser åbnet for {GROUPS} af {GROUPS} grupper" in out, out[-500:] + err
    assert f"{total} e-mails i kø, {total} afsendt" in out

    # Every contact got exactly one call, and it is its own group's.
    got = _calls_by_recipient(smtp)
    assert Counter(len(m) for m in got.values()) == Counter({1: total})
    for n in (0, 41, GROUPS - 1):
        for p in (0, PARTNERS - 1):
            for c in range(CONTACTS):
                (message,) = got[contact(n, p, c)]
                assert f"Udvalg {n:03d}" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for address, (message,) in got.items():
        group = address.split(".")[2].split("@")[0]
        assert f"Udvalg {group[1:]}" in str(message["Subject"]) + str(
            message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        )

    # Opening again sends nothing: every call is open already.
    assert main(["call", "open", "--all"]) == 0
    assert f"{GROUPS} var allerede åbne" in capsys.readouterr().out
    assert len(smtp.script.received) == total

    # A partner of group 41 answers its call; one pass of the service reads it.
    call = got[contact(41, 7, 1)][0]
    reply = EmailMessage()
    reply["From"] = contact(41, 7, 1)
    reply["To"] = str(call["Reply-To"])
    reply["Subject"] = f"Re: {call['Subject']}"
    reply["Message-ID"] = "<svar-41-7@partner.example.org>"
    reply["In-Reply-To"] = str(call["Message-ID"])
    reply.set_content(
        "Hej\n\nVi har ingen punkter til dagsordenen denne gang.\n\nVenlig hilsen\nKontakt"
    )
    mailbox.Maildir(data_dir / "mail" / "inbox").add(reply.as_bytes())
    assert main(["run", "--once"]) == 0, capsys.readouterr()
    capsys.readouterr()

    assert asyncio.run(_answers(database, "g041")) == [("p07", contact(41, 7, 1))]
    for other in ("g040", "g042", "g000"):
        assert asyncio.run(_answers(database, other)) == []
    # The echo went to the sender, and only to them.
    echoes = [m for m in smtp.script.messages()[total:] if "svar-41-7" in str(m["In-Reply-To"])]
    assert [parseaddr(str(m["To"]))[1] for m in echoes] == [contact(41, 7, 1)]
