"""The one place that decides how a `verify` command ends: exit code and the last line on stderr.

Every command (`verify all|list|explain|ID|lemma.py`, `verify train`, `verify experiment`) runs inside
``guarded``. A command returns its own verdict code (0 passed, 1 a FAIL, 2 an ERROR, 3 inconclusive —
UNDECIDED or GAVE UP —, 130 interrupted with a partial report); what escapes it is mapped here, once, for
all commands:

=====================  ====  =============================================================================
what happened          code  what is printed
=====================  ====  =============================================================================
bad input (UsageError) 2     ``error: <the bad value and the fix>`` (a JSON line with --json)
NaN/inf, overflow      2     ``error: … non-finite …`` — an ERROR, never a pass
Ctrl-C                 130   ``error: interrupted (Ctrl-C)`` (commands print their partial report first)
stdout closed (``>&-``) 2    one line on stderr, nothing on stdout
reader went away       141   nothing (``verify all --json | head -1``: 128 + SIGPIPE, like ``yes | head``)
internal error         2     one line; ``VERIFY_DEBUG=1`` re-raises it with the traceback
=====================  ====  =============================================================================
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Callable

from verify.ui import EXIT_INTERRUPTED, EXIT_USAGE, UI, UsageError

EXIT_PIPE = 141  # 128 + SIGPIPE: the reader of stdout closed it; we stop quietly

EXIT_CODES_HELP = """\
exit codes:
  0    every check passed and every control refuted as expected
  1    a FAIL (a violated bound, a refuted obligation, a control that stopped refuting, NO TEETH)
  2    bad usage (the message names the bad value and the fix), an ERROR (NaN/inf, overflow,
       a crash inside a check, quantities not precision-consistent at 50 digits) or an internal
       error (VERIFY_DEBUG=1 shows the traceback); also when stdout is closed
  3    inconclusive: UNDECIDED or GAVE UP somewhere and nothing failed (--strict makes it 1);
       with --json every result line carries the run's "exit_code"
  130  interrupted with Ctrl-C (the results that finished are still reported)
  141  the reader of stdout went away (e.g. `| head -1`): nothing more is written
"""


def stdout_closed() -> bool:
    """True when there is no usable stdout (``verify … >&-``)."""
    out = sys.stdout
    if out is None:
        return True
    try:
        fd = out.fileno()
    except (AttributeError, ValueError, OSError):  # a StringIO (tests) or a replaced stream: usable
        return bool(getattr(out, "closed", False))
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def _stderr_line(text: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _detach_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):
        pass


def _say(ui: UI, message: str, kind: str, **fields) -> None:
    """ui.error, but a stdout that is gone while we report must not turn into a second failure."""
    try:
        ui.error(message, kind=kind, **fields)
    except BrokenPipeError:
        _detach_stdout()
    except (OSError, ValueError, AttributeError):
        _stderr_line(f"error: {message}")


def _is_stdout_gone(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.EPIPE, errno.EBADF)


def guarded(body: Callable[[], int], ui: UI) -> int:
    """Run ``body`` (a whole command) and return its exit code; see the module docstring for the table."""
    if stdout_closed():
        _stderr_line("error: stdout is closed (e.g. `>&-`): nothing could be reported; "
                     "redirect it to a file or to /dev/null instead")
        return EXIT_USAGE
    try:
        return int(body())
    except BrokenPipeError:
        _detach_stdout()
        return EXIT_PIPE
    except UsageError as exc:
        _say(ui, str(exc), "usage")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say(ui, "interrupted (Ctrl-C)", "interrupted")
        return EXIT_INTERRUPTED
    except FloatingPointError as exc:
        _say(ui, f"a non-finite value (NaN/inf) or a floating-point overflow: {exc} — an ERROR, never a pass",
             "non-finite")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - an internal error is exit 2 with one line, not a traceback
        if _is_stdout_gone(exc):
            _detach_stdout()
            return EXIT_PIPE if exc.errno == errno.EPIPE else EXIT_USAGE  # type: ignore[attr-defined]
        if os.environ.get("VERIFY_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _say(ui, f"internal error: {type(exc).__name__}: {first} (set VERIFY_DEBUG=1 for a traceback)", "internal")
        return EXIT_USAGE
