"""R2 cost-bounds: square ‖∇C‖² = (2/N)C; cross-entropy gradient bounds from softmax s = softmax(z).

* square, C(Z) = ‖Z − Y‖_F²/(2N):  ‖∇C‖² = (2/N) C.
* one sample, c = −log s_y, ∇c = s − e_y:  1 − e^{−c} ≥ c/(1 + c),  ‖s − e_y‖ ≥ 1 − s_y = 1 − e^{−c},
  ‖∇c‖ ≤ √2 (1 − s_y) ≤ √2,  ∇²c = diag(s) − ssᵀ with λ_max ≤ 1/2.
* mean CE:  ‖∇C‖_F² ≥ (1 − e^{−NC})²/N³.
Shapes: Z, Y ∈ ℝ^{K×N}; z, s ∈ ℝ^K. Source: docs/theory.md#r2 (derived — ours, not the paper's).
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result
from theorems.sympy_checks import (all_of, cited, exact, identity, mutated, nonnegative, nonnegative_from_zero,
                                   norm2)

c = sympy.Symbol("c", nonnegative=True)
N = sympy.Symbol("N", positive=True)
s1, s2, s3 = sympy.symbols("s1 s2 s3", positive=True)


@lru_cache(maxsize=None)
def square_identity(mutant: bool = False) -> ObligationOutcome:
    Z = sympy.Matrix(2, 2, lambda i, j: sympy.Symbol(f"z{i + 1}{j + 1}", real=True))
    Y = sympy.Matrix(2, 2, lambda i, j: sympy.Symbol(f"y{i + 1}{j + 1}", real=True))
    n = 2
    C = norm2(Z - Y) / (2 * n)
    grad = Z.applyfunc(lambda z: sympy.diff(C, z))  # ∇C from sympy.diff, not typed in
    return exact(identity(norm2(grad), (1 if mutant else 2) * C / n,  # mutant: (1/N)C
                          note="‖∇C‖² vs (2/N)C for symbolic 2×2 Z, Y (∇C by sympy.diff):"), "K = N = 2")


@lru_cache(maxsize=None)
def exp_vs_rational(mutant: bool = False) -> ObligationOutcome:
    """1 − e^{−c} − c/(1+c) = e^{−c}(e^c − 1 − c)/(1+c), and e^c − 1 − c ≥ 0 on c ≥ 0."""
    g = sympy.exp(c) - 1 - c
    factor = identity(1 - sympy.exp(-c) - (2 if mutant else 1) * c / (1 + c), sympy.exp(-c) * g / (1 + c),
                      note="1 − e^{−c} − c/(1+c) = e^{−c}(e^c − 1 − c)/(1+c):")
    sign = nonnegative_from_zero(g, c, note="e^c − 1 − c ≥ 0:")
    return all_of(factor, sign, conclusion="1 − e^{−c} ≥ c/(1 + c) for c ≥ 0 (e^{−c}/(1+c) > 0)")


def _softmax_vectors():
    s = sympy.Matrix([1 - s2 - s3, s2, s3])  # y = 1; s2, s3 > 0, s_y = 1 − s2 − s3
    e = sympy.Matrix([1, 0, 0])
    return s, e


@lru_cache(maxsize=None)
def lower_one_sample(mutant: bool = False) -> ObligationOutcome:
    s, e = _softmax_vectors()
    rest = s2**2 - s3**2 if mutant else s2**2 + s3**2  # mutant: s2² − s3²
    diff = identity(norm2(s - e) - (1 - s[0]) ** 2, rest, note="‖s − e_y‖² − (1 − s_y)² = s2² + s3²:")
    sign = nonnegative(s2**2 + s3**2)
    c = -sympy.log(s1)
    link = identity(1 - sympy.exp(-c), 1 - s1, note="1 − e^{−c} with c = −log s_y:")
    return exact(all_of(diff, sign, link, conclusion="‖s − e_y‖ ≥ 1 − s_y = 1 − e^{−c} (K = 3)"), "K = 3 classes")


@lru_cache(maxsize=None)
def upper_one_sample(mutant: bool = False) -> ObligationOutcome:
    s, e = _softmax_vectors()
    gap = identity(2 * (1 - s[0]) ** 2 - norm2(s - e), (1 if mutant else 2) * s2 * s3,  # mutant: s2 s3
                   note="2(1 − s_y)² − ‖s − e_y‖² = 2 s2 s3 (K = 3):")
    sign = nonnegative(2 * s2 * s3)
    # general K: (Σa)² − Σa² = 2Σ_{i<j} a_i a_j ≥ 0; checked for K − 1 = 4 nonnegative entries too
    a = sympy.symbols("a1:5", nonnegative=True)
    general = nonnegative(sympy.expand(sum(a) ** 2 - sum(t**2 for t in a)), simplifier=sympy.expand,
                          note="(Σ_{j≠y} s_j)² − Σ s_j² for K = 5:")
    return exact(all_of(gap, sign, general, conclusion="‖∇c‖ ≤ √2(1 − s_y) ≤ √2"), "K = 3 and K = 5 classes")


@lru_cache(maxsize=None)
def hessian_form(mutant: bool = False) -> ObligationOutcome:
    z = sympy.symbols("z1:4", real=True)
    cz = -sympy.log(sympy.exp(z[0]) / sum(sympy.exp(t) for t in z))
    H = sympy.hessian(cz, z)
    s = sympy.Matrix([sympy.exp(t) / sum(sympy.exp(u) for u in z) for t in z])
    outer = -s * s.T if mutant else s * s.T  # mutant: diag(s) + ssᵀ
    return exact(identity(H, sympy.diag(*s) - outer, note="sympy.hessian(c) vs diag(s) − ssᵀ (K = 3):"), "K = 3")


@lru_cache(maxsize=None)
def hessian_lambda_max(mutant: bool = False) -> ObligationOutcome:
    p = sympy.Symbol("p", positive=True)
    M2 = sympy.Matrix([[p, 0], [0, 1 - p]]) - sympy.Matrix([p, 1 - p]) * sympy.Matrix([[p, 1 - p]])
    eig = sorted(M2.eigenvals(), key=lambda e: len(str(e)))
    k2 = identity(sympy.Matrix(sorted(map(sympy.factor, eig), key=str)),
                  sympy.Matrix(sorted([sympy.Integer(0), sympy.factor(2 * p * (1 - p))], key=str)),
                  note="K = 2 eigenvalues of diag(s) − ssᵀ, s = (p, 1 − p), are {0, 2p(1 − p)}:")
    k2bound = identity(sympy.Rational(1, 2) - 2 * p * (1 - p), (1 if mutant else 2) * (p - sympy.Rational(1, 2)) ** 2,
                       note="1/2 − 2p(1 − p) = 2(p − 1/2)² ≥ 0:")
    # Gershgorin row i (K = 3): s_i(1 − s_i) + Σ_{j≠i} s_i s_j = 2 s_i(1 − s_i) ≤ 1/2
    s = sympy.Matrix([s1, s2, 1 - s1 - s2])
    M3 = sympy.diag(*s) - s * s.T
    row = M3[0, 0] + (-M3[0, 1]) + (-M3[0, 2])  # off-diagonals are −s_i s_j ≤ 0, |·| = s_i s_j
    gersh = identity(row, 2 * s1 * (1 - s1), note="Gershgorin radius + centre of row 1 (K = 3) = 2 s1(1 − s1):")
    gershgorin = cited("every eigenvalue of a matrix lies in a disc centred at a diagonal entry with radius the "
                       "off-diagonal absolute row sum", "Gershgorin's theorem; Horn & Johnson (2013), Thm 6.1.1")
    return all_of(exact(k2, "K = 2"), k2bound, exact(gersh, "K = 3"), gershgorin,
                  conclusion="λ_max(diag(s) − ssᵀ) ≤ max_i 2 s_i(1 − s_i) ≤ 1/2 (Gershgorin's theorem cited; "
                  "sympy did the row sums and the square completion)")


@lru_cache(maxsize=None)
def mean_ce_bound(mutant: bool = False) -> ObligationOutcome:
    a, b = sympy.symbols("a b", nonnegative=True)
    phi = lambda t: 1 - sympy.exp(-t)  # noqa: E731
    other = (1 + sympy.exp(-b)) if mutant else (1 - sympy.exp(-b))  # mutant: (1 − e^{−a})(1 + e^{−b})
    subadd = identity(phi(a) + phi(b) - phi(a + b), (1 - sympy.exp(-a)) * other,
                      simplifier=lambda e: sympy.simplify(sympy.expand(e)),
                      note="φ(a)+φ(b)−φ(a+b) = (1−e^{−a})(1−e^{−b}), φ(t) = 1 − e^{−t}:")
    factor_sign = nonnegative_from_zero(phi(a), a, note="1 − e^{−a} ≥ 0:")
    xx, oo = sympy.symbols("xx oo", positive=True)  # ⟨x,x⟩ = Σφ(c_i)², ⟨1,1⟩ = N
    xo = sympy.Symbol("xo", real=True)               # ⟨x,1⟩ = Σφ(c_i)
    t = xo / oo
    cs = identity(oo * (xx - 2 * t * xo + t**2 * oo), xx * oo - xo**2,
                  note="Cauchy–Schwarz for x = (φ(c_i))_i and 1 ∈ ℝ^N, any N: ⟨1,1⟩⟨x − t1, x − t1⟩ at "
                       "t = ⟨x,1⟩/⟨1,1⟩ vs N(Σx_i²) − (Σx_i)² (≥ 0 as ⟨z,z⟩ ≥ 0):")
    return all_of(subadd, factor_sign, cs, conclusion=(
        "‖∇C‖² = (1/N²)Σ‖s_i − e_i‖² ≥ (1/N²)Σ φ(c_i)² ≥ (1/N³)(Σφ(c_i))² ≥ (1/N³)φ(Σc_i)² = (1−e^{−NC})²/N³ "
        "(φ subadditive and non-decreasing, Σ c_i = NC)"))


RESULT = Result(
    id="cost-bounds",
    title="Gradient bounds for the square and cross-entropy costs",
    provenance="derived",
    section="docs/theory.md#r2",
    statement=("Square: ‖∇C(Z)‖² = (2/N)C(Z). Cross-entropy, one sample: ‖s − e_y‖ ≥ 1 − s_y = 1 − e^{−c} ≥ "
               "c/(1 + c); ‖∇c‖ ≤ √2(1 − s_y) ≤ √2; ∇²c = diag(s) − ssᵀ with λ_max ≤ 1/2. Mean cross-entropy: "
               "‖∇C‖_F² ≥ (1 − e^{−NC})²/N³."),
    latex=(r"\|\nabla C_{sq}\|^2=\tfrac2N C_{sq},\quad 1-e^{-c}\ge\tfrac{c}{1+c},\quad "
           r"\|\nabla C_{ce}\|_F^2\ge\tfrac{(1-e^{-NC})^2}{N^3}"),
    hypotheses=(
        Hypothesis("c ≥ 0 (cross-entropy is non-negative)", "e^c ≥ 1 + c and the rational bound need c ≥ 0"),
        Hypothesis("s = softmax(z): s_j > 0, Σ s_j = 1", "1 − s_y = Σ_{j≠y}s_j is what links the two norms"),
        Hypothesis("mean over N samples", "the 1/N in C gives the 1/N² and, with Cauchy–Schwarz, the 1/N³"),
    ),
    symbols={"c": c, "N": N},
    bounds=(Bound("exp-rational", 1 - sympy.exp(-c), c / (1 + c), ">="),
            Bound("mean-ce", sympy.Symbol("‖∇C‖²"), (1 - sympy.exp(-N * sympy.Symbol("C"))) ** 2 / N**3, ">="),
            Bound("ce-grad-upper", sympy.Symbol("‖∇c‖"), sympy.sqrt(2), "<=")),
    obligations=(
        Obligation("square-identity", "‖∇C‖² = (2/N)C for symbolic 2×2 Z, Y", square_identity,
                   mutated(square_identity), "(1/N)C instead of (2/N)C"),
        Obligation("exp-vs-rational", "1 − e^{−c} ≥ c/(1+c) for c ≥ 0 via e^c ≥ 1 + c", exp_vs_rational,
                   mutated(exp_vs_rational), "2c/(1 + c) instead of c/(1 + c)"),
        Obligation("one-sample-lower", "‖s − e_y‖ ≥ 1 − s_y = 1 − e^{−c} (K = 3)", lower_one_sample,
                   mutated(lower_one_sample), "s2² − s3² instead of s2² + s3²"),
        Obligation("one-sample-upper", "‖∇c‖ ≤ √2(1 − s_y) (K = 3, 5)", upper_one_sample,
                   mutated(upper_one_sample), "gap s2s3 instead of 2s2s3"),
        Obligation("hessian-form", "∇²c = diag(s) − ssᵀ (sympy.hessian, K = 3)", hessian_form,
                   mutated(hessian_form), "diag(s) + ssᵀ"),
        Obligation("hessian-lambda-max", "λ_max(diag(s) − ssᵀ) ≤ 1/2", hessian_lambda_max,
                   mutated(hessian_lambda_max), "1/2 − 2p(1 − p) = (p − 1/2)² (factor 2 dropped)"),
        Obligation("mean-ce-bound", "‖∇C‖² ≥ (1 − e^{−NC})²/N³, any N", mean_ce_bound,
                   mutated(mean_ce_bound), "(1 − e^{−a})(1 + e^{−b}) in the subadditivity identity"),
    ),
    derivation=(
        "Square: sympy differentiates C = ‖Z−Y‖²/(2N) entrywise, ∇C = (Z−Y)/N, and ‖∇C‖² − (2/N)C simplifies to 0.",
        "1 − e^{−c} − c/(1+c) = e^{−c}(e^c − 1 − c)/(1+c) (sympy); g = e^c − 1 − c has g(0) = g′(0) = 0 and "
        "g″ = e^c > 0 (sympy), so g ≥ 0 on c ≥ 0 by the mean value theorem.",
        "‖s − e_y‖² = (1 − s_y)² + Σ_{j≠y}s_j² ≥ (1 − s_y)², and s_y = e^{−c}.",
        "2(1 − s_y)² − ‖s − e_y‖² = (Σ_{j≠y}s_j)² − Σ_{j≠y}s_j² = 2Σ_{i<j}s_is_j ≥ 0.",
        "sympy.hessian(−log softmax) = diag(s) − ssᵀ; for K = 2 its eigenvalues are 0 and 2p(1−p) ≤ 1/2; "
        "in general each Gershgorin disc is [0, 2s_i(1 − s_i)] ⊂ [0, 1/2].",
        "Mean CE: φ(t) = 1 − e^{−t} is subadditive (φ(a)+φ(b)−φ(a+b) = φ(a)φ(b) ≥ 0, sympy), so "
        "Σφ(c_i) ≥ φ(NC); Cauchy–Schwarz gives Σφ(c_i)² ≥ (Σφ(c_i))²/N; with ‖s_i−e_i‖ ≥ φ(c_i) and the "
        "1/N² of the mean: ‖∇C‖² ≥ φ(NC)²/N³.",
    ),
)
