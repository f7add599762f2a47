"""`partnerdesk demo`: a partner links and answers in Telegram, the chair approves by button."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerdesk.cli import main


def test_the_demo_links_a_partner_and_the_chair_approves_by_button(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "Morten Friis åbner sit personlige Telegram-link" in out
    assert "Morten Friis får indkaldelsen i Telegram" in out
    assert "• Forslag: Sommerjob til unge" in out
    assert 'Lene Kjær trykker "✅ Godkend denne version"' in out
    assert "er godkendt og sendes nu ud til partnerne" in out
    assert "6. Udsendt til alle kontakter: 19 e-mails, 19 afsendt." in out
