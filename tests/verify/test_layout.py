"""`verify all` and `verify list` read on an 80-column terminal (no column cut to "pr…") and on wide ones."""

import pytest

from verify import cli

CI = ["--profile", "ci", "--no-progress"]
BOX = "│┃┏┗┡└┌╇┼├"


def table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line[:1] in BOX]


@pytest.mark.parametrize("width", [80, 100])
def test_summary_on_a_narrow_terminal_stacks_and_cuts_nothing(capsys, fake_registry, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    code = cli.main(["all", *CI])
    out = capsys.readouterr().out
    lines = table_lines(out)
    # exit 3: the fake registry holds UNDECIDED results (inconclusive, never 0)
    assert code == 3 and lines and all(len(line) <= width for line in lines)
    table = "\n".join(lines)
    assert "…" not in table
    for entry in fake_registry:
        assert entry.id in table
    for word in ("reconstructed", "derived", "paper", "UNDECIDED", "PASS", "sympy:", "numeric:", "not yet",
                 "instances", "worst lhs/rhs", "1 proved", "1 undecided"):
        assert word in table, word


def test_summary_on_a_wide_terminal_has_one_column_per_field(capsys, fake_registry, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    cli.main(["all", *CI])
    header = next(line for line in capsys.readouterr().out.splitlines() if "provenance" in line)
    for name in ("result", "provenance", "symbolic", "numeric", "worst lhs/rhs", "instances", "time", "verdict"):
        assert name in header


def test_list_on_80_columns_shows_r_numbers_and_cuts_nothing(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main(["list"]) == 0
    lines = table_lines(capsys.readouterr().out)
    assert all(len(line) <= 80 for line in lines) and "…" not in "\n".join(lines)
    rows = "\n".join(lines)
    for label, rid in (("R0", "pl-descent"), ("R1", "kernel-pl"), ("R6c", "lipschitz-composition"),
                       ("R7", "ce-global-convergence"), ("R8", "skip-mechanism")):
        assert any(label in line and rid in line for line in lines), (label, rid)
    assert "first-layer-conditioning" in rows


def test_train_report_on_80_columns_cuts_nothing(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main(["train", "--steps", "5"]) == 0
    lines = table_lines(capsys.readouterr().out)
    assert lines and all(len(line) <= 80 for line in lines) and "…" not in "\n".join(lines)
