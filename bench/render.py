"""Compile and render a draft agenda of N proposals, beside anchors measured in the same run.

    python bench/render.py [--proposals 300] [--repeat 3] [--pdf-out FILE]

Ours: `compile_agenda` over the corpus group's partners' answers with N proposals in all
(title, background, recommendation, often a description; sized like the corpus's proposals),
then `Renderer.agenda_html` (in process), then `html_to_pdf` (WeasyPrint, tagged PDF/UA).
The anchors: the same template rendered for an agenda with no proposals, and WeasyPrint
turning a one-page HTML document into a PDF. Each figure is the least CPU time of --repeat
runs, after one warm-up run (templates compiled, fonts found), as in a running service.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
GROUP = REPO.parent / "shared" / "corpus" / "group.toml"
MEETING = "2026-2"

# Compound words, as Danish makes them: enough of them that titles rarely share two words.
_FIRST = [
    "lærlinge",
    "unge",
    "ledigheds",
    "virksomheds",
    "uddannelses",
    "sprog",
    "tilflytter",
    "turisme",
    "havne",
    "energi",
    "klima",
    "bygge",
    "sundheds",
    "ældre",
    "rekrutterings",
    "iværksætter",
    "handels",
    "land",
    "transport",
    "skole",
]
_SECOND = [
    "plan",
    "indsats",
    "pulje",
    "kampagne",
    "netværk",
    "forløb",
    "strategi",
    "partnerskab",
    "messe",
    "ordning",
    "projekt",
    "samarbejde",
    "vejledning",
    "analyse",
    "forum",
]
WORDS = [a + b for a in _FIRST for b in _SECOND]


def _answers(count: int) -> list[object]:
    """One answer from each partner of the group, count proposals in all, titles varied.

    One answer each: the newest answer of a partner is the one that counts, so the
    proposals of a big agenda arrive as partners' lists.
    """
    from agenda.groupfile import load_group
    from agenda.reading import Channel, MessageKind, Proposal, Reading
    from agenda.records import Answer, AnswerStatus

    group = load_group(GROUP)
    chance = random.Random(2026)  # noqa: S311 -- varied test data, the same every run
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    lists: list[list[Proposal]] = [[] for _ in group.partners]
    for n in range(count):
        # Sized like the corpus's proposals: 77 to 805 characters of text, about 400 on average.
        background = " ".join(chance.choices(WORDS, k=chance.randint(6, 30))).capitalize() + "."
        description = " ".join(chance.choices(WORDS, k=chance.randint(0, 30))).capitalize()
        lists[n % len(lists)].append(
            Proposal(
                title=" ".join(chance.sample(WORDS, 4)).capitalize(),
                background=background,
                recommendation="Det indstilles, at koordinationsgruppen drøfter forslaget.",
                description=f"{description}." if description else None,
                sdgs=(4, 8),
            )
        )
    return [
        Answer(
            group=group.slug,
            meeting=MEETING,
            channel=Channel.EMAIL,
            sender=partner.contacts[0].email,
            received_at=start + timedelta(minutes=n),
            reading=Reading(kind=MessageKind.REPLY, partner=partner.slug, proposals=tuple(mine)),
            status=AnswerStatus.ACCEPTED,
            id=n + 1,
        )
        for n, (partner, mine) in enumerate(zip(group.partners, lists, strict=True))
        if mine
    ]


def _fastest(work: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The least CPU time of repeat runs (a shared machine stretches the wall clock)."""
    work()
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = work()
        best = min(best, time.process_time() - start)
    return best, result


ONE_PAGE = (
    '<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Side</title></head>'
    "<body><h1>Dagsorden</h1><p>" + "Et afsnit om lærepladser. " * 40 + "</p></body></html>"
)


def main() -> None:
    """Print each step's time beside the anchors."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--proposals", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf-out", type=Path)
    args = parser.parse_args()

    from agenda.compile import compile_agenda
    from agenda.groupfile import load_group
    from partnerdesk.pdf import html_to_pdf
    from partnerdesk.render import Renderer

    group = load_group(GROUP)
    meeting = group.meeting(MEETING)
    assert meeting is not None
    answers = _answers(args.proposals)
    now = datetime(2026, 11, 28, 9, tzinfo=UTC)
    renderer = Renderer()

    compiled, agenda = _fastest(
        lambda: compile_agenda(group, meeting, answers, now=now),  # type: ignore[arg-type]
        args.repeat,
    )
    empty = compile_agenda(group, meeting, [], now=now)
    html_s, html = _fastest(
        lambda: renderer.agenda_html(group, meeting, agenda, draft=True),  # type: ignore[arg-type]
        args.repeat,
    )
    anchor_html_s, _ = _fastest(
        lambda: renderer.agenda_html(group, meeting, empty, draft=True), args.repeat
    )
    pdf_s, pdf = _fastest(lambda: html_to_pdf(str(html)), args.repeat)
    anchor_pdf_s, _ = _fastest(lambda: html_to_pdf(ONE_PAGE), args.repeat)
    items = len(agenda.items)  # type: ignore[attr-defined]
    assert isinstance(pdf, bytes)
    if args.pdf_out:
        args.pdf_out.write_bytes(pdf)
    print(
        f"{args.proposals} proposals, {items} items; HTML {len(str(html)) / 1e3:.0f} kB,"
        f" PDF {len(pdf) / 1e3:.0f} kB"
    )
    rows = [
        ("compile the draft", compiled, None),
        ("render HTML (in process)", html_s, anchor_html_s),
        ("compile + HTML", compiled + html_s, anchor_html_s),
        ("render PDF", pdf_s, anchor_pdf_s),
    ]
    print(f"{'CPU seconds, fastest run':28} {'ours':>8} {'anchor':>9}")
    for name, ours, anchor in rows:
        shown = f"{anchor:9.3f}" if anchor is not None else f"{'':9}"
        print(f"{name:28} {ours:8.3f} {shown}")
    print("anchors: the same template for an agenda without proposals; a one-page PDF")


if __name__ == "__main__":
    main()
