"""The secretariat's edits: each one a new version, replayed on every compile."""

from __future__ import annotations

import pytest

from agenda.agenda import Agenda, ItemKind
from agenda.compile import compile_agenda
from agenda.editing import Edit, apply_edits, apply_edits_strict, diff, key_at
from agenda.errors import NotFoundError, WorkflowError
from agenda.reading import Proposal
from tests.domain_fixtures import DEADLINE, MEETING, answer, small_group


def _agenda() -> Agenda:
    answers = [
        answer("horesta", proposals=(Proposal("Kokkeelever", "b1", "r1"),)),
        answer("lo", proposals=(Proposal("Social dumping", "b2"),), minutes=1),
        answer("tradium", proposals=(Proposal("Voksenlærlinge", "b3"),), minutes=2),
    ]
    return compile_agenda(small_group(), MEETING, answers, now=DEADLINE)


def _titles(agenda: Agenda) -> list[str]:
    return [i.title for i in agenda.items if i.kind is ItemKind.PROPOSAL]


def test_move_drop_and_add_keep_the_standard_frame() -> None:
    agenda = _agenda()
    moved = apply_edits(agenda, [Edit("move", key=key_at(agenda, 6), position=4)])
    assert _titles(moved) == ["Voksenlærlinge", "Kokkeelever", "Social dumping"]
    assert moved.items[-1].kind is ItemKind.ANY_OTHER_BUSINESS
    dropped = apply_edits(moved, [Edit("drop", key=key_at(moved, 5))])
    assert _titles(dropped) == ["Voksenlærlinge", "Social dumping"]
    added = apply_edits(dropped, [Edit("add", value="Budget 2028")])
    assert _titles(added)[-1] == "Budget 2028"
    assert added.items[-1].kind is ItemKind.ANY_OTHER_BUSINESS
    with pytest.raises(WorkflowError, match="standard items"):
        apply_edits_strict(agenda, Edit("drop", key=key_at(agenda, 1)))


def test_merge_then_split_gives_back_both_proposers() -> None:
    agenda = _agenda()
    merged = apply_edits(agenda, [Edit("merge", key=key_at(agenda, 4), other=key_at(agenda, 5))])
    item = merged.items[3]
    assert item.proposers == ("HORESTA", "LO")
    assert item.background == "b1\n\nb2"
    split = apply_edits(merged, [Edit("split", key=item.key)])
    assert _titles(split) == ["Kokkeelever", "Social dumping", "Voksenlærlinge"]
    assert split.items[4].proposers == ("LO",)


def test_close_set_and_diff_are_readable() -> None:
    agenda = _agenda()
    key = key_at(agenda, 5)
    edited = apply_edits(
        agenda, [Edit("close", key=key), Edit("set", key=key, field="recommendation", value="ny")]
    )
    assert edited.items[4].closed
    assert edited.items[4].recommendation == "ny"
    assert [i.title for i in edited.for_partners().items if i.kind is ItemKind.PROPOSAL] == [
        "Kokkeelever",
        "Voksenlærlinge",
    ]
    text = diff(agenda, edited)
    assert "+5. Social dumping [closed]" in text
    assert "+   recommendation: ny" in text
    worded = diff(agenda, edited, {"closed": "lukket", "recommendation": "Indstilling"})
    assert "+5. Social dumping [lukket]" in worded
    assert "+   Indstilling: ny" in worded


def test_an_edit_of_an_item_that_is_gone_is_skipped_on_replay_but_refused_when_made() -> None:
    agenda = _agenda()
    gone = Edit("drop", key="findes-ikke")
    assert apply_edits(agenda, [gone]).items == agenda.items
    with pytest.raises(NotFoundError):
        apply_edits_strict(agenda, gone)
    with pytest.raises(NotFoundError, match="no item 99"):
        key_at(agenda, 99)
