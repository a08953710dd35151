"""theorems.interval: sympy → arb evaluation encloses the exact value, the branch-and-bound enclosure of
sup|f| contains the true sup (known closed forms) and is tight, and floats are rounded up, not to nearest."""

import math

import pytest
import sympy
from flint import arb

from theorems.interval import compile_arb, interval, lower_float, sup_abs, upper_float

x = sympy.Symbol("x", real=True)


def test_compile_arb_encloses_exact_values():
    e = sympy.tanh(sympy.sqrt(2 / sympy.pi) * (x + sympy.Rational(1, 3) * x**3)) / (1 + sympy.exp(-x)) ** 2
    f = compile_arb(e, [x])
    for v in (-3.5, 0.0, 0.25, 7.0):
        exact = sympy.N(e.subs(x, sympy.Float(v, 60)), 50)
        assert f(v).contains(arb(str(exact)))
    with pytest.raises(ValueError, match="not supported"):
        compile_arb(sympy.sin(x), [x])


@pytest.mark.parametrize("expr, lo, hi, exact", [
    (x * (1 - x), 0, 1, sympy.Rational(1, 4)),
    (2 * x * (1 - x**2), -1, 1, 4 / (3 * sympy.sqrt(3))),  # tanh″ in u = tanh x
    (x**3 - x, -1, 2, sympy.Integer(6)),  # attained at an end point
])
def test_sup_abs_encloses_known_sups_tightly(expr, lo, hi, exact):
    out = sup_abs(compile_arb(expr, [x]), compile_arb(sympy.diff(expr, x), [x]), lo, hi)
    value = arb(str(sympy.N(exact, 45)))
    assert out["lower"] <= value + arb("1e-30") and value - arb("1e-30") <= out["upper"]
    assert out["upper"] - out["lower"] < arb("1e-15") * value  # tight
    w = out["witness"]
    assert abs(compile_arb(expr, [x])(w)) >= out["lower"] - arb("1e-30")  # the lower end is attained at the witness


def test_upper_float_rounds_up():
    third = arb(1) / 3
    assert arb(upper_float(third)) >= third and arb(lower_float(third)) <= third
    assert upper_float(third) == math.nextafter(lower_float(third), math.inf)
    assert upper_float(arb(0.5)) == 0.5 and math.isinf(upper_float(arb("nan")))
    assert interval(-12, 0).contains(arb(-12)) and interval(-12, 0).contains(arb(0))
