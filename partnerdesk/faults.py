"""Crash on purpose at a named point, so tests can prove a crash loses and repeats nothing."""

from __future__ import annotations

import os
import signal

from partnerdesk.settings import Settings


def crash_point(settings: Settings, name: str) -> None:
    """Kill this process with SIGKILL when the settings name this point (tests only)."""
    if settings.fault_point == name:
        os.kill(os.getpid(), signal.SIGKILL)
