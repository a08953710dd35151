"""Every bad input of issue 10's table: the exit code and a one-line message, never a traceback.

The exit codes are decided in one place, verify/exits.py; these tests run the real commands (subprocess
where the operating system is involved: pipes, a closed stdout) or the library call.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from verify import cli
from verify.exits import EXIT_PIPE
from verify.ui import EXIT_USAGE

ROOT = Path(__file__).resolve().parents[2]
VERIFY = [sys.executable, "-m", "verify"]


def one_line_error(err: str) -> str:
    """stderr holds exactly one line, an `error: …` line, and no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def sh(command: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


# ------------------------------------------------------------------------------------ pipes and stdout
@pytest.mark.parametrize("argv", [["list", "--json"], ["train", "--json", "--steps", "20"], ["list"]])
def test_reader_gone_is_a_quiet_exit(argv):
    """`verify … | head -1` once head has exited: the next write meets a closed pipe — a quiet exit 141.

    The read end is closed before the command starts, so every write hits EPIPE (with a real `head` the
    outcome would depend on whether the output fits in the pipe buffer before head exits)."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([*VERIFY, *argv], cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == EXIT_PIPE and proc.stderr.strip() == "", proc.stderr


def test_head_keeps_one_whole_json_line():
    proc = sh(f"{sys.executable} -m verify list --json | head -1")
    assert proc.returncode == 0 and json.loads(proc.stdout)["id"] and "Traceback" not in proc.stderr


def test_all_json_head_is_quiet_in_process(capsys, fake_registry, monkeypatch):
    """`verify all --json | head -1` (in-process with the fake registry): stdout breaks after one line."""

    class Closing:
        def __init__(self):
            self.lines = 0

        def write(self, text):
            if self.lines >= 1:
                raise BrokenPipeError(32, "Broken pipe")
            self.lines += text.count("\n")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Closing())
    assert cli.main(["all", "--json", "--profile", "ci", "--no-progress"]) == EXIT_PIPE
    assert capsys.readouterr().err == ""


def test_closed_stdout_is_exit_2_with_one_line():
    proc = sh(f"{sys.executable} -m verify list --json >&-")
    assert proc.returncode == EXIT_USAGE
    assert "stdout is closed" in one_line_error(proc.stderr)


# ------------------------------------------------------------------------------------ verify train
@pytest.mark.parametrize("argv, flag", [
    (["--r", "1e-300"], "--r 1e-300"),
    (["--mode", "practical", "--lr", "1e308", "--alpha", "1e300"], "--alpha 1e+300"),
    (["--mode", "practical", "--lr", "1e200", "--alpha", "1e100"], "--alpha 1e+100"),
    (["--r", "1e-150", "--mode", "practical"], "--r 1e-150"),
])
def test_train_out_of_range_flags_are_usage_errors_naming_the_flag(capsys, argv, flag):
    assert cli.main(["train", *argv]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert flag in one_line_error(err) and "out of range" in err and out == ""


def test_train_overflow_during_the_run_is_an_error_with_the_report(capsys):
    """Constants finite, but η = 1e200 overflows the iterates: ERROR, exit 2, report still printed."""
    assert cli.main(["train", "--mode", "practical", "--lr", "1e200", "--steps", "20"]) == EXIT_USAGE
    out = capsys.readouterr().out
    assert "ERROR: non-finite" in out and "verdict: ERROR" in out and "HELD" not in out.split("verdict")[-1]


def test_train_overflow_json_ends_with_an_error_result(capsys):
    assert cli.main(["train", "--json", "--mode", "practical", "--lr", "1e200", "--steps", "20"]) == EXIT_USAGE
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "result" and lines[-1]["verdict"] == "ERROR"
    assert not any(line.get("verdict") == "PASS" for line in lines)


def test_train_plot_into_a_missing_directory_creates_it(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    fig = tmp_path / "missing" / "dir" / "fig.png"
    assert cli.main(["train", "--steps", "3", "--plot", str(fig)]) == 0
    assert fig.is_file() and "verdict: PASS" in capsys.readouterr().out


@pytest.mark.parametrize("make", ["/dev/null/x", "existing-file", "plot-under-file"])
def test_train_unwritable_save_or_plot_refused_before_training(tmp_path, capsys, make):
    existing = tmp_path / "file.txt"
    existing.write_text("x")
    argv = {"/dev/null/x": ["--save", "/dev/null/x"], "existing-file": ["--save", str(existing)],
            "plot-under-file": ["--plot", str(existing / "fig.png")]}[make]
    assert cli.main(["train", *argv, "--json"]) == EXIT_USAGE
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and lines[0]["verdict"] == "ERROR" and lines[0]["error"] == "usage"
    assert argv[1] in lines[0]["message"]


def test_train_save_failure_after_the_run_keeps_the_report(tmp_path, capsys, monkeypatch):
    from numerics.training.history import History

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(History, "save", refuse)
    assert cli.main(["train", "--steps", "3", "--save", str(tmp_path / "out")]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert "verdict: ERROR" in out and "R7 conclusions" in out and "cannot write" in one_line_error(err)


# ------------------------------------------------------------------------------------ user lemmas
HEAD = """\
import numpy as np
import sympy
from hypothesis import strategies as st
from numerics.attack import quantities as q
from verify.lemma import Lemma
a = sympy.Symbol("fro_A", nonnegative=True)
def sample(case, n, rng):
    return {"A": rng.uniform(-1, 1, (n, 2, 2))}
def quantities(x):
    return {"fro_A": q.fro(x["A"])}
"""

LEMMAS = {
    "scalar quantities": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, sample=sample, "
                          "quantities=lambda x: {'fro_A': 1.0})",
                          "symbol 'fro_A' has shape (), expected (2,)"),
    "lhs array": ("LEMMA = Lemma(name='t', lhs=np.array([1., 2.]), relation='<=', rhs=a, sample=sample, "
                  "quantities=quantities)", "lhs must be a sympy expression"),
    "sample array": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, quantities=quantities, "
                     "sample=lambda case, n, rng: rng.uniform(size=(n, 2, 2)))",
                     "sample(case, n, rng) must return a dict"),
    "cases integers": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, sample=sample, "
                       "quantities=quantities, cases=st.integers())", "cases must draw dicts"),
    "cases not a strategy": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, sample=sample, "
                             "quantities=quantities, cases={'m': 2})", "cases must be a hypothesis strategy"),
    "hypothesis clash": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, sample=sample, "
                         "quantities=quantities, hypotheses=(sympy.Symbol('fro_A') < 1,))",
                         "two different symbols are both named 'fro_A'"),
    "quantities raises": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, sample=sample, "
                          "quantities=lambda x: {'fro_A': x['B']})", "raised KeyError"),
    "missing symbol": ("LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=10, sample=sample, "
                       "quantities=lambda x: {'other': q.fro(x['A'])})", "no value for symbol(s) fro_A"),
}


@pytest.mark.parametrize("which", list(LEMMAS))
def test_broken_lemma_contract_is_exit_2_naming_the_part(tmp_path, capsys, which):
    body, expected = LEMMAS[which]
    path = tmp_path / "lemma.py"
    path.write_text(HEAD + body + "\n")
    assert cli.main([str(path), "--profile", "ci", "--no-progress"]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert expected in one_line_error(err) and out == ""


def test_string_hypothesis_uses_the_symbols_assumptions(tmp_path, capsys):
    """`hypotheses=("fro_A < 1",)` beside Symbol("fro_A", nonnegative=True) means that symbol: accepted."""
    path = tmp_path / "lemma.py"
    path.write_text(HEAD + "LEMMA = Lemma(name='t', lhs=a, relation='<=', rhs=4, sample=sample, "
                           "quantities=quantities, hypotheses=('fro_A < 1',))\n")
    assert cli.main([str(path), "--profile", "ci", "--no-progress", "--json"]) == 0
    (line,) = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert line["verdict"] == "PASS" and line["checks"][0]["instances"] > 0


# ------------------------------------------------------------------------------------ library calls
def test_library_bad_arguments_are_value_errors_naming_them():
    from numerics import trainer
    from numerics.architectures import residual_ce_net

    with pytest.raises(ValueError, match=r"^d must be a whole number ≥ 1, got d=2.5"):
        residual_ce_net(d=2.5, K=2, m=2, blocks=1, alpha=0.1, eps=1.0)
    net = residual_ce_net(d=3, K=2, m=2, blocks=1, alpha=0.1, eps=1.0)
    rng = np.random.default_rng(0)
    X, y, p0 = rng.standard_normal((3, 2)), np.array([0, 1]), rng.standard_normal(net.num_params)
    for kw, name in ((dict(kernel_every=-1), "kernel_every"), (dict(steps=2.5), "steps")):
        with pytest.raises(ValueError, match=f"^{name} must be a whole number"):
            trainer.gradient_descent(net, p0, X, y, **{"lr": 0.1, "steps": 3, **kw})
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="^X must be finite"):
        trainer.gradient_descent(net, p0, Xn, y, lr=0.1, steps=3)
    with pytest.raises(FloatingPointError, match="non-finite"):
        trainer.gradient_descent(net, p0, X, y, lr=1e300, steps=3)


def test_readme_and_help_document_every_exit_code_and_verify_debug(capsys):
    import re

    from verify.exits import EXIT_CODES_HELP

    readme = (ROOT / "README.md").read_text()
    codes = re.findall(r"^  (\d+) ", EXIT_CODES_HELP, flags=re.M)
    assert codes and all(re.search(rf"\b{c}\b", readme) for c in codes)
    assert "VERIFY_DEBUG=1" in readme and "VERIFY_DEBUG=1" in EXIT_CODES_HELP
    cli.main(["--help"])
    assert EXIT_CODES_HELP.strip().splitlines()[-1].strip() in capsys.readouterr().out
