"""User lemma files: the shipped examples, the Lemma → NumericCheck conversion, and bad files."""

import json
import textwrap
from pathlib import Path

import numpy as np
import sympy

from numerics.attack.engine import ERROR, PASS, run_check
from verify import cli
from verify.lemma import Lemma

ROOT = Path(__file__).resolve().parents[2]
TRUE_EXAMPLE = str(ROOT / "examples" / "lemma_kernel_pl_true.py")
FALSE_EXAMPLE = str(ROOT / "examples" / "lemma_false_skip_frobenius.py")
FALSE_CE_EXAMPLE = str(ROOT / "examples" / "lemma_false_ce_grad_no_sqrt2.py")
CI = ["--profile", "ci", "--no-progress"]


def test_true_example_passes_and_has_teeth(capsys):
    assert cli.main([TRUE_EXAMPLE, "--teeth", "--json", *CI]) == 0
    (line,) = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert line["verdict"] == PASS and line["provenance"] == "user lemma"
    assert line["teeth"][0]["verdict"] == "has teeth"
    assert line["reproduce"].startswith(f"verify {TRUE_EXAMPLE} --seed 0")


def test_false_example_fails_with_confirmed_counterexample(capsys):
    assert cli.main([FALSE_EXAMPLE, *CI]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "confirmed genuine" in out
    assert "A := [[" in out and "fro_A < 1" in out  # the variables and the hypothesis that held
    assert f"verify {FALSE_EXAMPLE} --seed 0 --profile ci" in out


def test_costs_only_false_example_fails_confirmed_with_integer_labels(capsys):
    assert cli.main([FALSE_CE_EXAMPLE, "--json", *CI]) == 1
    (line,) = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    cex = line["checks"][0]["counterexample"]
    assert cex["confirmation"] == "confirmed genuine" and {"z", "y", "grad_norm"} <= set(cex["variables"])


def _write(tmp_path, body: str) -> str:
    path = tmp_path / "lemma.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_bad_lemma_files_are_usage_errors(capsys, tmp_path):
    assert cli.main([str(tmp_path / "missing.py")]) == 2
    assert "not found" in capsys.readouterr().err
    assert cli.main([_write(tmp_path, "X = 1\n")]) == 2
    assert "must define LEMMA" in capsys.readouterr().err
    assert cli.main([_write(tmp_path, "raise RuntimeError('oops')\n"), "--json"]) == 2
    line = json.loads(capsys.readouterr().out.strip())
    assert line["verdict"] == "ERROR" and "oops" in line["message"]


def _lemma(quantities, **kw):
    x = sympy.Symbol("x", positive=True)
    base = dict(name="toy", lhs=x, relation="<=", rhs=1,
                sample=lambda case, n, rng: {"u": rng.uniform(0, 1, n)}, quantities=quantities)
    base.update(kw)
    return Lemma(**base)


def test_assumptions_are_hypotheses_and_mask_instances():
    lemma = _lemma(lambda v: {"x": v["u"] - 0.5})  # half the instances have x ≤ 0: not admissible
    assert [str(h) for h in lemma.all_hypotheses()] == ["x > 0"]
    check = lemma.to_check()
    batch = check.evaluate({"seed": 1}, 100)
    assert 0 < batch.valid.sum() < 100
    assert np.all(batch.lhs[batch.valid] > 0)
    assert run_check(check, seed=0, profile="ci").verdict == PASS


def test_nan_quantity_is_an_error_not_masked():
    def quantities(v):
        x = v["u"].copy() if v["u"].dtype != object else v["u"]
        if x.dtype != object:
            x[0] = np.nan
        return {"x": x}

    assert run_check(_lemma(quantities).to_check(), seed=0, profile="ci").verdict == ERROR


def test_ge_relation_is_normalised_and_mp_reevaluates():
    y = sympy.Symbol("y", nonnegative=True)
    lemma = _lemma(lambda v: {"y": v["u"]}, lhs=y, relation=">=", rhs=y / 2 + sympy.Rational(1, 4))
    report = run_check(lemma.to_check(), seed=0, profile="ci")
    assert report.verdict == "FAIL"  # y ≥ y/2 + 1/4 fails for y < 1/2
    assert report.counterexample.confirmation == "confirmed genuine"
    assert float(report.counterexample.variables["y"]) < 0.5
