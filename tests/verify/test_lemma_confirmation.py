"""A false lemma never exits 0: the R7 Hessian-scaling lemmas, 50-digit confirmation and its failure modes.

The false lemma (examples/lemma_false_hessian_wn_scaling.py: vᵀ∇²ℓ(cW)v·c = vᵀ∇²ℓ(W)v, true law c²) uses
`Network.hvp` inside `quantities()`, which the 50-digit confirmation re-runs on mpmath arrays.
"""

import json
import textwrap
from pathlib import Path

import numpy as np

from numerics.attack.engine import CONFIRMED, INCONSISTENT
from numerics.network import Network
from verify import cli

ROOT = Path(__file__).resolve().parents[2]
FALSE_HESSIAN = str(ROOT / "examples" / "lemma_false_hessian_wn_scaling.py")
TRUE_HESSIAN = str(Path(__file__).resolve().parent / "lemma_hessian_wn_scaling_true.py")
CI = ["--profile", "ci", "--no-progress", "--json"]


def _check_line(capsys) -> dict:
    (line,) = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    (check,) = line["checks"]
    return check


def test_false_hessian_scaling_fails_with_a_counterexample_confirmed_at_50_digits(capsys):
    assert cli.main([FALSE_HESSIAN, *CI]) == 1
    check = _check_line(capsys)
    cex = check["counterexample"]
    assert check["verdict"] == "FAIL" and cex["confirmation"] == CONFIRMED
    # the 50-digit sides are the float64 ones to round-off — and they differ by the factor c ≠ 1
    lhs_mp, rhs_mp = float(cex["lhs_mp"]), float(cex["rhs_mp"])
    assert abs(lhs_mp - cex["lhs"]) <= 1e-12 * abs(lhs_mp) and abs(rhs_mp - cex["rhs"]) <= 1e-12 * abs(rhs_mp)
    c = float(cex["variables"]["c"])
    assert abs(lhs_mp / rhs_mp - 1 / c) <= 1e-9 / c  # lhs = c·h(cW) = h(W)/c: the law is c², not c


def test_true_hessian_scaling_passes(capsys):
    assert cli.main([TRUE_HESSIAN, *CI]) == 0
    check = _check_line(capsys)
    assert check["verdict"] == "PASS" and check["worst_ratio"] < 1e-8 and check["instances"] >= 64


def test_a_50_digit_hvp_that_returns_zeros_is_an_error_not_an_artefact(capsys, monkeypatch):
    """The defect of the issue, re-created: hvp on mpmath arrays returning zeros. The engine must not call
    the violation a float64 artefact (and stop, and exit 0): the quantities are not precision-consistent."""
    monkeypatch.setattr(Network, "hvp_mp", lambda self, p, X, y, cost, v: np.zeros(np.shape(p), dtype=object) * 0)
    assert cli.main([FALSE_HESSIAN, *CI]) == 2
    check = _check_line(capsys)
    assert check["verdict"] == "ERROR" and check["counterexample"]["confirmation"] == INCONSISTENT
    assert "not precision-consistent" in check["message"] and "50 digits give lhs = 0.0, rhs = 0.0" in check["message"]


def _write(tmp_path, body: str) -> str:
    path = tmp_path / "lemma.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


INCONSISTENT_LEMMA = '''
    import numpy as np, sympy
    from verify.lemma import Lemma
    x = sympy.Symbol("x", nonnegative=True)

    def quantities(v):
        u = v["u"]
        # deliberately different at 50 digits (object arrays) than in float64
        return {"x": 3 * u if u.dtype == object else 2 * u}

    LEMMA = Lemma(name="two-faced", lhs=x, relation="<=", rhs=1,
                  sample=lambda case, n, rng: {"u": rng.uniform(0, 1, n)}, quantities=quantities)
'''


def test_quantities_that_differ_at_50_digits_are_an_error_exit_2_with_both_values(capsys, tmp_path):
    path = _write(tmp_path, INCONSISTENT_LEMMA)
    assert cli.main([path, *CI]) == 2
    check = _check_line(capsys)
    cex = check["counterexample"]
    assert check["verdict"] == "ERROR" and cex["confirmation"] == INCONSISTENT
    assert abs(float(cex["lhs_mp"]) - 1.5 * cex["lhs"]) <= 1e-15 * cex["lhs"]  # 3u against 2u
    assert f"float64 gives lhs = {cex['lhs']!r}" in check["message"] and "not precision-consistent" in check["message"]
    # the human report shows both sets of values too
    assert cli.main([path, "--profile", "ci", "--no-progress"]) == 2
    out = capsys.readouterr().out
    assert "not precision-consistent" in out and "50-digit re-evaluation: lhs = " in out



# --- inconclusive is never exit 0 ----------------------------------------------------------------------
GAVE_UP_LEMMA = '''
    import sympy
    from verify.lemma import Lemma
    x = sympy.Symbol("x", real=True)
    LEMMA = Lemma(name="never-admissible", lhs=x, relation="<=", rhs=1, hypotheses=(x > 2,),
                  sample=lambda case, n, rng: {"u": rng.uniform(0, 1, n)}, quantities=lambda v: {"x": v["u"]})
'''

ARTEFACT_LEMMA = '''
    import sympy
    from verify.lemma import Lemma
    a, b = sympy.symbols("ab_c a_bc", positive=True)

    def sample(case, n, rng):
        return {"u": rng.uniform(1, 2, (n, 3))}

    def quantities(v):
        u = v["u"]
        x, y, z = u[..., 0], u[..., 1], u[..., 2]
        return {"ab_c": (x * y) * z, "a_bc": x * (y * z)}  # one rounding apart in float64, equal at 50 digits

    LEMMA = Lemma(name="associativity", lhs=a, relation="=", rhs=b, sample=sample, quantities=quantities, rtol=0.0)
'''


def test_a_lemma_that_only_gave_up_exits_3(capsys, tmp_path):
    assert cli.main([_write(tmp_path, GAVE_UP_LEMMA), *CI]) == 3
    check = _check_line(capsys)
    assert check["verdict"] == "GAVE UP" and check["instances"] == 0


def test_float64_artefacts_only_are_undecided_exit_3_and_listed(capsys, tmp_path):
    path = _write(tmp_path, ARTEFACT_LEMMA)
    assert cli.main([path, *CI]) == 3
    (line,) = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert line["exit_code"] == 3 and line["verdict"] == "UNDECIDED"
    check = line["checks"][0]
    assert check["artefact_count"] >= 15 and check["artefacts"]  # every case had some: the search went on
    assert "float64 artefacts" in check["message"]
    assert cli.main([path, "--strict", *CI]) == 1
