"""The secretary's workbench typed as a user types it: show, every edit, revert, late, report."""

from __future__ import annotations

import io
import mailbox
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from partnerdesk.usecases.bilag import display_name
from tests.cli_fixtures import CHAIR, MEETING, Desk, desk, english_words


@pytest.fixture
def da(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Desk:
    """A Danish group with a draft and a late answer."""
    return desk(tmp_path, "da", monkeypatch, capsys)


@pytest.fixture
def en(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Desk:
    """The same group speaking English."""
    return desk(tmp_path, "en", monkeypatch, capsys)


def _edit(d: Desk, *words: str) -> tuple[int, str, str]:
    return d.run("agenda", "edit", "--meeting", MEETING, *words)


def _titles(d: Desk) -> list[str]:
    code, out, _ = d.run("agenda", "draft", "--meeting", MEETING, "--format", "json")
    assert code == 0
    import json

    return [i["title"] or i["kind"] for i in json.loads(out)["items"]]


def test_every_edit_action_makes_a_new_version_and_prints_the_change_in_danish(da: Desk) -> None:
    before = _titles(da)
    assert before[:3] == ["approve_agenda", "approve_minutes", "since_last"]
    proposals = before[3:-1]
    assert len(proposals) >= 3
    seen: list[str] = []

    code, out, err = _edit(da, "set", "4", "titel", "Lærlinge", "i", "byggeriet")
    assert (code, err) == (0, "")
    assert out.startswith("Version 2 er gemt. Ændringer:\n")
    assert "+4. Lærlinge i byggeriet" in out
    seen.append(out)

    code, out, _ = _edit(da, "set", "4", "indstilling", "Det indstilles, at vi går i gang.")
    assert code == 0 and "+   Indstilling: Det indstilles, at vi går i gang." in out
    seen.append(out)

    code, out, _ = _edit(da, "move", "5", "4")
    assert code == 0 and _titles(da)[3] == proposals[1]
    seen.append(out)

    code, out, _ = _edit(da, "close", "4")
    assert code == 0 and f"+4. {proposals[1]} [lukket]" in out
    seen.append(out)
    code, out, _ = _edit(da, "open", "4")
    assert code == 0 and f"+4. {proposals[1]}" in out
    seen.append(out)

    code, out, _ = _edit(da, "merge", "4", "5")
    assert code == 0
    merged = len(_titles(da))
    assert merged == len(before) - 1
    seen.append(out)
    code, out, _ = _edit(da, "split", "4")
    assert code == 0 and len(_titles(da)) == len(before)
    seen.append(out)

    code, out, _ = _edit(da, "drop", "4")
    assert code == 0 and len(_titles(da)) == len(before) - 1
    seen.append(out)
    code, out, _ = _edit(da, "add", "Budget", "2028")
    assert code == 0 and _titles(da)[-2] == "Budget 2028"
    seen.append(out)

    for text in seen:
        assert text.startswith("Version ") and english_words(text) == []


def test_revert_goes_back_to_an_earlier_version_as_a_new_one(da: Desk) -> None:
    original = _titles(da)
    assert _edit(da, "drop", "4")[0] == 0
    assert _edit(da, "add", "Nyt punkt")[0] == 0
    code, out, err = _edit(da, "revert", "1")
    assert (code, err) == (0, "")
    assert out.startswith("Version 4 er gemt med indholdet fra version 1. Ændringer:\n")
    assert "-" + f"{len(original) - 1}. Nyt punkt" in out
    assert _titles(da) == original
    code, _, err = _edit(da, "revert", "9")
    assert code == 2
    assert err == (
        f"partnerdesk: dagsordenen for mødet '{MEETING}' har ingen version 9 (den nyeste er 4)\n"
    )


def test_a_wrong_edit_is_one_danish_sentence_never_a_traceback(da: Desk) -> None:
    cases = {
        ("drop", "1"): "standardpunkterne",
        ("merge", "1", "4"): "standardpunkterne",
        ("drop", "99"): "dagsordenen har intet punkt 99",
        ("drop", "fire"): "'fire' er ikke et punktnummer",
        ("move", "4"): "'move' skal have 2 argument(er), men fik 1",
        ("set", "4", "farve", "rød"): "'farve' er ikke et felt",
        ("split", "4"): "er ikke lagt sammen af flere forslag",
        ("attach", "4", "/findes/ikke.pdf"): "/findes/ikke.pdf: filen findes ikke",
        ("flyt", "4"): "'flyt' skal have 2 argument(er), men fik 1",
        ("skub", "4"): "'skub' er ikke en af flyt, fjern, saml, del, luk, åbn, ret, tilføj",
    }
    for words, sentence in cases.items():
        code, out, err = _edit(da, *words)
        assert code == 2, words
        assert out == "" and err.count("\n") == 1, words
        assert err.startswith("partnerdesk: ") and sentence in err, (words, err)
        assert english_words(err) == [], err


def test_show_prints_one_item_in_full_in_the_group_language(da: Desk, en: Desk) -> None:
    code, out, err = da.run("agenda", "show", "--meeting", MEETING, "2")
    assert (code, err) == (0, "")
    assert out.startswith("Version 1, punkt 2 af ")
    assert "2. Godkendelse af referat" in out and "Indstilling" in out
    code, out, _ = da.run("agenda", "show", "--meeting", MEETING, "4")
    assert code == 0 and "Forslagsstiller" in out and "Indstilling" in out
    code, _, err = da.run("agenda", "show", "--meeting", MEETING, "42")
    assert code == 2 and "dagsordenen har intet punkt 42" in err

    code, out, _ = en.run("agenda", "show", "--meeting", MEETING, "2")
    assert code == 0 and out.startswith("Version 1, item 2 of ")
    assert "2. Approval of the minutes" in out and "Recommendation" in out


def test_attach_keeps_the_file_under_a_safe_name_and_lists_it_as_bilag(
    da: Desk, tmp_path: Path
) -> None:
    source = tmp_path / "..referat 5. nov\u202e.pdf"
    source.write_bytes(b"%PDF-1.4 referat")
    code, out, err = _edit(da, "attach", "2", str(source))
    assert (code, err) == (0, "")
    assert "+   Bilag: referat 5. nov.pdf" in out
    code, out, _ = da.run("agenda", "show", "--meeting", MEETING, "2")
    assert "Bilag\n- referat 5. nov.pdf" in out
    kept = [p for p in (da.data_dir / "attachments" / "draft").rglob("*") if p.is_file()]
    assert sorted(p.name for p in kept) == ["001.pdf", "index.json"]
    assert (kept[0] if kept[0].suffix == ".pdf" else kept[1]).read_bytes() == source.read_bytes()


def test_late_items_are_listed_admitted_by_the_chair_and_worded_in_danish(da: Desk) -> None:
    code, out, err = da.run("agenda", "late", "list", "--meeting", MEETING)
    assert (code, err) == (0, "")
    number, partner = out.split("  ")[:2]
    assert partner == "Dansk Industri (lokalforening)"
    code, _, err = da.run(
        "agenda", "late", "admit", number, "--meeting", MEETING, "--as", "tk@dania.example.org"
    )
    assert code == 2
    assert err == (
        "partnerdesk: tk@dania.example.org er ikke formand; "
        "kun formanden kan optage eftersendte punkter\n"
    )
    code, _, err = da.run("agenda", "late", "admit", "--meeting", MEETING, "--as", CHAIR)
    assert code == 2 and "angiv det eftersendte svar med dets nummer" in err
    code, out, err = da.run("agenda", "late", "admit", number, "--meeting", MEETING, "--as", CHAIR)
    assert (code, err) == (0, "")
    assert out == f"Svar {number} er optaget på dagsordenen; udkastet er nu version 2\n"
    assert "Dansk Industri (lokalforening)" in da.run("agenda", "draft", "--meeting", MEETING)[1]
    code, out, _ = da.run("agenda", "late", "list", "--meeting", MEETING)
    assert out == f"Ingen eftersendte svar til mødet {MEETING}\n"


def test_a_late_item_can_be_declined_in_english(en: Desk) -> None:
    code, out, _ = en.run("agenda", "late", "list", "--meeting", MEETING)
    number = out.split("  ")[0]
    code, out, err = en.run(
        "agenda", "late", "decline", number, "--meeting", MEETING, "--as", CHAIR
    )
    assert (code, err) == (0, "")
    assert out == f"Answer {number} is declined; it will not be on the agenda\n"


def test_the_initiatives_report_names_partners_in_the_group_language(da: Desk, en: Desk) -> None:
    code, out, err = da.run("initiatives", "report")
    assert (code, err) == (0, "")
    assert out.startswith("I-1  ")
    assert "Hvem har bolden: " in out and "Succeskriterium: " in out
    assert english_words(out) == []
    code, out, _ = en.run("initiatives", "report")
    assert code == 0 and "Has the ball: " in out and "Success criteria: " in out


def test_edit_approve_and_publish_a_tagged_pdf_named_in_danish(da: Desk, tmp_path: Path) -> None:
    minutes = tmp_path / "Referat 8. december.pdf"
    minutes.write_bytes(b"%PDF-1.4 referat")
    assert _edit(da, "bilag", "2", str(minutes))[0] == 0
    code, out, err = da.run("agenda", "approve", "--meeting", MEETING, "--as", CHAIR)
    assert (code, err) == (0, "")
    assert out == "Version 2 er godkendt\n"
    code, out, err = da.run("agenda", "publish", "--meeting", MEETING)
    assert (code, err) == (0, "")
    assert out.startswith("Version 2 er udsendt: ")
    # Every partner gets the Bilag the secretariat attached, under its own name.
    outbox = mailbox.Maildir(da.data_dir / "mail" / "outbox", create=False)
    mails = [message_from_bytes(m.as_bytes(), policy=default) for m in outbox]
    published = [m for m in mails if str(m["Message-ID"]).startswith("<agenda-")]
    assert published
    for mail in published:
        assert isinstance(mail, EmailMessage)
        files = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
        assert files["Referat 8. december.pdf"] == minutes.read_bytes()
        assert f"dagsorden-{MEETING}-v2.pdf" in files
    folder = da.data_dir / "agendas" / "partnerskab-norddjurs" / MEETING
    names = sorted(p.name for p in folder.iterdir())
    assert f"dagsorden-{MEETING}-v2.pdf" in names and f"dagsorden-{MEETING}-v2-fuld.pdf" in names
    pdf = PdfReader(io.BytesIO((folder / f"dagsorden-{MEETING}-v2.pdf").read_bytes()))
    root = pdf.root_object
    # Tagged (PDF/UA): a structure tree and MarkInfo, so screen readers can follow it.
    mark_info = root["/MarkInfo"].get_object()
    assert isinstance(mark_info, DictionaryObject)
    assert "/StructTreeRoot" in root and bool(mark_info["/Marked"])
    assert str(root["/Lang"]) == "da"
    text = (folder / f"dagsorden-{MEETING}-v2.txt").read_text(encoding="utf-8")
    assert "DAGSORDEN" in text and "Godkendt dagsorden" not in text and "Udkast" not in text
    code, out, err = da.run("call", "status", "--meeting", MEETING)
    assert code == 0 and english_words(out + err) == []


def test_the_published_files_are_named_in_english_for_an_english_group(en: Desk) -> None:
    assert en.run("agenda", "approve", "--meeting", MEETING, "--as", CHAIR)[0] == 0
    code, out, _ = en.run("agenda", "publish", "--meeting", MEETING)
    assert code == 0 and out.startswith("Version 1 published: ")
    folder = en.data_dir / "agendas" / "partnerskab-norddjurs" / MEETING
    names = {p.name for p in folder.iterdir()}
    assert {f"agenda-{MEETING}-v1.pdf", f"agenda-{MEETING}-v1-full.pdf"} <= names


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\lene\\Referat.docx", "Referat.docx"),
        (".skjult.pdf", "skjult.pdf"),
        ("bilag\u202efdp.exe", "bilagfdp.exe"),
        ("linje\nskift\t.pdf", "linjeskift.pdf"),
        ("...", "bilag"),
        ("a" * 200 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_an_attached_file_name_is_display_text_never_a_path(given: str, shown: str) -> None:
    assert display_name(given) == shown


def test_an_approval_still_waiting_names_who_is_missing(da: Desk) -> None:
    text = da.group.read_text(encoding="utf-8")
    da.group.write_text(
        text.replace('reply_address = "', 'approvals_required = 2\nreply_address = "', 1), "utf-8"
    )
    code, out, err = da.run("agenda", "approve", "--meeting", MEETING, "--as", CHAIR)
    assert (code, err) == (0, "")
    assert out == (
        "Godkendelsen af version 1 er noteret; "
        "mangler stadig: Henrik Munk <hm@lo-djursland.example.org>\n"
    )


def test_an_edit_after_approval_says_the_chair_must_approve_again(da: Desk) -> None:
    assert da.run("agenda", "approve", "--meeting", MEETING, "--as", CHAIR)[0] == 0
    code, out, _ = _edit(da, "ret", "4", "baggrund", "Ny baggrund.")
    assert code == 0 and out.startswith("Version 2 er gemt. Ændringer:\n")
    assert out.endswith(
        "Dagsordenen var godkendt; ændringen skal godkendes igen: "
        f"partnerdesk agenda approve --meeting {MEETING} --as FORMANDENS-EMAIL\n"
    )
    code, _, err = da.run("agenda", "publish", "--meeting", MEETING)
    assert code == 2 and "er ikke godkendt" in err
    assert da.run("agenda", "approve", "--meeting", MEETING, "--as", CHAIR)[1] == (
        "Version 2 er godkendt\n"
    )
