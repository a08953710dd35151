"""Shared command-line conventions: consoles, JSON lines, exit codes, usage errors.

Every `verify` sub-command goes through these so that the whole tool behaves the same way:

* exit codes follow ruff/mypy: ``EXIT_OK`` 0 (all passed), ``EXIT_FAIL`` 1 (a check failed),
  ``EXIT_USAGE`` 2 (bad usage, an ERROR verdict or internal error), ``EXIT_INCONCLUSIVE`` 3 (UNDECIDED or
  GAVE UP: neither passed nor failed — never 0, so a script cannot mistake it for success);
* human output goes to stdout as rich renderables, progress and diagnostics to stderr;
  ``NO_COLOR`` (https://no-color.org) and non-terminals get plain text;
* with ``--json`` stdout carries only JSON objects, one per line, on every path, errors included.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any, NoReturn

from rich.console import Console

from numerics.jsonsafe import json_text

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3  # UNDECIDED / GAVE UP somewhere, nothing failed
EXIT_INTERRUPTED = 130  # Ctrl-C: the partial report is printed (and saved where a command saves)


class UsageError(Exception):
    """Bad input from the user: the message names the bad value and what to do instead (exit 2)."""


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


PIPE_WIDTH = 140  # piped output and files: wide enough for the summary tables (terminals keep their width)


def _broken_pipe() -> None:
    raise BrokenPipeError(32, "Broken pipe")


def make_console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, no_color=_no_color(), highlight=False, soft_wrap=False)
    console.on_broken_pipe = _broken_pipe  # type: ignore[method-assign] # verify.exits decides (rich would exit 1)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


def json_line(obj: dict[str, Any]) -> str:
    """One strict JSON line (numerics.jsonsafe: numpy values as plain JSON, NaN/inf as strings)."""
    return json_text(obj)


class UI:
    """Where a command writes: a stdout console, a stderr console, and the --json switch."""

    def __init__(self, json_mode: bool = False):
        self.json_mode = json_mode
        self.out = make_console(stderr=False)
        self.err = make_console(stderr=True)

    def emit(self, obj: dict[str, Any]) -> None:
        """One JSON object as one line on stdout (only in --json mode)."""
        if self.json_mode:
            sys.stdout.write(json_line(obj) + "\n")
            sys.stdout.flush()

    def print(self, *renderables: Any, **kwargs: Any) -> None:
        """Human output on stdout (suppressed in --json mode so stdout stays JSON lines).

        Keyword arguments go to ``rich.console.Console.print`` (e.g. ``soft_wrap=True`` for long lines).
        """
        if not self.json_mode:
            self.out.print(*renderables, **kwargs)

    def error(self, message: str, *, kind: str = "usage", **fields: Any) -> None:
        if self.json_mode:
            self.emit({"verdict": "ERROR", "error": kind, "message": message, **fields})
        self.err.print(f"error: {message}", markup=False, soft_wrap=True)  # one line, however long

    def progress(self, **kwargs: Any):
        """A rich Progress on stderr (transient; disabled when stderr is not a terminal)."""
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
            disable=not self.err.is_terminal,
            **kwargs,
        )


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises UsageError (exit 2 with a JSON line in --json mode) instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def wants_json(argv: list[str]) -> bool:
    """--json anywhere on the command line, known before parsing so parse errors are JSON too."""
    return "--json" in argv


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number > 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number > 0")
    return value


def seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"seed {text!r} must be in 0 … 2**32-1")
    return value
