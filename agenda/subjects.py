"""Titles: the subject a sender names, a heading, or the subject line (see the corpus README).

A title is never a greeting, a proposal formula or a sentence cut at a length: when no rule
names the subject, the caller falls back to the subject line or the group's word for it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from agenda.lexicon import lexicon, subject_pattern, words_of
from agenda.sentences import roles_of

__all__ = ["clean_title", "head_of", "short_sentence", "subject_line", "subject_of"]

# A subject longer than this is a clause, not a name for an agenda item.
_MAX_WORDS = 16
# "Mangel på industriteknikere – vi vil gerne ..." : the head before the dash is the title.
_MAX_HEAD_WORDS = 9
_CLAUSE_END = re.compile(r"(?:,\s|\s[–—-]\s|;|\?|!|\.(?:\s|$)|:\s|\()")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_PREFIX = re.compile(r"^\s*(?:(?P<p>[\w]{1,10})\s*(?:\[\d+\])?\s*:\s*)", re.UNICODE)
_HEAD = re.compile(r"^(.+?)(?:\s[–—-]\s|:\s)")
_DECORATION = re.compile(r"^[^\w\"'«“‘]+|[^\w)\"'»”’]+$")


def clean_title(text: str) -> str:
    """Strip emphasis, emoji and end punctuation; capitalise the first letter."""
    title = " ".join(_DECORATION.sub("", text.strip()).split())
    return title[:1].upper() + title[1:]


def _subject(raw: str) -> str | None:
    lex = lexicon()
    text = raw.strip()
    cut = _CLAUSE_END.search(text)
    if cut:
        text = text[: cut.start()]
    stop = lex.subject_stop.search(text)
    if stop:
        text = text[: stop.start()]
    text = lex.subject_leading.sub("", text.strip())
    text = clean_title(text)
    if not text or len(text.split()) > _MAX_WORDS:
        return None
    if lex.has("empty_subjects", text) and len(text.split()) <= 2:
        return None
    return text


@cache
def _markers() -> tuple[dict[str, list[tuple[int, str]]], ...]:
    """The strong and the weak subject markers, each filed by first word with its place."""
    lex = lexicon()
    out: list[dict[str, list[tuple[int, str]]]] = []
    for markers in (lex.subject_markers, lex.weak_markers):
        filed: dict[str, list[tuple[int, str]]] = {}
        for n, (first, marker) in enumerate(markers):
            filed.setdefault(first, []).append((n, marker))
        out.append(filed)
    return tuple(out)


@lru_cache(maxsize=4096)
def subject_of(sentence: str) -> str | None:
    """The subject a request names: "et punkt om X", "tage X op", "... for the meeting: X"."""
    head, colon, after = sentence.partition(": ")
    after = after.strip()
    # After a colon, a lower-case noun phrase is the subject; a capital starts a new clause
    # unless what follows is only a short name ("Et punkt mere: Ungdomsledighed i Grenaa").
    named = after[:1].islower() or (
        len(after.split()) <= _MAX_HEAD_WORDS - 1 and not roles_of(after) - {"figures"}
    )
    if colon and named and "requests" in roles_of(head):
        found = _subject(after)
        if found:
            return found
    words = words_of(sentence)
    for markers in _markers():
        # The marker nearest the subject wins: in "fem minutter til at fortælle om X",
        # "fortælle om" names X where "minutter til" would name "at fortælle om X".
        candidates: list[tuple[int, str]] = []
        # Only markers whose first word stands in the sentence, in the list's order.
        for _n, marker in sorted(e for w in words.intersection(markers) for e in markers[w]):
            m = subject_pattern(marker).search(sentence)
            if m:
                subject = _subject(m.group("subject"))
                if subject:
                    candidates.append((m.start("subject"), subject))
        if candidates:
            return max(candidates, key=lambda f: f[0])[1]
    return None


@lru_cache(maxsize=4096)
def head_of(text: str) -> str | None:
    """A short heading before " – " or ": " that opens a paragraph, when it is no sentence."""
    m = _HEAD.match(text.strip())
    if m is None:
        return None
    head = m.group(1).strip()
    if len(head.split()) > _MAX_HEAD_WORDS or head[-1:] in ".!?":
        return None
    roles = roles_of(head)
    if roles & {"greetings", "requests", "formulas", "signoffs", "nothing", "list_intros"}:
        return None
    return clean_title(head) or None


@lru_cache(maxsize=4096)
def short_sentence(sentence: str) -> str | None:
    """A first sentence that is only a name ("Generationsskifte i de små virksomheder.")."""
    words = sentence.split()
    if not words or len(words) > _MAX_HEAD_WORDS - 1:
        return None
    if roles_of(sentence) - {"figures"}:
        return None
    return clean_title(sentence)


def subject_line(subject: str) -> str | None:
    """The mail's subject as a title, unless it only answers the call."""
    lex = lexicon()
    prefixes = {*lex.phrases.get("reply_prefixes", ()), *lex.phrases.get("forward_prefixes", ())}
    text = subject.strip()
    while (m := _PREFIX.match(text)) is not None and m.group("p").lower() in prefixes:
        text = text[m.end() :]
    # "Punkt til mødet 8. december: Mangel på svejsere" - the subject follows the colon.
    head, colon, after = text.partition(": ")
    if colon and roles_of(head) & {"requests", "list_intros"}:
        text = after
    if not text.strip() or lex.has("call_subject", text):
        return None
    return clean_title(text) or None
