"""The machinery has teeth: false statements fed through the same helpers come out FAILED, and what sympy
cannot decide comes out UNDECIDED — never PROVED."""

import sympy

from theorems import bn_bounds, lipschitz_composition as lc
from theorems.result import Status
from theorems.sympy_checks import derived, identity, nonnegative, nonnegative_from_zero, norm2


def test_false_identity_is_failed_with_counterexample():
    x, y = sympy.symbols("x y", real=True)
    out = identity((x + y) ** 2, x**2 + y**2)
    assert out.status is Status.FAILED and ":=" in out.evidence


def test_wrong_square_cost_constant_is_failed():
    Z = sympy.Matrix(sympy.symbols("z1:3", real=True))
    Y = sympy.Matrix(sympy.symbols("y1:3", real=True))
    C = norm2(Z - Y) / 4
    grad = Z.applyfunc(lambda z: sympy.diff(C, z))
    assert identity(norm2(grad), 2 * C / 2).status is Status.PROVED
    assert identity(norm2(grad), 1 * C / 2).status is Status.FAILED  # 1/N instead of 2/N


def test_wrong_bn_norm_identity_is_failed():
    out, _, var = bn_bounds._bn(bn_bounds.h)
    wrong = identity(sum(e**2 for e in out), bn_bounds.n * var / (var + 2 * bn_bounds.eps))
    assert wrong.status is Status.FAILED


def test_wrong_composition_closed_form_is_failed():
    a, b = lc.a, lc.b
    wrong = b[0] * a[1] + b[1] * a[0]  # a_1 instead of a_1² in the second term
    assert identity(lc.recursion(2)[1], wrong, simplifier=sympy.expand).status is Status.FAILED


def test_false_inequality_is_failed():
    c = sympy.Symbol("c", nonnegative=True)
    assert nonnegative(c - 1).status is Status.FAILED
    # 1 − e^{−c} ≥ c (false for c > 0): the Taylor argument finds g'(0) = 0? no: g = 1 − e^{−c} − c, g″ < 0
    assert nonnegative_from_zero(1 - sympy.exp(-c) - c, c).status is not Status.PROVED
    assert nonnegative_from_zero(-c, c).status is Status.FAILED


def test_wrong_derived_value_is_failed():
    assert derived(sympy.Rational(1, 3), sympy.Rational(1, 4), evidence="x").status is Status.FAILED


def test_undecidable_is_undecided_not_proved():
    th = sympy.Symbol("theta", real=True)
    # 1 + cos θ ≥ 0 is true, but sympy's assumption system cannot see it: honest UNDECIDED
    assert nonnegative(1 + sympy.cos(th)).status is Status.UNDECIDED
    # a float round-off residue is not an exact zero: UNDECIDED
    assert identity(sympy.Float(0.1) + sympy.Float(0.2), sympy.Rational(3, 10)).status is Status.UNDECIDED


# --------------------------------------------------------------------------- honest kinds of evidence
def test_a_chain_is_as_strong_as_its_weakest_step():
    from theorems.result import ObligationOutcome
    from theorems.sympy_checks import all_of, cited, exact

    x = sympy.Symbol("x", real=True)
    proved = identity((x + 1) ** 2, x**2 + 2 * x + 1)
    assert proved.status is Status.PROVED
    inst = exact(proved, "one instance")
    assert inst.status is Status.EXACT and "one instance" in inst.evidence
    cite = cited("Weyl's inequality", "Horn & Johnson Thm 4.3.1")
    assert cite.status is Status.CITED and "Horn & Johnson" in cite.evidence
    assert all_of(proved, derived(1, 1, evidence="d"), conclusion="c").status is Status.PROVED
    assert all_of(proved, cite, conclusion="c").status is Status.CITED
    assert all_of(proved, cite, inst, conclusion="c").status is Status.EXACT
    assert all_of(proved, ObligationOutcome(Status.INTERVAL, "i"), conclusion="c").status is Status.INTERVAL
    assert all_of(inst, ObligationOutcome(Status.UNDECIDED, "u"), conclusion="c").status is Status.UNDECIDED
    assert all_of(cite, identity(x, x + 1), conclusion="c").status is Status.FAILED
    assert exact(identity(x, x + 1)).status is Status.FAILED  # exact() never upgrades a failure


def test_matrix_identity_proves_for_symbolic_sizes_and_refutes_on_instances():
    from theorems.sympy_checks import matrix_identity

    m, n = sympy.symbols("m n", integer=True, positive=True)
    J, g = sympy.MatrixSymbol("J", m, n), sympy.MatrixSymbol("g", m, 1)
    assert matrix_identity((J.T * g).T * (J.T * g), g.T * J * J.T * g, dims={m: 2, n: 3}).status is Status.PROVED
    wrong = matrix_identity((J.T * g).T * (J.T * g), 2 * g.T * J * J.T * g, dims={m: 2, n: 3})
    assert wrong.status is Status.FAILED and "m := 2" in wrong.evidence


def test_exact_sign_decides_algebraic_numbers_exactly():
    from theorems.sympy_checks import exact_sign

    assert exact_sign(sympy.sqrt(2) - sympy.Rational(1414213, 1000000)).status is Status.EXACT
    assert exact_sign(sympy.sqrt(2) - sympy.Rational(1414214, 1000000)).status is Status.FAILED
