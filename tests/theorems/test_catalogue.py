"""Every result R0–R8 is recorded with the spec's id and provenance, and every obligation gets the
status we claim for it (sympy's None would show up as UNDECIDED and fail these tests)."""

import pytest

from theorems.catalogue import RESULTS, get, ids
from theorems.result import Status

SPEC_ORDER = ["pl-descent", "kernel-pl", "cost-bounds", "kernel-layerwise", "skip-sigma-min",
              "first-layer-conditioning", "wn-invariance", "bn-bounds", "lipschitz-composition",
              "ce-global-convergence", "skip-mechanism"]
PROVENANCE = {"kernel-pl": "paper", "cost-bounds": "derived", "bn-bounds": "derived",
              "lipschitz-composition": "derived"}  # all others: reconstructed

P, D, E, C = Status.PROVED, Status.DERIVED, Status.EXACT, Status.CITED
EXPECTED = {
    "pl-descent": {"descent-lemma": C, "optimal-step": D, "step-window": D, "quadratic-equality": P,
                   "pl-contraction": P},
    "kernel-pl": {"chain-rule": E, "kernel-identity": P, "rayleigh-step": C, "rayleigh-2x2": E, "square-cost-pl": E,
                  "ce-gradient-nonzero": P},
    "cost-bounds": {"square-identity": E, "exp-vs-rational": C, "one-sample-lower": E, "one-sample-upper": E,
                    "hessian-form": E, "hessian-lambda-max": E, "mean-ce-bound": C},
    "kernel-layerwise": {"block-kernel": P, "weyl-psd-sum": C, "product-step": C, "product-step-instance": E,
                         "two-layer-instance": E},
    "skip-sigma-min": {"reverse-triangle": C, "rotation-family": P, "exact-instances": E, "no-skip-control": E,
                       "product-of-blocks": C},
    "first-layer-conditioning": {"kronecker-form": E, "eigen-match": E, "wide-batch-degenerate": E},
    "wn-invariance": {"jacobian-formula": E, "jacobian-norm": E, "orthogonality": E, "scaling-laws": E,
                      "gd-norm-identity": E, "second-derivative": E},
    "bn-bounds": {"norm-identity": E, "jacobian-spectrum": E, "second-derivative-formula": E,
                  "scale-substitution": P, "second-derivative-constant": C, "d2-lower-witness": D,
                  "d2-exact-norm": C},
    "lipschitz-composition": {"chain-rule-1d": P, "chain-rule-multivariate": P, "unrolled": E, "induction-step": E,
                              "ce-constants": E},
    "ce-global-convergence": {"block-dH": D, "block-dW1": D, "block-dW2": D, "block-d2-WW": D, "block-d2-HW": D,
                              "block-d2-HH": D, "quadratic-form-sup": P, "beta-assembled": D, "mu0": D,
                              "gamma-monotone": C, "recursion-step": P, "rate-unrolled": P, "kappa-sign": D,
                              **{f"activation-{a}": Status.INTERVAL for a in ("tanh", "sigmoid", "softplus", "gelu")}},
    "skip-mechanism": {"avgpool-1d-isometry": E, "avgpool-2d-isometry": E, "zero-padding-isometry": E,
                       "random-matrix-norm": P},
}


def test_ids_in_spec_order():
    assert ids() == SPEC_ORDER
    assert list(RESULTS) == SPEC_ORDER


@pytest.mark.parametrize("rid", SPEC_ORDER)
def test_record_is_complete(rid):
    r = get(rid)
    assert r.id == rid
    assert r.provenance == PROVENANCE.get(rid, "reconstructed")
    assert r.section.startswith("docs/theory.md#r")
    assert r.statement and r.latex and r.title
    assert r.hypotheses and all(h.text and h.why for h in r.hypotheses)
    assert r.derivation and all(isinstance(s, str) and s for s in r.derivation)
    assert r.bounds and r.obligations
    assert r.symbols


@pytest.mark.parametrize("rid", SPEC_ORDER)
def test_obligation_statuses(rid):
    outcomes = get(rid).outcomes
    got = {name: o.status for name, o in outcomes.items()}
    assert got == EXPECTED[rid], {n: o.evidence for n, o in outcomes.items() if o.status != EXPECTED[rid].get(n)}
    for o in outcomes.values():
        assert o.evidence
        if o.status is Status.DERIVED:
            assert o.value is not None
        if o.status is Status.CITED:
            assert "cited:" in o.evidence and "[" in o.evidence  # the fact and its source are named


def test_get_unknown_id_suggests_close_matches():
    with pytest.raises(KeyError, match="kernel-pl"):
        get("kernel_pl")
    with pytest.raises(KeyError, match="known ids"):
        get("zzz")


def test_reconstructed_results_never_claim_the_paper():
    for r in RESULTS.values():
        if r.provenance != "paper":
            assert "Theorem 2.4" not in r.section
    assert [r.id for r in RESULTS.values() if r.provenance == "paper"] == ["kernel-pl"]
