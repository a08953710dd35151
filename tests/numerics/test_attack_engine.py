"""The attack engine on toy checks whose truth we know exactly."""

import mpmath
import numpy as np
import pytest
from hypothesis import strategies as st

from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.attack.engine import (
    CONFIRMED, ERROR, FAIL, GAVE_UP, INCONSISTENT, PASS, PRECISION_RTOL, PROFILES, REFUTED, SPURIOUS,
    UNCONFIRMED, UNDECIDED, ratios, run_check, run_teeth,
)

CI = "ci"


def _cases():
    return st.fixed_dictionaries({"hi": st.floats(0.1, 1.0), "seed": st.integers(0, 2**32 - 1)})


def _uniform(case, n):
    x = np.random.default_rng(case["seed"]).uniform(0, case["hi"], n)
    return Batch(x, np.ones(n), None, {"x": x})


def toy(**kw) -> NumericCheck:
    """x ≤ 1 for x ~ U(0, hi), hi ≤ 1: true, and tight as hi → 1."""
    base = dict(id="toy/x-le-1", result_id="toy", title="x ≤ 1", statement="x ≤ 1", relation="le",
                cases=_cases, evaluate=_uniform, evaluate_mp=lambda v: (mpmath.mpf(float(v["x"])), mpmath.mpf(1)),
                hypotheses=("0 ≤ x ≤ hi ≤ 1",))
    base.update(kw)
    return NumericCheck(**base)


def test_true_bound_passes_with_counts_and_ratio():
    r = run_check(toy(), seed=0, profile=CI)
    assert r.verdict == PASS
    assert r.instances >= PROFILES[CI].min_valid
    assert 0.5 < r.worst_ratio <= 1.0
    assert r.counterexample is None
    assert r.tolerance == {"rtol": 1e-9, "atol": 0.0}


def test_strengthened_bound_fails_with_shrunk_confirmed_counterexample():
    r = run_check(toy(), seed=0, profile=CI, bound_scale=0.5)
    assert r.verdict == FAIL
    cex = r.counterexample
    assert cex is not None and cex.confirmation == CONFIRMED
    assert cex.lhs > 0.5 * cex.rhs
    assert float(cex.variables["x"]) == cex.lhs
    assert cex.case["seed"] == 0  # hypothesis shrank the seed to its simplest value
    assert cex.hypotheses == ("0 ≤ x ≤ hi ≤ 1",)
    assert "fails" in cex.inequality and "0.5·rhs" in cex.inequality
    assert r.reproduce == "verify toy/x-le-1 --seed 0 --profile ci --bound-scale 0.5"


def test_same_seed_same_attack_and_other_seed_differs():
    a, b = (run_check(toy(), seed=7, profile=CI) for _ in range(2))
    c = run_check(toy(), seed=8, profile=CI)
    assert (a.worst_ratio, a.instances, a.examples) == (b.worst_ratio, b.instances, b.examples)
    assert c.worst_ratio != a.worst_ratio


def test_the_seed_alone_decides_the_cases_whatever_modules_are_imported(tmp_path, monkeypatch):
    """Hypothesis harvests constants from every local module imported so far; a new module full of floats
    in the toy's range must not change the attack (it did: --jobs workers and the CLI drew other cases)."""
    import importlib
    import sys

    before = run_check(toy(), seed=3, profile=CI)
    floats = ", ".join(f"{0.1 + 0.9 * k / 997:.17g}" for k in range(1, 997))
    (tmp_path / "many_local_floats.py").write_text(f"VALUES = ({floats},)\nSEEDS = (4294967295, 12345, 777)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("many_local_floats")
    try:
        after = run_check(toy(), seed=3, profile=CI)
    finally:
        sys.modules.pop("many_local_floats", None)
    assert (after.worst_ratio, after.instances, after.examples, after.worst_sides) == \
        (before.worst_ratio, before.instances, before.examples, before.worst_sides)


def test_nan_is_an_error_naming_the_case():
    def nan_eval(case, n):
        x = np.zeros(n)
        x[3] = np.nan
        return Batch(x, np.ones(n))

    r = run_check(toy(evaluate=nan_eval), seed=0, profile=CI)
    assert r.verdict == ERROR
    assert "NaN/inf" in r.message and "hi:" in r.message and "instance 3" in r.message


def test_overflow_is_an_error_not_a_silent_inf():
    def overflow(case, n):
        return Batch(np.exp(np.full(n, 1000.0)), np.ones(n))

    r = run_check(toy(evaluate=overflow), seed=0, profile=CI)
    assert r.verdict == ERROR and "FloatingPointError" in r.message


def test_nan_in_an_invalid_instance_is_masked():
    def masked(case, n):
        x = np.full(n, 0.5)
        x[0] = np.nan
        valid = np.ones(n, bool)
        valid[0] = False
        return Batch(x, np.ones(n), valid)

    assert run_check(toy(evaluate=masked), seed=0, profile=CI).verdict == PASS


@pytest.mark.parametrize("keep", [0, 1])
def test_too_few_valid_instances_gives_up(keep):
    def sparse(case, n):
        valid = np.zeros(n, bool)
        valid[:keep] = True
        return Batch(np.zeros(n), np.ones(n), valid)

    r = run_check(toy(evaluate=sparse), seed=0, profile=CI)
    assert r.verdict == GAVE_UP
    assert r.instances < PROFILES[CI].min_valid
    assert "valid instances" in r.message


def test_control_refuted_as_expected_and_control_that_stops_refuting_fails():
    refuting = toy(id="toy/x-le-half", expect="refuted", evaluate=_half,
                   evaluate_mp=lambda v: (mpmath.mpf(float(v["x"])), mpmath.mpf(1) / 2))
    r = run_check(refuting, seed=0, profile=CI)
    assert r.verdict == REFUTED and r.counterexample.confirmation == CONFIRMED
    stale = toy(id="toy/stale-control", expect="refuted")
    r = run_check(stale, seed=0, profile=CI)
    assert r.verdict == FAIL and "stopped refuting" in r.message


def _half(case, n):
    b = _uniform(case, n)
    return Batch(b.lhs, 0.5 * b.rhs, None, b.variables)


def test_cancellation_beyond_the_declared_atol_is_not_an_artefact_but_an_error():
    # (1 + x) − 1 rounds x = 1.5e-16 up to 2.2e-16 in float64; at 50 digits it is exactly x. With atol = 0
    # the check claims lhs to relative round-off; a 50 % disagreement is not round-off: ERROR, not UNDECIDED.
    def rounding(case, n):
        x = np.full(n, 1.5e-16)
        return Batch((1.0 + x) - 1.0, x, None, {"x": x})

    def exact(v):
        x = mpmath.mpf(float(v["x"]))
        return (1 + x) - 1, x

    r = run_check(toy(evaluate=rounding, evaluate_mp=exact, rtol=0.0), seed=0, profile=CI)
    assert r.verdict == ERROR
    assert r.counterexample.confirmation == INCONSISTENT
    assert "not precision-consistent" in r.message


def test_without_mp_evaluator_the_failure_says_unconfirmed():
    r = run_check(toy(evaluate_mp=None), seed=0, profile=CI, bound_scale=0.5)
    assert r.verdict == FAIL and r.counterexample.confirmation == UNCONFIRMED


def test_teeth_judged_against_the_declared_worst_case():
    """A tight check must reach 0.99 and fail at rhs × 0.99; a check declared tight that cannot get there has
    NO TEETH; a known sup is bitten at 0.99 × sup; a loose one reports the errors it cannot see."""
    full = {"hi": st.just(1.0), "seed": st.integers(0, 2**32 - 1)}
    t = run_teeth(toy(worst_case=tight("x → 1"), cases=lambda: st.fixed_dictionaries(full)), seed=0, profile=CI)
    assert t.verdict == "has teeth" and t.strengthened.verdict == FAIL and t.scale == 0.99
    assert t.confirmed and t.to_dict()["declared_sup"] == 1.0
    def half(worst_case):
        return toy(id="toy/half", evaluate=lambda c, n: Batch(np.full(n, 0.5), np.ones(n)), evaluate_mp=None,
                   worst_case=worst_case)

    t = run_teeth(half(tight("never")), seed=0, profile=CI)
    assert t.verdict == "NO TEETH" and t.strengthened.verdict == PASS
    t = run_teeth(half(known(0.5, "constant")), seed=0, profile=CI)
    assert t.verdict == "has teeth" and t.scale == pytest.approx(0.495)
    t = run_teeth(half(loose(0.5, "a constant ratio")), seed=0, profile=CI)
    assert t.verdict == "loose" and t.ok
    assert "an error smaller than 1/0.5 = 2× in this bound would not be detected" in t.message
    assert t.base.to_dict()["looseness"].startswith("loose: worst ratio 0.5")


def test_identity_check_and_its_teeth():
    def ident(case, n):
        x = np.random.default_rng(case["seed"]).uniform(-1, 1, n) * case["hi"]
        return Batch(2 * x, x + x, None, {"x": x})

    check = toy(id="toy/double", relation="eq", evaluate=ident, evaluate_mp=None, worst_case=identity())
    t = run_teeth(check, seed=0, profile=CI)
    assert t.base.verdict == PASS and t.base.worst_ratio == 0.0
    assert t.verdict == "has teeth" and t.scale == 0.99


def test_keyboard_interrupt_propagates():
    def interrupt(case, n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_check(toy(evaluate=interrupt), seed=0, profile=CI)


def test_exception_in_check_is_error_with_case():
    def boom(case, n):
        raise ValueError("bad shape")

    r = run_check(toy(evaluate=boom), seed=0, profile=CI)
    assert r.verdict == ERROR and "ValueError" in r.message and "bad shape" in r.message


def test_ratios_handle_nonpositive_rhs():
    lhs = np.array([1.0, -1.0, 0.0, 1.0, -3.0])
    rhs = np.array([2.0, 0.0, 0.0, 0.0, -2.0])
    r = ratios(lhs, rhs, "le")
    assert r[0] == 0.5 and r[1] == 0.0 and r[2] == 1.0 and r[3] == np.inf
    assert r[4] == 0.5  # −3 ≤ −2 holds: ratio below 1
    assert ratios(np.array([1.0]), np.array([-2.0]), "le")[0] > 1  # 1 ≤ −2 fails: ratio above 1


def test_wide_cases_are_drawn_in_the_thorough_profile_only():
    """A check's wide_cases (larger sizes) replace its cases in the thorough profile; other profiles keep cases."""
    narrow = lambda: st.fixed_dictionaries({"hi": st.floats(0.1, 0.5), "seed": st.integers(0, 2**32 - 1)})  # noqa: E731
    wide = lambda: st.fixed_dictionaries({"hi": st.floats(0.9, 1.0), "seed": st.integers(0, 2**32 - 1)})  # noqa: E731
    check = toy(cases=narrow, wide_cases=wide)
    assert run_check(check, seed=0, profile=CI).worst_ratio <= 0.5
    assert run_check(check, seed=0, profile="quick").worst_ratio <= 0.5
    assert PROFILES["thorough"].wide and not PROFILES["quick"].wide
    assert run_check(check, seed=0, profile="thorough").worst_ratio > 0.9


def test_profiles_thorough_is_at_least_ten_times_quick():
    assert PROFILES["thorough"].budget >= 10 * PROFILES["quick"].budget
    with pytest.raises(ValueError, match="unknown profile"):
        run_check(toy(), profile="fast")


# --- 50-digit confirmation that cannot hide a bug -------------------------------------------------------
def test_mp_values_that_disagree_with_float64_are_an_error_with_both_sets_of_values():
    # float64 says x ≤ 1/2 fails for x > 1/2; the "50-digit" evaluator returns zeros (the bug of a
    # complex step taking .imag of an object array): not an artefact, an inconsistency
    check = toy(id="toy/zeros-at-50", evaluate=_half, evaluate_mp=lambda v: (mpmath.mpf(0), mpmath.mpf(0)))
    r = run_check(check, seed=0, profile=CI)
    assert r.verdict == ERROR
    assert r.counterexample.confirmation == INCONSISTENT
    assert "not precision-consistent" in r.message
    cex = r.counterexample
    assert f"lhs = {cex.lhs!r}" in r.message and "50 digits give lhs = 0.0, rhs = 0.0" in r.message


def test_round_off_sized_disagreement_is_not_an_inconsistency():
    # 50-digit values off by 0.5·PRECISION_RTOL relative: still consistent, so the violation is genuine
    off = 1 + mpmath.mpf(PRECISION_RTOL) / 2
    check = toy(evaluate_mp=lambda v: (mpmath.mpf(float(v["x"])) * off, mpmath.mpf(1)))
    r = run_check(check, seed=0, profile=CI, bound_scale=0.5)
    assert r.verdict == FAIL and r.counterexample.confirmation == CONFIRMED
    # … and at 2·PRECISION_RTOL it is not
    off2 = 1 + 2 * mpmath.mpf(PRECISION_RTOL)
    check = toy(evaluate_mp=lambda v: (mpmath.mpf(float(v["x"])) * off2, mpmath.mpf(1)))
    assert run_check(check, seed=0, profile=CI, bound_scale=0.5).verdict == ERROR


def _artefact_or_genuine(case, n):
    """k < 3: (ab)c = a(bc) fails in float64 only, by one rounding (an artefact: at 50 digits both are the
    exact product); k = 3: 2(ab)c = a(bc) fails genuinely."""
    a, b, c = np.random.default_rng(case["seed"]).uniform(1, 2, (3, n))
    lhs = (a * b) * c * (2 if case["k"] == 3 else 1)
    return Batch(lhs, a * (b * c), None, {"a": a, "b": b, "c": c, "k": np.full(n, case["k"])})


def _artefact_or_genuine_mp(v):
    a, b, c = (mpmath.mpf(float(v[name])) for name in "abc")
    return a * b * c * (2 if int(v["k"]) == 3 else 1), a * (b * c)


def test_an_artefact_is_recorded_and_the_search_goes_on_to_a_genuine_counterexample():
    check = toy(id="toy/artefacts-then-genuine", relation="eq", rtol=0.0, evaluate=_artefact_or_genuine,
                evaluate_mp=_artefact_or_genuine_mp,
                cases=lambda: st.fixed_dictionaries({"k": st.integers(0, 3), "seed": st.integers(0, 2**32 - 1)}))
    r = run_check(check, seed=0, profile=CI)
    assert r.verdict == FAIL and r.counterexample.confirmation == CONFIRMED
    assert r.counterexample.case["k"] == 3  # shrinking cannot move to an artefact case: each is re-confirmed
    assert r.artefact_count >= 1 and all(a.confirmation == SPURIOUS for a in r.artefacts)


def test_artefacts_only_are_undecided_and_listed():
    check = toy(id="toy/artefacts-only", relation="eq", rtol=0.0, evaluate=_artefact_or_genuine,
                evaluate_mp=_artefact_or_genuine_mp,
                cases=lambda: st.fixed_dictionaries({"k": st.integers(0, 2), "seed": st.integers(0, 2**32 - 1)}))
    r = run_check(check, seed=0, profile=CI)
    assert r.verdict == UNDECIDED
    assert r.artefact_count >= PROFILES[CI].max_examples  # every case had one: the search never stopped
    assert r.artefacts and "float64 artefacts" in r.message and "50 digits lhs = " in r.message
