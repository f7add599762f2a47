"""partnerdesk parse: read one message and print its reading, loading nothing else.

Kept apart from commands.py so that reading one message needs neither the database, the
settings library nor the templates: the command starts as fast as Python itself.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agenda.errors import NotFoundError
from agenda.groupfile import group_files, load_group
from agenda.reading import Channel
from partnerdesk.parsing import parse_message


def parse(args: argparse.Namespace, groups: list[Path]) -> int:
    """Read the message file with the first group (a folder's first file) and print JSON."""
    files = group_files(groups[:1])
    if not files:
        raise NotFoundError("no_group")
    group = load_group(files[0])
    path: Path = args.message
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError("no_message_file", path=str(path)) from None
    reading = parse_message(group, raw, channel=Channel(args.channel), sender=args.sender)
    print(json.dumps(reading.to_json(), ensure_ascii=False, indent=2))
    return 0
