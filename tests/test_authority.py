"""Who may approve, admit late items, edit and review: one table for every channel."""

from __future__ import annotations

import pytest

from agenda.authority import OPERATOR, Act, may
from tests.domain_fixtures import small_group

GROUP = small_group()
CHAIR = next(c.email for c in GROUP.chairs)
MEMBER = next(c.email for p in GROUP.partners for c in p.contacts if not c.is_chair)
SECRETARIAT = GROUP.secretariat.email

CASES = [
    (CHAIR, Act.APPROVE, True),
    (CHAIR.upper(), Act.APPROVE, True),
    (CHAIR, Act.ADMIT_LATE, True),
    (CHAIR, Act.EDIT, True),
    (SECRETARIAT, Act.APPROVE, False),
    (SECRETARIAT, Act.ADMIT_LATE, False),
    (SECRETARIAT, Act.EDIT, True),
    (OPERATOR, Act.REVIEW, True),
    (OPERATOR, Act.APPROVE, False),
    (MEMBER, Act.APPROVE, False),
    (MEMBER, Act.EDIT, False),
    ("stranger@example.org", Act.REVIEW, False),
]


@pytest.mark.parametrize(("actor", "act", "allowed"), CASES)
def test_who_may(actor: str, act: Act, allowed: bool) -> None:
    assert may(GROUP, actor, act) is allowed
