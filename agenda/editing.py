"""The secretariat's edits to a draft: reorder, edit, merge, split, drop, add, close.

Edits are kept as a list and replayed on every compile, so an answer admitted later lands in
the edited agenda instead of wiping the secretariat's work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from agenda.agenda import Agenda, AgendaItem, ItemKind
from agenda.errors import NotFoundError, WorkflowError

_FIELDS = ("title", "background", "recommendation", "description")
_FIXED = frozenset({ItemKind.APPROVE_AGENDA, ItemKind.APPROVE_MINUTES, ItemKind.ANY_OTHER_BUSINESS})


@dataclass(frozen=True)
class Edit:
    """One change the secretariat made; items are named by their stable key."""

    action: str
    key: str = ""
    other: str = ""
    field: str = ""
    value: str = ""
    position: int = 0

    def to_dict(self) -> dict[str, str | int]:
        """A JSON-ready dictionary."""
        return {
            "action": self.action,
            "key": self.key,
            "other": self.other,
            "field": self.field,
            "value": self.value,
            "position": self.position,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str | int]) -> Edit:
        """Rebuild an edit from to_dict()."""
        return cls(
            action=str(data["action"]),
            key=str(data.get("key", "")),
            other=str(data.get("other", "")),
            field=str(data.get("field", "")),
            value=str(data.get("value", "")),
            position=int(data.get("position", 0)),
        )


def key_at(agenda: Agenda, number: int) -> str:
    """The key of the item printed with this number."""
    if not 1 <= number <= len(agenda.items):
        raise NotFoundError("no_item", number=number, count=len(agenda.items))
    return agenda.items[number - 1].key


def apply_edits(agenda: Agenda, edits: Iterable[Edit]) -> Agenda:
    """The agenda with every edit applied in order; edits whose item is gone are skipped."""
    items = list(agenda.items)
    for edit in edits:
        try:
            items = _apply(items, edit)
        except NotFoundError:
            # The item an old edit named is no longer compiled (its answer was declined).
            continue
    return replace(agenda, items=tuple(items))


def apply_edits_strict(agenda: Agenda, edit: Edit) -> Agenda:
    """The agenda with one edit applied; raises when the edit cannot be done."""
    return replace(agenda, items=tuple(_apply(list(agenda.items), edit)))


def _find(items: list[AgendaItem], key: str) -> int:
    for n, item in enumerate(items):
        if item.key == key:
            return n
    raise NotFoundError("no_item_key", key=key)


def _movable(item: AgendaItem) -> None:
    if item.kind in _FIXED:
        raise WorkflowError("standard_item_fixed")


def _apply(items: list[AgendaItem], edit: Edit) -> list[AgendaItem]:
    action = edit.action
    if action == "add":
        key = _unique_key(items, edit.value)
        new = AgendaItem(kind=ItemKind.PROPOSAL, title=edit.value, key=key, proposers=())
        return [*items[:-1], new, items[-1]]
    n = _find(items, edit.key)
    item = items[n]
    if action == "move":
        _movable(item)
        rest = items[:n] + items[n + 1 :]
        # Between Siden sidst (index 2) and Eventuelt (last): the frame stays intact.
        position = min(max(edit.position - 1, 3), len(rest) - 1)
        return [*rest[:position], item, *rest[position:]]
    if action == "drop":
        _movable(item)
        return items[:n] + items[n + 1 :]
    if action == "attach":
        # value is the Bilag's display name; other is the file kept with the draft.
        items[n] = replace(item, attachments=tuple(dict.fromkeys((*item.attachments, edit.value))))
        return items
    if action in ("close", "open"):
        _movable(item)
        items[n] = replace(item, closed=action == "close")
        return items
    if action == "set":
        # The standard items are worded by the templates, in the group's language.
        _movable(item)
        if edit.field not in _FIELDS:
            raise WorkflowError("unknown_field", field=edit.field)
        if edit.field == "title":
            items[n] = replace(item, title=edit.value or item.title)
        else:
            items[n] = _set_text(item, edit.field, edit.value or None)
        return items
    if action == "merge":
        m = _find(items, edit.other)
        into, extra = items[n], items[m]
        _movable(into)
        _movable(extra)
        merged = _merge(into, extra)
        items[n] = merged
        return [i for k, i in enumerate(items) if k != m]
    if action == "split":
        if len(item.contributions) < 2:
            raise WorkflowError("not_merged", title=item.title)
        parts = [
            replace(
                item,
                key=f"{item.key}~{c.partner}" if k else item.key,
                title=c.title,
                background=c.background,
                recommendation=c.recommendation,
                description=c.description,
                proposers=(c.partner_name,),
                contributions=(c,),
            )
            for k, c in enumerate(item.contributions)
        ]
        return items[:n] + parts + items[n + 1 :]
    raise WorkflowError("unknown_edit", action=action)


def _set_text(item: AgendaItem, name: str, value: str | None) -> AgendaItem:
    if name == "background":
        return replace(item, background=value)
    if name == "recommendation":
        return replace(item, recommendation=value)
    return replace(item, description=value)


def _join(a: str | None, b: str | None) -> str | None:
    parts = [p for p in (a, b) if p]
    return "\n\n".join(dict.fromkeys(parts)) or None


def _merge(into: AgendaItem, extra: AgendaItem) -> AgendaItem:
    return replace(
        into,
        background=_join(into.background, extra.background),
        recommendation=_join(into.recommendation, extra.recommendation),
        description=_join(into.description, extra.description),
        attachments=tuple(dict.fromkeys(into.attachments + extra.attachments)),
        proposers=tuple(dict.fromkeys(into.proposers + extra.proposers)),
        sdgs=tuple(sorted(set(into.sdgs) | set(extra.sdgs))),
        sdgs_outside=tuple(sorted(set(into.sdgs_outside) | set(extra.sdgs_outside))),
        contributions=into.contributions + extra.contributions,
    )


def _unique_key(items: list[AgendaItem], title: str) -> str:
    base = re.sub(r"[^\w]+", "-", title.lower()).strip("-")[:60] or "punkt"
    keys = {i.key for i in items}
    key, n = base, 2
    while key in keys:
        key, n = f"{base}-{n}", n + 1
    return key


def outline(agenda: Agenda, labels: Mapping[str, str] | None = None) -> list[str]:
    """A plain outline of the agenda, one line per item and field, for diffs.

    labels words the standard items (by kind), the fields, "closed", "proposers" and
    "attachments" in the reader's language; without them the program's own names are used.
    """
    words = labels or {}
    lines: list[str] = []
    for n, item in agenda.numbered():
        head = item.title if item.kind is ItemKind.PROPOSAL else words.get(item.kind.value)
        flags = f" [{words.get('closed', 'closed')}]" if item.closed else ""
        lines.append(f"{n}. {head or item.title or item.kind.value}{flags}")
        for name in ("background", "recommendation", "description"):
            value = getattr(item, name)
            if value:
                lines.append(f"   {words.get(name, name)}: {value}")
        if item.proposers:
            lines.append(f"   {words.get('proposers', 'proposers')}: {', '.join(item.proposers)}")
        if item.attachments:
            bilag = ", ".join(item.attachments)
            lines.append(f"   {words.get('attachments', 'attachments')}: {bilag}")
    return lines


def diff(old: Agenda | None, new: Agenda, labels: Mapping[str, str] | None = None) -> str:
    """A readable unified diff between two versions, worded with labels (see outline)."""
    import difflib

    words = labels or {}
    version = words.get("version", "version")
    return "\n".join(
        difflib.unified_diff(
            outline(old, labels) if old else [],
            outline(new, labels),
            fromfile=f"{version} {old.version}" if old else words.get("nothing", "nothing"),
            tofile=f"{version} {new.version}",
            lineterm="",
        )
    )
