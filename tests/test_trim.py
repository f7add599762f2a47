"""trim_reply keeps what the partner wrote now and drops history, signatures and footers."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mail import trim_reply
from mail.html import html_to_text
from mail.mime import read_message

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

CALL_QUOTE = """\
> Kære Jens
>
> Forud for mødet indkalder sekretariatet punkter til dagsordenen fra partnerne.
>
> Med venlig hilsen
> Fællessekretariatet"""


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_outlook_danish_header_block_ends_the_new_text() -> None:
    body = (
        "Hej\n\nVi har et punkt om lærlinge.\n\n"
        "Fra: Fællessekretariatet <partnerskab@norddjurs.example.org>\n"
        "Sendt: 19. november 2026 09:14\nTil: Jens <jo@example.com>\nEmne: Indkaldelse\n\n"
        "Kære Jens\n\nSend jeres forslag.\n"
    )
    assert trim_reply(body) == "Hej\n\nVi har et punkt om lærlinge."


def test_outlook_english_header_block_after_underscore_line_is_cut_with_the_line() -> None:
    body = (
        "Nothing from us.\n________________________________\n"
        "From: Secretariat <s@example.org>\nSent: Thursday, November 19, 2026 9:14 AM\n"
        "To: Peter <p@example.com>\nSubject: Call\n\nDear Peter\n"
    )
    assert trim_reply(body) == "Nothing from us."


def test_original_message_separator_danish_ends_the_new_text() -> None:
    body = "Svar.\n\n-----Oprindelig meddelelse-----\nFra: Peter\nSendt: 24. nov\n\nHej"
    assert trim_reply(body) == "Svar."


def test_original_message_separator_english_ends_the_new_text() -> None:
    assert trim_reply("Reply\n\n-----Original Message-----\nFrom: x\n\nOld") == "Reply"


def test_gmail_danish_attribution_with_quote_is_dropped() -> None:
    body = (
        f"Hej\n\nSvar.\n\nDen 19. nov. 2026 kl. 09.14 skrev Sekretariatet <s@x.dk>:\n\n{CALL_QUOTE}"
    )
    assert trim_reply(body) == "Hej\n\nSvar."


def test_attribution_wrapped_over_two_lines_is_recognised() -> None:
    body = (
        "Svar.\n\nDen tor. 19. nov. 2026 kl. 09.14 skrev Fællessekretariatet, Norddjurs Kommune <\n"
        f"partnerskab@norddjurs.example.org>:\n\n{CALL_QUOTE}"
    )
    assert trim_reply(body) == "Svar."


def test_english_on_wrote_before_unquoted_history_ends_the_new_text() -> None:
    body = "Fine by me.\n\nOn Mon, Feb 1, 2016 at 4:58 AM, Some One <a@b.com> wrote:\n\nOld text"
    assert trim_reply(body) == "Fine by me."


def test_inline_answers_between_quoted_blocks_are_kept() -> None:
    body = (
        "Mine svar står nedenfor.\n\nDen 2026-11-19 09:14, Sekretariatet skrev:\n"
        "> 1. Forslag til punkter?\n\nTitel: VEU i små virksomheder\n\n"
        "> 2. Status på jeres indsatser?\n\nVi har ikke bolden.\n\n> Med venlig hilsen\n"
    )
    assert trim_reply(body) == (
        "Mine svar står nedenfor.\n\nTitel: VEU i små virksomheder\n\nVi har ikke bolden."
    )


def test_forwarded_message_body_is_kept_without_header_signature_or_quotes() -> None:
    body = (
        "Jeg videresender en mail fra Helle.\n\nSofie\n\n-- \nSofie Dahl\nTlf. 41 12 90 33\n\n"
        "---------- Videresendt besked ---------\nFra: Helle <helle@hotel.example.com>\n"
        "Date: tir. 24. nov. 2026 kl. 16.02\nSubject: Kokkeelever\nTo: Sofie <sd@h.example.com>\n"
        "\n\nHej Sofie\n\nVi mangler kokkeelever.\n\nMange hilsner\nHelle Bundgaard\n"
        "Direktør\nTlf. 86 30 44 10\n\n> gammel tekst\n"
    )
    assert trim_reply(body) == (
        "Jeg videresender en mail fra Helle.\n\nSofie\n\nHej Sofie\n\nVi mangler kokkeelever."
    )


def test_forward_with_nothing_written_above_keeps_the_forwarded_body() -> None:
    body = (
        "---------- Forwarded message ----------\nFrom: Some One <foo@bar.com>\n"
        "Date: Thu, Jan 28, 2016 at 4:00 PM\nSubject: Some subject that\nspans over 2 lines\n"
        "To: info@example.org\n\n\nThis is a forwarded email."
    )
    assert trim_reply(body) == "This is a forwarded email."


def test_mobile_footers_are_dropped() -> None:
    for footer in (
        "Sendt fra min iPhone",
        "Sendt fra Outlook til iOS",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Hent Outlook til iOS<https://aka.ms/o0ukef>",
        "Sendt fra Mail til Windows",
    ):
        assert trim_reply(f"Vi kommer.\n\n{footer}\n") == "Vi kommer.", footer


def test_a_sentence_starting_like_a_footer_is_content() -> None:
    body = "Here it is\n\nSent from my desk, is much easier than my mobile phone."
    assert trim_reply(body) == body


def test_danish_sign_off_with_name_title_and_phone_block_is_dropped() -> None:
    body = (
        "Vi har ingen punkter.\n\nMed venlig hilsen\n\nJens Østergaard\nRegionskonsulent\n"
        "Dansk Byggeri\nTlf. 86 30 12 44 | Mobil 22 41 87 63\njo@example.com\n"
    )
    assert trim_reply(body) == "Vi har ingen punkter."


def test_short_sign_offs_are_dropped() -> None:
    for sign_off in ("Mvh\nKarsten", "Venlig hilsen\nHanne", "Best regards\nPeter", "/Ole"):
        assert trim_reply(f"Ingen punkter.\n\n{sign_off}") == "Ingen punkter.", sign_off


def test_signature_after_dash_dash_space_delimiter_is_dropped() -> None:
    assert trim_reply("Svar.\n\n-- \nSofie Dahl\nTlf. 35 24 80 80") == "Svar."


def test_danish_disclaimer_is_dropped() -> None:
    body = (
        "Status: 18 pct.\n\nDenne e-mail kan indeholde fortrolige oplysninger og er kun "
        "beregnet for modtageren.\n"
    )
    assert trim_reply(body) == "Status: 18 pct."


def test_english_disclaimer_is_dropped() -> None:
    body = "See you.\n\nThis e-mail and any attachments are confidential.\nDelete it if lost."
    assert trim_reply(body) == "See you."


def test_first_line_thanking_is_content_not_a_sign_off() -> None:
    body = "Tak for indkaldelsen. Vi har et punkt om praktikpladser.\n\nMvh\nOle"
    assert trim_reply(body) == "Tak for indkaldelsen. Vi har et punkt om praktikpladser."


def test_a_thanks_that_is_the_whole_message_is_kept() -> None:
    assert trim_reply("Tak!\nOle") == "Tak!\nOle"


def test_time_span_labels_are_not_a_header_block() -> None:
    body = "Vi foreslår en workshop.\n\nFra: kl. 10.00\nTil: kl. 12.00\n\nSted: Rådhuset"
    assert trim_reply(body) == body


def test_writer_citing_themselves_is_not_a_quote_header() -> None:
    body = "Hej\n\nDen 3. december kl. 10:00 skrev jeg til jer:\nVi har et punkt om VEU."
    assert trim_reply(body) == body


def test_dash_list_at_the_end_is_not_a_name_signature() -> None:
    body = "Punkter:\n\n-Budget\n-Plan"
    assert trim_reply(body) == body


def test_crlf_line_endings_are_handled() -> None:
    assert trim_reply("Svar.\r\n\r\n-----Original Message-----\r\nFrom: x\r\n") == "Svar."


def test_a_reply_that_is_only_quoted_history_has_no_new_text() -> None:
    assert trim_reply(CALL_QUOTE) == ""


def test_long_threads_are_trimmed_in_linear_time() -> None:
    body = "Svar.\n\n" + "> > > On Mon, Feb 1, 2016 at 4:58 AM, A <a@b.c> wrote:\n>\n" * 20000
    assert trim_reply(body) == "Svar."


_WORDS = ["vi", "har", "et", "punkt", "om", "lærlinge", "og", "praktik", "i", "Grenaa", "til"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(_WORDS), min_size=5, max_size=12).map(
            lambda words: " ".join(words) + "."
        ),
        min_size=1,
        max_size=8,
    )
)
def test_plain_prose_without_markers_is_kept_whole(paragraphs: list[str]) -> None:
    body = "\n\n".join(paragraphs)
    assert trim_reply(body) == body


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_text_no_longer_than_the_input(body: str) -> None:
    out = trim_reply(body)
    assert isinstance(out, str)
    assert len(out) <= len(body)


def test_every_danish_case_of_the_trimming_corpus_is_right() -> None:
    root = CORPUS / "trimming"
    assert root.is_dir(), f"trimming corpus missing at {root}"
    checked = 0
    failures: list[str] = []
    for manifest in sorted(root.glob("*/manifest.jsonl")):
        for raw_line in manifest.read_text(encoding="utf-8").splitlines():
            if not raw_line.strip() or json.loads(raw_line).get("lang") != "da":
                continue
            case = manifest.parent / "cases" / json.loads(raw_line)["id"]
            body = case.with_name(case.name + ".input.txt").read_bytes().decode("utf-8")
            out = _norm(trim_reply(body))
            checked += 1
            expected = case.with_name(case.name + ".expected.txt")
            if expected.exists() and out != _norm(expected.read_text(encoding="utf-8")):
                failures.append(f"{case.name}: {out!r}")
            checks_file = case.with_name(case.name + ".checks.json")
            if checks_file.exists():
                checks = json.loads(checks_file.read_text(encoding="utf-8"))
                failures += [
                    f"{case.name}: missing {s!r}"
                    for s in checks.get("must_contain", [])
                    if _norm(s) not in out
                ]
                failures += [
                    f"{case.name}: contains {s!r}"
                    for key in ("must_not_contain", "must_not_contain_derived")
                    for s in checks.get(key, [])
                    if _norm(s) in out
                ]
    assert checked >= 9
    assert not failures, "\n".join(failures)


def test_partner_replies_keep_new_text_and_drop_quotes_signatures_and_disclaimers() -> None:
    replies = CORPUS / "replies"
    assert replies.is_dir(), f"partner reply corpus missing at {replies}"
    messages = sorted(replies.glob("*.eml"))
    assert messages, f"no .eml files in {replies}"
    failures: list[str] = []
    for path in messages:
        expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        new_text = trim_reply(read_message(path.read_bytes()).body_text).lower()
        failures += [
            f"{path.name}: lacks {p!r}"
            for p in expected.get("new_text_has", [])
            if p.lower() not in new_text
        ]
        failures += [
            f"{path.name}: keeps {p!r}"
            for p in expected.get("new_text_lacks", [])
            if p.lower() in new_text
        ]
    assert not failures, "\n".join(failures)


OUTLOOK_FORWARD = (
    "Hej Erik\n\nJeg sender min kollegas forslag videre.\n\nVenlig hilsen\nHanne\n\n"
    "Fra: Jonas Kirkegaard <jk@example.org>\nSendt: 24. november 2026 14:31\n"
    "Til: Hanne Bech <hb@example.org>\nEmne: Idé\n\n"
    "Hej Hanne\n\nJeg foreslår et punkt om sprogstøtte.\n\n"
    "Hilsen\nJonas Kirkegaard\nTlf. 87 11 42 37\n"
)


def test_an_outlook_forward_without_a_marker_line_keeps_the_message_passed_on() -> None:
    out = trim_reply(OUTLOOK_FORWARD, subject="VS: Idé")
    assert "sender min kollegas forslag" in out
    assert "punkt om sprogstøtte" in out
    assert "Emne:" not in out and "87 11 42 37" not in out and "Venlig hilsen" not in out


def test_the_same_header_block_in_a_reply_ends_the_new_text() -> None:
    out = trim_reply(OUTLOOK_FORWARD, subject="SV: VS: Idé")
    assert "sender min kollegas forslag" in out
    assert "sprogstøtte" not in out


def test_a_bold_sign_off_is_a_sign_off() -> None:
    out = trim_reply("Hej\n\nVi har et punkt.\n\n*Med venlig hilsen*\n*Ole Hansen*\nDirektør\n")
    assert out == "Hej\n\nVi har et punkt."


def test_html_table_rows_become_label_value_lines() -> None:
    html = (
        "<p>Hej</p><table><tr><td><p><b>Titel</b></p></td><td><p>Jobrotation</p></td></tr>"
        "<tr><td>Baggrund</td><td>45 hjælpere<br>skal uddannes.</td></tr></table><p>Mvh</p>"
    )
    assert html_to_text(html) == (
        "Hej\n\n| Titel | Jobrotation |\n| Baggrund | 45 hjælpere skal uddannes. |\n\nMvh"
    )


def test_html_bold_paragraphs_and_headings_are_marked_as_headings() -> None:
    html = "<p><b>Robotter i små virksomheder</b><br>Vi foreslår et kursus.</p><h2>Næste</h2>"
    assert html_to_text(html).splitlines() == [
        "*Robotter i små virksomheder*",
        "Vi foreslår et kursus.",
        "*Næste*",
    ]
    assert html_to_text("<p><b>Fra:</b> Jonas</p>") == "Fra: Jonas"
