"""The command line speaks the group's language everywhere: demo, help, errors, db upgrade."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerdesk.cli import main
from tests.cli_fixtures import CHAIR, MEETING, Desk, desk, english_words, group_file
from tests.conftest import ROOT


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_demo_runs_the_whole_cycle_in_danish_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Outside the repository the demo uses its packaged copy of config/norddjurs.toml.
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "demo")
    assert (code, err) == (0, "")
    assert "\n1. Indkaldelsen til mødet 2027-1 " in out
    assert "6. Udsendt til alle kontakter: " in out
    assert "dagsorden-2027-1-v1.pdf" in out
    # The status table names partners as people read them, not by slug.
    assert "Dansk Byggeri (lokalforening)" in out and "dansk-byggeri " not in out
    assert "PARTNERDESK_DATA_DIR=var/demo partnerdesk agenda show" in out
    assert english_words(out) == []
    assert (tmp_path / "var" / "demo" / "norddjurs.toml").exists()


def test_the_demo_refuses_a_folder_it_did_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    taken = tmp_path / "mine"
    taken.mkdir()
    (taken / "notes.txt").write_text("x", encoding="utf-8")
    code, _, err = _run(capsys, "demo", "--dir", str(taken))
    assert code == 2
    assert err == (
        f"partnerdesk: mappen {taken} findes og er ikke lavet af demoen; vælg en anden med --dir\n"
    )
    assert (taken / "notes.txt").exists()


def test_the_packaged_demo_group_is_the_repository_one() -> None:
    packaged = ROOT / "templates" / "demo" / "group.toml"
    assert packaged.read_text("utf-8") == (ROOT / "config" / "norddjurs.toml").read_text("utf-8")


def test_the_demo_speaks_english_for_an_english_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "config" / "norddjurs.toml").read_text("utf-8")
    english = tmp_path / "group.toml"
    english.write_text(text.replace('language = "da"', 'language = "en"', 1), "utf-8")
    code, out, _ = _run(capsys, "demo", "--dir", str(tmp_path / "d"), "--group", str(english))
    assert code == 0 and "\n1. The call for meeting 2027-1 " in out
    assert "agenda-2027-1-v1.pdf" in out


def test_db_upgrade_says_so_in_the_group_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTNERDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PARTNERDESK_DATABASE_URL", raising=False)
    da, en = group_file(tmp_path, "da"), group_file(tmp_path, "en")
    assert _run(capsys, "db", "upgrade", "--group", str(da)) == (
        0,
        "Databasen er opdateret\n",
        "",
    )
    assert _run(capsys, "db", "upgrade", "--group", str(en))[1] == "The database is up to date\n"
    assert (tmp_path / "var" / "partnerdesk.sqlite3").exists()


def test_help_is_danish_by_default_and_english_for_an_english_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PARTNERDESK_GROUPS", raising=False)
    code, out, _ = _run(capsys, "--help")
    assert code == 0 and out.startswith("Brug: partnerdesk ")
    assert "valgmuligheder:" in out and "vis denne hjælp og stop" in out
    assert "usage:" not in out and "show this help" not in out
    code, out, _ = _run(capsys, "agenda", "edit", "--help")
    assert code == 0 and "tilføj TITEL: nyt punkt" in out and "options:" not in out
    english = group_file(tmp_path, "en")
    code, out, _ = _run(capsys, "agenda", "edit", "--help", "--group", str(english))
    assert code == 0 and out.startswith("usage: partnerdesk agenda edit")
    assert "add TITLE: a new item" in out
    monkeypatch.setenv("PARTNERDESK_GROUPS", str(english))
    code, out, _ = _run(capsys, "--help")
    assert out.startswith("usage: partnerdesk ")


def test_bad_input_is_one_danish_sentence_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    da = str(group_file(tmp_path, "da"))
    cases = [
        (("agenda", "show", "--group", da), "partnerdesk: mangler: --meeting, N; "),
        (("agenda", "draft", "--meeting", "x", "--group", da), "intet møde 'x'"),
        (("agenda", "late", "hop", "--meeting", MEETING, "--group", da), "'hop' er ikke en af"),
        (("nonsense",), "KOMMANDO: 'nonsense' er ikke en af demo, run"),
        (("agenda", "draft", "--meeting", MEETING, "--group", "/nope.toml"), "/nope.toml: grupp"),
    ]
    for argv, sentence in cases:
        code, _, err = _run(capsys, *argv)
        assert code == 2, argv
        assert err.count("\n") == 1 and sentence in err, (argv, err)
        assert english_words(err) == [], err


def test_no_english_line_reaches_a_danish_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    d: Desk = desk(tmp_path, "da", monkeypatch, capsys)
    seen: list[str] = []
    for argv in (
        ("call", "status", "--meeting", MEETING),
        ("call", "review", "--meeting", MEETING),
        ("call", "history", "--meeting", MEETING),
        ("call", "open", "--meeting", MEETING),
        ("call", "open", "--meeting", MEETING, "--deadline", "2020-01-01 12:00"),
        ("answer", "show", "1"),
        ("answer", "reread", "1"),
        ("answer", "show", "9999"),
        ("answer", "assign", "1", "--partner", "ingen-partner"),
        ("answer", "dismiss", "9999"),
        ("agenda", "draft", "--meeting", MEETING),
        ("agenda", "draft", "--meeting", MEETING, "--out", str(tmp_path / "udkast.txt")),
        ("agenda", "show", "--meeting", MEETING, "3"),
        ("agenda", "edit", "--meeting", MEETING, "luk", "4"),
        ("agenda", "edit", "--meeting", MEETING, "tilbage", "1"),
        ("agenda", "late", "vis", "--meeting", MEETING),
        ("agenda", "late", "afvis", "9999", "--meeting", MEETING, "--as", CHAIR),
        ("agenda", "approve", "--meeting", MEETING, "--as", CHAIR),
        ("agenda", "approve", "--meeting", MEETING, "--as", "tk@dania.example.org"),
        ("agenda", "publish", "--meeting", MEETING),
        ("agenda", "publish", "--meeting", MEETING),
        ("call", "close", "--meeting", MEETING),
        ("initiatives", "report"),
        ("run", "--once"),
        ("agenda", "edit", "--meeting", MEETING),
    ):
        code, out, err = d.run(*argv)
        assert code in (0, 2), argv
        assert "Traceback" not in err
        seen.append(out + err)
    found = english_words("\n".join(seen))
    assert found == [], found


def test_help_is_wrapped_to_the_terminal_s_width(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    helps = {}
    for columns in (50, 100):
        monkeypatch.setenv("COLUMNS", str(columns))
        code, out, err = _run(capsys, "parse", "--help")
        assert (code, err) == (0, "")
        assert "beskedfilen" in out and english_words(out) == []
        helps[columns] = out
    # Past the usage block (whose "[--channel {email,telegram}]" cannot be broken), argparse
    # leaves two columns free.
    options = helps[50].split("\n\n", 1)[1].splitlines()
    assert max(len(line) for line in options) <= 48
    setting = "indstillingsfil (linjer med NØGLE=VÆRDI)"
    assert setting not in helps[50] and setting in helps[100]
