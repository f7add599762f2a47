"""A reader of partners' new text: proposals, initiative updates, nothing to add, auto replies.

Pure: text (and the text of attached documents, when the sender points to them) and the
group in, a Reading out. The rules name kinds of sentences, labels and layouts; the words
for them live in the vocabulary files of agenda/lexicon/, the initiatives and partners in
the group file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import NamedTuple

from agenda.drafting import Draft, Drafting, draft_text
from agenda.initiatives import GroupIndex, forget_matches, index_for
from agenda.lexicon import clear_caches as clear_lexicon_caches
from agenda.lexicon import lexicon
from agenda.model import Group
from agenda.reading import MessageKind, Proposal, Reading
from agenda.sentences import roles_of
from agenda.subjects import head_of, short_sentence, subject_line, subject_of
from agenda.updates import read_updates

__all__ = ["clear_caches", "points_to_document", "read_text"]

# Confidence when a rule guessed rather than read a label (see _confidence).
_PROSE = 0.85
_SUBJECT_LINE = 0.8
_LOOSE_INITIATIVE = 0.85
_UNCOVERED = 0.7
_FALLBACK_TITLE = 0.5
_NOTHING_READ = 0.3
# Sentences no rule covered, beyond which the reading goes to review.
_MAX_UNCOVERED = 2
_DIGIT = re.compile(r"\d")
_CONTENT_ROLES = frozenset({"requests", "formulas", "news", "handovers", "ball_stays", "nothing"})


# Where a title came from, as the reasons say it.
_SOURCES = {
    "label": "its label",
    "subject": "the subject the sender names",
    "heading": "a heading",
    "document": "the attached document",
}


class _Read(NamedTuple):
    proposal: Proposal
    source: str


def clear_caches() -> None:
    """Forget the sentences read so far, so the next texts are read as new (benchmarks)."""
    roles_of.cache_clear()
    for cached in (subject_of, head_of, short_sentence):
        cached.cache_clear()
    clear_lexicon_caches()
    forget_matches()


def points_to_document(text: str) -> bool:
    """Whether the sender's text points to an attached document ("se vedhæftede", "attached")."""
    return lexicon().has("attachment_pointers", text)


@cache
def _sdg_pattern() -> re.Pattern[str]:
    words = sorted(lexicon().phrases.get("sdg_words", ()), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})\s*(\d{{1,2}})(?!\d)", re.IGNORECASE)


def _sdgs(text: str) -> tuple[int, ...]:
    found = _sdg_pattern().findall(text) if _DIGIT.search(text) else []
    return tuple(sorted({int(x) for x in found if 1 <= int(x) <= 17}))


def _proposal(draft: Draft) -> _Read:
    text = " ".join(
        [
            *(v for vs in draft.labelled.values() for v in vs),
            *draft.background,
            *draft.recommendation,
        ]
    )
    proposal = Proposal(
        title=draft.title or "",
        background=draft.get("background"),
        recommendation=draft.get("recommendation"),
        description=draft.get("description"),
        sdgs=_sdgs(text),
        attachments=tuple(draft.labelled.get("attachments", ())),
    )
    return _Read(proposal, draft.title_source if draft.title else "")


def _reads(drafting: Drafting) -> list[_Read]:
    """The drafts worth keeping: a bare request ("et punkt:") only when nothing else came."""
    full = [d for d in drafting.drafts if d.has_content]
    if full:
        return [_proposal(d) for d in full]
    asked = [d for d in drafting.drafts if d.requested]
    return [_proposal(asked[0])] if asked else []


def _fill(base: Proposal, other: Proposal, *, from_document: bool) -> Proposal:
    """Fields base leaves out, taken from other."""
    return replace(
        base,
        title=base.title or other.title,
        background=base.background or other.background,
        recommendation=base.recommendation or other.recommendation,
        description=base.description or other.description,
        sdgs=base.sdgs or other.sdgs,
        from_document=from_document,
    )


def _needs_document(reads: list[_Read]) -> bool:
    """Whether the text leaves out something an attached proposal could give."""
    if len(reads) > 1:
        return False
    if not reads:
        return True
    p = reads[0].proposal
    return not (reads[0].source and p.background and p.recommendation and p.description)


def _with_documents(
    reads: list[_Read], documents: Mapping[str, str], index: GroupIndex
) -> tuple[list[_Read], list[str]]:
    """Proposals completed from attached documents the text points to."""
    found = [
        r for body in documents.values() if body.strip() for r in _reads(draft_text(body, index))
    ]
    found = [r for r in found if r.proposal.title or r.proposal.recommendation]
    if not found:
        return reads, []
    names = ", ".join(documents)
    if not reads:
        return [
            _Read(replace(r.proposal, from_document=True), r.source or "document") for r in found
        ], [f"proposal read from the attached document ({names})"]
    if len(reads) != 1:
        return reads, []
    mine, theirs = reads[0], found[0]
    # Where the text states the proposal (a title, a recommendation), the text wins.
    states = bool(mine.source) or bool(mine.proposal.recommendation)
    if states:
        merged = _fill(mine.proposal, theirs.proposal, from_document=True)
        source = mine.source or theirs.source
        reason = f"proposal completed from the attached document ({names})"
    else:
        merged = _fill(theirs.proposal, mine.proposal, from_document=True)
        merged = replace(merged, attachments=mine.proposal.attachments)
        source = theirs.source or "document"
        reason = f"proposal read from the attached document ({names})"
    return [_Read(merged, source)], [reason]


def _attachments(reads: list[_Read], names: tuple[str, ...]) -> list[_Read]:
    """One proposal gets every file; with several, the files its Bilag line names."""
    out: list[_Read] = []
    for r in reads:
        if len(reads) == 1:
            files = names
        else:
            said = " ".join(r.proposal.attachments).lower()
            files = tuple(
                n for n in names if n.lower() in said or n.rsplit(".", 1)[0].lower() in said
            )
        out.append(_Read(replace(r.proposal, attachments=files), r.source))
    return out


def _titled(reads: list[_Read], subject: str, language: str) -> tuple[list[_Read], list[str]]:
    """Every proposal titled: its own title, else the subject line, else the group's word."""
    out: list[_Read] = []
    reasons: list[str] = []
    line = subject_line(subject) if len(reads) == 1 else None
    for n, r in enumerate(reads, 1):
        if r.proposal.title:
            out.append(r)
            reasons.append(f"proposal {n}: title from {_SOURCES.get(r.source, 'the text')}")
        elif line:
            out.append(_Read(replace(r.proposal, title=line), "subject line"))
            reasons.append(f"proposal {n}: title from the subject line")
        else:
            fallback = lexicon().fallback_title(language)
            out.append(_Read(replace(r.proposal, title=fallback), "fallback"))
            reasons.append(f"proposal {n}: no title named; called {fallback!r}")
    return out, reasons


def _uncovered(drafting: Drafting, covered: set[int]) -> int:
    """Sentences that say something no rule read (they go to review, not into an item)."""
    return sum(
        1
        for note in drafting.notes
        if not note.used
        and not note.roles
        and note.paragraph not in covered
        and len(note.text.split()) > 3
    )


def read_text(
    text: str,
    group: Group,
    *,
    partner: str | None,
    kind: MessageKind = MessageKind.REPLY,
    attachments: tuple[str, ...] = (),
    subject: str = "",
    documents: Mapping[str, str] | None = None,
) -> Reading:
    """Understand a partner's new text (and the documents it points to)."""
    if kind is not MessageKind.REPLY:
        return Reading(
            kind=kind, partner=partner, new_text=text, reasons=(f"{kind.value} by its headers",)
        )
    lex = lexicon()
    index = index_for(group)
    drafting = draft_text(text, index, partner)
    reads = _reads(drafting)
    reasons: list[str] = []
    if documents and _needs_document(reads) and points_to_document(text):
        reads, why = _with_documents(reads, documents, index)
        reasons.extend(why)
    updates = read_updates(drafting.notes, group, index, partner)
    # An out-of-office may mention the agenda ("spørgsmål til dagsordenen: ring til ...");
    # it is automatic unless a proposal with substance, an update or "nothing" was read.
    substance = any(
        r.proposal.title or r.proposal.background or r.proposal.recommendation for r in reads
    )
    automatic = lex.has("auto_reply", subject) or (
        drafting.auto and not substance and not updates.updates and not drafting.nothing
    )
    if automatic:
        return Reading(
            kind=MessageKind.AUTO_REPLY,
            partner=partner,
            new_text=text,
            reasons=("automatic reply by its wording",),
        )
    reads, why = _titled(_attachments(reads, attachments), subject, group.language.value)
    reasons.extend(why)
    reasons.extend(updates.reasons)
    nothing = drafting.nothing and not reads
    if nothing:
        reasons.append("the sender has no items")
    covered = {n.paragraph for n in drafting.notes if n.used or n.roles & _CONTENT_ROLES}
    uncovered = _uncovered(drafting, covered)
    confidence = _confidence(reads, updates.reasons, nothing, uncovered, drafting)
    if uncovered > _MAX_UNCOVERED:
        reasons.append(f"{uncovered} sentences no rule covered")
    if drafting.question:
        reasons.append("a practical question for the secretariat")
    if not (reads or updates.updates or nothing):
        reasons.append("no proposal, update or 'nothing to add' recognised; for review")
    return Reading(
        kind=MessageKind.REPLY,
        partner=partner,
        nothing_to_add=nothing,
        proposals=tuple(r.proposal for r in reads),
        updates=tuple(updates.updates),
        new_text=text,
        confidence=confidence if text.strip() else 0.0,
        reasons=tuple(reasons),
    )


def _confidence(
    reads: list[_Read], update_reasons: list[str], nothing: bool, uncovered: int, d: Drafting
) -> float:
    """1.0 for labelled readings; less for each guess; little when nothing was recognised."""
    if not (reads or update_reasons or nothing):
        return _NOTHING_READ
    value = 1.0
    for r in reads:
        if r.source == "fallback":
            value = min(value, _FALLBACK_TITLE)
        elif r.source == "subject line":
            value = min(value, _SUBJECT_LINE)
        elif r.source != "label":
            value = min(value, _PROSE)
    if any("named by title" in reason for reason in update_reasons):
        value = min(value, _LOOSE_INITIATIVE)
    if uncovered > _MAX_UNCOVERED or (d.question and not reads):
        value = min(value, _UNCOVERED)
    return value
