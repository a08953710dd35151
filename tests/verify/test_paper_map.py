"""paper_map.md is generated from the registry; it must match what the code registers today."""

from pathlib import Path

from verify.paper_map import SPEC_LABELS, render
from verify.registry import entries

PAPER_MAP = Path(__file__).resolve().parents[2] / "paper_map.md"


def test_paper_map_is_current():
    assert PAPER_MAP.read_text(encoding="utf-8") == render(), (
        "paper_map.md is stale: regenerate it with `python -m verify.paper_map > paper_map.md`")


def test_every_spec_result_has_a_row_with_symbolic_and_numeric_evidence():
    text = PAPER_MAP.read_text(encoding="utf-8")
    ids = [e.id for e in entries()]
    assert set(SPEC_LABELS) <= set(ids), "a spec result has no theorems record or check"
    for e in entries():
        assert f"`{e.id}`" in text
        for check in e.checks:
            assert f"`{check.id}`" in text
        assert e.result is not None and e.result.obligations, f"{e.id}: no symbolic obligations"
        assert any(c.expect == "holds" for c in e.checks), f"{e.id}: no numeric check"
