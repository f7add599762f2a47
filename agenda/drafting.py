"""Proposals assembled from blocks, labels and sentence roles, in one pass over the text.

Labels fill their fields; a title label, a list item or a request naming a new subject starts
the next proposal. In prose, explanation before the proposal formula is background and the
formula starts the recommendation. Sentences that carry initiative news, handovers, courtesy,
promises or practical questions are left out of proposals (the updates reader takes the news).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agenda.blocks import Block, BlockKind, blocks
from agenda.initiatives import GroupIndex
from agenda.labels import Segment, segments
from agenda.sentences import roles_of, split
from agenda.subjects import clean_title, head_of, short_sentence, subject_of

__all__ = ["Draft", "Drafting", "SentenceNote", "draft_text"]

# Courtesy and other sentences that are never part of a proposal.
_ASIDE = frozenset({"greetings", "signoffs", "promises", "auto_reply", "attachment_pointers"})
_ASK = frozenset({"requests", "formulas"})
_SUBSTANCE = _ASK | {"news", "handovers"}
# A value ending in an ellipsis, this short, is the template's placeholder.
_PLACEHOLDER = re.compile(r"(?:\.\.\.|…)\s*$")
_PLACEHOLDER_WORDS = 8
# A list item's first line is its heading when it is at most this long.
_MAX_HEADING_WORDS = 14


@dataclass
class Draft:
    """A proposal being read: its title, where the title came from, and its fields."""

    title: str | None = None
    title_source: str = ""
    labelled: dict[str, list[str]] = field(default_factory=dict)
    background: list[str] = field(default_factory=list)
    recommendation: list[str] = field(default_factory=list)
    # A labelled or listed proposal ends with its paragraph; prose runs on.
    closes_with_paragraph: bool = False
    closed: bool = False
    # Asked for in words ("et punkt til mødet"), not just an empty template.
    requested: bool = False

    @property
    def open_for_title(self) -> bool:
        """Asked for but not yet named: the next subject, heading or label names it."""
        return self.title is None and not self.labelled

    @property
    def has_content(self) -> bool:
        """Whether anything beyond a bare request (or an empty template) was read into it."""
        filled = any(any(v.strip() for v in values) for values in self.labelled.values())
        return bool(self.title or filled or self.background or self.recommendation)

    def get(self, name: str) -> str | None:
        """A field's text: labelled text wins over prose."""
        parts = self.labelled.get(name)
        if not parts:
            parts = {"background": self.background, "recommendation": self.recommendation}.get(
                name, []
            )
        text = "\n".join(p for p in parts if p.strip()).strip()
        return text or None


@dataclass
class SentenceNote:
    """A sentence as read: its paragraph, roles, and whether a proposal took it."""

    text: str
    paragraph: int
    roles: frozenset[str]
    used: bool = False


@dataclass
class Drafting:
    """Everything the pass found."""

    drafts: list[Draft] = field(default_factory=list)
    notes: list[SentenceNote] = field(default_factory=list)
    nothing: bool = False
    auto: bool = False
    question: bool = False
    announced: bool = False


class _Pass:
    def __init__(self, index: GroupIndex, partner: str | None) -> None:
        self.index = index
        self.partner = partner
        self.out = Drafting()
        self.current: Draft | None = None
        self.rec_open = False
        self.last_field: str | None = None
        self.paragraph = 0
        self.update_mode = False
        self.item_mode = False
        self.pending: list[SentenceNote] = []
        # The last sentence asked for an item and ended with a colon: a name may follow.
        self.after_colon = False

    # -- drafts ------------------------------------------------------------------------

    def new_draft(self, title: str | None = None, source: str = "", *, bare: bool = False) -> Draft:
        if self.current is not None and self.current.open_for_title and not self.current.closed:
            draft = self.current
            draft.title, draft.title_source = title, source if title else ""
        else:
            draft = Draft(title=title, title_source=source if title else "")
            self.out.drafts.append(draft)
            self.current = draft
        # Explanation written before the proposal is its background; before a bare request
        # ("To ting til dagsordenen:") it is preamble.
        if self.pending and not bare:
            draft.background.extend(n.text for n in self.pending)
            for n in self.pending:
                n.used = True
        self.pending = []
        self.rec_open = False
        return draft

    def live(self) -> Draft | None:
        return self.current if self.current is not None and not self.current.closed else None

    def end_paragraph(self) -> None:
        if self.current is not None and self.current.closes_with_paragraph:
            self.current.closed = True
        self.rec_open = False
        self.update_mode = False
        self.item_mode = False
        self.last_field = None

    # -- labelled fields -----------------------------------------------------------------

    def labelled(self, seg: Segment) -> None:
        name = seg.field
        assert name is not None
        value = seg.text.strip()
        # The call's template copied back unfilled ("Indstilling: Det indstilles, at ...").
        if _PLACEHOLDER.search(value) and len(value.split()) <= _PLACEHOLDER_WORDS:
            value = ""
        if name == "title":
            draft = self.live()
            # "Et punkt om lærlinge:" then "Titel: Lærlinge i industrien": the label names it.
            named_only = draft is not None and not (
                draft.labelled or draft.background or draft.recommendation
            )
            value = clean_title(value)
            if draft is not None and (draft.open_for_title or named_only):
                draft.title, draft.title_source = value or None, "label"
            else:
                self.new_draft(value or None, "label")
            assert self.current is not None
            # A title alone ("Emne: X") takes the prose below it; fields close the proposal.
            self.current.labelled.setdefault("title", [])
        else:
            draft = self.live()
            kept = self.current
            if draft is None and kept is not None and kept.labelled and name not in kept.labelled:
                # A form spread over paragraphs (Outlook bullets): its next field still counts.
                draft = kept
            # A field given twice starts the next proposal ("Bilag" may repeat).
            if draft is None or (name in draft.labelled and name != "attachments"):
                draft = self.new_draft()
            draft.labelled.setdefault(name, [])
            if value:
                draft.labelled[name].append(value)
            draft.closes_with_paragraph = True
        self.last_field = name

    def continuation(self, text: str) -> str:
        """Lines after a label belong to its field; returns what is left for prose."""
        draft = self.live()
        name = self.last_field
        if draft is None or name is None:
            return text
        if name == "title":
            if draft.title is None:
                first, _, rest = text.partition("\n")
                draft.title, draft.title_source = clean_title(first) or None, "label"
                self.last_field = None
                return rest
            return text
        if name in ("background", "recommendation", "description"):
            draft.labelled.setdefault(name, []).append(text)
            return ""
        return text

    # -- prose ---------------------------------------------------------------------------

    def note(self, text: str) -> SentenceNote:
        found = SentenceNote(text, self.paragraph, roles_of(text))
        self.out.notes.append(found)
        return found

    def prose(self, text: str, *, first_in_paragraph: bool) -> None:
        sentences = split(text)
        asks = any(roles_of(s) & _ASK for s in sentences)
        for n, sentence in enumerate(sentences):
            self.sentence(self.note(sentence), first=first_in_paragraph and n == 0, asks=asks)

    def sentence(self, note: SentenceNote, *, first: bool, asks: bool) -> None:
        roles, text = note.roles, note.text
        out = self.out
        if "auto_reply" in roles:
            out.auto = True
        if "list_intros" in roles or ("requests" in roles and text.rstrip().endswith(":")):
            out.announced = True
        ask = roles & _ASK
        # "ingen punkter til dagsordenen" names the agenda but asks for nothing.
        if "nothing" in roles and "formulas" not in roles and subject_of(text) is None:
            out.nothing = True
            return
        # "Hej alle 👋 Kort nyt om I-5: 14 deltagere" is news behind a greeting.
        if roles & _ASIDE and not roles & _SUBSTANCE:
            return
        if "list_intros" in roles and text.rstrip().endswith(":") and not ask:
            return  # "Vi har tre forslag:" introduces; it is no part of one
        if "questions" in roles and not ask:
            out.question = True
            return
        # "… og at bolden går til X" moves the ball; it puts nothing on the agenda.
        if "handovers" in roles:
            return
        if self.is_news(note, asks=asks):
            self.update_mode = True
            return
        if self.update_mode and not ask:
            return
        draft = self.live()
        announced_title = self.after_colon
        self.after_colon = text.rstrip().endswith(":") and bool(ask)
        named = short_heading(text) or short_sentence(text) is not None
        if announced_title and draft is not None and draft.open_for_title and named:
            # "Punkt til dagsordenen:" then "Grøn omstilling i landbruget" on the next line.
            draft.title, draft.title_source = clean_title(text), "heading"
            note.used = True
            return
        if (
            first
            and draft is not None
            and draft.open_for_title
            and not self.item_mode
            and subject_of(text) is None
        ):
            # "Et punkt:" then "Part-time AP programme – a short presentation": the head names it.
            head = head_of(text)
            if head and len(head.split()) >= 2:
                draft.title, draft.title_source = head, "heading"
        if "requests" in roles:
            self.request(note, first=first)
            return
        if "formulas" in roles:
            draft = self.live() or self.new_draft()
            draft.recommendation.append(text)
            note.used, self.rec_open = True, True
            return
        if draft is None:
            self.pending.append(note)
            return
        if self.rec_open and "background_markers" not in roles:
            draft.recommendation.append(text)
        else:
            draft.background.append(text)
        note.used = True

    def is_news(self, note: SentenceNote, *, asks: bool) -> bool:
        """Initiative news: a code with figures or status words, or a title with status words."""
        roles = note.roles
        if "formulas" in roles:
            return False
        codes = self.index.codes_in(note.text)
        if codes:
            # The code's own digits are no figures.
            figures = re.search(r"\d", self.index.without_codes(note.text)) is not None
            return figures or bool(roles & {"news", "ball_stays", "requests"})
        if asks or (self.live() is not None and self.item_mode):
            return False
        return "news" in roles and bool(self.index.named_in(note.text, self.partner))

    def request(self, note: SentenceNote, *, first: bool) -> None:
        text = note.text
        draft = self.live()
        subject: str | None = None
        source = "subject"
        head = head_of(text) if first else None
        if head and len(head.split()) < 2:
            head = None
        # A subject the request names wins; a short head before a dash or colon comes next.
        subject = subject_of(text)
        if subject is None and head is not None:
            subject, source = head, "heading"
        # "Vi foreslår, at X inviteres til at præsentere Y" completes the proposal in hand.
        completes = (
            "formulas" in note.roles
            and draft is not None
            and draft.title is not None
            and not draft.recommendation
        )
        if subject and not self.item_mode and not completes:
            if draft is not None and draft.title and draft.title.lower() == subject.lower():
                pass
            elif draft is not None and draft.open_for_title:
                draft.title, draft.title_source = subject, source
            else:
                # Text before a request that names its subject is preamble, not background.
                draft = self.new_draft(subject, source, bare=True)
        elif draft is None:
            draft = self.new_draft(bare=True)
        draft.requested = True
        note.used = True
        if "formulas" in note.roles:
            draft.recommendation.append(text)
            self.rec_open = True

    # -- list items ----------------------------------------------------------------------

    def item(self, block: Block, segs: list[Segment]) -> None:
        if any(s.field for s in segs):
            # "• Titel – Baggrund: … – Indstilling: …": the unlabelled head names the item.
            if segs[0].field is None and len(segs) > 1 and short_heading(segs[0].text):
                self.new_draft(clean_title(segs[0].text), "heading")
                assert self.current is not None
                self.current.closes_with_paragraph = True
                segs = segs[1:]
            self.segments(segs)
            return
        text = block.text
        # The item's roles are its sentences' (read once, and again from the cache below).
        roles = frozenset().union(*(roles_of(s) for s in split(text)))
        qualifies = (
            self.out.announced or bool(roles & _ASK) or block.kind is not BlockKind.ITEM
        ) and not (self.index.codes_in(text) and "formulas" not in roles)
        if not qualifies:
            self.prose(text, first_in_paragraph=True)
            return
        title, body = item_title(block)
        draft = self.new_draft(title, "heading" if title else "", bare=True)
        # A heading or item alone on its line takes the paragraphs below; one with its own
        # text ends with its paragraph.
        draft.closes_with_paragraph = bool(body.strip())
        self.item_mode = True
        if body.strip():
            self.prose(body, first_in_paragraph=False)
        self.item_mode = bool(body.strip())

    def segments(self, segs: list[Segment]) -> None:
        for n, seg in enumerate(segs):
            if seg.field is not None:
                self.labelled(seg)
                continue
            rest = self.continuation(seg.text)
            if rest.strip():
                self.prose(rest, first_in_paragraph=n == 0)

    def block(self, block: Block) -> None:
        if block.paragraph != self.paragraph:
            self.end_paragraph()
            self.paragraph = block.paragraph
        if block.kind is BlockKind.SECTION:
            if self.current is not None and self.current.has_content:
                self.current.closed = True
            return
        segs = segments(block)
        plain = not any(s.field for s in segs)
        if (
            block.kind is BlockKind.PARAGRAPH
            and self.out.announced
            and len(block.lines) > 1
            and plain
            and short_heading(block.head)
        ):
            # After "To punkter:", a short unpunctuated line over a paragraph is its heading
            # (bold in the HTML, lost in the plain text).
            block = Block(BlockKind.HEADING, block.lines, "", block.paragraph)
        if block.kind in (BlockKind.ITEM, BlockKind.HEADING):
            # Labelled bullets are fields of one proposal; a plain item is a proposal of its own.
            if plain and self.current is not None and not self.current.open_for_title:
                self.current.closed = True
            self.item(block, segs)
            return
        self.segments(segs)


def short_heading(text: str) -> bool:
    """Whether a line can be a heading: short, no sentence, no courtesy or formula."""
    words = text.split()
    if not words or len(words) > _MAX_HEADING_WORDS or text.rstrip()[-1:] in ".!?":
        return False
    return not roles_of(text) & (_ASK | _ASIDE | {"nothing"})


def item_title(block: Block) -> tuple[str | None, str]:
    """A list item's title and the text that follows it."""
    if len(block.lines) > 1 and short_heading(block.head.rstrip(":")):
        return clean_title(block.head), block.body
    text = block.text
    head = head_of(text)
    if head:
        cut = text.find(head[1:]) + len(head) - 1 if head[1:] else 0
        rest = text[cut:].lstrip(" :–—-")
        return head, rest
    sentences = split(text)
    if sentences:
        subject = subject_of(sentences[0])
        if subject:
            return subject, text
        name = short_sentence(sentences[0])
        if name:
            return name, text[len(sentences[0]) :].lstrip()
    return None, text


def draft_text(text: str, index: GroupIndex, partner: str | None = None) -> Drafting:
    """Read proposals (and note every sentence) from a partner's text."""
    reader = _Pass(index, partner)
    for block in blocks(text):
        reader.block(block)
    return reader.out
