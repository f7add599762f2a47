"""Understanding what partners wrote: fields, lists, prose, nothing to add, updates, handovers."""

from __future__ import annotations

import pytest

from agenda.groupfile import load_group
from agenda.model import Group
from agenda.reader import read_text
from tests.conftest import CORPUS_GROUP


@pytest.fixture(scope="module")
def group() -> Group:
    return load_group(CORPUS_GROUP)


def test_labelled_fields_in_any_case_bold_or_plain(group: Group) -> None:
    text = (
        "**Titel:** Lærlinge i industrien\n"
        "BAGGRUND: Der mangler 40 lærlinge.\n"
        "*Indstilling:* Det indstilles, at gruppen drøfter sagen.\n"
        "sagsfremstilling: Vi har talt med 12 virksomheder.\n"
        "Bilag: notat.pdf\n"
    )
    (p,) = read_text(text, group, partner="tradium", attachments=("notat.pdf",)).proposals
    assert p.title == "Lærlinge i industrien"
    assert p.background == "Der mangler 40 lærlinge."
    assert p.recommendation == "Det indstilles, at gruppen drøfter sagen."
    assert p.description == "Vi har talt med 12 virksomheder."
    assert p.attachments == ("notat.pdf",)


def test_english_labels_and_several_numbered_proposals(group: Group) -> None:
    text = (
        "1. Title: Graduates and local jobs\nBackground: Only a third stay.\n"
        "Recommendation: We suggest a joint survey.\n\n"
        "2. Title: Summer jobs\nRecommendation: We propose a summer job desk.\n"
    )
    reading = read_text(text, group, partner="dania")
    assert [p.title for p in reading.proposals] == ["Graduates and local jobs", "Summer jobs"]
    assert reading.proposals[1].recommendation == "We propose a summer job desk."


def test_a_prose_request_becomes_a_proposal_with_a_short_title(group: Group) -> None:
    text = (
        "Hej\nVi vil gerne have et punkt på om social dumping på byggepladserne. "
        "Der kommer mange udenlandske firmaer. Vi foreslår, at gruppen inviterer "
        "Arbejdstilsynet."
    )
    (p,) = read_text(text, group, partner="lo").proposals
    assert p.title.lower().startswith("social dumping")
    assert p.recommendation is not None and "inviterer Arbejdstilsynet" in p.recommendation


def test_a_practical_question_is_not_a_proposal(group: Group) -> None:
    reading = read_text("Hvornår er fristen? Og er mødet på Teams?", group, partner="eau")
    assert reading.proposals == ()
    assert reading.confidence < 0.6  # goes to the secretariat's review list


@pytest.mark.parametrize(
    "text",
    [
        "Vi har ingen punkter denne gang.",
        "Vi melder pas til dette møde.",
        "Intet fra HORESTA denne gang.",
        "Nothing from us this time, thanks.",
        "No new agenda items from us.",
    ],
)
def test_nothing_to_add_in_its_many_forms(group: Group, text: str) -> None:
    reading = read_text(text, group, partner="horesta")
    assert reading.nothing_to_add
    assert reading.is_answer


def test_an_update_by_code_keeps_the_news_and_the_ball_stays(group: Group) -> None:
    text = "Status på I-1: 21 nye aftaler, vi mangler 9. Bolden bliver hos os."
    (u,) = read_text(text, group, partner="dansk-byggeri").updates
    assert u.initiative == "I-1"
    assert "21 nye aftaler" in u.status
    assert u.owner is None


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("Status på I-2: 142 kursister. Tradium overtager bolden fra 1. januar.", "tradium"),
        ("Status på I-3: 14 startet, og fra april overtager Tradium bolden.", "tradium"),
        ("I-7 går godt med 39 virksomheder. Bolden går videre til Dania fra nytår.", "dania"),
    ],
)
def test_the_ball_moves_to_the_partner_named(group: Group, text: str, owner: str) -> None:
    (u,) = read_text(text, group, partner="aarhus-tech").updates
    assert u.owner == owner


def test_an_initiative_named_with_a_typo_is_found(group: Group) -> None:
    text = "Kort nyt om karriere messen: nu 39 virksomheder tilmeldt."
    (u,) = read_text(text, group, partner="viden-djurs").updates
    assert u.initiative == "I-7"


def test_a_mention_in_passing_is_not_an_update(group: Group) -> None:
    text = "Vi vil gerne have et punkt om lærlinge, som ligner I-1. Vi foreslår en kampagne."
    reading = read_text(text, group, partner="tradium")
    assert reading.updates == ()
    assert len(reading.proposals) == 1


def test_goals_named_in_a_proposal_are_read(group: Group) -> None:
    text = "Titel: Partnerskabsdag\nBaggrund: Med fokus på verdensmål 17 og SDG 4."
    (p,) = read_text(text, group, partner="eau").proposals
    assert p.sdgs == (4, 17)
