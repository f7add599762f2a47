"""argparse in the group's language: help headings, usage and every error sentence."""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any, NoReturn

from partnerdesk.texts import say_error, table

# argparse's own sentences (Python 3.11+), worded anew from templates/<language>/errors.toml.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^the following arguments are required: (?P<names>.*)$"), "args_required"),
    (re.compile(r"^unrecognized arguments: (?P<words>.*)$"), "args_unrecognized"),
    (
        re.compile(
            r"^argument (?P<argument>[^:]+): invalid choice: '?(?P<value>.*?)'? "
            r"\(choose from (?P<choices>.*)\)$"
        ),
        "arg_invalid_choice",
    ),
    (re.compile(r"^argument (?P<argument>[^:]+): expected one argument$"), "arg_expected_one"),
    (
        re.compile(r"^argument (?P<argument>[^:]+): expected at least one argument$"),
        "arg_expected_more",
    ),
    (
        re.compile(r"^argument (?P<argument>[^:]+): invalid \w+ value: '?(?P<value>.*?)'?$"),
        "arg_invalid_type",
    ),
)


class UsageProblem(Exception):
    """The command line cannot be understood; sentence is worded for the person at it."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def usage_sentence(language: str, message: str, prog: str) -> str:
    """argparse's English complaint as one sentence in the language."""
    for pattern, key in _PATTERNS:
        found = pattern.match(message)
        if found:
            values = dict(found.groupdict())
            if "choices" in values:
                values["choices"] = values["choices"].replace("'", "")
            worded = say_error(language, key, **values)
            break
    else:
        worded = say_error(language, "arg_other", detail=message)
    return say_error(language, "usage", message=worded, prog=prog)


def _terminal_width() -> int:
    """The terminal's columns as shutil.get_terminal_size gives them: $COLUMNS, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    if stdout is None:
        return 80
    try:
        return os.get_terminal_size(stdout.fileno()).columns or 80
    except (ValueError, OSError):  # not a terminal, or a closed one
        return 80


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors come from the language's catalogue."""

    language = "da"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Our own -h, so its help line is in the language too.
        add_help = bool(kwargs.pop("add_help", True))
        kwargs["add_help"] = False
        # Parents join after the headings are worded, so their options land under the same one.
        parents = kwargs.pop("parents", [])
        super().__init__(*args, **kwargs)
        words = table(self.language, "help")
        self._positionals.title = words["positionals"]
        self._optionals.title = words["options"]
        for parent in parents:
            self._add_container_actions(parent)
            defaults = getattr(parent, "_defaults", {})
            self._defaults.update(defaults)
        if add_help:
            self.add_argument("-h", "--help", action="help", help=words["help"])

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every option it adds, and finds the width through
        # shutil, whose import costs a short command more than the rest of its parser.
        return argparse.HelpFormatter(self.prog, width=_terminal_width() - 2)

    def _usage_prefix(self) -> str:
        return table(self.language, "help")["usage"]

    def format_usage(self) -> str:
        """The usage line, with the language's prefix."""
        formatter = self._get_formatter()
        formatter.add_usage(
            self.usage, self._actions, self._mutually_exclusive_groups, self._usage_prefix()
        )
        return formatter.format_help()

    def format_help(self) -> str:
        """The full help, with the language's headings."""
        formatter = self._get_formatter()
        formatter.add_usage(
            self.usage, self._actions, self._mutually_exclusive_groups, self._usage_prefix()
        )
        formatter.add_text(self.description)
        for action_group in self._action_groups:
            formatter.start_section(action_group.title)
            formatter.add_text(action_group.description)
            formatter.add_arguments(action_group._group_actions)
            formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()

    def error(self, message: str) -> NoReturn:
        """Raise the complaint as one sentence instead of printing usage and exiting."""
        raise UsageProblem(usage_sentence(self.language, message, self.prog))


def parser_class(language: str) -> type[Parser]:
    """A Parser class speaking this language (argparse builds subcommands from the class)."""
    return type(f"Parser_{language}", (Parser,), {"language": language})
