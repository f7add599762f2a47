"""The group file: what loads, and the one sentence each mistake gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from agenda.errors import GroupFileError
from agenda.groupfile import load_group, parse_group
from agenda.model import Language, Role

ROOT = Path(__file__).resolve().parents[1]
CORPUS_GROUP = ROOT.parent / "shared" / "corpus" / "group.toml"

GOOD = """
[group]
slug = "g"
name = "Gruppen"
reply_address = "g@k.example.org"
sdgs = [4, 8]
[secretariat]
name = "Sek"
email = "g@k.example.org"
[[partners]]
slug = "a"
name = "A"
contacts = [{ name = "Formand", email = "F@a.example.org", role = "chair" }]
[[partners]]
slug = "b"
name = "B"
contacts = [{ name = "Bo", email = "bo@b.example.org", telegram = "@BoB" }]
[[initiatives]]
code = "I-1"
title = "Noget"
owner = "b"
[[meetings]]
id = "m1"
starts_at = 2026-12-08T14:00:00
location = "Rådhuset"
call_deadline = 2026-11-27T12:00:00
"""


def test_corpus_group_loads_with_all_partners_and_chairs() -> None:
    group = load_group(CORPUS_GROUP)
    assert len(group.partners) == 17
    assert {c.role for c in group.chairs} == {Role.CHAIR, Role.VICE_CHAIR}
    assert group.initiative("I-3") is not None


def test_norddjurs_config_loads() -> None:
    group = load_group(ROOT / "config" / "norddjurs.toml")
    assert len(group.partners) >= 16
    assert group.meetings


def test_addresses_are_matched_case_insensitively() -> None:
    group = parse_group(GOOD, "g.toml")
    found = group.contact_by_email("f@A.EXAMPLE.ORG")
    assert found is not None and found[0].slug == "a"
    assert group.contact_by_telegram("bob") is not None


def test_times_without_offset_are_local_to_the_group() -> None:
    meeting = parse_group(GOOD, "g.toml").meeting("m1")
    assert meeting is not None
    assert meeting.starts_at.utcoffset() is not None
    assert meeting.starts_at.hour == 14


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('owner = "b"', 'owner = "zz"'),
            "[[initiatives]] 'I-1': owner 'zz' is not a partner slug",
        ),
        (('"bo@b.example.org"', '"f@a.example.org"'), "e-mail f@a.example.org is already"),
        (('role = "chair"', 'role = "member"'), "no contact has role 'chair'"),
        (
            ("call_deadline = 2026-11-27T12:00:00", "call_deadline = 2026-12-09T12:00:00"),
            "call_deadline must come before the meeting starts",
        ),
        (("sdgs = [4, 8]", "sdgs = [4, 18]"), "goal numbers from 1 to 17"),
        (('role = "chair"', 'role = "boss"'), "role 'boss' is not one of"),
        (('slug = "a"', 'slug = "A B"'), "slug 'A B' may hold only"),
        (
            ('telegram = "@BoB"', 'telegram = "@BoB", language = "de"'),
            "[[partners]] 'b' contacts #1: language 'de' is not one of da, en",
        ),
        (('reply_address = "g@k.example.org"', 'reply_address = "nope"'), "is not an e-mail"),
        (("[secretariat]", "[secretary]"), "[secretariat]: the section is missing"),
        (
            ('owner = "b"', 'owner = "b"\n[[initiatives]]\ncode = "I-1"\ntitle = "x"\nowner = "a"'),
            "[[initiatives]] 'I-1': the code is used twice",
        ),
    ],
)
def test_each_mistake_gets_one_sentence_naming_file_and_entry(
    change: tuple[str, str], message: str
) -> None:
    text = GOOD.replace(*change, 1)
    with pytest.raises(GroupFileError) as caught:
        parse_group(text, "g.toml")
    sentence = str(caught.value)
    assert sentence.startswith("g.toml: ")
    assert message in sentence
    assert "\n" not in sentence


def test_a_contact_may_read_another_language_than_the_group() -> None:
    text = GOOD.replace('telegram = "@BoB"', 'telegram = "@BoB", language = "en"', 1)
    group = parse_group(text, "g.toml")
    assert group.language is Language.DA
    bo = group.contact_by_email("bo@b.example.org")
    chair = group.contact_by_email("f@a.example.org")
    assert bo is not None and bo[1].language is Language.EN
    assert chair is not None and chair[1].language is None


def test_two_approvals_need_a_vice_chair() -> None:
    text = GOOD.replace("reply_address", "approvals_required = 2\nreply_address", 1)
    with pytest.raises(GroupFileError, match="vice_chair"):
        parse_group(text, "g.toml")


def test_broken_toml_and_missing_file_are_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(GroupFileError, match=r"^x.toml: is not valid TOML"):
        parse_group("[group\n", "x.toml")
    with pytest.raises(GroupFileError, match="does not exist"):
        load_group(tmp_path / "missing.toml")
