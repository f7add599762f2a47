"""Compiling the draft agenda from answers."""

from __future__ import annotations

from agenda.agenda import Agenda, ItemKind
from agenda.compile import compile_agenda, current_owners
from agenda.reading import InitiativeUpdate, MessageKind, Proposal
from agenda.records import AnswerStatus
from tests.domain_fixtures import DEADLINE, MEETING, answer, small_group


def test_standard_items_frame_the_proposals_in_order() -> None:
    group = small_group()
    answers = [answer("horesta", proposals=(Proposal("Sæsonarbejdskraft", "b", "r"),))]
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE)
    kinds = [i.kind for i in agenda.items]
    assert kinds == [
        ItemKind.APPROVE_AGENDA,
        ItemKind.APPROVE_MINUTES,
        ItemKind.SINCE_LAST,
        ItemKind.PROPOSAL,
        ItemKind.ANY_OTHER_BUSINESS,
    ]
    assert agenda.items[3].proposers == ("HORESTA",)


def test_same_subject_from_two_partners_is_one_item_keeping_both_proposers() -> None:
    group = small_group()
    answers = [
        answer("horesta", proposals=(Proposal("Rekruttering af kokkeelever", "x", "a"),)),
        answer("tradium", proposals=(Proposal("Kokkeelever rekruttering", "y", "b"),), minutes=5),
        answer("lo", proposals=(Proposal("Social dumping", "z"),), minutes=9),
    ]
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE)
    proposals = [i for i in agenda.items if i.kind is ItemKind.PROPOSAL]
    assert len(proposals) == 2
    merged = proposals[0]
    assert merged.merged
    assert merged.proposers == ("HORESTA", "Tradium")
    assert merged.background is not None and "x" in merged.background and "y" in merged.background


def test_held_late_and_automatic_answers_stay_off_the_agenda() -> None:
    group = small_group()
    answers = [
        answer(None, proposals=(Proposal("Fra en ukendt"),), status=AnswerStatus.HELD),
        answer("lo", proposals=(Proposal("For sent"),), status=AnswerStatus.LATE),
        answer("horesta", kind=MessageKind.AUTO_REPLY),
    ]
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE)
    assert not [i for i in agenda.items if i.kind is ItemKind.PROPOSAL]


def test_since_last_shows_updates_and_who_has_the_ball_after_a_handover() -> None:
    group = small_group()
    answers = [
        answer("lo", updates=(InitiativeUpdate("I-2", "12 i gang", owner="tradium"),)),
    ]
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE)
    since = next(i for i in agenda.items if i.kind is ItemKind.SINCE_LAST)
    status = {s.code: s for s in since.initiatives}
    assert status["I-2"].owner_name == "Tradium"
    assert status["I-2"].ball_moved_from == "LO"
    assert status["I-2"].updates == (("LO", "12 i gang"),)
    assert status["I-1"].owner_name == "HORESTA" and status["I-1"].updates == ()
    assert current_owners(group, answers)["I-2"] == "tradium"


def test_sdgs_outside_the_agreement_are_flagged() -> None:
    group = small_group()
    answers = [answer("lo", proposals=(Proposal("Klima", sdgs=(8, 13)),))]
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE)
    item = next(i for i in agenda.items if i.kind is ItemKind.PROPOSAL)
    assert item.sdgs_outside == (13,)


def test_an_agenda_survives_a_round_trip_through_json() -> None:
    group = small_group()
    answers = [
        answer("lo", proposals=(Proposal("Klima", "b", attachments=("bilag.pdf",)),)),
        answer("lo", updates=(InitiativeUpdate("I-2", "ok"),)),
    ]
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE, version=3)
    assert Agenda.from_dict(agenda.to_dict()) == agenda
