"""The newest answer counts: corrections, withdrawals, re-titles and additions."""

from __future__ import annotations

from agenda.agenda import ItemKind
from agenda.compile import compile_agenda
from agenda.reading import InitiativeUpdate, Proposal
from agenda.records import AnswerStatus
from agenda.revisions import Intent, current_answers, intent_of, revision, superseded
from tests.domain_fixtures import DEADLINE, MEETING, answer, small_group


def titles(answers: list) -> list[str]:  # type: ignore[type-arg]
    group = small_group()
    agenda = compile_agenda(group, MEETING, answers, now=DEADLINE)
    return [i.title for i in agenda.items if i.kind is ItemKind.PROPOSAL]


def test_a_correction_to_nothing_takes_the_earlier_proposal_back() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    second = answer(
        "horesta", nothing=True, minutes=30, text="Rettelse: vi har ingen punkter alligevel."
    )
    assert titles([first, second]) == []
    assert revision([first], second).replaced == ("Sæsonarbejdskraft",)
    assert superseded([first, second]) == [first.id]


def test_a_resend_under_a_new_title_is_one_item_not_two() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    second = answer(
        "horesta", proposals=(Proposal("Mangel på sæsonansatte i turismen"),), minutes=60
    )
    assert titles([first, second]) == ["Mangel på sæsonansatte i turismen"]


def test_one_more_item_in_a_second_mail_keeps_both() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    second = answer(
        "horesta",
        proposals=(Proposal("Kokkeelever"),),
        minutes=60,
        text="Hej igen, og så et punkt mere fra os: kokkeelever.",
    )
    assert titles([first, second]) == ["Sæsonarbejdskraft", "Kokkeelever"]
    change = revision([first], second)
    assert change.kept == ("Sæsonarbejdskraft",)
    assert change.replaced == ()


def test_a_withdrawal_naming_one_of_two_items_takes_back_that_one() -> None:
    first = answer(
        "horesta", proposals=(Proposal("Sæsonarbejdskraft"), Proposal("Kokkeelever på Djursland"))
    )
    second = answer(
        "horesta", minutes=60, text="Vi trækker punktet om kokkeelever på Djursland, tak."
    )
    assert titles([first, second]) == ["Sæsonarbejdskraft"]


def test_a_withdrawal_in_english_without_a_name_takes_back_everything() -> None:
    first = answer("horesta", proposals=(Proposal("Seasonal staff"),))
    second = answer("horesta", minutes=5, text="We withdraw our proposal for now.")
    assert titles([first, second]) == []


def test_two_contacts_of_one_partner_are_one_partner() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    colleague = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft 2027"),), minutes=9)
    colleague = colleague.__class__(**{**colleague.__dict__, "sender": "kollega@horesta.dk"})
    assert titles([first, colleague]) == ["Sæsonarbejdskraft 2027"]


def test_other_partners_are_never_replaced() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    other = answer("lo", nothing=True, minutes=5, text="Rettelse: ingen punkter fra os")
    assert titles([first, other]) == ["Sæsonarbejdskraft"]


def test_an_answer_with_only_an_update_leaves_the_proposals_standing() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    update = answer("horesta", updates=(InitiativeUpdate("I-1", "12 pladser"),), minutes=5)
    assert titles([first, update]) == ["Sæsonarbejdskraft"]
    standing = current_answers([first, update])
    assert [len(a.reading.updates) for a in standing] == [0, 1]


def test_a_newer_update_on_the_same_initiative_replaces_the_older() -> None:
    old = answer("horesta", updates=(InitiativeUpdate("I-1", "12 pladser", owner="lo"),))
    new = answer("horesta", updates=(InitiativeUpdate("I-1", "14 pladser"),), minutes=5)
    standing = current_answers([old, new])
    assert [u.status for a in standing for u in a.reading.updates] == ["14 pladser"]


def test_late_answers_count_only_once_admitted() -> None:
    first = answer("horesta", proposals=(Proposal("Sæsonarbejdskraft"),))
    late = answer(
        "horesta", proposals=(Proposal("Kokkeelever"),), minutes=5, status=AnswerStatus.LATE
    )
    assert titles([first, late]) == ["Sæsonarbejdskraft"]
    admitted = late.__class__(**{**late.__dict__, "status": AnswerStatus.ACCEPTED})
    assert titles([first, admitted]) == ["Kokkeelever"]


def test_intents_in_both_languages_and_in_other_words() -> None:
    assert intent_of("Glem det forrige, her er vores rigtige forslag") is Intent.REPLACE
    assert intent_of("Please disregard my last mail.") is Intent.REPLACE
    assert intent_of("Vi vil gerne tilføje endnu et punkt") is Intent.ADD
    assert intent_of("Here is one more item from us") is Intent.ADD
    assert intent_of("Punktet om turisme kan udgå") is Intent.WITHDRAW
    assert intent_of("We would like to retract the item") is Intent.WITHDRAW
    assert intent_of("Vi foreslår et punkt om trivsel") is Intent.NONE
