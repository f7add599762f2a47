"""The secretariat's commands as typed: open with a deadline, review, answer …, close, run."""

from __future__ import annotations

import mailbox
import re
import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid
from pathlib import Path

import pytest

from partnerdesk.cli import main
from tests.conftest import CORPUS_GROUP

MEETING = "2026-2"


def _group(folder: Path, language: str = "da") -> Path:
    """The corpus group with its meeting years ahead, so no clock of today decides anything."""
    text = CORPUS_GROUP.read_text(encoding="utf-8")
    text = text.replace("2026-12-08T", "2036-12-08T").replace("2026-11-27T", "2036-11-27T")
    text = re.sub(r'language = "da"', f'language = "{language}"', text)
    path = folder / f"group-{language}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def secretary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Embedded defaults in a fresh folder, the group configured as a secretary would."""
    monkeypatch.setenv("PARTNERDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PARTNERDESK_GROUPS", str(_group(tmp_path)))
    return tmp_path / "var"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _body(message: mailbox.MaildirMessage) -> str:
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def _mail(data: Path, sender: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "partnerskab@norddjurs.example.org"
    message["Subject"] = "Punkt til mødet"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(text)
    mailbox.Maildir(data / "mail" / "inbox", create=True).add(message.as_bytes())


def test_open_refuses_a_passed_deadline_and_says_how_to_set_a_new_one(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "call", "open", "--meeting", MEETING, "--deadline", "2020-01-10")
    assert code == 2 and out == ""
    assert "er overskredet" in err and "--deadline" in err and "Traceback" not in err
    code, _, err = _run(capsys, "call", "open", "--meeting", MEETING, "--deadline", "i morgen")
    assert code == 2 and "kan ikke læses" in err


def test_open_with_a_new_deadline_mails_it_and_a_second_open_says_already_open(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "call", "open", "--meeting", MEETING, "--deadline", "2036-11-20 10:00"
    )
    assert code == 0 and "er åben" in out and "18 e-mails i kø, 18 afsendt" in out
    sent = list(mailbox.Maildir(secretary / "mail" / "outbox", create=False))
    # Every partner is told the new deadline, in Danish.
    assert all("20. november 2036 kl. 10.00" in _body(m) for m in sent)
    code, out, _ = _run(capsys, "call", "open", "--meeting", MEETING)
    assert code == 0 and out.strip() == (
        "Indkaldelsen til mødet 2026-2 er allerede åben; fristen er 2036-11-20 10:00."
    )


def test_review_show_assign_and_history_as_typed(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "call", "open", "--meeting", MEETING)[0] == 0
    _mail(
        secretary,
        "Lone Winther <lw@dania.example.org>",
        "Vi foreslår et punkt om elevernes trivsel.",
    )
    code, out, _ = _run(capsys, "run", "--once")
    assert code == 0 and "1 holdt til sekretariatet" in out
    code, out, _ = _run(capsys, "call", "review", "--meeting", MEETING)
    assert code == 0
    assert "holdt (ukendt afsender)  lw@dania.example.org" in out
    assert "Emne: Punkt til mødet" in out and "elevernes trivsel" in out
    assert "1 at se på" in out
    number = re.search(r"^\s*(\d+)\s+holdt", out, re.M)
    assert number is not None
    n = number.group(1)
    code, out, _ = _run(capsys, "answer", "show", n)
    assert code == 0 and "Fra:       lw@dania.example.org" in out
    assert "Forslag 1: Elevernes trivsel" in out
    code, out, _ = _run(capsys, "answer", "assign", n, "--partner", "dania")
    assert code == 0 and "tæller nu for Dania" in out and "tilføj adressen" in out
    code, out, _ = _run(capsys, "call", "review", "--meeting", MEETING)
    assert out.strip() == "Intet at se på."
    code, out, _ = _run(capsys, "call", "history", "--meeting", MEETING)
    assert "Dania" in out and "Elevernes trivsel" in out and "modtaget" in out
    code, out, _ = _run(capsys, "answer", "reread", n)
    assert code == 0 and "læst igen: modtaget" in out and "1 forslag" in out


def test_long_review_and_history_lists_are_cut_with_a_sentence_saying_how_many_more(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "call", "open", "--meeting", MEETING)[0] == 0
    for n in range(3):
        _mail(secretary, f"Ukendt {n} <u{n}@ukendt.example.org>", f"Vi foreslår punkt {n}.")
    assert _run(capsys, "run", "--once")[0] == 0
    code, out, _ = _run(capsys, "call", "review", "--meeting", MEETING, "--limit", "2")
    assert code == 0
    assert out.count("holdt (ukendt afsender)") == 2
    assert "og 1 mere, som ikke er vist; brug --limit N" in out and "3 at se på" in out
    code, out, _ = _run(capsys, "call", "history", "--meeting", MEETING, "--limit", "1")
    assert code == 0 and "u0@ukendt.example.org" in out and "u1@" not in out
    assert "og 2 mere, som ikke er vist" in out
    code, out, _ = _run(capsys, "call", "history", "--meeting", MEETING)
    assert "u2@ukendt.example.org" in out and "mere, som ikke er vist" not in out


def test_dismiss_and_a_wrong_number_or_partner_get_one_sentence(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "call", "open", "--meeting", MEETING)[0] == 0
    _mail(secretary, "Tilbud <offer@example.net>", "Køb vores kaffemaskiner!")
    _run(capsys, "run", "--once")
    code, out, err = _run(capsys, "answer", "show", "99")
    assert code == 2 and err.count("\n") == 1 and "intet svar nummer 99" in err
    code, _, err = _run(capsys, "answer", "assign", "1", "--partner", "ingen")
    assert code == 2 and "'ingen' er ikke en partner" in err
    code, out, _ = _run(capsys, "answer", "dismiss", "1")
    assert code == 0 and "Svar 1 er afvist" in out
    assert _run(capsys, "call", "review", "--meeting", MEETING)[1].strip() == "Intet at se på."


def test_closing_by_hand_sends_the_draft_to_the_chair(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "call", "open", "--meeting", MEETING)[0] == 0
    code, out, _ = _run(capsys, "call", "close", "--meeting", MEETING)
    assert code == 0 and "er lukket" in out and "sendt til formanden" in out
    sent = [m for m in mailbox.Maildir(secretary / "mail" / "outbox", create=False)]
    drafts = [m for m in sent if str(m["Message-ID"]).startswith("<draft-")]
    assert {str(m["To"]) for m in drafts} >= {"lene.kjaer@norddjurs.example.org"}


def test_an_unreachable_mail_server_fails_loudly(
    secretary: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    # Nothing listens on the port now: every connection is refused.
    monkeypatch.setenv("PARTNERDESK_SMTP_URL", f"smtp://127.0.0.1:{port}")
    code, out, err = _run(capsys, "call", "open", "--meeting", MEETING)
    assert code == 1
    assert "18 e-mails i kø, 0 afsendt" in out
    assert "Ingen e-mails kunne sendes" in err and "PARTNERDESK_SMTP_URL" in err
    code, out, err = _run(capsys, "run", "--once")
    assert code == 1 and "Ingen e-mails kunne sendes" in err
    code, out, _ = _run(capsys, "call", "status", "--meeting", MEETING)
    assert "18 venter på afsendelse" in out


def test_an_english_group_hears_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNERDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PARTNERDESK_GROUPS", str(_group(tmp_path, "en")))
    code, out, _ = _run(capsys, "call", "open", "--meeting", MEETING)
    assert code == 0 and "is open: 18 e-mails queued, 18 sent" in out
    assert _run(capsys, "call", "review", "--meeting", MEETING)[1].strip() == "Nothing to review."
    code, _, err = _run(capsys, "answer", "show", "5")
    assert code == 2 and "There is no answer number 5" in err


def test_run_once_works_off_a_backlog_larger_than_one_pass(
    secretary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "call", "open", "--meeting", MEETING)[0] == 0
    # More than a pass fetches (100) and more echoes than a pass sends (50).
    for n in range(110):
        _mail(secretary, f"Ukendt {n} <ukendt{n}@example.net>", f"Besked nummer {n}.")
    code, out, _ = _run(capsys, "run", "--once")
    assert code == 0, out
    assert "110 hentet" in out and "110 læst" in out and "110 sendt" in out
    assert list(mailbox.Maildir(secretary / "mail" / "inbox", create=False)) == []
