"""What people read: the call, the echo, the agenda; Danish first, English available."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from itertools import pairwise
from pathlib import Path

import pytest

from agenda.agenda import Agenda, AgendaItem, Contribution, InitiativeStatus, ItemKind
from agenda.groupfile import load_group
from agenda.model import Group, Language, Partner
from agenda.reading import InitiativeUpdate, MessageKind, Proposal, Reading
from partnerdesk.render import Renderer
from tests.conftest import CORPUS_GROUP

ROOT = Path(__file__).resolve().parents[1]
GROUP = load_group(CORPUS_GROUP)
ENGLISH = replace(GROUP, language=Language.EN)
MEETING = GROUP.meetings[0]
RENDER = Renderer()
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _partner(group: Group, slug: str) -> Partner:
    partner = group.partner(slug)
    assert partner is not None
    return partner


def _agenda() -> Agenda:
    return Agenda(
        group=GROUP.slug,
        meeting=MEETING.id,
        version=2,
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
        items=(
            AgendaItem(kind=ItemKind.APPROVE_AGENDA),
            AgendaItem(kind=ItemKind.APPROVE_MINUTES),
            AgendaItem(
                kind=ItemKind.SINCE_LAST,
                initiatives=(
                    InitiativeStatus(
                        "I-3",
                        "Voksenlærlinge",
                        "tradium",
                        "Tradium",
                        "active",
                        "70 pct.",
                        (("Tradium", f"14 startet {SCRIPT}"),),
                        "Arbejdsmarkedsafdelingen",
                    ),
                    InitiativeStatus(
                        "I-5", "Branchespor", "horesta", "HORESTA", "planned", "40 ledige"
                    ),
                ),
            ),
            AgendaItem(
                kind=ItemKind.PROPOSAL,
                title=f"Kokkeelever {SCRIPT}",
                background=f"Mangel på elever\n\nAnden del {SCRIPT}",
                recommendation="Det indstilles, at koordinationsgruppen drøfter kokkeelever.",
                proposers=("HORESTA", "Tradium"),
                sdgs=(8, 13),
                sdgs_outside=(13,),
                attachments=(f"notat{SCRIPT}.pdf",),
                contributions=(
                    Contribution("horesta", "HORESTA", "Kokkeelever mangler", recommendation="A"),
                    Contribution("tradium", "Tradium", "Flere kokkeelever", recommendation="B"),
                ),
            ),
            AgendaItem(kind=ItemKind.PROPOSAL, title="Fortroligt", closed=True),
            AgendaItem(
                kind=ItemKind.PROPOSAL, title="Sent forslag", proposers=("Dania",), late=True
            ),
            AgendaItem(kind=ItemKind.ANY_OTHER_BUSINESS),
        ),
    )


def _reading() -> Reading:
    return Reading(
        kind=MessageKind.REPLY,
        partner="dansk-byggeri",
        proposals=(
            Proposal(
                f"Lærlingekampagne {SCRIPT}",
                "Mange ordrebøger er fulde",
                "Det indstilles, at koordinationsgruppen godkender kampagnen.",
                "Virksomhedsbesøg for 8. og 9. klasser",
                (4, 8),
                ("kampagne.pdf",),
            ),
        ),
        updates=(
            InitiativeUpdate("I-1", "21 nye aftaler", next_steps="Besøg hos 12 virksomheder"),
            InitiativeUpdate("I-7", "39 virksomheder tilmeldt", owner="business-djursland"),
        ),
    )


def _positions(text: str, parts: tuple[str, ...]) -> list[int]:
    return [text.index(p) for p in parts]


# The call


def test_the_call_is_danish_with_date_deadline_own_initiatives_and_the_template() -> None:
    partner = _partner(GROUP, "dansk-byggeri")
    mail = RENDER.call_mail(GROUP, MEETING, partner, partner.contacts[0], "p+abc@x.example.org")
    assert mail.subject == (
        "Indkaldelse af punkter til dagsorden – "
        "Koordinationsgruppen for Partnerskabsaftale med afsæt i FN's verdensmål, "
        "møde 8. december 2026"
    )
    assert mail.text.startswith("Kære Jens Østergaard")
    assert "tirsdag den 8. december 2026 kl. 14.00" in mail.text
    assert "senest fredag den 27. november 2026 kl. 12.00" in mail.text
    assert "I-1 Flere praktikpladser" in mail.text and "succeskriterium:" in mail.text
    assert "I-2" not in mail.text and "I-3" not in mail.text  # other partners' initiatives
    assert (
        "Titel:\nBaggrund:\nIndstilling: Det indstilles, at koordinationsgruppen ...\n"
        "Sagsfremstilling:\nBilag:\n\nStatus på indsats (kode, status, næste skridt, "
        "hvem har bolden):"
    ) in mail.text
    assert "Har I ingen punkter denne gang, er et kort svar nok." in mail.text
    assert mail.text.rstrip().endswith(
        "Fællessekretariatet, Norddjurs Kommune\n" + GROUP.secretariat.email
    )
    assert "I-1 Flere praktikpladser" in mail.html and "fredag den 27. november 2026" in mail.html
    assert '<html lang="da">' in mail.html


def test_a_partner_without_initiatives_is_not_asked_for_status() -> None:
    partner = _partner(GROUP, "di")
    mail = RENDER.call_mail(GROUP, MEETING, partner, partner.contacts[0], "p@x.example.org")
    assert "har bolden på" not in mail.text
    assert "Titel:" in mail.text


def test_the_call_shows_the_meetings_end_and_place() -> None:
    group = load_group(ROOT / "config" / "norddjurs.toml")
    partner = _partner(group, "horesta")
    meeting = group.meeting("2027-1")
    assert meeting is not None
    mail = RENDER.call_mail(group, meeting, partner, partner.contacts[0], "p@x.org")
    assert "tirsdag den 9. marts 2027 kl. 14.00–16.00 på Norddjurs Rådhus" in mail.text
    assert "I-5 Branchespor" in mail.text
    assert "senest fredag den 26. februar 2027 kl. 12.00" in mail.text


def test_partner_names_are_escaped_in_the_html_call() -> None:
    partner = replace(_partner(GROUP, "dansk-byggeri"), name=f"Byg {SCRIPT}")
    mail = RENDER.call_mail(GROUP, MEETING, partner, partner.contacts[0], "p@x.example.org")
    assert SCRIPT not in mail.html and ESCAPED in mail.html
    assert SCRIPT in mail.text  # plain text is shown verbatim, never interpreted


@pytest.mark.parametrize(
    ("days_left", "words"), [(3, "– om 3 dage"), (1, "– i morgen"), (0, "– i dag")]
)
def test_the_reminder_counts_the_days_left(days_left: int, words: str) -> None:
    partner = _partner(GROUP, "horesta")
    mail = RENDER.reminder_mail(
        GROUP, MEETING, partner, partner.contacts[0], "p@x.example.org", days_left=days_left
    )
    assert mail.subject.startswith("Påmindelse: punkter til dagsorden")
    assert f"Fristen er fredag den 27. november 2026 kl. 12.00 {words}." in mail.text
    assert "I-5" in mail.text and '"ingen punkter"' in mail.text


# The echo


def test_the_echo_shows_each_proposal_and_who_has_the_ball() -> None:
    partner = _partner(GROUP, "dansk-byggeri")
    echo = RENDER.echo_mail(GROUP, MEETING, partner, partner.contacts[0], _reading())
    assert echo.subject.startswith("Modtaget: jeres svar")
    assert f"Forslag 1: Lærlingekampagne {SCRIPT}" in echo.text
    assert "  Indstilling: Det indstilles, at koordinationsgruppen godkender" in echo.text
    assert "  Bilag: kampagne.pdf" in echo.text
    assert "  Næste skridt: Besøg hos 12 virksomheder" in echo.text
    assert "  Bolden bliver hos: Dansk Byggeri" in echo.text
    assert "  Bolden går til: Business Djursland" in echo.text
    assert "svar på denne mail med rettelsen" in echo.text
    assert SCRIPT not in echo.html and ESCAPED in echo.html
    assert "Bolden går til: <strong>Business Djursland</strong>" in echo.html


def test_the_echo_of_nothing_to_add_says_it_is_noted() -> None:
    partner = _partner(GROUP, "horesta")
    reading = Reading(kind=MessageKind.REPLY, partner="horesta", nothing_to_add=True)
    echo = RENDER.echo_mail(GROUP, MEETING, partner, partner.contacts[0], reading)
    assert "ingen punkter til dagsordenen denne gang. Det er noteret." in echo.text
    assert "svar på denne mail med rettelsen" in echo.text


def test_an_unknown_sender_is_told_the_message_is_held() -> None:
    mail = RENDER.held_notice(GROUP, f"ukendt{SCRIPT}@example.com")
    assert "afventer sekretariatet" in mail.subject
    assert "ikke registreret" in mail.text and "sekretariatet" in mail.text
    assert ESCAPED in mail.html and SCRIPT not in mail.html


# The agenda


def test_the_agenda_text_is_numbered_in_the_municipal_format() -> None:
    text = RENDER.agenda_text(GROUP, MEETING, _agenda(), draft=True)
    header = text.split("\n\n\n", 1)[0]
    assert header.splitlines() == [
        GROUP.name,
        "DAGSORDEN",
        "Møde tirsdag den 8. december 2026 kl. 14.00",
        f"Sted: {MEETING.location}",
        "Udkast, version 2",
    ]
    items = (
        "1. Godkendelse af dagsorden",
        "2. Godkendelse af referat",
        "3. Siden sidst",
        f"4. Kokkeelever {SCRIPT}",
        "5. Fortroligt (Lukket punkt)",
        "6. Sent forslag",
        "7. Eventuelt",
    )
    assert _positions(text, items) == sorted(_positions(text, items))
    assert text.rstrip().endswith("7. Eventuelt")
    assert "Indstilling\nDet indstilles, at dagsordenen godkendes." in text
    assert "Hvem har bolden: Tradium (overtaget fra Arbejdsmarkedsafdelingen)" in text
    assert "Hvem har bolden: HORESTA\n  Status: planlagt" in text
    assert "Ingen nye oplysninger fra partnerne." in text  # I-5 had no news
    assert "Forslagsstillere: HORESTA, Tradium" in text
    assert "Forslagsstiller: Dania" in text
    assert "Til formanden: verdensmål 13 ligger uden for aftalens verdensmål" in text
    assert "Sammenlagt fra 2 forslag\n- HORESTA: Kokkeelever mangler" in text
    assert "- Tradium: Flere kokkeelever" in text
    assert "Eftersendt punkt – modtaget efter fristen." in text
    assert f"Bilag\n- notat{SCRIPT}.pdf" in text


def test_empty_sections_are_left_out_but_a_proposal_always_has_an_indstilling() -> None:
    text = RENDER.agenda_text(GROUP, MEETING, _agenda())
    closed = text[text.index("5. Fortroligt") : text.index("6. Sent forslag")]
    assert "Baggrund" not in closed and "Sagsfremstilling" not in closed and "Bilag" not in closed
    assert "Indstilling\nDet indstilles, at koordinationsgruppen drøfter sagen." in closed


def test_the_published_agenda_is_a_plain_dagsorden_and_carries_no_notes_for_the_chair() -> None:
    text = RENDER.agenda_text(GROUP, MEETING, _agenda(), draft=False)
    # "Godkendt dagsorden" above an item asking to approve the agenda contradicts itself.
    assert "DAGSORDEN" in text and "Udkast" not in text and "Godkendt" not in text
    assert "Til formanden" not in text


def test_an_agenda_of_unknown_standing_claims_neither_draft_nor_approval() -> None:
    text = RENDER.agenda_text(GROUP, MEETING, _agenda())
    html = RENDER.agenda_html(GROUP, MEETING, _agenda())
    for shown in (text, html):
        assert "Version 2" in shown and "Udkast" not in shown and "Godkendt" not in shown
        assert "Til formanden" not in shown  # a note for the chair must not reach partners


def test_the_agenda_html_is_semantic_printable_and_escaped() -> None:
    html = RENDER.agenda_html(GROUP, MEETING, _agenda(), draft=True)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html
    assert "<article" in html and "@page" in html and "counter(page)" in html
    assert "DejaVu Serif" in html
    assert SCRIPT not in html
    assert html.count(ESCAPED) == 5  # contents, title, update, background, attachment
    levels = [int(h) for h in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels))
    assert '<h2 id="punkt-1-titel">1. Godkendelse af dagsorden</h2>' in html
    assert '5. Fortroligt <span class="flag">(Lukket punkt)</span>' in html
    assert "<p>Mangel på elever</p>\n<p>Anden del" in html  # blank lines part paragraphs
    assert "Udkast, version 2" in html
    assert html.rindex("7. Eventuelt") > html.rindex("6. Sent forslag")


def test_the_chair_gets_the_draft_inline_with_how_to_approve() -> None:
    chair = GROUP.chairs[0]
    mail = RENDER.draft_to_chair_mail(
        GROUP, MEETING, _agenda(), chair, reply_address="p+d@x.example.org", approvals_needed=2
    )
    assert mail.subject.startswith("Udkast til dagsorden til godkendelse")
    assert "(version 2)" in mail.subject
    assert 'Svar på denne mail med ordet "Godkendt".' in mail.text
    assert f"partnerdesk agenda approve --meeting {MEETING.id} --as {chair.email}" in mail.text
    assert "både formand og næstformand" in mail.text
    assert "Udkast, version 2" in mail.text and "3. Siden sidst" in mail.text
    assert "<article" in mail.html and SCRIPT not in mail.html and ESCAPED in mail.html
    assert "Godkendt" in mail.html


def test_the_published_mail_holds_the_agenda_and_mentions_the_attachments() -> None:
    mail = RENDER.published_mail(GROUP, MEETING, _agenda().for_partners())
    assert mail.subject.startswith("Dagsorden – ")
    assert "vedhæftet som PDF sammen med en kalenderinvitation" in mail.text
    assert "DAGSORDEN" in mail.text and "Godkendt dagsorden" not in mail.text
    assert "Fortroligt" not in mail.text and "Til formanden" not in mail.text
    assert "<article" in mail.html and SCRIPT not in mail.html


def test_the_secretariat_learns_which_messages_failed() -> None:
    mail = RENDER.delivery_failed_mail(
        GROUP, [("a@b.example.org", "call", "550 no such user"), ("c@d.example.org", "x", SCRIPT)]
    )
    assert "- a@b.example.org (indkaldelse): 550 no such user" in mail.text
    assert "2 beskeder kunne ikke leveres" in mail.text
    assert ESCAPED in mail.html and SCRIPT not in mail.html


# English


def test_english_groups_get_english_texts() -> None:
    text = RENDER.agenda_text(ENGLISH, MEETING, _agenda(), draft=True)
    assert "1. Approval of the agenda" in text and "7. Any other business" in text
    assert "Meeting Tuesday 8 December 2026 at 14:00" in text
    assert "Who has the ball: Tradium (taken over from Arbejdsmarkedsafdelingen)" in text
    assert "Proposed by: HORESTA, Tradium" in text and "(Closed item)" in text
    assert "Draft, version 2" in text
    assert '<html lang="en">' in RENDER.agenda_html(ENGLISH, MEETING, _agenda())
    partner = _partner(ENGLISH, "dania")
    call = RENDER.call_mail(ENGLISH, MEETING, partner, partner.contacts[0], "p@x.example.org")
    assert call.subject.startswith("Call for agenda items")
    assert "by Friday 27 November 2026 at 12:00" in call.text
    assert "If you have no items this time, a short reply is enough." in call.text
    reading = Reading(
        kind=MessageKind.REPLY,
        partner="dania",
        proposals=(Proposal("Graduates", "Few stay", "We suggest a survey"),),
        updates=(InitiativeUpdate("I-7", "39 companies", owner="business-djursland"),),
    )
    echo = RENDER.echo_mail(ENGLISH, MEETING, partner, partner.contacts[0], reading)
    assert echo.subject.startswith("Received")
    assert "Proposal 1: Graduates" in echo.text
    assert "The ball goes to: Business Djursland" in echo.text


def test_an_english_reader_in_a_danish_group_gets_english_around_the_danish_agenda() -> None:
    english = RENDER.for_language(Language.EN)
    partner = _partner(GROUP, "dania")
    call = english.call_mail(GROUP, MEETING, partner, partner.contacts[0], "p@x.example.org")
    assert call.subject.startswith("Call for agenda items")
    assert "by Friday 27 November 2026 at 12:00" in call.text
    mail = english.published_mail(GROUP, MEETING, _agenda().for_partners())
    assert mail.subject == "Agenda – " + GROUP.name + ", meeting Tuesday 8 December 2026 at 14:00"
    assert mail.text.startswith("Dear partners")
    # The agenda is the group's record: Danish, dates too, marked as Danish for screen readers.
    assert "DAGSORDEN" in mail.text and "tirsdag den 8. december 2026" in mail.text
    assert '<html lang="en">' in mail.html and '<div lang="da">' in mail.html
    assert '<html lang="da">' in english.agenda_html(GROUP, MEETING, _agenda())
    # Without a language, the group's own.
    assert (
        RENDER.for_language(None)
        .call_mail(GROUP, MEETING, partner, partner.contacts[0], "p@x.example.org")
        .subject.startswith("Indkaldelse")
    )


# Every template, both languages


def _template_names(language: str) -> set[str]:
    root = resources.files("templates").joinpath(language)
    names = {p.name for p in root.iterdir() if p.name.endswith((".j2", ".toml"))}
    return names | {f"telegram/{p.name}" for p in root.joinpath("telegram").iterdir()}


def test_danish_and_english_have_the_same_templates() -> None:
    assert _template_names("da") == _template_names("en")


@pytest.mark.parametrize("group", [GROUP, ENGLISH], ids=["da", "en"])
@pytest.mark.parametrize(
    "name", ["call", "reminder", "echo", "held", "approved", "not_allowed", "help"]
)
def test_every_telegram_text_renders(group: Group, name: str) -> None:
    partner = _partner(group, "horesta")
    context = {
        "meeting": MEETING,
        "partner": partner,
        "days_left": 2,
        "reading": _reading(),
        "version": 3,
        "approved": False,
        "still_needed": ("hm@lo-djursland.example.org",),
        "late": False,
        "deadline": MEETING.call_deadline,
        "revision": None,
    }
    text = RENDER.telegram_text(name, group, **context)
    assert text and "{{" not in text and "\n\n\n" not in text


def test_the_telegram_echo_names_who_gets_the_ball() -> None:
    text = RENDER.chat_echo(GROUP, MEETING, _reading())
    assert "bolden går til Business Djursland" in text
    assert "bolden bliver hos Dansk Byggeri" in text


def test_the_norddjurs_group_gets_a_call_for_every_contact() -> None:
    group = load_group(ROOT / "config" / "norddjurs.toml")
    meeting = group.meeting("2027-1")
    assert meeting is not None
    for partner in group.partners:
        for contact in partner.contacts:
            mail = RENDER.call_mail(group, meeting, partner, contact, group.reply_address)
            assert contact.name in mail.text and "\n" not in mail.subject


def test_the_settings_example_names_every_setting_and_loads() -> None:
    from partnerdesk.settings import Settings, load_settings

    example = ROOT / "config" / "settings.example.env"
    named = set(re.findall(r"^#? ?PARTNERDESK_([A-Z_]+)=", example.read_text("utf-8"), re.M))
    assert {n.lower() for n in named} == set(Settings.model_fields)
    assert load_settings(example).groups == [Path("config/norddjurs.toml")]


def test_the_minutes_item_names_the_previous_meeting_when_the_group_file_has_one() -> None:
    group = load_group(ROOT / "config" / "norddjurs.toml")
    meeting = group.meeting("2027-1")
    assert meeting is not None
    items = (
        AgendaItem(kind=ItemKind.APPROVE_AGENDA, key="a"),
        AgendaItem(kind=ItemKind.APPROVE_MINUTES, key="m"),
    )
    created = datetime(2027, 2, 27, tzinfo=UTC)
    agenda = Agenda(group.slug, meeting.id, version=1, created_at=created, items=items)
    text = RENDER.agenda_text(group, meeting, agenda, draft=True)
    assert "Godkendelse af referat fra koordinationsgruppens møde den 8. december 2026." in text
    assert "Det indstilles, at referatet fra mødet den 8. december 2026 godkendes." in text
    html = RENDER.agenda_html(group, meeting, agenda, draft=True)
    assert "referatet fra mødet den 8. december 2026 godkendes" in html
    # The first meeting in the file has no earlier one to name.
    first = group.meeting("2026-2")
    assert first is not None
    assert "seneste møde" in RENDER.agenda_text(group, first, agenda, draft=True)
