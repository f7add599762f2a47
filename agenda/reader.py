"""A reader of partners' new text: labelled fields, numbered items, prose proposals, updates.

Pure: text and the group in, a Reading out. The rules are general (labels, formulas, the
group's own partner names and initiative codes), never tuned to particular messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from agenda.model import Group
from agenda.reading import InitiativeUpdate, MessageKind, Proposal, Reading

_LABELS = {
    "titel": "title", "title": "title", "emne": "title", "punkt": "title",
    "forslag til punkt": "title", "forslag til dagsordenspunkt": "title", "subject": "title",
    "baggrund": "background", "background": "background",
    "indstilling": "recommendation", "recommendation": "recommendation",
    "forslag": "recommendation",
    "sagsfremstilling": "description", "description": "description",
    "bilag": "attachments", "attachments": "attachments", "attachment": "attachments",
}  # fmt: skip
_LABEL = re.compile(
    r"^\s*(?:\d+[.)]\s*)?[*_]*("
    + "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True))
    + r")[*_]*\s*:[*_]*\s*(.*)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+(.+)$")
_CODE = re.compile(r"\bI-\s?(\d{1,3})\b", re.IGNORECASE)
_NOTHING = re.compile(
    r"\b(ingen (?:nye )?punkter|intet (?:fra|til)|ikke noget (?:til|fra)|melder pas|"
    r"har ikke noget|nothing (?:from us|to add|this time)|no (?:agenda )?items|"
    r"nothing for the agenda|no (?:new )?(?:agenda )?items)\b",
    re.IGNORECASE,
)
_ASK = re.compile(
    r"(på dagsordenen|et punkt (?:på|om)|have et punkt|\bforeslår\b|\bforeslå\b|"
    r"\bindstiller\b|\bdet indstilles\b|^forslag\s*:|we (?:would like to )?(?:suggest|propose)|"
    r"\ban item (?:on|about)\b|on the agenda|\bvil gerne drøfte\b|\bønsker at drøfte\b|"
    r"\bvil gerne orientere\b|\bminutter på mødet\b|\bmin\. på mødet\b|"
    r"\bminutes (?:at|on|in) the meeting\b)",
    re.IGNORECASE | re.MULTILINE,
)
_FORMULA = re.compile(
    r"(?:\bvi foreslår\b|\bjeg foreslår\b|\bjeg vil foreslå\b|\bforeslår vi\b|\bforslag\s*:|"
    r"\bdet indstilles\b|\bindstiller\b|\bwe (?:suggest|propose)\b|\bforeslår jeg\b)",
    re.IGNORECASE,
)
_HANDOVER = re.compile(
    r"(?:overtager(?:\s+[\w-]+){0,4}?\s+(?:bolden|ansvaret)|tager over|takes? over (?:the ball)?|"
    r"har bolden|has the ball|bolden (?:går|gives) (?:videre )?til|passes the ball to|"
    r"bolden til)",
    re.IGNORECASE,
)
_STAYS = re.compile(r"bolden bliver|the ball stays|beholder bolden|har stadig bolden", re.I)
_SDG = re.compile(r"(?:verdensmål|mål|sdg|goal)\s*(?:nr\.?\s*)?(\d{1,2})\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9])")
_GREETING = re.compile(
    r"^(hej|kære|dear|hi|hello|tak for|thanks|thank you|godmorgen|goddag)\b", re.IGNORECASE
)
# "Et punkt mere, hvis I kan nå det: sommerferiejob til unge" - the subject follows the colon.
_ANNOUNCED_TITLE = re.compile(r"(?:punkt|item|agenda|dagsorden)[^:\n]*:\s*(\S.+)", re.IGNORECASE)
_NEWS = re.compile(
    r"\b(status|nyt|news|progress|update|går godt|forsinket|startet|afsluttet|tilmeldt|"
    r"planlagt|udskudt|aflyst|delayed|started|finished|signed up)\b",
    re.IGNORECASE,
)
_INTRO = re.compile(r"\b(punkter|forslag|items|proposals|points)\b", re.IGNORECASE)


@dataclass
class _Draft:
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        if text.strip():
            self.fields.setdefault(name, []).append(text.strip())

    def get(self, name: str) -> str | None:
        parts = self.fields.get(name)
        return "\n".join(parts) if parts else None


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


_INLINE = re.compile(
    r"(?<=[.!?])\s+(?=(?:Baggrund|Background|Indstilling|Recommendation|Forslag|Sagsfremstilling"
    r"|Description|Bilag)\s*:)"
)


def _labelled(text: str) -> list[_Draft]:
    """Proposals written with field labels; a new title (or number) starts the next one."""
    text = _INLINE.sub("\n", text)
    drafts: list[_Draft] = []
    preamble: list[str] = []
    current: _Draft | None = None
    last: str | None = None
    for line in text.splitlines():
        m = _LABEL.match(line)
        if m:
            name = _LABELS[m.group(1).lower()]
            starts_new = name == "title" or bool(_NUMBERED.match(line))
            if (
                current is None
                or (starts_new and "title" in current.fields)
                or (name in current.fields and name != "attachments")
            ):
                current = _Draft()
                drafts.append(current)
                if name != "title" and preamble:
                    # "Et punkt mere: sommerferiejob. Baggrund: ..." - the title came first.
                    current.add("preamble", preamble[-1])
            current.add(name, m.group(2))
            last = name
        elif current is not None and last and line.strip() and not _NUMBERED.match(line):
            if last in ("background", "recommendation", "description"):
                current.add(last, line)
        elif current is None and line.strip():
            preamble.append(line)
        elif not line.strip():
            last = None if last == "title" else last
        else:
            last = None
    # A template left empty ("Titel:" with nothing after it) is no proposal.
    return [d for d in drafts if d.get("title") or d.get("background") or d.get("recommendation")]


def _split_prose(paragraph: str) -> tuple[str | None, str | None]:
    """Background (why) and recommendation (the suggestion) of a prose proposal."""
    sentences = _SENTENCE.split(paragraph.replace("\n", " "))
    for n, sentence in enumerate(sentences):
        if _FORMULA.search(sentence):
            before = " ".join(sentences[:n]).strip() or None
            return before, " ".join(sentences[n:]).strip()
    return None, paragraph.replace("\n", " ").strip()


def _short_title(text: str) -> str:
    """A short title a secretary would write, from a heading or the first words."""
    announced = _ANNOUNCED_TITLE.search(text)
    if announced:
        text = announced.group(1)
    head = re.split(r"\s[–-]\s|:\s|\.\s", text.strip(), maxsplit=1)[0]
    head = re.sub(
        r"^(?:.*?\b(?:punkt(?:et)?|item)\s*(?:på\s+)?(?:dagsordenen\s+)?(?:om|about|on)\s+|"
        r".*?\bto present (?:our (?:new )?)?|.*?\bvil gerne orientere om (?:vores (?:nye )?)?|"
        r".*?\bpunkt\s*:\s*)",
        "",
        head,
        flags=re.IGNORECASE,
    )
    words = head.split()
    title = " ".join(words[:10]).strip(" .,:;")
    return title[:1].upper() + title[1:] if title else "Forslag"


def _prose(text: str, group: Group) -> list[_Draft]:
    """Proposals in plain prose, numbered or not."""
    drafts: list[_Draft] = []
    announced = False
    intro = False
    for paragraph in _paragraphs(text):
        if not _NUMBERED.match(paragraph) and _INTRO.search(paragraph):
            intro = True
        lines = paragraph.splitlines()
        numbered = _NUMBERED.match(lines[0])
        body = paragraph
        heading: str | None = None
        if numbered:
            rest = "\n".join(lines[1:]).strip()
            if rest:
                heading, body = numbered.group(2).strip(), rest
            else:
                body = numbered.group(2)
        if body.rstrip().endswith(":"):
            announced = True  # "vi vil gerne have et punkt på dagsordenen:" - the next one is it
            continue
        listed = bool(numbered and heading and intro)
        if not (_ASK.search(body) or listed or announced):
            continue
        announced = False
        if _mentions_initiative(body, group) and not _FORMULA.search(body) and not heading:
            continue
        draft = _Draft()
        background, recommendation = _split_prose(body)
        if heading is None:
            first = re.split(r"\s[–-]\s", body, maxsplit=1)
            if len(first) == 2 and len(first[0]) <= 90:
                heading = first[0]
                background, recommendation = _split_prose(first[1])
        ask = next((x for x in _SENTENCE.split(body.replace("\n", " ")) if _ASK.search(x)), body)
        draft.add("title", _short_title(heading or ask))
        if background and not _GREETING.match(background):
            draft.add("background", background)
        draft.add("recommendation", recommendation or "")
        drafts.append(draft)
    return drafts


def _mentions_initiative(text: str, group: Group) -> bool:
    return bool(_CODE.search(text)) or any(
        fuzz.partial_ratio(i.title.lower(), text.lower()) > 90 for i in group.initiatives
    )


def _aliases(group: Group) -> list[tuple[str, str]]:
    """Ways a partner is named in text: its short name, its slug, a distinctive first word."""
    firsts: dict[str, int] = {}
    for partner in group.partners:
        word = partner.name.split()[0].lower()
        firsts[word] = firsts.get(word, 0) + 1
    found: list[tuple[str, str]] = []
    for partner in group.partners:
        short = re.sub(r"\s*\(.*?\)", "", partner.name).split(",")[0].strip().lower()
        names = {short, partner.slug.replace("-", " ")}
        first = partner.name.split()[0].lower()
        if len(first) >= 4 and firsts[first] == 1:
            names.add(first)
        found.extend((partner.slug, n) for n in names if n)
    return found


def _partner_named(text: str, group: Group) -> str | None:
    """The partner a short text names, if any."""
    low = text.lower()
    for slug, name in _aliases(group):
        if re.search(rf"\b{re.escape(name)}\b", low):
            return slug
    return None


@lru_cache(maxsize=1024)
def _keywords(title: str) -> tuple[str, ...]:
    """The telling words of an initiative's title."""
    return tuple(w for w in re.findall(r"\w+", title.lower()) if len(w) > 5)


def _initiative_for(text: str, group: Group) -> str | None:
    m = _CODE.search(text)
    if m:
        code = f"I-{m.group(1)}"
        return code if group.initiative(code) else None
    low = text.lower()
    best, score = None, 0.0
    for i in group.initiatives:
        key_words = _keywords(i.title)
        # The cheap substring test first; the fuzzy match only where a word may be there.
        hits = sum(
            1 for w in key_words if w[:4] in low and (w in low or fuzz.partial_ratio(w, low) >= 88)
        )
        ratio = hits / max(1, len(key_words))
        if ratio > score:
            best, score = i.code, ratio
    return best if score >= 0.5 else None


def _updates(text: str, group: Group, partner: str | None) -> list[InitiativeUpdate]:
    found: dict[str, InitiativeUpdate] = {}
    paragraphs = _paragraphs(text)
    for n, paragraph in enumerate(paragraphs):
        if not _CODE.search(paragraph) and any(_LABEL.match(x) for x in paragraph.splitlines()):
            continue  # a labelled proposal that names an initiative's subject is no update
        code = _initiative_for(paragraph, group)
        if code is None or (_FORMULA.search(paragraph) and not _CODE.search(paragraph)):
            continue
        body = paragraph
        # A heading line such as "Status på I-1 (...):" is followed by the news itself.
        lines = paragraph.splitlines()
        if len(lines) == 1 and paragraph.rstrip().endswith(":") and n + 1 < len(paragraphs):
            body = paragraphs[n + 1]
        elif lines[0].rstrip().endswith(":") and len(lines) > 1:
            body = "\n".join(lines[1:])
        plain = _CODE.sub("", body)
        has_news = bool(re.search(r"\d", plain)) or bool(_HANDOVER.search(body))
        if not _FORMULA.search(body):
            has_news = has_news or bool(_NEWS.search(body)) or len(body) > 80
        if not has_news:
            continue
        found.setdefault(code, InitiativeUpdate(initiative=code, status=body.strip()))
    return _handovers(text, group, found)


def _handovers(
    text: str, group: Group, found: dict[str, InitiativeUpdate]
) -> list[InitiativeUpdate]:
    """Who takes over the ball, from any sentence that says so."""
    for sentence in _SENTENCE.split(text.replace("\n", " ")):
        verb = _HANDOVER.search(sentence)
        if verb is None or _STAYS.search(sentence):
            continue
        code = _initiative_for(sentence, group)
        if code is None and len(found) == 1:
            code = next(iter(found))
        initiative = group.initiative(code or "")
        if initiative is None:
            continue
        # "X overtager bolden" names the new owner before the verb, "bolden til X" after it.
        after = "til" in verb.group(0).lower() or verb.group(0).lower().endswith(" to")
        # Danish word order may put the new owner inside: "fra april overtager Tradium bolden".
        named = _partner_named(verb.group(0), group) or _nearest_partner(
            sentence, group, verb.start(), after=after
        )
        if named is None or named == initiative.owner:
            continue
        current = found.get(initiative.code)
        status = current.status if current else sentence.strip()
        found[initiative.code] = InitiativeUpdate(
            initiative=initiative.code, status=status, owner=named
        )
    return list(found.values())


def _nearest_partner(sentence: str, group: Group, at: int, *, after: bool) -> str | None:
    """The partner named closest to a position, before it or after it."""
    low = sentence.lower()
    best: tuple[int, str] | None = None
    for slug, name in _aliases(group):
        for m in re.finditer(rf"\b{re.escape(name)}\b", low):
            distance = m.start() - at if after else at - m.end()
            if distance >= -1 and (best is None or distance < best[0]):
                best = (distance, slug)
    return best[1] if best else None


def _attachments_for(draft: _Draft, names: tuple[str, ...], count: int) -> tuple[str, ...]:
    """One proposal gets every file; with several, the files its Bilag line names."""
    if count == 1:
        return names
    said = (draft.get("attachments") or "").lower()
    return tuple(n for n in names if n.lower() in said or n.rsplit(".", 1)[0].lower() in said)


def read_text(
    text: str,
    group: Group,
    *,
    partner: str | None,
    kind: MessageKind = MessageKind.REPLY,
    attachments: tuple[str, ...] = (),
) -> Reading:
    """Understand a partner's new text."""
    if kind is not MessageKind.REPLY:
        return Reading(kind=kind, partner=partner, new_text=text)
    drafts = _labelled(text)
    guessed = False
    if not drafts:
        drafts = _prose(text, group)
        guessed = bool(drafts)
    proposals = [
        Proposal(
            title=d.get("title")
            or _short_title(
                d.get("preamble") or d.get("recommendation") or d.get("background") or ""
            ),
            background=d.get("background"),
            recommendation=d.get("recommendation"),
            description=d.get("description"),
            sdgs=tuple(
                sorted(
                    {
                        int(x)
                        for x in _SDG.findall(" ".join(t for v in d.fields.values() for t in v))
                        if 1 <= int(x) <= 17
                    }
                )
            ),
            attachments=_attachments_for(d, attachments, len(drafts)),
        )
        for d in drafts
    ]
    updates = _updates(text, group, partner)
    nothing = bool(_NOTHING.search(text)) and not proposals
    recognised = bool(proposals or updates or nothing)
    confidence = 1.0 if recognised and not guessed else 0.7 if recognised else 0.3
    return Reading(
        kind=kind,
        partner=partner,
        nothing_to_add=nothing,
        proposals=tuple(proposals),
        updates=tuple(updates),
        new_text=text,
        confidence=confidence if text.strip() else 0.0,
    )
