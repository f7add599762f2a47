"""The vocabulary files: every language names the same lists, and every phrase compiles."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from agenda.lexicon import FIELDS, lexicon, phrase_pattern
from agenda.sentences import ROLES

FILES = sorted(
    entry.name
    for entry in resources.files("agenda.lexicon").iterdir()
    if entry.name.endswith(".toml")
)


def _load(name: str) -> dict[str, object]:
    text = resources.files("agenda.lexicon").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_there_is_a_vocabulary_for_each_group_language() -> None:
    assert {"da.toml", "en.toml"} <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_each_vocabulary_names_every_list_and_field(name: str) -> None:
    data = _load(name)
    reference = _load("da.toml")
    assert isinstance(data["fallback_title"], str) and data["fallback_title"]
    labels, phrases = data["labels"], data["phrases"]
    assert isinstance(labels, dict) and isinstance(phrases, dict)
    assert set(labels) == set(FIELDS)
    assert isinstance(reference["phrases"], dict)
    assert set(phrases) == set(reference["phrases"])
    for role in ROLES:
        assert phrases.get(role), f"{name}: no phrases for {role}"


def test_every_phrase_compiles_and_subject_markers_have_a_slot() -> None:
    lex = lexicon()
    for words in lex.phrases.values():
        for phrase in words:
            assert phrase_pattern(phrase)
    for phrase in lex.phrases["subject_markers"] + lex.phrases["subject_markers_weak"]:
        assert phrase.count("{}") == 1, phrase


def test_english_labels_are_read_in_a_danish_mail() -> None:
    assert lexicon().labels["background"] == "background"
    assert lexicon().labels["baggrund"] == "background"
