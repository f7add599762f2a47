"""The `partnerdesk` command line: thin wrappers around the use cases."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agenda.errors import PartnerdeskError
from partnerdesk import commands, review_commands
from partnerdesk.settings import Settings, load_settings


class UsageError(PartnerdeskError):
    """The command line itself is wrong."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--group", type=Path, action="append", help="group file (TOML)")
    common.add_argument("--settings", type=Path, help="settings file (KEY=VALUE lines)")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    p = argparse.ArgumentParser(
        prog="partnerdesk", description="Collects partner input and turns it into an agenda."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", parents=[common], help="the whole cycle, offline")
    demo.add_argument("--dir", type=Path, default=Path("var/demo"), help="working folder")

    run = sub.add_parser("run", parents=[common], help="run the service")
    run.add_argument("--once", action="store_true", help="do everything due, then exit")

    parse = sub.add_parser("parse", parents=[common], help="read one message, print JSON")
    parse.add_argument("--channel", choices=["email", "telegram"], default="email")
    parse.add_argument("--sender", help="sender (Telegram @username or e-mail)")
    parse.add_argument("message", type=Path)

    call = sub.add_parser("call", help="the call for agenda items").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    calls: dict[str, argparse.ArgumentParser] = {}
    for name, text in (
        ("open", "open the call"),
        ("close", "close the call, compile the draft and send it to the chair"),
        ("status", "who answered"),
        ("review", "answers held, uncertain or late, for the secretariat"),
        ("history", "every answer to the call and what became of it"),
    ):
        calls[name] = c = call.add_parser(name, parents=[common], help=text)
        c.add_argument("--meeting", required=True)
    calls["open"].add_argument(
        "--deadline", metavar="'YYYY-MM-DD HH:MM'", help="a new deadline, in the group's time"
    )
    calls["history"].add_argument("--partner", metavar="SLUG", help="only this partner")

    answer = sub.add_parser("answer", help="one answer: read, assign, dismiss, read again")
    answers = answer.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (
        ("show", "one answer in full"),
        ("assign", "count the answer for a partner"),
        ("dismiss", "nothing for the agenda; the answer is kept"),
        ("reread", "read the kept message again"),
    ):
        a = answers.add_parser(name, parents=[common], help=text)
        a.add_argument("answer", type=int, metavar="N")
        a.add_argument("--as", dest="as_email", default="secretariat", metavar="EMAIL")
        if name == "assign":
            a.add_argument("--partner", required=True, metavar="SLUG")

    agenda = sub.add_parser("agenda", help="the draft agenda").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    draft = agenda.add_parser("draft", parents=[common], help="compile and print the draft")
    draft.add_argument("--meeting", required=True)
    draft.add_argument("--format", choices=["text", "html", "json"], default="text")
    draft.add_argument("--out", type=Path)
    approve = agenda.add_parser("approve", parents=[common], help="approve as the chair")
    approve.add_argument("--meeting", required=True)
    approve.add_argument("--as", dest="as_email", required=True, metavar="EMAIL")
    publish = agenda.add_parser("publish", parents=[common], help="send the approved agenda")
    publish.add_argument("--meeting", required=True)
    edit = agenda.add_parser(
        "edit",
        parents=[common],
        help="change the draft: move N TO | drop N | merge N M | split N | close N | open N "
        "| set N FIELD TEXT | add TITLE",
    )
    edit.add_argument("--meeting", required=True)
    edit.add_argument("--as", dest="as_email", default="secretariat", metavar="EMAIL")
    edit.add_argument(
        "action", choices=["move", "drop", "merge", "split", "close", "open", "set", "add"]
    )
    edit.add_argument("args", nargs="+")
    late = agenda.add_parser("late", parents=[common], help="admit or decline a late answer")
    late.add_argument("--meeting", required=True)
    late.add_argument("--as", dest="as_email", required=True, metavar="EMAIL")
    late.add_argument("decision", choices=["admit", "decline", "list"])
    late.add_argument("answer", type=int, nargs="?")

    initiatives = sub.add_parser("initiatives", help="the initiatives").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    initiatives.add_parser("report", parents=[common], help="status, owner and history")

    db = sub.add_parser("db", help="the database").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", parents=[common], help="apply migrations")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.settings)
    if args.group:
        settings = settings.model_copy(update={"groups": list(args.group)})
    return settings


Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]

_HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("demo", None): commands.demo,
    ("run", None): commands.run,
    ("parse", None): commands.parse,
    ("call", "open"): commands.call_open,
    ("call", "close"): commands.call_close,
    ("call", "status"): commands.call_status,
    ("call", "review"): review_commands.call_review,
    ("call", "history"): review_commands.call_history,
    ("answer", "show"): review_commands.answer_show,
    ("answer", "assign"): review_commands.answer_assign,
    ("answer", "dismiss"): review_commands.answer_dismiss,
    ("answer", "reread"): review_commands.answer_reread,
    ("agenda", "draft"): commands.agenda_draft,
    ("agenda", "approve"): commands.agenda_approve,
    ("agenda", "publish"): commands.agenda_publish,
    ("agenda", "edit"): commands.agenda_edit,
    ("agenda", "late"): commands.agenda_late,
    ("initiatives", "report"): commands.initiatives_report,
    ("db", "upgrade"): commands.db_upgrade,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one clear sentence and a non-zero exit on bad input, never a traceback."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # WeasyPrint warns about optional font libraries on every PDF; only errors matter here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    handler = _HANDLERS[(args.command, getattr(args, "action", None))]
    try:
        settings = _settings(args)
        return asyncio.run(handler(args, settings))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        print(f"partnerdesk: setting {where.upper()}: {first['msg']}", file=sys.stderr)
    except PartnerdeskError as exc:
        print(f"partnerdesk: {exc}", file=sys.stderr)
    except (OSError, json.JSONDecodeError) as exc:
        print(f"partnerdesk: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
