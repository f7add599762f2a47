"""The `partnerdesk` command line: thin wrappers around the use cases, in the group's language."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import tomllib
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from agenda.errors import PartnerdeskError
from partnerdesk.arguments import UsageProblem, parser_class
from partnerdesk.texts import DEFAULT_LANGUAGE, error_sentence, say_error, table

if TYPE_CHECKING:
    from partnerdesk.settings import Settings

# The first word of every command.
COMMANDS = frozenset(
    {"demo", "run", "parse", "call", "answer", "agenda", "invite", "contact", "initiatives", "db"}
)

# The longest list `call review` and `call history` print unless told otherwise.
LIST_LIMIT = 200

# Only what a command needs is imported, when it runs: `--help` and `parse` start as fast as
# Python itself instead of loading the database, the settings library and the templates.


def _parser(language: str, only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with only, just that command's part (the others cost time).

    A known command's own help and errors are the same either way; a word that is no command
    gets the whole parser, so the list of commands is complete where it is shown.
    """
    h = table(language, "help")

    def wanted(name: str) -> bool:
        return only is None or only == name

    make = parser_class(language)
    common = make(add_help=False)
    file = h["file_metavar"]
    common.add_argument("--group", type=Path, action="append", metavar=file, help=h["group"])
    common.add_argument("--settings", type=Path, metavar=file, help=h["settings"])
    common.add_argument("-v", "--verbose", action="store_true", help=h["verbose"])

    p = make(prog="partnerdesk", description=h["description"])
    sub = p.add_subparsers(dest="command", required=True, metavar=h["command"], parser_class=make)

    def command(name: str, parent: Any, *, leaf: bool = True) -> argparse.ArgumentParser:
        key = name.replace(" ", "_")
        short = key.rsplit("_", 1)[-1] if "_" in key else key
        return parent.add_parser(  # type: ignore[no-any-return]
            short, parents=[common] if leaf else [], help=h[key], description=h[key]
        )

    def meeting(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
        parser.add_argument("--meeting", required=required, metavar="ID", help=h["meeting"])

    def actions(parent: argparse.ArgumentParser) -> Any:
        return parent.add_subparsers(
            dest="action", required=True, metavar=h["action"], parser_class=make
        )

    if wanted("demo"):
        demo = command("demo", sub)
        demo.add_argument(
            "--dir",
            type=Path,
            default=Path("var/demo"),
            metavar=h["dir_metavar"],
            help=h["demo_dir"],
        )
    if wanted("run"):
        run = command("run", sub)
        run.add_argument("--once", action="store_true", help=h["run_once"])
    if wanted("parse"):
        parse = command("parse", sub)
        parse.add_argument(
            "--channel", choices=["email", "telegram"], default="email", help=h["parse_channel"]
        )
        parse.add_argument("--sender", help=h["parse_sender"])
        parse.add_argument("message", type=Path, help=h["parse_message"])

    if wanted("call"):
        call = actions(command("call", sub, leaf=False))
        calls = {}
        for name in ("call open", "call close", "call status", "call review", "call history"):
            calls[name] = command(name, call)
            # call open --all may leave the meeting out: each group's next meeting is meant.
            meeting(calls[name], required=name != "call open")
        calls["call open"].add_argument(
            "--deadline", metavar=h["deadline_metavar"], help=h["deadline"]
        )
        calls["call open"].add_argument("--all", action="store_true", help=h["call_open_all"])
        calls["call history"].add_argument("--partner", metavar="SLUG", help=h["history_partner"])
        for name in ("call review", "call history"):
            calls[name].add_argument(
                "--limit", type=int, default=LIST_LIMIT, metavar="N", help=h["list_limit"]
            )

    if wanted("answer"):
        answer = actions(command("answer", sub, leaf=False))
        for name in ("answer show", "answer assign", "answer dismiss", "answer reread"):
            one = command(name, answer)
            one.add_argument("answer", type=int, metavar="N", help=h["answer_number"])
            one.add_argument(
                "--as", dest="as_email", default="secretariat", metavar="EMAIL", help=h["edit_as"]
            )
            if name == "answer assign":
                one.add_argument(
                    "--partner", required=True, metavar="SLUG", help=h["assign_partner"]
                )

    if wanted("agenda"):
        agenda = actions(command("agenda", sub, leaf=False))
        draft = command("agenda draft", agenda)
        meeting(draft)
        draft.add_argument(
            "--format", choices=["text", "html", "json"], default="text", help=h["draft_format"]
        )
        draft.add_argument("--out", type=Path, metavar=file, help=h["draft_out"])
        approve = command("agenda approve", agenda)
        meeting(approve)
        approve.add_argument(
            "--as", dest="as_email", required=True, metavar="EMAIL", help=h["approve_as"]
        )
        meeting(command("agenda publish", agenda))
        show = command("agenda show", agenda)
        meeting(show)
        show.add_argument("number", metavar="N", help=h["show_number"])
        edit = command("agenda edit", agenda)
        meeting(edit)
        edit.add_argument(
            "--as", dest="as_email", default="secretariat", metavar="EMAIL", help=h["edit_as"]
        )
        # Its own dest: "action" is taken by the agenda's subcommand (edit, late, ...).
        edit.add_argument("edit_action", metavar=h["edit_metavar"], help=h["edit_action"])
        edit.add_argument("args", nargs="+", metavar=h["args_metavar"], help=h["edit_args"])
        late = command("agenda late", agenda)
        meeting(late)
        late.add_argument("--as", dest="as_email", metavar="EMAIL", help=h["late_as"])
        late.add_argument("decision", metavar=h["edit_metavar"], help=h["late_decision"])
        late.add_argument("answer", nargs="?", metavar="N", help=h["late_answer"])

    if wanted("invite"):
        invite = command("invite", sub)
        whom = invite.add_mutually_exclusive_group()
        whom.add_argument("--contact", metavar="EMAIL", help=h["invite_contact"])
        whom.add_argument("--all", action="store_true", help=h["invite_all"])
        invite.add_argument("--mail", action="store_true", help=h["invite_mail"])

    if wanted("contact"):
        contact = actions(command("contact", sub, leaf=False))
        export = command("contact export", contact)
        export.add_argument("email", metavar="EMAIL", help=h["contact_email"])
        export.add_argument("--out", type=Path, metavar=h["dir_metavar"], help=h["contact_out"])
        erase = command("contact erase", contact)
        erase.add_argument("email", metavar="EMAIL", help=h["contact_email"])
        erase.add_argument(
            "--as", dest="as_email", default="secretariat", metavar="EMAIL", help=h["edit_as"]
        )

    if wanted("initiatives"):
        initiatives = actions(command("initiatives", sub, leaf=False))
        command("initiatives report", initiatives)
    if wanted("db"):
        db = actions(command("db", sub, leaf=False))
        command("db upgrade", db)
    return p


def _settings(args: argparse.Namespace) -> Settings:
    from partnerdesk.settings import load_settings

    settings = load_settings(args.settings)
    if args.group:
        settings = settings.model_copy(update={"groups": list(args.group)})
    return settings


def _option(argv: Sequence[str], name: str) -> str | None:
    """The value of an option, before the parser (which needs the language) exists."""
    for n, word in enumerate(argv):
        if word == name and n + 1 < len(argv):
            return argv[n + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


def _group_language(path: Path) -> str:
    from agenda.groupfile import group_toml  # the same parse serves the group's loading

    try:
        data = group_toml(path.read_text(encoding="utf-8"))
        language = data["group"]["language"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return DEFAULT_LANGUAGE
    return language if language in ("da", "en") else DEFAULT_LANGUAGE


def language_of(argv: Sequence[str]) -> str:
    """The language to speak: the --group file's, else the configured group's, else Danish."""
    named = _option(argv, "--group")
    if named:
        path = Path(named)
        # A folder of group files speaks the language of its first file.
        return _group_language(min(path.glob("*.toml"), default=path) if path.is_dir() else path)
    settings_file = _option(argv, "--settings")
    # Only settings can name a group here; without a file or the variable there is none, and
    # loading the settings library would cost more than all of `--help`.
    if settings_file is None and not os.environ.get("PARTNERDESK_GROUPS"):
        return DEFAULT_LANGUAGE
    from pydantic import ValidationError

    from agenda.groupfile import group_files
    from partnerdesk.settings import load_settings

    try:
        configured = load_settings(Path(settings_file) if settings_file else None).groups
        # A folder speaks the language of its first group file.
        files = group_files(configured[:1])
    except (ValidationError, OSError, PartnerdeskError):
        return DEFAULT_LANGUAGE
    return _group_language(files[0]) if files else DEFAULT_LANGUAGE


Handler = Callable[[argparse.Namespace, "Settings"], Coroutine[Any, Any, int]]

# Each command's function, as "module:function", imported only when the command runs.
_HANDLERS: dict[tuple[str, str | None], str] = {
    ("demo", None): "commands:demo",
    ("run", None): "commands:run",
    ("call", "open"): "open_all_command:call_open",
    ("call", "close"): "commands:call_close",
    ("call", "status"): "commands:call_status",
    ("call", "review"): "review_commands:call_review",
    ("call", "history"): "review_commands:call_history",
    ("answer", "show"): "review_commands:answer_show",
    ("answer", "assign"): "review_commands:answer_assign",
    ("answer", "dismiss"): "review_commands:answer_dismiss",
    ("answer", "reread"): "review_commands:answer_reread",
    ("agenda", "draft"): "commands:agenda_draft",
    ("agenda", "approve"): "commands:agenda_approve",
    ("agenda", "publish"): "commands:agenda_publish",
    ("agenda", "show"): "workbench:agenda_show",
    ("agenda", "edit"): "workbench:agenda_edit",
    ("agenda", "late"): "workbench:agenda_late",
    ("initiatives", "report"): "workbench:initiatives_report",
    ("contact", "export"): "contact_commands:contact_export",
    ("contact", "erase"): "contact_commands:contact_erase",
    ("invite", None): "invite_commands:invite",
    ("db", "upgrade"): "commands:db_upgrade",
}


def _handler(command: str, action: str | None) -> Handler:
    module, _, name = _HANDLERS[(command, action)].partition(":")
    found: Handler = getattr(importlib.import_module(f"partnerdesk.{module}"), name)
    return found


def _run(args: argparse.Namespace) -> int:
    """Run the command the arguments name."""
    if args.command == "parse":
        # One message, read within its size limits, by a command that ends right after: the
        # cyclic collector would only scan what loading the reader made, and find nothing.
        was_collecting = gc.isenabled()
        gc.disable()
        try:
            from partnerdesk.parse_command import parse

            # A message is read with the named group file; settings only when none is named.
            return parse(args, list(args.group) if args.group else _settings(args).groups)
        finally:
            if was_collecting:
                gc.enable()
    import asyncio
    import logging

    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # WeasyPrint warns about optional font libraries on every PDF; only errors matter here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    handler = _handler(args.command, getattr(args, "action", None))
    return asyncio.run(handler(args, _settings(args)))


def _sentence(language: str, exc: Exception) -> str | None:
    """The one sentence for an error a person can cause; None for a bug."""
    # A settings error can only come from pydantic once it is loaded; parse never loads it.
    if "pydantic" in sys.modules:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            name = ".".join(str(x) for x in first["loc"]).upper()
            return say_error(language, "bad_setting", name=name, detail=first["msg"])
    if isinstance(exc, json.JSONDecodeError):
        return say_error(language, "bad_json", detail=str(exc))
    if isinstance(exc, PartnerdeskError | OSError):
        return error_sentence(language, exc)
    return None


def _fail(sentence: str) -> int:
    print(f"partnerdesk: {sentence}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one clear sentence and a non-zero exit on bad input, never a traceback."""
    words = list(sys.argv[1:] if argv is None else argv)
    language = language_of(words)
    first = words[0] if words else None
    try:
        args = _parser(language, first if first in COMMANDS else None).parse_args(words)
    except UsageProblem as problem:
        return _fail(problem.sentence)
    except SystemExit as done:
        # --help printed the help and asked to stop.
        return done.code if isinstance(done.code, int) else 0
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader went away (`| head`); what it did not read needs no complaint.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        sentence = _sentence(language, exc)
        if sentence is None:
            raise
        return _fail(sentence)


def console() -> NoReturn:
    """The `partnerdesk` command: main() in a process of its own, which then ends."""
    code = main()
    # What the command loaded lives until the process ends; the cyclic collector's last pass
    # over all of it at exit is a tenth of what a short command spends (`parse`, `--help`).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
