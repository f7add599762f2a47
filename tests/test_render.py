"""What people read: the call, the echo, the agenda; Danish first, English available."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from agenda.agenda import Agenda, AgendaItem, InitiativeStatus, ItemKind
from agenda.groupfile import load_group
from agenda.model import Language
from agenda.reading import InitiativeUpdate, MessageKind, Proposal, Reading
from partnerdesk.render import Renderer
from tests.conftest import CORPUS_GROUP

GROUP = load_group(CORPUS_GROUP)
MEETING = GROUP.meetings[0]
RENDER = Renderer()


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
                        (("Tradium", "14 startet"),),
                        "Arbejdsmarkedsafdelingen",
                    ),
                ),
            ),
            AgendaItem(
                kind=ItemKind.PROPOSAL,
                title="Kokkeelever <script>alert(1)</script>",
                background="Mangel på elever",
                proposers=("HORESTA", "Tradium"),
                sdgs=(8, 13),
                sdgs_outside=(13,),
                attachments=("notat.pdf",),
            ),
            AgendaItem(kind=ItemKind.PROPOSAL, title="Fortroligt", closed=True),
            AgendaItem(kind=ItemKind.ANY_OTHER_BUSINESS),
        ),
    )


def test_the_call_is_danish_with_the_partners_own_initiatives_and_the_template() -> None:
    partner = GROUP.partner("dansk-byggeri")
    assert partner is not None
    mail = RENDER.call_mail(GROUP, MEETING, partner, partner.contacts[0], "p+abc@x.example.org")
    assert mail.subject.startswith("Indkaldelse af punkter til dagsorden")
    assert "tirsdag den 8. december 2026 kl. 14.00" in mail.text
    assert "fredag den 27. november 2026 kl. 12.00" in mail.text
    assert "I-1 Flere praktikpladser" in mail.text
    assert "I-2" not in mail.text  # another partner's initiative
    assert "Titel:\nBaggrund:\nIndstilling:" in mail.text
    assert "I-1 Flere praktikpladser" in mail.html


def test_the_agenda_text_is_numbered_in_the_municipal_format() -> None:
    text = RENDER.agenda_text(GROUP, MEETING, _agenda())
    order = [
        text.index(s)
        for s in (
            "1. Godkendelse af dagsorden",
            "2. Godkendelse af referat",
            "3. Siden sidst",
            "4. Kokkeelever",
            "5. Fortroligt (Lukket punkt)",
            "6. Eventuelt",
        )
    ]
    assert order == sorted(order)
    assert "Hvem har bolden: Tradium (overtaget fra Arbejdsmarkedsafdelingen)" in text
    assert "Forslagsstiller: HORESTA, Tradium" in text
    assert "13 ligger uden for aftalens verdensmål" in text
    assert "Bilag\n- notat.pdf" in text


def test_outside_text_is_escaped_in_html() -> None:
    html = RENDER.agenda_html(GROUP, MEETING, _agenda())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<html lang="da">' in html


def test_english_groups_get_english_texts() -> None:
    english = replace(GROUP, language=Language.EN)
    text = RENDER.agenda_text(english, MEETING, _agenda())
    assert "1. Approval of the agenda" in text and "Any other business" in text
    assert "Tuesday 8 December 2026 at 14:00" in text
    partner = english.partner("dania")
    assert partner is not None
    reading = Reading(
        kind=MessageKind.REPLY,
        partner="dania",
        proposals=(Proposal("Graduates", "Few stay", "We suggest a survey"),),
        updates=(InitiativeUpdate("I-7", "39 companies", owner="business-djursland"),),
    )
    echo = RENDER.echo_mail(english, MEETING, partner, partner.contacts[0], reading)
    assert echo.subject.startswith("Received")
    assert "Proposal 1: Graduates" in echo.text
    assert "The ball goes to: Business Djursland" in echo.text


def test_the_echo_of_nothing_to_add_says_it_is_noted() -> None:
    partner = GROUP.partner("horesta")
    assert partner is not None
    reading = Reading(kind=MessageKind.REPLY, partner="horesta", nothing_to_add=True)
    echo = RENDER.echo_mail(GROUP, MEETING, partner, partner.contacts[0], reading)
    assert "ingen punkter til dagsordenen denne gang. Det er noteret." in echo.text
    assert "svar på denne mail med rettelsen" in echo.text
