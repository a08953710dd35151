"""docs/theory.md: the project's whole mathematical account, generated from the registry.

    python -m verify.theory_doc > docs/theory.md      (tests/verify/test_theory_doc.py keeps the file current)

For every result (R0–R8): statement, formula, hypotheses and why each is needed, the bounds as sympy states
them, the derivation step by step, each symbolic obligation with the status sympy gives it *now*, the
provenance, and where it is checked (theorems module, numeric checks and controls, commands). Every reference
in the repository to the mathematics points into this page (``docs/theory.md#r7``).
"""

from __future__ import annotations

import re
import sys

import sympy

from verify.paper_map import SPEC_LABELS, _module_path, _result_module
from verify.registry import entries

ANCHORS = {rid: label.lower() for rid, label in SPEC_LABELS.items()}  # kernel-pl -> r1 (docs/theory.md#r1)
EXPRESSION_CHARS = 240  # a longer closed form is summarised (size, symbols); --json of `verify explain` has it

INTRO = """\
# The mathematics of skipnorm-verify

This page is the project's own account of what it checks: every result with its statement, its hypotheses
and why each is needed, its derivation with the status of every step sympy discharges, its provenance and
where it is checked. It is generated from the code (`python -m verify.theory_doc > docs/theory.md`; a test
keeps it current), so it says what the code encodes — not more.

The paper is L. E. MacDonald, J. Valmadre, H. Saratchandran, S. Lucey, *On skip connections and
normalisation layers in deep optimisation*, NeurIPS 2023 (arXiv 2210.05371). Its full text was not
available to us. What we know of it: it treats a deep network as a *multilayer* (a composition of layers,
each a map of its parameters and its input) and bounds the curvature of the loss and a
Polyak-Łojasiewicz-type regularity in terms of the layers; normalisation layers make the curvature bounds
global, skip connections make the regularity bounds global; two applications are global convergence of
gradient descent on cross-entropy for a class of deep networks (an infimum reached only at infinity) and a
mechanism by which skip connections speed up training (they keep the singular values of layer Jacobians
away from zero). Its §2 has a Theorem 2.4 (a positive-definite tangent kernel makes every critical point a
global minimum). Everything else here is our reconstruction inside that framework.

<a id="provenance"></a>
## Provenance

| label | meaning |
|---|---|
| `paper` | the statement is confirmed to be in the paper (only R1 = Theorem 2.4, in gist) |
| `reconstructed` | the paper has a result of this kind; the wording and every constant are ours |
| `derived` | a supporting fact we derived; true, but not claimed to be the paper's |

No `reconstructed` or `derived` constant is the paper's.

<a id="framework"></a>
## Setting and notation

* **Data.** N inputs are the columns of X ∈ ℝ^{d×N}; labels y_i ∈ {1, …, K} (cross-entropy) or targets
  Y ∈ ℝ^{K×N} (square cost). Every layer acts on the whole batch (a matrix of width × N) because batch
  norm couples the samples. Full-batch gradient descent: p_{t+1} = p_t − η∇ℓ(p_t).
* **Multilayer.** F(p, X) = f_L(p_L, f_{L−1}(p_{L−1}, … f_1(p_1, X))), H_l = f_l(p_l, H_{l−1}), H_0 = X;
  the parameters flatten into one p ∈ ℝ^P (parameter-free layers — activations, batch norm — have none).
* **Loss.** ℓ(p) = C(F(p, X)). Square cost C(Z) = ‖Z − Y‖_F²/(2N). Mean cross-entropy
  C(Z) = (1/N)Σ_i c(z_i, y_i), c(z, y) = −log softmax(z)_y, whose infimum 0 is never attained.
* **Tangent kernel.** K(p) = D_pF(p) D_pF(p)ᵀ, a positive semi-definite operator on ℝ^{K×N}
  (a KN × KN matrix).
* **σ_min(A)** of an m×n matrix with m ≤ n is its m-th singular value (0 when A is not onto).
* **Weight normalisation (WN)**, row-wise: W is used as Ŵ with rows ŵ_j = w_j/‖w_j‖, no gain.
* **Batch norm (BN)**, per feature over the N samples, no affine part: BN_ε(h) = (h − h̄)/√(var h + ε),
  var the population variance (divide by N), ε > 0.
* **Activations** are smooth with bounded σ′ and σ″ (tanh, softplus, GELU, sigmoid); their sup constants
  (sup|tanh′| = 1, sup|tanh″| = 4/(3√3), …) are computed by sympy in `theorems/activations.py`.

<a id="verdicts"></a>
## What counts as verified

* **Symbolic obligations** carry a status: PROVED — a sympy argument valid in the claim's full generality;
  EXACT — exact arithmetic at fixed sizes or instances; CITED — a standard fact named with its source;
  DERIVED — a constant computed by sympy and compared with an independently stated value; INTERVAL — a
  bound certified by ball (interval) arithmetic; UNDECIDED — sympy returned `None` or could not simplify
  (never a pass); FAILED — sympy found it false. Every obligation can carry a *mutant*, the same
  computation with one wrong ingredient, which sympy must refute.
* **Numeric checks** attack a bound normalised to lhs ≤ rhs (or an identity) with hypothesis-driven
  search over cases and vectorised instances. PASS means "N instances, worst ratio lhs/rhs, seed" —
  evidence, never a proof. A counterexample is shrunk and re-evaluated at 50 digits before it is called
  genuine. NaN/inf/overflow is ERROR, never a pass.
* **Teeth.** A check that cannot fail is a defect: each check declares its worst case and must FAIL when
  its bound is made slightly too strong (`verify all --teeth`, `--bound-scale`).
* **Negative controls** state a conclusion with one hypothesis dropped; they pass when the attack finds the
  counterexample the theory predicts (REFUTED AS EXPECTED).

<a id="results"></a>
## Results
"""

EXPERIMENTS = """\
<a id="experiments"></a>
## Experiments

The authors tested R8's mechanism on ResNets (MNIST, CIFAR10/100, ImageNet): the singular values of the
batch Jacobian after the stem, with and without skip connections, and the training speed. The toolkit runs
a torch-free, CPU-scale dense analogue (`verify experiment skip-mechanism`): three variants from identical
initial weights — (a) no skips, (b) a projection shortcut, (c) a projection plus a fixed isometric path —
trained by full-batch gradient descent on cross-entropy, recording every singular value of the post-stem
batch Jacobian at every step; and `verify experiment random-matrix`, σ(A) against σ(I + A) for a random A.
What they found, and how to read it: [experiment-skip-mechanism.md](experiment-skip-mechanism.md).
"""


def _reference_free(section: str) -> str:
    """The parenthetical of a result's section field ("paper Theorem 2.4, gist"), without the page reference."""
    m = re.search(r"\(([^)]*)\)", section)
    return m.group(1) if m else ""


def _expr(e) -> str:
    text = sympy.sstr(e)
    if len(text) <= EXPRESSION_CHARS:
        return f"`{text}`"
    symbols = ", ".join(sorted(map(str, e.free_symbols)))
    return (f"a closed form of {sympy.count_ops(e)} operations in {symbols} (built step by step in the "
            "derivation; `verify explain --json` prints it in full)")


def _status(result, name: str) -> str:
    outcome = result.outcomes[name]
    return getattr(outcome.status, "value", str(outcome.status))


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def result_section(entry) -> str:
    rid, result = entry.id, entry.result
    label = SPEC_LABELS.get(rid, "?")
    out = [f'<a id="{ANCHORS.get(rid, rid)}"></a>', f"### {label} · `{rid}` — {entry.title}", ""]
    note = _reference_free(result.section) if result is not None else ""
    out.append(f"*Provenance: [{entry.provenance}](#provenance)*" + (f" — {note}." if note else "."))
    out.append("")
    if entry.statement:
        out += [f"**Statement.** {entry.statement}", ""]
    if result is None:
        return "\n".join(out + ["No theorems record yet: no hypotheses, derivation or obligations.", ""])
    if result.latex:
        out += ["$$", result.latex, "$$", ""]
    if result.hypotheses:
        out += _numbered("**Hypotheses, and why each is needed.**",
                         [f"{h.text} — *why:* {h.why}" for h in result.hypotheses])
    if result.bounds:
        out.append("**Bounds, as sympy states them.**")
        out.append("")
        for b in result.bounds:
            rel = {"<=": "≤", ">=": "≥", "=": "="}.get(b.relation, b.relation)
            out.append(f"* {b.name}: {_expr(b.lhs)} {rel} {_expr(b.rhs)}")
        out.append("")
    if result.derivation:
        out += _numbered("**Derivation.**", result.derivation)
    if result.obligations:
        out += ["**Obligations sympy discharges (status when this page was generated).**", "",
                "| obligation | what it establishes | status | mutant (must be refuted) |", "|---|---|---|---|"]
        for ob in result.obligations:
            mutant = _one_line(ob.mutant_description) if ob.mutant is not None and ob.mutant_description else (
                "yes" if ob.mutant is not None else "—")
            out.append(f"| `{ob.name}` | {_one_line(ob.description)} | {_status(result, ob.name)} | {mutant} |")
        out.append("")
    out += _where_checked(entry, result)
    return "\n".join(out)


def _numbered(heading: str, items) -> list[str]:
    """A bold heading, then the items as a numbered Markdown list, each block followed by a blank line."""
    return [heading, "", *(f"{i}. {item}" for i, item in enumerate(items, 1)), ""]


def _where_checked(entry, result) -> list[str]:
    module = _result_module(entry.id).replace(".", "/") + ".py"
    out = ["**Where it is checked.**", "", f"* symbolic: `{module}`; `verify explain {entry.id}` runs the "
           "obligations and shows their evidence"]
    checks = [c for c in entry.checks if c.expect == "holds"]
    controls = [c for c in entry.checks if c.expect == "refuted"]
    if checks:
        out.append(f"* numeric (`{_module_path(checks[0].evaluate)}`, `verify {entry.id}`):")
        out += [f"  * `{c.id}` — {_one_line(c.statement)}" for c in checks]
    else:
        out.append("* numeric: not yet")
    if controls:
        out.append("* negative controls (must be refuted):")
        out += [f"  * `{c.id}` — drops {_one_line(c.control_of or '?')}: {_one_line(c.statement)}" for c in controls]
    from verify.paper_map import EXTRA_COVERAGE

    if entry.id in EXTRA_COVERAGE:
        out.append(f"* also: {EXTRA_COVERAGE[entry.id]}")
    return out + [""]


def render() -> str:
    items = entries()
    index = ["| | id | title | provenance |", "|---|---|---|---|"]
    for e in items:
        anchor = ANCHORS.get(e.id, e.id)
        index.append(f"| [{SPEC_LABELS.get(e.id, '?')}](#{anchor}) | `{e.id}` | {e.title} | {e.provenance} |")
    body = [INTRO, "\n".join(index), ""] + [result_section(e) for e in items] + [EXPERIMENTS]
    return "\n".join(body).rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
