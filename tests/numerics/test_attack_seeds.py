"""numerics.attack.seeds: one check over several seeds — the worst verdict wins, counts add up, the shown
seed is the one that reproduces it."""

from dataclasses import replace

import pytest

from numerics.attack.engine import ERROR, FAIL, GAVE_UP, PASS, REFUTED, UNDECIDED, CheckReport, TeethReport
from numerics.attack.seeds import merge_reports, merge_teeth, seeds_label


def report(seed: int, verdict: str = PASS, ratio: float | None = 0.5, instances: int = 100) -> CheckReport:
    return CheckReport(id="r/c", result_id="r", title="t", expect="holds", relation="le", verdict=verdict,
                       instances=instances, worst_ratio=ratio, seed=seed, profile="ci", elapsed=1.0,
                       tolerance={"rtol": 0.0, "atol": 0.0}, bound_scale=1.0,
                       reproduce=f"verify r/c --seed {seed} --profile ci", message=f"seed {seed} says {verdict}",
                       examples=10, critical_scale=ratio, worst_sides=(ratio, 1.0) if ratio is not None else None)


def test_one_report_is_returned_unchanged():
    r = report(7)
    assert merge_reports([r]) is r


def test_all_passing_shows_the_seed_of_the_worst_ratio_and_sums_the_counts():
    merged = merge_reports([report(0, ratio=0.5), report(1, ratio=0.9, instances=50), report(2, ratio=0.7)])
    assert merged.verdict == PASS and merged.instances == 250 and merged.examples == 30
    assert merged.worst_ratio == 0.9 and merged.worst_seed == 1 and merged.seed == 1
    assert merged.reproduce == "verify r/c --seed 1 --profile ci" and merged.critical_scale == 0.9
    assert merged.seeds == (0, 1, 2) and merged.failing_seeds == () and merged.elapsed == 3.0


@pytest.mark.parametrize("verdicts, worst", [
    ([PASS, FAIL, ERROR], ERROR),
    ([PASS, UNDECIDED, GAVE_UP], GAVE_UP),
    ([PASS, UNDECIDED, PASS], UNDECIDED),
    ([GAVE_UP, FAIL, PASS], FAIL),
])
def test_the_worst_verdict_wins_and_its_first_seed_is_shown(verdicts, worst):
    merged = merge_reports([report(s, v) for s, v in zip((3, 5, 8), verdicts)])
    first = (3, 5, 8)[verdicts.index(worst)]
    assert merged.verdict == worst and merged.seed == first
    assert merged.reproduce.endswith(f"--seed {first} --profile ci")
    assert merged.failing_seeds == tuple(s for s, v in zip((3, 5, 8), verdicts) if v != PASS)
    assert f"seed {first} says {worst}" in merged.message


def test_a_control_refuted_under_every_seed_passes_and_one_that_stopped_refuting_fails():
    control = [replace(report(s, REFUTED), expect="refuted") for s in range(3)]
    assert merge_reports(control).verdict == REFUTED
    control[1] = replace(control[1], verdict=FAIL)
    merged = merge_reports(control)
    assert merged.verdict == FAIL and merged.seed == 1


def test_reports_of_different_checks_are_refused():
    with pytest.raises(ValueError):
        merge_reports([report(0), replace(report(1), id="r/other")])


def test_no_teeth_under_any_seed_is_no_teeth():
    teeth = [TeethReport("r/c", v, 0.9, "m", report(s)) for s, v in enumerate(["has teeth", "NO TEETH", "n/a"])]
    merged = merge_reports([t.base for t in teeth])
    t = merge_teeth(teeth, merged)
    assert t.verdict == "NO TEETH" and t.message.startswith("seed 1:") and t.base is merged


@pytest.mark.parametrize("seeds, label", [((0, 1, 2, 3), "0:4"), ((0, 3, 11), "0,3,11"), ((5,), "5"), ((1, 2), "1,2")])
def test_seeds_label(seeds, label):
    assert seeds_label(seeds) == label
