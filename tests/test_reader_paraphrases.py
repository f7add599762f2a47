"""Each rule family read on sentences written differently from the corpus replies."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.groupfile import load_group
from agenda.model import Group, Language
from agenda.reader import read_text
from agenda.reading import MessageKind
from mail.html import html_to_text
from tests.conftest import CORPUS_GROUP

CALL = "SV: Indkaldelse af punkter til dagsorden – Koordinationsgruppen, møde 8. december"


@pytest.fixture(scope="module")
def group() -> Group:
    return load_group(CORPUS_GROUP)


# -- requests for a subject or for time, and the title they name ------------------------


@pytest.mark.parametrize(
    ("text", "title_words"),
    [
        (
            "Hi! Could we get 10 minutes on the agenda to introduce our new courses "
            "for unemployed welders?",
            {"courses", "welders"},
        ),
        (
            "Hej\nVi vil gerne fortælle om vores nye mentorordning for lærlinge på mødet.",
            {"mentorordning"},
        ),
        (
            "Kan vi tage ventetiden på svendeprøver op på næste møde?",
            {"ventetiden", "svendeprøver"},
        ),
        ("Vi kunne godt tænke os et pkt om praktik i udlandet.", {"praktik", "udlandet"}),
        ("We would like an item on apprenticeships in the wind industry, please.", {"wind"}),
        ("Vi vil gerne orientere lidt om vores nye karrierecafé i Grenaa.", {"karrierecafé"}),
        ("Jeg vil gerne rejse spørgsmålet om pendling fra Randers.", {"pendling", "randers"}),
    ],
)
def test_a_request_names_its_subject_as_the_title(
    group: Group, text: str, title_words: set[str]
) -> None:
    (p,) = read_text(text, group, partner="dania", subject=CALL).proposals
    assert title_words <= set(p.title.lower().replace("?", "").split())
    assert not p.title.lower().startswith(("hej", "hi", "vi ", "we ", "could"))


def test_a_head_before_a_dash_titles_the_proposal_announced_above(group: Group) -> None:
    text = (
        "Et punkt mere, hvis der er plads:\n\n"
        "Fælles sprogkurser – mange virksomheder efterspørger dansk for udenlandske ansatte. "
        "Vi foreslår, at jobcentret samler kurserne ét sted."
    )
    (p,) = read_text(text, group, partner="di").proposals
    assert p.title == "Fælles sprogkurser"
    assert p.recommendation is not None and "samler kurserne" in p.recommendation


def test_the_subject_line_titles_a_proposal_that_names_none(group: Group) -> None:
    text = "Vi foreslår, at gruppen inviterer Midttrafik til næste møde."
    (p,) = read_text(text, group, partner="horesta", subject="Natbusser til kysten").proposals
    assert p.title == "Natbusser til kysten"


def test_a_reply_subject_is_no_title_and_the_fallback_speaks_the_groups_language(
    group: Group,
) -> None:
    text = "We suggest that the group invites the ferry company to the next meeting."
    english = replace(group, language=Language.EN)
    reading = read_text(text, english, partner="dania", subject="Re: Call for agenda items")
    (p,) = reading.proposals
    assert p.title == "Proposal"
    assert reading.confidence < 0.6
    assert any("no title" in r for r in reading.reasons)
    (q,) = read_text(text, group, partner="dania", subject=CALL).proposals
    assert q.title == "Forslag"


# -- formulas and background --------------------------------------------------------------


@pytest.mark.parametrize(
    "formula",
    [
        "Vi vil gerne foreslå, at gruppen nedsætter en arbejdsgruppe.",
        "Derfor foreslår vi, at gruppen nedsætter en arbejdsgruppe.",
        "Vi anbefaler, at gruppen nedsætter en arbejdsgruppe.",
        "Tradium indstiller, at gruppen nedsætter en arbejdsgruppe.",
        "I propose that the group sets up a working group.",
        "We recommend that the group sets up a working group.",
    ],
)
def test_background_then_a_formula_is_one_proposal(group: Group, formula: str) -> None:
    text = (
        f"Vi vil gerne have et punkt om svejsere.\n\nDer mangler 35 svejsere på havnen. {formula}"
    )
    reading = read_text(text, group, partner="tradium")
    (p,) = reading.proposals
    assert p.background is not None and "35 svejsere" in p.background
    assert p.recommendation is not None and "working group" in p.recommendation.replace(
        "arbejdsgruppe", "working group"
    )
    assert reading.updates == ()


def test_a_background_paragraph_before_the_formula_is_no_update(group: Group) -> None:
    text = (
        "I bygge- og anlægsbranchen står 30 praktikpladser tomme, fordi mestrene mangler tid.\n\n"
        "Vi foreslår, at gruppen drøfter en fælles kampagne for praktikpladser."
    )
    reading = read_text(text, group, partner="lo")
    assert len(reading.proposals) == 1
    assert reading.updates == ()


# -- layout: lists, bullets, tables, headings ----------------------------------------------


def test_numbered_proposals_with_lettered_points_keep_their_titles(group: Group) -> None:
    text = (
        "Vi har tre forslag:\n\n"
        "1) Lærlinge i industrien\na. der mangler 40 lærlinge\nb. vi foreslår en kampagne\n\n"
        "2) Sommerjob til unge\na. mange unge mangler job\nb. vi foreslår en jobbørs\n\n"
        "3) Natbusser til kysten\na. bussen kører ikke om natten\nb. vi foreslår en natbus"
    )
    reading = read_text(text, group, partner="horesta")
    assert [p.title for p in reading.proposals] == [
        "Lærlinge i industrien",
        "Sommerjob til unge",
        "Natbusser til kysten",
    ]
    assert all(p.recommendation and "foreslår" in p.recommendation for p in reading.proposals)


def test_roman_numerals_number_proposals_too(group: Group) -> None:
    text = (
        "To punkter fra os:\n\n"
        "i. Kantinejob for ledige: Vi foreslår, at kantinerne tager ledige i praktik.\n"
        "ii. Ny cykelsti til havnen: Vi foreslår, at kommunen prioriterer stien."
    )
    reading = read_text(text, group, partner="lo")
    assert [p.title for p in reading.proposals] == [
        "Kantinejob for ledige",
        "Ny cykelsti til havnen",
    ]


def test_bullets_with_a_title_and_inline_labels_are_one_proposal_each(group: Group) -> None:
    text = (
        "Vores punkter:\n"
        "• Lærlinge i industrien – Baggrund: der mangler 40 lærlinge. – Indstilling: At "
        "gruppen drøfter en kampagne.\n"
        "• Sommerjob til unge – Baggrund: mange unge mangler job. – Indstilling: At gruppen "
        "støtter en jobbørs."
    )
    reading = read_text(text, group, partner="di")
    assert [p.title for p in reading.proposals] == ["Lærlinge i industrien", "Sommerjob til unge"]
    assert reading.proposals[1].background == "mange unge mangler job."
    assert reading.updates == ()


def test_a_proposal_in_an_html_table_is_read_by_its_first_column(group: Group) -> None:
    html = (
        "<p>Hej</p><table><tr><td><b>Emne</b></td><td><p>Natbusser til kysten</p></td></tr>"
        "<tr><td>Begrundelse</td><td>Bussen kører ikke efter kl. 22.</td></tr>"
        "<tr><td>Forslag til beslutning</td><td>At gruppen kontakter Midttrafik.</td></tr>"
        "</table>"
    )
    (p,) = read_text(html_to_text(html), group, partner="horesta").proposals
    assert p.title == "Natbusser til kysten"
    assert p.background == "Bussen kører ikke efter kl. 22."
    assert p.recommendation == "At gruppen kontakter Midttrafik."


def test_bold_html_headings_start_proposals(group: Group) -> None:
    html = (
        "<p>Vi har to punkter til dagsordenen:</p>"
        "<p><b>Robotter i små virksomheder</b><br>Vi foreslår et fælles kursus.</p>"
        "<p><strong>Sprogstøtte til elever</strong><br>Vi foreslår en sprogmentor.</p>"
    )
    reading = read_text(html_to_text(html), group, partner="dania")
    assert [p.title for p in reading.proposals] == [
        "Robotter i små virksomheder",
        "Sprogstøtte til elever",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Overskrift: Natbusser\nBaggrund for punktet: Bussen kører ikke.\nForslag til indstilling: "
        "At vi spørger Midttrafik.\nBeskrivelse: Vi har talt med tre hoteller.",
        "Emne: Natbusser\nBackground: Bussen kører ikke.\nRecommendation: At vi spørger "
        "Midttrafik.\nDescription: Vi har talt med tre hoteller.",
        "Vores punkt – Titel: Natbusser. Baggrund: Bussen kører ikke. Indstilling: At vi "
        "spørger Midttrafik. Sagsfremstilling: Vi har talt med tre hoteller.",
        "Titel\nNatbusser\nBaggrund\nBussen kører ikke.\nIndstilling\nAt vi spørger Midttrafik.\n"
        "Sagsfremstilling\nVi har talt med tre hoteller.",
        "Titel – Natbusser\nFormål – Bussen kører ikke.\nIndstilling – At vi spørger Midttrafik.\n"
        "Kort beskrivelse: Vi har talt med tre hoteller.",
    ],
)
def test_labels_are_read_in_their_variants_wherever_they_stand(group: Group, text: str) -> None:
    (p,) = read_text(text, group, partner="horesta").proposals
    assert p.title.rstrip(".") == "Natbusser"
    assert p.background == "Bussen kører ikke."
    assert p.recommendation == "At vi spørger Midttrafik."
    assert p.description == "Vi har talt med tre hoteller."


# -- nothing, questions, promises ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Nothing to report from us this time.",
        "Hej – vi har ikke noget til dagsordenen denne gang.",
        "Ingen nye forslag herfra.",
        "No agenda items from our side, see you on the 8th.",
    ],
)
def test_nothing_from_us_in_other_words(group: Group, text: str) -> None:
    reading = read_text(text, group, partner="di")
    assert reading.nothing_to_add
    assert reading.proposals == ()


def test_a_promise_of_later_status_is_no_update(group: Group) -> None:
    text = "Ingen punkter fra os.\n\nStatus på I-6 følger senere i ugen."
    reading = read_text(text, group, partner="sosu-randers")
    assert reading.updates == ()
    assert reading.nothing_to_add


@pytest.mark.parametrize(
    "text",
    [
        "Hvor skal vi parkere, når vi kommer til mødet?",
        "What time does the meeting start, and is there a Teams link?",
    ],
)
def test_a_practical_question_goes_to_review(group: Group, text: str) -> None:
    reading = read_text(text, group, partner="eau")
    assert reading.proposals == ()
    assert reading.confidence < 0.6


# -- updates and handovers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nyt om IN-4: nu 23 virksomheder i netværket.", "I-4"),
        ("Kort status på praktikplads-indsatsen: 25 nye aftaler i år.", "I-1"),
        ("Opdatering på karriere-messen: 50 virksomheder er tilmeldt.", "I-7"),
    ],
)
def test_news_on_an_initiative_named_any_way(group: Group, text: str, code: str) -> None:
    (u,) = read_text(text, group, partner="viden-djurs").updates
    assert u.initiative == code


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("Vi foreslår, at indsatsen afsluttes, og at bolden går til Viden Djurs.", "viden-djurs"),
        ("Fra 1. marts giver vi bolden videre til Tradium på I-6.", "tradium"),
        ("Dania takes over the ball on I-6 from next month.", "dania"),
    ],
)
def test_a_handover_moves_the_ball_and_proposes_nothing(
    group: Group, text: str, owner: str
) -> None:
    reading = read_text(text, group, partner="sosu-randers")
    assert reading.proposals == ()
    (u,) = reading.updates
    assert (u.initiative, u.owner) == ("I-6", owner)


def test_a_code_mentioned_in_a_proposals_background_is_no_update(group: Group) -> None:
    text = (
        "Vi vil gerne have et punkt om grøn omstilling. Som med I-3 virker det bedst, når "
        "virksomhederne er med. Vi foreslår et fælles forløb."
    )
    reading = read_text(text, group, partner="erhverv-grenaa")
    assert reading.updates == ()
    assert len(reading.proposals) == 1


# -- automatic replies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Dette er en automatisk besked. Jeg er ikke på kontoret før mandag.", CALL),
        ("I am out of the office until 3 December with limited access to email.", "Re: Call"),
        ("Vi har modtaget din henvendelse og har givet den sagsnummer 4711.", CALL),
        ("Jeg er tilbage mandag.", "Automatisk svar: Indkaldelse af punkter"),
        ("Back on Monday.", "Out of Office: call for agenda items"),
        (
            "Jeg holder ferie til 1. december. Spørgsmål til dagsordenen kan rettes til "
            "sekretariatet.",
            CALL,
        ),
    ],
)
def test_automatic_replies_by_wording_or_subject(group: Group, text: str, subject: str) -> None:
    reading = read_text(text, group, partner="dania", subject=subject)
    assert reading.kind is MessageKind.AUTO_REPLY
    assert reading.proposals == () and reading.updates == ()
    assert not reading.is_answer


def test_every_reading_says_why(group: Group) -> None:
    reading = read_text("Titel: Natbusser\nIndstilling: At vi spørger.", group, partner="lo")
    assert reading.confidence == 1.0
    assert reading.reasons == ("proposal 1: title from its label",)


def test_a_name_on_the_line_after_an_announcing_colon_is_the_title(group: Group) -> None:
    text = (
        "Punkt til dagsordenen:\nGrøn omstilling i landbruget\n\n"
        "Baggrund: Udledningen skal ned med 30 pct.\nForslag: At vi inviterer en oplægsholder."
    )
    (p,) = read_text(text, group, partner="business-djursland").proposals
    assert p.title == "Grøn omstilling i landbruget"
    assert p.background == "Udledningen skal ned med 30 pct."


def test_a_title_label_in_its_own_paragraph_takes_the_prose_below(group: Group) -> None:
    text = (
        "Emne: Brobygning for 9. klasser\n\n"
        "Vi foreslår, at alle 9. klasser får en uges brobygning.\n\n"
        "Baggrunden er, at søgningen er faldet to år i træk."
    )
    (p,) = read_text(text, group, partner="viden-djurs").proposals
    assert p.title == "Brobygning for 9. klasser"
    assert p.recommendation is not None and "brobygning" in p.recommendation
    assert p.background is not None and "faldet" in p.background


def test_no_items_but_news_gives_nothing_to_add_and_the_update(group: Group) -> None:
    text = (
        "Vi har desværre ingen input til dagsordenen, men her er en kort status på "
        "branchesporet: 31 ledige er nu i gang."
    )
    reading = read_text(text, group, partner="horesta")
    assert reading.nothing_to_add and reading.proposals == ()
    (u,) = reading.updates
    assert u.initiative == "I-5" and "31 ledige" in u.status


def test_an_initiative_named_by_its_success_criteria_is_found(group: Group) -> None:
    text = "Kort status på rummelighedsnetværket: vi har nu 24 virksomheder med."
    (u,) = read_text(text, group, partner="dh").updates
    assert u.initiative == "I-4"


def test_a_heading_naming_an_initiative_gives_the_news_below_to_it(group: Group) -> None:
    text = "Her er de nye tal for I-7:\n\n- 50 virksomheder\n- 700 unge"
    (u,) = read_text(text, group, partner="viden-djurs").updates
    assert u.initiative == "I-7" and "700 unge" in u.status


def test_numbered_section_headings_carry_their_titles(group: Group) -> None:
    text = (
        "Forslag 1: Fælles jobmesse\nBaggrund: 200 ledige stillinger.\nIndstilling: At vi "
        "holder en jobmesse.\n\nForslag 2: Cykelsti til havnen\nBaggrund: Mange cykler.\n"
        "Indstilling: At kommunen bygger en sti."
    )
    reading = read_text(text, group, partner="erhverv-grenaa")
    assert [p.title for p in reading.proposals] == ["Fælles jobmesse", "Cykelsti til havnen"]
    assert reading.confidence == 1.0


def test_an_announced_single_item_is_named_by_the_short_sentence_below(group: Group) -> None:
    text = (
        "Vi har et enkelt punkt, som vi gerne vil have behandlet:\n\n"
        "Mangel på pædagoger i dagtilbud. Kommunen mangler 25 pædagoger. Vi indstiller, at "
        "gruppen drøfter en fælles rekrutteringsindsats."
    )
    (p,) = read_text(text, group, partner="forvaltningen").proposals
    assert p.title == "Mangel på pædagoger i dagtilbud"
    assert p.background == "Kommunen mangler 25 pædagoger."


def test_the_calls_template_sent_back_unfilled_is_no_proposal(group: Group) -> None:
    text = (
        "Titel:\nBaggrund:\nIndstilling: Det indstilles, at koordinationsgruppen ...\n"
        "Sagsfremstilling:\nBilag:\n\nVi har ingen punkter denne gang."
    )
    reading = read_text(text, group, partner="dh")
    assert reading.proposals == ()
    assert reading.nothing_to_add


def test_plain_text_headings_after_a_list_intro_start_proposals(group: Group) -> None:
    text = (
        "Vi har to punkter til mødet:\n\n"
        "Robotter i små virksomheder\nMange har ingen erfaring. Vi foreslår et kursus.\n\n"
        "Sprogstøtte til elever\nMange falder fra. Vi foreslår en sprogmentor."
    )
    reading = read_text(text, group, partner="dania")
    assert [p.title for p in reading.proposals] == [
        "Robotter i små virksomheder",
        "Sprogstøtte til elever",
    ]


def test_the_next_step_of_an_update_is_read(group: Group) -> None:
    text = "Status på I-2: 171 kursister i år. Næste skridt er to nye hold i januar."
    (u,) = read_text(text, group, partner="aarhus-tech").updates
    assert u.next_steps == "Næste skridt er to nye hold i januar."


@pytest.mark.parametrize(
    "text",
    [
        "Ansvaret for I-2 går over til Tradium fra 1. februar.",
        "Tradium bliver ny tovholder på I-2 efter nytår.",
    ],
)
def test_other_ways_to_move_the_ball(group: Group, text: str) -> None:
    (u,) = read_text(text, group, partner="aarhus-tech").updates
    assert (u.initiative, u.owner) == ("I-2", "tradium")


def test_our_initiative_is_the_one_the_sender_has_the_ball_on(group: Group) -> None:
    text = "Kort status på vores indsats: 25 nye aftaler i år."
    (u,) = read_text(text, group, partner="dansk-byggeri").updates
    assert u.initiative == "I-1"
    assert read_text(text, group, partner="lo").updates == ()


def test_labels_typed_with_a_slip_are_still_labels(group: Group) -> None:
    text = "Titel: Natbusser\nBaggrud: Bussen kører ikke.\nIndstiling: At vi spørger Midttrafik."
    (p,) = read_text(text, group, partner="horesta").proposals
    assert p.background == "Bussen kører ikke."
    assert p.recommendation == "At vi spørger Midttrafik."


def test_a_form_spread_over_paragraphs_stays_one_proposal(group: Group) -> None:
    text = (
        "· Titel: Natbusser\n\n· Baggrund: Bussen kører ikke.\n\n"
        "· Indstilling: At vi spørger Midttrafik."
    )
    (p,) = read_text(text, group, partner="horesta").proposals
    assert (p.title, p.recommendation) == ("Natbusser", "At vi spørger Midttrafik.")


def test_outlook_list_paragraphs_are_bullets_of_one_list() -> None:
    html = (
        "<p class=MsoListParagraph>·<span>&nbsp;&nbsp; </span>Titel: Natbusser</p>"
        "<p class=MsoListParagraph>·<span>&nbsp;&nbsp; </span>Baggrund: Ingen bus.</p>"
    )
    assert html_to_text(html).splitlines() == ["·   Titel: Natbusser", "·   Baggrund: Ingen bus."]


_PIECES = [
    "Titel:",
    "Baggrund:",
    "Indstilling:",
    "Vi foreslår, at",
    "et punkt om",
    "I-3",
    "IN-4",
    "1)",
    "a.",
    "ii.",
    "•",
    "-",
    "*fed*",
    "| Titel | X |",
    "\n",
    "\n\n",
    ":",
    "–",
    "Hej",
    "Mvh",
    "ingen punkter",
    "bolden går til Tradium",
    "status",
    "42",
    "?",
    "...",
    "…",
    "se vedhæftede",
    "Dette er en automatisk besked",
    "praktikpladser",
    "lærlinge",
]


_JUMBLE_GROUP = load_group(CORPUS_GROUP)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_any_jumble_of_layout_and_vocabulary_reads_without_error(pieces: list[str]) -> None:
    reading = read_text(" ".join(pieces), _JUMBLE_GROUP, partner="tradium", subject="VS: Idé")
    assert 0.0 <= reading.confidence <= 1.0
    assert all(p.title for p in reading.proposals)


def test_a_numbered_heading_takes_the_paragraphs_below_it(group: Group) -> None:
    text = (
        "Vi har to punkter:\n\n1. Lærlinge i industrien\n\nDer mangler 40 lærlinge. Vi foreslår "
        "en kampagne.\n\n2. Sommerjob\n\nMange unge mangler job. Vi foreslår en jobbørs.\n\n"
        "Vi ses den 8."
    )
    reading = read_text(text, group, partner="di")
    assert [(p.title, p.background) for p in reading.proposals] == [
        ("Lærlinge i industrien", "Der mangler 40 lærlinge."),
        ("Sommerjob", "Mange unge mangler job."),
    ]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Is it possible to get an item on the agenda about housing for apprentices?", "Housing"),
        ("Kunne vi få fem minutter til at fortælle om vores nye lærlingepris?", "Lærlingepris"),
        ("Kan vi få et kvarter på mødet til vores projekt 'Job i Syddjurs'?", "Projekt 'Job"),
        (
            "We have one proposal: Title: Green skills for SMEs. Background: 7 of 10 lack them.",
            "Green",
        ),
    ],
)
def test_the_subject_nearest_the_request_is_the_title(group: Group, text: str, title: str) -> None:
    (p,) = read_text(text, group, partner="dania").proposals
    assert p.title.startswith(title)
    assert not p.title.endswith((".", "?"))


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: Natbusser til kysten", "Natbusser til kysten"),
        ("Forslag til dagsordenen: Natbusser til kysten", "Natbusser til kysten"),
        ("SV: Påmindelse: Indkaldelse af punkter til dagsorden", "Forslag"),
    ],
)
def test_the_subject_line_names_the_proposal_unless_it_answers_the_call(
    group: Group, subject: str, title: str
) -> None:
    text = "Vi foreslår, at gruppen inviterer Midttrafik til næste møde."
    (p,) = read_text(text, group, partner="horesta", subject=subject).proposals
    assert p.title == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("hi all! can we get 10 min at the meeting re. the new bus routes? thx", "New bus routes"),
        ("Kan vi få et kvarter vedrørende de nye busruter?", "De nye busruter"),
        ("Vi vil gerne have et punkt om natbusser, vedrørende sommeren.", "Natbusser"),
    ],
)
def test_a_subject_said_in_passing_names_it_only_when_nothing_else_does(
    group: Group, text: str, title: str
) -> None:
    (p,) = read_text(text, group, partner="dania").proposals
    assert p.title == title


def test_the_ball_stays_until_a_later_handover(group: Group) -> None:
    text = (
        "Status på I-2: 171 kursister. Bolden bliver hos os indtil april, hvor Tradium tager over."
    )
    (u,) = read_text(text, group, partner="aarhus-tech").updates
    assert u.owner == "tradium"
