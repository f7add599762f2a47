"""Read and validate a group file (TOML, see DESIGN.md "Group file")."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agenda.errors import GroupFileError
from agenda.model import (
    Contact,
    Group,
    Initiative,
    Language,
    Meeting,
    Partner,
    Role,
    Secretariat,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SDG_RANGE = range(1, 18)


class _Reader:
    """Turns the parsed TOML into a Group, naming the file and entry in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, sentence: str, /, **params: object) -> GroupFileError:
        return GroupFileError(sentence, source=self.source, where=where, **params)

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"[{key}]", "group_section_missing")
        return value

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise self.fail(where, "group_not_text", key=key)
        if required and not value.strip():
            raise self.fail(where, "group_value_missing", key=key)
        return value.strip()

    def email(self, data: dict[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where)
        if not _EMAIL.match(value):
            raise self.fail(where, "group_not_email", value=value)
        return value.lower()

    def slug(self, data: dict[str, Any], where: str) -> str:
        value = self.text(data, "slug", where)
        if not _SLUG.match(value):
            raise self.fail(where, "group_bad_slug", value=value)
        return value

    def sdgs(self, data: dict[str, Any], where: str) -> tuple[int, ...]:
        value = data.get("sdgs", [])
        if not isinstance(value, list) or not all(
            isinstance(n, int) and n in _SDG_RANGE for n in value
        ):
            raise self.fail(where, "group_bad_sdgs")
        return tuple(value)

    def moment(self, data: dict[str, Any], key: str, where: str, tz: ZoneInfo) -> datetime:
        value = data.get(key)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise self.fail(where, "group_not_moment", key=key) from None
        if not isinstance(value, datetime):
            raise self.fail(where, "group_moment_needed", key=key)
        # A time without an offset is local to the group.
        return value if value.tzinfo else value.replace(tzinfo=tz)


@lru_cache(maxsize=8)
def group_toml(text: str) -> dict[str, Any]:
    """A group file's text parsed as TOML, once per process; the tables must not be changed.

    The command line reads the group's language from the file before it loads the group.
    """
    return tomllib.loads(text)


def parse_group(text: str, source: str = "<group file>") -> Group:
    """Build a Group from the text of a group file, or raise GroupFileError."""
    r = _Reader(source)
    try:
        data = group_toml(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's own words are English; the place in the file is what the reader needs.
        at = re.search(r"line (\d+), column (\d+)", str(exc))
        line, column = at.groups() if at else ("?", "?")
        raise GroupFileError(
            "group_file_not_toml", source=source, line=line, column=column
        ) from None
    g = r.table(data, "group")
    language = r.text(g, "language", "[group]", required=False) or "da"
    if language not in {lang.value for lang in Language}:
        raise r.fail("[group]", "group_bad_language", value=language)
    tz_name = r.text(g, "timezone", "[group]", required=False) or "Europe/Copenhagen"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("[group]", "group_bad_timezone", value=tz_name) from None
    approvals = g.get("approvals_required", 1)
    if approvals not in (1, 2):
        raise r.fail("[group]", "group_bad_approvals")
    s = r.table(data, "secretariat")
    secretariat = Secretariat(
        name=r.text(s, "name", "[secretariat]"), email=r.email(s, "email", "[secretariat]")
    )
    partners = _partners(r, data)
    initiatives = _initiatives(r, data, {p.slug for p in partners})
    meetings = _meetings(r, data, tz)
    group = Group(
        slug=r.slug(g, "[group]"),
        name=r.text(g, "name", "[group]"),
        language=Language(language),
        timezone=tz_name,
        reply_address=r.email(g, "reply_address", "[group]"),
        secretariat=secretariat,
        sdgs=r.sdgs(g, "[group]"),
        approvals_required=approvals,
        partners=partners,
        initiatives=initiatives,
        meetings=meetings,
    )
    _check_chairs(r, group)
    return group


def load_group(path: str | Path) -> Group:
    """Read and validate a group file from disk."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GroupFileError("group_file_missing", source=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GroupFileError("group_file_unreadable", source=str(p), detail=str(exc)) from None
    return parse_group(text, str(p))


def _partners(r: _Reader, data: dict[str, Any]) -> tuple[Partner, ...]:
    raw = data.get("partners", [])
    if not isinstance(raw, list) or not raw:
        raise r.fail("[[partners]]", "group_no_partners")
    partners: list[Partner] = []
    seen_slugs: set[str] = set()
    seen_emails: dict[str, str] = {}
    seen_telegram: dict[str, str] = {}
    for n, entry in enumerate(raw, 1):
        where = f"[[partners]] #{n}"
        slug = r.slug(entry, where)
        where = f"[[partners]] '{slug}'"
        if slug in seen_slugs:
            raise r.fail(where, "group_slug_twice")
        seen_slugs.add(slug)
        contacts: list[Contact] = []
        raw_contacts = entry.get("contacts", [])
        if not isinstance(raw_contacts, list) or not raw_contacts:
            raise r.fail(where, "group_no_contacts")
        for m, c in enumerate(raw_contacts, 1):
            cwhere = f"{where} contacts #{m}"
            email = r.email(c, "email", cwhere)
            if email in seen_emails:
                raise r.fail(cwhere, "group_email_twice", value=email, other=seen_emails[email])
            seen_emails[email] = slug
            role = r.text(c, "role", cwhere, required=False) or "member"
            if role not in {x.value for x in Role}:
                raise r.fail(cwhere, "group_bad_role", value=role)
            telegram = r.text(c, "telegram", cwhere, required=False).lstrip("@") or None
            if telegram:
                key = telegram.lower()
                if key in seen_telegram:
                    raise r.fail(
                        cwhere, "group_telegram_twice", value=telegram, other=seen_telegram[key]
                    )
                seen_telegram[key] = slug
            language = r.text(c, "language", cwhere, required=False) or None
            if language is not None and language not in {lang.value for lang in Language}:
                raise r.fail(cwhere, "group_bad_language", value=language)
            contacts.append(
                Contact(
                    name=r.text(c, "name", cwhere),
                    email=email,
                    role=Role(role),
                    telegram=telegram,
                    language=Language(language) if language else None,
                )
            )
        partners.append(
            Partner(slug=slug, name=r.text(entry, "name", where), contacts=tuple(contacts))
        )
    return tuple(partners)


def _initiatives(r: _Reader, data: dict[str, Any], slugs: set[str]) -> tuple[Initiative, ...]:
    result: list[Initiative] = []
    for n, entry in enumerate(data.get("initiatives", []), 1):
        code = r.text(entry, "code", f"[[initiatives]] #{n}")
        where = f"[[initiatives]] '{code}'"
        if any(i.code == code for i in result):
            raise r.fail(where, "group_code_twice")
        owner = r.text(entry, "owner", where)
        if owner not in slugs:
            raise r.fail(where, "group_owner_unknown", value=owner)
        result.append(
            Initiative(
                code=code,
                title=r.text(entry, "title", where),
                owner=owner,
                sdgs=r.sdgs(entry, where),
                success_criteria=r.text(entry, "success_criteria", where, required=False),
                status=r.text(entry, "status", where, required=False) or "active",
            )
        )
    return tuple(result)


def _meetings(r: _Reader, data: dict[str, Any], tz: ZoneInfo) -> tuple[Meeting, ...]:
    result: list[Meeting] = []
    for n, entry in enumerate(data.get("meetings", []), 1):
        meeting_id = r.text(entry, "id", f"[[meetings]] #{n}")
        where = f"[[meetings]] '{meeting_id}'"
        if any(m.id == meeting_id for m in result):
            raise r.fail(where, "group_id_twice")
        starts = r.moment(entry, "starts_at", where, tz)
        deadline = r.moment(entry, "call_deadline", where, tz)
        if deadline >= starts:
            raise r.fail(where, "group_deadline_after_start")
        ends = r.moment(entry, "ends_at", where, tz) if "ends_at" in entry else None
        if ends is not None and ends <= starts:
            raise r.fail(where, "group_end_before_start")
        result.append(
            Meeting(
                id=meeting_id,
                starts_at=starts,
                location=r.text(entry, "location", where, required=False),
                call_deadline=deadline,
                ends_at=ends,
            )
        )
    return tuple(result)


def _check_chairs(r: _Reader, group: Group) -> None:
    roles = [c.role for p in group.partners for c in p.contacts]
    if Role.CHAIR not in roles:
        raise r.fail("[[partners]]", "group_no_chair")
    if group.approvals_required == 2 and Role.VICE_CHAIR not in roles:
        raise r.fail("[group]", "group_no_vice_chair")


@dataclass(frozen=True)
class GroupSet:
    """The groups that loaded, and the error of every file that did not."""

    groups: dict[str, Group]
    broken: tuple[GroupFileError, ...] = ()


def group_files(paths: Iterable[str | Path]) -> list[Path]:
    """The group files named: a folder stands for every `*.toml` in it, sorted by name.

    One deployment serves every committee of a municipality; a folder of group files is
    easier to keep than a list of a hundred names.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.glob("*.toml") if p.is_file())
        if not found:
            raise GroupFileError("group_folder_empty", source=str(path))
        files.extend(found)
    return files


def load_groups(paths: Iterable[str | Path]) -> GroupSet:
    """Load every group file (folders too); the broken ones are set aside, not fatal.

    A secretariat with a hundred groups would rather have ninety-nine run and be told clearly
    about the hundredth than have none run; the caller says what was set aside. When no file
    loads at all there is nothing to run, so the first error is raised. Two files for one
    slug is always an error: which of them is meant cannot be guessed.
    """
    groups: dict[str, Group] = {}
    sources: dict[str, Path] = {}
    broken: list[GroupFileError] = []
    for path in group_files(paths):
        try:
            group = load_group(path)
        except GroupFileError as exc:
            broken.append(exc)
            continue
        if group.slug in groups:
            raise GroupFileError(
                "group_twice", source=str(path), group=group.slug, first=str(sources[group.slug])
            )
        groups[group.slug] = group
        sources[group.slug] = path
    if broken and not groups:
        raise broken[0]
    return GroupSet(groups, tuple(broken))
