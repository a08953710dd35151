"""R6 wn-invariance: ŵ = w/‖w‖, Dŵ = (I − ŵŵᵀ)/‖w‖, ‖D²ŵ‖ ≤ 3/‖w‖²; ⟨∇_wℓ, w⟩ = 0; GD grows ‖w‖.

Shapes: w ∈ ℝ^n (one WN row; a WN matrix is row-wise, block diagonal). Source: docs/theory.md#r6
(reconstructed). Sympy works on symbolic w ∈ ℝ³ and a generic loss f(ŵ) (an undefined sympy Function): EXACT
at that size (every formula involves only w and the directions a, b, which span at most three dimensions;
that reduction is stated, not checked).
D²ŵ[a,b] = −(⟨ŵ,a⟩Pb + ⟨ŵ,b⟩Pa + ⟨a,Pb⟩ŵ)/‖w‖², P = I − ŵŵᵀ: three terms of norm ≤ 1/‖w‖² give 3/‖w‖²;
the quadratic form has the sharper sup ‖D²ŵ[a,a]‖ = (2/√3)/‖w‖² (derived by sympy: WN_D2_SHARP), and since
D²ŵ is a symmetric bilinear map into Euclidean ℝⁿ its bilinear norm equals that sup: ‖D²ŵ‖ = WN_D2_SHARP/‖w‖².
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result
from theorems.sympy_checks import all_of, cited, derived, exact, identity, mutated, norm2

w = sympy.Matrix(sympy.symbols("w1:4", real=True))
cpos = sympy.Symbol("c", positive=True)
eta = sympy.Symbol("eta", positive=True)
nw = sympy.sqrt(norm2(w))
what = w / nw
P = sympy.eye(3) - what * what.T
f = sympy.Function("f")
# cancel (rational normal form, √(w·w) and f's derivatives as generators) reaches 0 on every identity here:
# a zero is a proof, as with simplify, at a tenth of the time; a non-zero residue is still sampled for FAILED
CANCEL = sympy.cancel
SIZE = "w ∈ ℝ³"


def _decay(vec, mutant: bool):
    """The mutants' wrong ingredient: a weight-decay term ‖w‖²/2, so the loss no longer depends on ŵ alone."""
    return norm2(vec) / 2 if mutant else 0


def _loss(vec, mutant: bool = False):
    u = vec / sympy.sqrt(norm2(vec))
    return f(*u) + _decay(vec, mutant)


@lru_cache(maxsize=None)
def jacobian_formula(mutant: bool = False) -> ObligationOutcome:
    return exact(identity(what.jacobian(w), P / (nw**2 if mutant else nw), expand=False, simplifier=CANCEL,
                          note="sympy.jacobian(w/‖w‖) vs (I − ŵŵᵀ)/‖w‖, w ∈ ℝ³:"), SIZE)  # mutant: /‖w‖²


@lru_cache(maxsize=None)
def jacobian_norm(mutant: bool = False) -> ObligationOutcome:
    """(Dŵ)ᵀDŵ = P/‖w‖² (P a projection: P² = P), so ‖Dŵ‖ = 1/‖w‖."""
    D = P / nw
    return exact(identity(D.T * D, P / (nw if mutant else nw**2), expand=False, simplifier=CANCEL,
                          note="DŵᵀDŵ vs P/‖w‖² (P² = P, eigenvalues 1, 1, 0):"), SIZE)  # mutant: P/‖w‖


@lru_cache(maxsize=None)
def orthogonality(mutant: bool = False) -> ObligationOutcome:
    grad = sympy.Matrix([sympy.diff(_loss(w, mutant), wi) for wi in w])
    return exact(identity((grad.T * w)[0], 0, expand=False, simplifier=CANCEL,
                          note="⟨∇_w f(ŵ), w⟩ for generic f (sympy Function):"), SIZE)


@lru_cache(maxsize=None)
def scaling_laws(mutant: bool = False) -> ObligationOutcome:
    cw = cpos * w
    inv = identity(cw / sympy.sqrt(norm2(cw)), what, expand=False, simplifier=CANCEL, note="ŵ(cw) = ŵ(w):")
    d1 = identity((cw / sympy.sqrt(norm2(cw))).jacobian(w) / cpos, P / (cpos * nw), expand=False, simplifier=CANCEL,
                  note="Dŵ(cw) = Dŵ(w)/c (chain rule: ∇ℓ(cw) = ∇ℓ(w)/c):")
    t = sympy.Symbol("t", real=True)
    a = sympy.Matrix(sympy.symbols("a1:4", real=True))
    second = lambda v: (v + t * a) / sympy.sqrt(norm2(v + t * a))  # noqa: E731
    d2 = identity(second(cw).diff(t, 2).subs(t, 0), second(w).diff(t, 2).subs(t, 0) / cpos ** (1 if mutant else 2),
                  expand=False, simplifier=CANCEL,  # mutant: 1/c instead of 1/c²
                  note="D²ŵ(cw)[a,a] = D²ŵ(w)[a,a]/c² (so ∇²ℓ(cw) = ∇²ℓ(w)/c²):")
    return exact(all_of(inv, d1, d2, conclusion="ℓ(cw) = ℓ(w), ∇ℓ(cw) = ∇ℓ(w)/c, ∇²ℓ(cw) = ∇²ℓ(w)/c²"), SIZE)


@lru_cache(maxsize=None)
def gd_norm_identity(mutant: bool = False) -> ObligationOutcome:
    grad = sympy.Matrix([sympy.diff(_loss(w, mutant), wi) for wi in w])
    return exact(identity(norm2(w - eta * grad), norm2(w) + eta**2 * norm2(grad), expand=True, simplifier=CANCEL,
                          note="‖w − η∇ℓ‖² vs ‖w‖² + η²‖∇ℓ‖² (generic f):"), SIZE)


def _sharp_sup():
    """(critical points, max) of ‖D²ŵ[a,a]‖²·‖w‖⁴ = 4y(1−y) + (1−y)² over y = ⟨ŵ,a⟩² ∈ [0, 1], ‖a‖ = 1."""
    y = sympy.Symbol("y", nonnegative=True)
    g = 4 * y * (1 - y) + (1 - y) ** 2
    crit = [s for s in sympy.solve(sympy.diff(g, y), y) if 0 <= s <= 1]
    best = max([g.subs(y, s) for s in crit] + [g.subs(y, 0), g.subs(y, 1)], key=lambda e: sympy.N(e, 30))
    return crit, best


@lru_cache(maxsize=None)
def d2_sharp_constant() -> sympy.Expr:
    """κ with ‖D²ŵ(w)‖ = κ/‖w‖², derived by sympy: κ = √(max of 4y(1−y) + (1−y)² on [0, 1]) = 2/√3."""
    return sympy.sqrt(_sharp_sup()[1])


# derived, not typed: the value of d2_sharp_constant() (sympy.solve on the quadratic above); 2/√3 ≈ 1.1547
WN_D2_SHARP = d2_sharp_constant()


@lru_cache(maxsize=None)
def second_derivative(mutant: bool = False) -> ObligationOutcome:
    a = sympy.Matrix(sympy.symbols("a1:4", real=True))
    b = sympy.Matrix(sympy.symbols("b1:4", real=True))
    s, t = sympy.symbols("s t", real=True)
    direct = ((w + t * a) / sympy.sqrt(norm2(w + t * a))).diff(t, 2).subs(t, 0)
    wa = (what.T * a)[0]
    aPa = (a.T * P * a)[0]
    formula = -((3 if mutant else 2) * wa * P * a + aPa * what) / nw**2  # mutant: 3⟨ŵ,a⟩Pa
    form = identity(direct, formula, expand=False, simplifier=CANCEL, note="D²ŵ[a,a] vs −(2⟨ŵ,a⟩Pa + ⟨a,Pa⟩ŵ)/‖w‖²:")
    # the bilinear map itself (mixed derivative): symmetric in (a, b) by its closed form
    mixed = ((w + s * a + t * b) / sympy.sqrt(norm2(w + s * a + t * b))).diff(s).diff(t).subs({s: 0, t: 0})
    wb = (what.T * b)[0]
    bilinear = -(wa * P * b + wb * P * a + (a.T * P * b)[0] * what) / nw**2
    bil = identity(mixed, bilinear, expand=False, simplifier=CANCEL,
                   note="∂²/∂s∂t ŵ(w + sa + tb) vs −(⟨ŵ,a⟩Pb + ⟨ŵ,b⟩Pa + ⟨a,Pb⟩ŵ)/‖w‖² (symmetric in a, b):")
    swapped = bilinear.subs({**dict(zip(a, b)), **dict(zip(b, a))}, simultaneous=True)
    sym = identity(bilinear, swapped, expand=False, simplifier=CANCEL, note="D²ŵ[a,b] = D²ŵ[b,a]:")
    # Pa ⊥ ŵ, so ‖D²ŵ[a,a]‖²‖w‖⁴ = 4x²‖Pa‖² + ‖Pa‖⁴ with x = ⟨ŵ,a⟩, ‖Pa‖² = ‖a‖² − x²
    pa2 = norm2(a) - wa**2
    split = identity(norm2(formula) * nw**4, 4 * wa**2 * pa2 + pa2**2, expand=False, simplifier=CANCEL,
                     note="‖D²ŵ[a,a]‖²‖w‖⁴ vs 4x²(‖a‖² − x²) + (‖a‖² − x²)², x = ⟨ŵ,a⟩:")
    crit, best = _sharp_sup()
    sharp = derived(d2_sharp_constant(), 2 / sympy.sqrt(3),
                    evidence=f"sup over unit a of ‖D²ŵ[a,a]‖·‖w‖² (the QUADRATIC FORM): max of 4y(1−y) + (1−y)² "
                    f"on [0,1] (y = x²) at y = {crit} is {best}, square root {d2_sharp_constant()}")
    spectral = cited("a symmetric bilinear map B into Euclidean space has sup_(‖a‖=‖b‖=1) ‖B[a,b]‖ = "
                     "sup_(‖a‖=1) ‖B[a,a]‖ (for each unit c, cᵀB is a symmetric matrix whose norm is its largest "
                     "|Rayleigh quotient|)", "spectral theorem; Horn & Johnson (2013), Thm 4.2.2")
    return all_of(exact(all_of(form, bil, sym, split, conclusion="the formulas of D²ŵ"), SIZE), sharp, spectral,
                  conclusion=(
        f"sup_(‖a‖=1) ‖D²ŵ[a,a]‖ = ({d2_sharp_constant()})/‖w‖² (quadratic form, attained at ⟨ŵ,a⟩² = 1/3); "
        "the BILINEAR norm sup_(‖a‖=‖b‖=1) ‖D²ŵ[a,b]‖ equals it: the map is symmetric (sympy, above) with values "
        "in Euclidean ℝ³, so sup_(a,b) ‖B[a,b]‖ = sup_(‖c‖=1) ‖M_c‖ with M_c = Σ c_i B_i symmetric, and "
        "‖M_c‖ = max_(‖a‖=1) |aᵀM_c a| (spectral theorem, stated, not by sympy) gives sup_(a,c) cᵀB[a,a] = "
        "sup_a ‖B[a,a]‖. Hence ‖D²ŵ‖ = (2/√3)/‖w‖² exactly, ≤ the spec's 3/‖w‖² (the bilinear form's three "
        "terms each have norm ≤ ‖a‖‖b‖/‖w‖²)"))


W_NORM = sympy.Symbol("‖w‖", positive=True)
RESULT = Result(
    id="wn-invariance",
    title="Weight normalisation: scale invariance, orthogonal gradients, non-decreasing norms",
    provenance="reconstructed",
    section="docs/theory.md#r6",
    statement=("For ŵ = w/‖w‖: Dŵ = (I − ŵŵᵀ)/‖w‖, ‖Dŵ‖ = 1/‖w‖, ‖D²ŵ‖ ≤ 3/‖w‖². A loss depending on w only "
               "through ŵ has ℓ(cw) = ℓ(w), ⟨∇_wℓ, w⟩ = 0, ∇ℓ(cw) = ∇ℓ(w)/c, ∇²ℓ(cw) = ∇²ℓ(w)/c² (c > 0). Under "
               "GD ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_wℓ‖², so WN row norms never decrease and GD segments stay in S_r."),
    latex=r"D\hat w=\frac{I-\hat w\hat w^\top}{\|w\|},\quad \|w_{t+1}\|^2=\|w_t\|^2+\eta^2\|\nabla_w\ell\|^2",
    hypotheses=(
        Hypothesis("w ≠ 0", "ŵ and its derivatives are undefined at 0 and blow up like 1/‖w‖, 1/‖w‖²"),
        Hypothesis("ℓ depends on w only through ŵ (no gain, no other use of w)",
                   "orthogonality ⟨∇ℓ, w⟩ = 0 and the norm identity fail otherwise"),
    ),
    symbols={"c": cpos, "eta": eta},
    bounds=(Bound("D1", sympy.Symbol("‖Dŵ‖"), 1 / W_NORM, "="),
            Bound("D2", sympy.Symbol("‖D²ŵ‖"), 3 / W_NORM**2, "<="),
            Bound("D2-sharp", sympy.Symbol("‖D²ŵ‖"), WN_D2_SHARP / W_NORM**2, "=")),
    obligations=(
        Obligation("jacobian-formula", "Dŵ = (I − ŵŵᵀ)/‖w‖ for symbolic w ∈ ℝ³", jacobian_formula,
                   mutated(jacobian_formula), "(I − ŵŵᵀ)/‖w‖² instead of /‖w‖"),
        Obligation("jacobian-norm", "DŵᵀDŵ = P/‖w‖², so ‖Dŵ‖ = 1/‖w‖", jacobian_norm, mutated(jacobian_norm),
                   "P/‖w‖ instead of P/‖w‖²"),
        Obligation("orthogonality", "⟨∇_w f(ŵ), w⟩ = 0 for generic f", orthogonality, mutated(orthogonality),
                   "a weight-decay term ‖w‖²/2 added to the loss (no longer a function of ŵ alone)"),
        Obligation("scaling-laws", "invariance and 1/c, 1/c² scaling", scaling_laws, mutated(scaling_laws),
                   "D²ŵ(cw) = D²ŵ(w)/c instead of /c²"),
        Obligation("gd-norm-identity", "‖w − η∇ℓ‖² = ‖w‖² + η²‖∇ℓ‖²", gd_norm_identity, mutated(gd_norm_identity),
                   "a weight-decay term ‖w‖²/2 added to the loss"),
        Obligation("second-derivative", "D²ŵ formula and the sharp bound", second_derivative,
                   mutated(second_derivative), "3⟨ŵ,a⟩Pa instead of 2⟨ŵ,a⟩Pa in D²ŵ[a,a]"),
    ),
    derivation=(
        "sympy.jacobian(w/‖w‖) − (I − ŵŵᵀ)/‖w‖ simplifies to 0; P = I − ŵŵᵀ is a projection so ‖Dŵ‖ = 1/‖w‖.",
        "For ℓ = f(ŵ) with f an undefined function, sympy's ∇_wℓ = Dŵᵀ∇f and ⟨∇_wℓ, w⟩ = 0 because Dŵ w = 0.",
        "‖w − η∇ℓ‖² = ‖w‖² − 2η⟨w,∇ℓ⟩ + η²‖∇ℓ‖² = ‖w‖² + η²‖∇ℓ‖² (sympy, generic f): norms never decrease; on "
        "the segment w − sη∇ℓ, s ∈ [0,1], the norm is ≥ ‖w‖ too, so segments stay in S_r.",
        "ŵ(cw) = ŵ(w); Dŵ(cw) = Dŵ(w)/c; D²ŵ(cw) = D²ŵ(w)/c² (sympy), giving the gradient and Hessian scaling.",
        "D²ŵ[a,a] = −(2⟨ŵ,a⟩Pa + ⟨a,Pa⟩ŵ)/‖w‖² (sympy); for unit a its norm² is 4x²(1−x²) + (1−x²)² (sympy), "
        "max 4/3 at x² = 1/3: the quadratic-form sup is WN_D2_SHARP/‖w‖² = (2/√3)/‖w‖².",
        "D²ŵ[a,b] is symmetric (sympy), with values in Euclidean space: its bilinear norm equals the quadratic-form "
        "sup (polarisation per unit c plus the spectral theorem), so ‖D²ŵ‖ = (2/√3)/‖w‖² ≈ 0.385·(3/‖w‖²).",
    ),
)
