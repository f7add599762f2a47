"""Sentences and what each one does (greeting, request, formula, news ...), from the vocabularies.

The splitter knows the abbreviations of the vocabulary files ("ca.", "pct.", "bl.a."), dates
("8. december") and chat style ("hej kan vi?? de mangler"); a line break ends a sentence
unless the line was wrapped mid-sentence. Home-made because it measured better here than a
general library: sentencex split the same on plain prose but missed chat style ("?? de
mangler") and cut "PS." off, at about a hundred times the cost per text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agenda.lexicon import lexicon

__all__ = ["ROLES", "roles_of", "split"]

# Role names are the vocabulary lists they come from.
ROLES = (
    "greetings",
    "signoffs",
    "requests",
    "formulas",
    "background_markers",
    "nothing",
    "questions",
    "promises",
    "news",
    "handovers",
    "ball_stays",
    "attachment_pointers",
    "auto_reply",
    "list_intros",
)
_ROLE_SET = frozenset(ROLES)
# The lists a sentence's roles are read from: the roles', and two that stand for one of them.
_READ = _ROLE_SET | {"subject_markers", "formula_starts"}
# A wrapped line is long; a line this short that ends without punctuation ends its sentence.
_WRAP = 60
# Clients wrap at 72-78 characters; a longer line was written as one.
_WRAP_MAX = 80
_INITIALS = re.compile(r"(?:\w\.){2,}")
_DAY = re.compile(r"\d{1,2}\.")
_NEXT = re.compile(r"\S")
_STOPS = re.compile(r"[.!?…]+(?=\s|$)")
_DIGIT = re.compile(r"\d")


def _ends_here(text: str, end: int) -> bool:
    """Whether the full stop(s) before `end` close a sentence."""
    following = _NEXT.search(text, end)
    if following is None or text[end - 1] in "?!…":
        return True
    after = following.group(0)
    token = text[text.rfind(" ", 0, end) + 1 : end].lower()
    if token in lexicon().abbreviations or _INITIALS.fullmatch(token):
        return False
    # "8. december", "kl. 22.10", "1.-3. klasse": a number's full stop continues the sentence.
    if _DAY.fullmatch(token) and not after.isupper():
        return False
    return after.isupper() or after.isdigit() or not after.isalnum()


def _split_line(line: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _STOPS.finditer(line):
        if _ends_here(line, m.end()):
            piece = line[start : m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
    tail = line[start:].strip()
    if tail:
        out.append(tail)
    return out


def split(text: str) -> list[str]:
    """The sentences of a block of text, in order."""
    joined: list[str] = []
    last = ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        wrapped = (
            joined
            and _WRAP <= len(last) <= _WRAP_MAX
            and last[-1:].isalnum()
            and line[:1].islower()
        )
        if wrapped:
            joined[-1] += " " + line
        else:
            joined.append(line)
        last = line
    return [s for line in joined for s in _split_line(line)]


@lru_cache(maxsize=4096)
def roles_of(sentence: str) -> frozenset[str]:
    """Every role the vocabularies give this sentence."""
    lex = lexicon()
    lists = lex.lists_in(sentence, _READ)
    found = set(lists & _ROLE_SET)
    if "subject_markers" in lists:
        found.add("requests")
    if "formula_starts" in lists:
        found.add("formulas")
    if _DIGIT.search(sentence):
        found.add("figures")
    if "questions" in found and not sentence.rstrip().endswith("?"):
        found.discard("questions")
    return frozenset(found)
