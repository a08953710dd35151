"""The report's ordering logic on synthetic numbers: ordering, ties, the prediction held / not held."""

import numpy as np
import pytest

from numerics.experiments import report


def test_observed_order_higher_is_better_and_ties():
    assert report.observed_order({"a": 0.1, "b": 0.5, "c": 0.9}) == "c > b > a"
    assert report.observed_order({"a": 0.9, "b": 0.5, "c": 0.1}) == "a > b > c"
    assert report.observed_order({"a": 0.1, "b": 0.5, "c": 0.5}) == "b = c > a"


def test_observed_order_lower_is_better_for_loss():
    assert report.observed_order({"a": 2.0, "b": 1.0, "c": 0.5}, higher_is_better=False) == "c < b < a"


@pytest.mark.parametrize("values, higher, held", [
    ({"a": 0.1, "b": 0.5, "c": 0.9}, True, True),
    ({"a": 0.1, "b": 0.5, "c": 0.5}, True, True),      # a tie agrees with "≥"
    ({"a": 0.1, "b": 0.9, "c": 0.5}, True, False),     # c < b
    ({"a": 0.6, "b": 0.5, "c": 0.9}, True, False),     # b < a
    ({"a": 2.0, "b": 1.0, "c": 0.5}, False, True),     # loss: lower is better
    ({"a": 0.5, "b": 1.0, "c": 2.0}, False, False),
])
def test_prediction_holds(values, higher, held):
    assert report.prediction_holds(values, higher) is held


def _fake(sig_levels, loss_levels, trials=4, steps=12, r=20, seed=0):
    """Spectra scaled by sig_levels[v] and loss curves loss_levels[v]·exp(−t/10), with a little noise."""
    rng = np.random.default_rng(seed)
    base = np.sort(rng.uniform(0.1, 1.0, size=r))[::-1]
    t = np.arange(steps + 1)
    sigmas = {v: sig_levels[v] * base * (1 + 0.01 * rng.standard_normal((trials, steps + 1, 1))) for v in "abc"}
    losses = {v: loss_levels[v] * np.exp(-t / 10) * (1 + 0.01 * rng.standard_normal((trials, 1))) for v in "abc"}
    return sigmas, losses


def test_summary_prediction_held():
    sigmas, losses = _fake({"a": 0.1, "b": 0.5, "c": 1.0}, {"a": 3.0, "b": 2.0, "c": 1.0})
    s = report.summarise(sigmas, losses)
    assert s["prediction"] == {"singular_values": True, "training_speed": True, "held": True}
    assert all(c["observed"] in ("c > b > a", "c < b < a") for c in s["criteria"])
    assert all(c["paired_trials"] == {"c_vs_b": 4, "b_vs_a": 4, "trials": 4} for c in s["criteria"])
    assert "held on every criterion" in s["verdict"][-1]
    assert [row["step"] for row in s["table"] if row["variant"] == "a"] == [0, 10, 12]


def test_summary_prediction_not_held_is_a_finding():
    # the reverse ordering: reported plainly, no exception
    sigmas, losses = _fake({"a": 1.0, "b": 0.5, "c": 0.1}, {"a": 1.0, "b": 2.0, "c": 3.0})
    s = report.summarise(sigmas, losses)
    assert s["prediction"]["held"] is False
    assert s["prediction"]["singular_values"] is False and s["prediction"]["training_speed"] is False
    assert all(not c["held"] for c in s["criteria"])
    assert any("a > b > c" in line and "DID NOT HOLD" in line for line in s["verdict"])
    assert "did not hold on any criterion" in s["verdict"][-1]
    assert "not a failure" in s["verdict"][-1]


def test_summary_partly_held_names_the_failed_criteria():
    sigmas, losses = _fake({"a": 0.1, "b": 0.5, "c": 1.0}, {"a": 1.0, "b": 2.0, "c": 3.0})
    s = report.summarise(sigmas, losses)
    assert s["prediction"] == {"singular_values": True, "training_speed": False, "held": False}
    assert "held only in part" in s["verdict"][-1] and "loss at step 10" in s["verdict"][-1]


def test_mean_std_numbers_in_table():
    sigmas = {v: np.ones((2, 2, 3)) * k for v, k in zip("abc", (1.0, 2.0, 3.0))}
    sigmas["a"][1] *= 3.0  # trial values 1 and 3: mean 2, std 1
    losses = {v: np.ones((2, 2)) for v in "abc"}
    s = report.summarise(sigmas, losses)
    row = next(r for r in s["table"] if r["variant"] == "a" and r["step"] == 0)
    assert row["sigma_min"] == pytest.approx((2.0, 1.0))
    assert row["sigma_median"] == pytest.approx((2.0, 1.0))


def test_non_finite_values_are_errors():
    sigmas, losses = _fake({"a": 0.1, "b": 0.5, "c": 1.0}, {"a": 3.0, "b": 2.0, "c": 1.0})
    losses["b"][0, 3] = np.nan
    with pytest.raises(FloatingPointError, match="variant b"):
        report.summarise(sigmas, losses)


def test_reported_steps():
    assert report.reported_steps(30) == [0, 10, 30]
    assert report.reported_steps(3) == [0, 3]
    assert report.reported_steps(0) == [0]


def test_markdown_table_has_every_row_and_the_verdict():
    sigmas, losses = _fake({"a": 0.1, "b": 0.5, "c": 1.0}, {"a": 3.0, "b": 2.0, "c": 1.0})
    s = report.summarise(sigmas, losses)
    md = report.markdown_table(s)
    assert md.count("\n| (") == 9 and s["verdict"][-1] in md


def test_paired_difference_resolves_only_clear_gaps():
    d = report.paired_difference(np.array([1.0, 1.1, 0.9, 1.0]), np.array([0.0, 0.1, -0.1, 0.0]))
    assert d["mean"] == pytest.approx(1.0) and d["se"] == pytest.approx(0.0, abs=1e-12) and d["resolved"]
    noisy = report.paired_difference(np.array([1.0, -1.0, 1.1, -0.9]), np.zeros(4))
    assert not noisy["resolved"]
    assert not report.paired_difference(np.array([1.0]), np.array([0.0]))["resolved"]  # one trial: unknown


def test_round_off_singular_values_count_as_zero_and_tie():
    sig = np.array([2.0, 1.0, 3e-16, 1e-17])
    np.testing.assert_array_equal(report.numerically_zeroed(sig), [2.0, 1.0, 0.0, 0.0])
    # spectra that differ only at round-off level: σ_min ties, not an ordering decided by noise
    sigmas = {v: np.tile(np.array([1.0, 0.5, e]), (2, 2, 1)) for v, e in zip("abc", (3e-16, 2e-16, 1e-16))}
    losses = {v: np.ones((2, 2)) for v in "abc"}
    s = report.summarise(sigmas, losses)
    assert {row["sigma_min"] for row in s["table"]} == {(0.0, 0.0)}
