"""Error sentences come from the language's catalogue; the command line prints one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agenda.errors import NotFoundError, WorkflowError, error_catalogue
from partnerdesk.cli import main
from partnerdesk.texts import error_sentence
from tests.conftest import CORPUS_GROUP, ROOT


def _keys(language: str) -> set[str]:
    return set(error_catalogue(language))


def test_danish_and_english_catalogues_name_the_same_sentences() -> None:
    assert _keys("da") == _keys("en")
    for key, value in error_catalogue("da").items():
        if isinstance(value, str):
            english = error_catalogue("en")[key]
            # The same values are filled in, in both languages.
            assert set(re.findall(r"{(\w+)}", value)) == set(re.findall(r"{(\w+)}", english)), key


def test_an_error_is_english_in_logs_and_worded_in_the_group_language() -> None:
    error = NotFoundError("no_item", number=9, count=7)
    assert str(error) == "the agenda has no item 9 (it has 1 to 7)"
    assert error_sentence("da", error) == "dagsordenen har intet punkt 9 (den har punkt 1 til 7)"


def test_a_value_with_a_word_of_its_own_is_translated() -> None:
    error = WorkflowError("call_move_not_allowed", event="close", state="published")
    assert str(error) == "cannot close a call that is published"
    assert error_sentence("da", error) == "indkaldelsen er udsendt og kan ikke lukkes nu"


def test_an_uncatalogued_error_keeps_its_words() -> None:
    assert error_sentence("en", NotFoundError("SMTP host down")) == "SMTP host down"
    assert error_sentence("da", NotFoundError("SMTP host down")) == (
        "det lykkedes ikke: SMTP host down"
    )


def test_a_wrong_command_is_one_danish_sentence_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["agenda", "nonsense", "--group", str(CORPUS_GROUP)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("partnerdesk: HANDLING: 'nonsense' er ikke en af")
    assert "usage" not in err and "invalid choice" not in err


def test_a_missing_argument_is_worded_in_english_for_an_english_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english = tmp_path / "group.toml"
    text = CORPUS_GROUP.read_text(encoding="utf-8")
    english.write_text(text.replace('language = "da"', 'language = "en"'), encoding="utf-8")
    assert main(["call", "status", "--group", str(english)]) == 2
    err = capsys.readouterr().err
    assert err == "partnerdesk: missing: --meeting; see: partnerdesk call status --help\n"


def _sources() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("agenda", "partnerdesk", "storage", "mail", "bot")
        for path in (ROOT / folder).rglob("*.py")
    )


def test_every_sentence_key_raised_in_the_code_is_in_both_catalogues() -> None:
    # A key missing from a catalogue would reach the user as the bare key.
    used = set(re.findall(r"Error\(\s*\"([a-z][a-z0-9_]*)\"", _sources()))
    used |= set(re.findall(r"r\.fail\(\s*[^,]+,\s*\"([a-z][a-z0-9_]*)\"", _sources()))
    assert {"no_item", "group_no_chair", "call_move_not_allowed"} <= used
    for language in ("da", "en"):
        missing = used - _keys(language)
        assert not missing, (language, missing)
