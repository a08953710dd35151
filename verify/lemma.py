"""User lemmas: a small Python file that declares ``LEMMA = Lemma(...)``, checked by `verify path/to/lemma.py`.

A lemma is an inequality (or identity) between sympy expressions whose symbols are *quantities the
toolkit computes* from random instances. The file gives four things:

1. sympy symbols, with assumptions (``positive=True``, ``nonnegative=True`` …) — each assumption is
   a hypothesis, checked on every instance;
2. ``lhs``, ``relation`` ("<=", ">=" or "="), ``rhs`` and optional ``hypotheses`` (sympy relations
   between the symbols; instances violating them are skipped, and too many skipped → GAVE UP);
3. ``cases``: a bounded hypothesis strategy of dicts (sizes, scales …) and ``sample(case, n, rng)``
   returning the primitive inputs as float64 arrays with a leading axis of n instances
   (``rng`` is a numpy Generator seeded from the case, so a case is reproducible on its own);
4. ``quantities(inputs)``: the value of every symbol, one per instance. Write it with numpy and the
   toolkit (``numerics.attack.quantities`` — norm, fro, spectral, sigma_min, lambda_min, … —,
   ``numerics.costs``, ``numerics.network.Network`` methods such as ``tangent_kernel``), without
   Python loops over instances: it runs on float64 batches and, to confirm a counterexample, on one
   instance as an mpmath object array at 50 digits.

Example (``examples/lemma_false_skip_frobenius.py`` is a full one)::

    a, s = sympy.symbols("a s", nonnegative=True)
    LEMMA = Lemma(
        name="skip-frobenius-half", statement="σ_min(I + A) ≥ 1 − ‖A‖_F/2",
        lhs=s, relation=">=", rhs=1 - a / 2,
        cases=st.fixed_dictionaries({"m": st.integers(1, 4), "scale": st.floats(1e-3, 2.0)}),
        sample=lambda case, n, rng: {"A": case["scale"] * rng.uniform(-1, 1, (n, case["m"], case["m"]))},
        quantities=lambda x: {"a": q.fro(x["A"]), "s": q.sigma_min(np.eye(x["A"].shape[-1]) + x["A"])},
    )

The lemma becomes a NumericCheck and gets the same verdicts, report, exit codes and reproduction
command (`verify path/to/lemma.py --seed S`) as the toolkit's own checks.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import sympy
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from numerics import ops
from numerics.attack.check import Batch, NumericCheck
from verify.ui import UsageError

RELATIONS = {"<=": "≤", ">=": "≥", "=": "="}
_ASSUMPTIONS = (("positive", sympy.Gt), ("nonnegative", sympy.Ge), ("negative", sympy.Lt),
                ("nonpositive", sympy.Le))


@dataclass
class Lemma:
    name: str
    lhs: Any
    relation: str
    rhs: Any
    sample: Callable[[dict, int, np.random.Generator], dict[str, np.ndarray]]
    quantities: Callable[[dict[str, Any]], dict[str, Any]]
    cases: Any = field(default_factory=lambda: st.just({}))
    hypotheses: tuple = ()
    statement: str = ""
    description: str = ""
    rtol: float = 1e-12
    atol: float = 0.0

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"lemma {self.name!r}: relation must be one of {', '.join(RELATIONS)}, "
                             f"not {self.relation!r}")
        for part in ("sample", "quantities"):
            if not callable(getattr(self, part)):
                raise ValueError(f"lemma {self.name!r}: {part} must be a function, got "
                                 f"{type(getattr(self, part)).__name__}")
        if not isinstance(self.cases, SearchStrategy):
            raise ValueError(f"lemma {self.name!r}: cases must be a hypothesis strategy of dicts "
                             f"(e.g. st.fixed_dictionaries({{'m': st.integers(1, 4)}})), got {type(self.cases).__name__}")
        # symbols written as strings ("fro_A < 1") are the lemma's own symbols, with their assumptions
        known = {s.name: s for e in (self.lhs, self.rhs) if isinstance(e, sympy.Basic) for s in e.free_symbols}
        self.lhs, self.rhs = _expr(self.name, "lhs", self.lhs, known), _expr(self.name, "rhs", self.rhs, known)
        known.update({s.name: s for e in (self.lhs, self.rhs) for s in e.free_symbols})
        if isinstance(self.hypotheses, (str, sympy.Basic)):
            self.hypotheses = (self.hypotheses,)
        self.hypotheses = tuple(_hypothesis(self.name, h, known) for h in self.hypotheses)
        by_name: dict[str, set] = {}
        for e in (self.lhs, self.rhs, *self.hypotheses):
            for sym in e.free_symbols:
                by_name.setdefault(sym.name, set()).add(sym)
        clashes = [n for n, syms in by_name.items() if len(syms) > 1]
        if clashes:
            n = clashes[0]
            kinds = " and ".join(sorted(str({k: v for k, v in s.assumptions0.items() if k in
                                            ("positive", "nonnegative", "negative", "nonpositive", "real")})
                                        for s in by_name[n]))
            raise ValueError(f"lemma {self.name!r}: two different symbols are both named {n!r} (assumptions {kinds}); "
                             "use one Symbol object everywhere (or write the hypothesis as a string)")
        if not self.statement:
            self.statement = f"{sympy.sstr(self.lhs)} {RELATIONS[self.relation]} {sympy.sstr(self.rhs)}"

    @property
    def symbols(self) -> list[sympy.Symbol]:
        exprs = [self.lhs, self.rhs, *self.hypotheses]
        return sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name)

    def all_hypotheses(self) -> list:
        """The explicit hypotheses, then one per symbol assumption (e.g. a ≥ 0 for nonnegative a)."""
        out = list(self.hypotheses)
        for s in self.symbols:
            for name, rel in _ASSUMPTIONS:
                if s.assumptions0.get(name):
                    out.append(rel(sympy.Symbol(s.name), 0))
                    break
        return out

    def to_check(self, path: str | None = None, preflight: bool = True) -> NumericCheck:
        """The NumericCheck; ``preflight`` first runs the contract on the simplest case (2 instances) so that a
        broken lemma is a one-line error before any attack."""
        lc = _LemmaCheck(self, path)
        if preflight:
            try:
                lc.preflight()
            except LemmaContractError as exc:
                raise LemmaContractError(f"{path}: {exc}" if path else str(exc)) from None
        return lc.check()


class LemmaContractError(UsageError, ValueError):
    """A lemma file broke its contract (the message says which part: lhs, cases, sample, quantities …)."""


def _expr(name: str, part: str, value: Any, known: dict) -> sympy.Expr:
    if isinstance(value, np.ndarray) or not isinstance(value, (sympy.Basic, str, int, float)):
        raise LemmaContractError(f"lemma {name!r}: {part} must be a sympy expression in the lemma's symbols "
                                 f"(e.g. 1 - a/2), got {type(value).__name__}"
                                 + (f" of shape {value.shape}" if isinstance(value, np.ndarray) else ""))
    expr = sympy.sympify(value, locals=known) if isinstance(value, str) else sympy.sympify(value)
    if not isinstance(expr, sympy.Expr):
        raise LemmaContractError(f"lemma {name!r}: {part} must be a scalar sympy expression, got {type(expr).__name__}")
    return expr


def _hypothesis(name: str, h: Any, known: dict):
    try:
        rel = sympy.sympify(h, locals=known) if isinstance(h, str) else sympy.sympify(h)
    except (sympy.SympifyError, SyntaxError, TypeError) as exc:
        raise LemmaContractError(f"lemma {name!r}: hypothesis {h!r} is not a sympy relation ({exc})") from None
    if not isinstance(rel, (sympy.core.relational.Relational, sympy.logic.boolalg.Boolean)) or rel in (
            sympy.true, sympy.false):
        raise LemmaContractError(f"lemma {name!r}: hypothesis {h!r} must be a relation between symbols "
                                 "such as a < 1 (or the string 'a < 1')")
    return rel


class _LemmaCheck:
    """The NumericCheck view of a Lemma: lambdified sides (numpy and mpmath), hypotheses as a mask."""

    def __init__(self, lemma: Lemma, path: str | None):
        self.lemma, self.path = lemma, path
        lhs, rhs = (lemma.rhs, lemma.lhs) if lemma.relation == ">=" else (lemma.lhs, lemma.rhs)
        # symbols are rebuilt without assumptions so lambdify's argument names match quantities' keys
        self.names = [s.name for s in lemma.symbols]
        plain = {s: sympy.Symbol(s.name) for s in lemma.symbols}
        args = [plain[s] for s in lemma.symbols]
        self.sides = [sympy.lambdify(args, e.xreplace(plain), modules="numpy") for e in (lhs, rhs)]
        self.sides_mp = [sympy.lambdify(args, e.xreplace(plain), modules="mpmath") for e in (lhs, rhs)]
        hyps = [h.xreplace(plain) for h in lemma.all_hypotheses()]
        self.hyp_texts = tuple(sympy.sstr(h) for h in hyps)
        self.hyps = [sympy.lambdify(args, h, modules="numpy") for h in hyps]
        self.input_names: list[str] = []

    def cases(self):
        return st.tuples(self.lemma.cases, st.integers(0, 2**32 - 1)).map(lambda t: {**t[0], "seed": t[1]})

    def _quantities(self, inputs: dict[str, Any], n: int) -> dict[str, np.ndarray]:
        values = self.lemma.quantities(inputs)
        if not isinstance(values, dict):
            raise LemmaContractError(f"lemma contract: quantities() must return a dict symbol name → values, "
                                     f"got {type(values).__name__}")
        missing = [name for name in self.names if name not in values]
        if missing:
            raise LemmaContractError(f"lemma contract: quantities() returned no value for symbol(s) "
                                     f"{', '.join(missing)}")
        out = {}
        for name in self.names:
            v = np.asarray(values[name])
            if v.shape != (n,):
                raise LemmaContractError(
                    f"lemma contract: quantities() must give one value per instance — symbol {name!r} has shape "
                    f"{v.shape}, expected ({n},) for n = {n} instances (vectorise over the leading axis)")
            out[name] = v
        return out

    def _sample(self, case, n: int, rng) -> dict[str, np.ndarray]:
        inputs = self.lemma.sample(case, n, rng)
        if not isinstance(inputs, dict):
            raise LemmaContractError(f"lemma contract: sample(case, n, rng) must return a dict name → array with "
                                     f"n instances in front, got {type(inputs).__name__}"
                                     + (f" of shape {inputs.shape}" if isinstance(inputs, np.ndarray) else ""))
        out = {}
        for k, v in inputs.items():
            a = np.asarray(v)
            if a.ndim == 0 or a.shape[0] != n:
                raise LemmaContractError(f"lemma contract: sample() input {k!r} has shape {a.shape}; its leading "
                                         f"axis must be the n = {n} instances")
            out[k] = a
        return out

    def preflight(self) -> None:
        """Run every part of the contract once on the simplest case: a broken lemma fails here, in one line."""
        try:
            case = find(self.lemma.cases, lambda c: True, settings=settings(
                database=None, deadline=None, phases=(Phase.generate, Phase.shrink), max_examples=10,
                suppress_health_check=list(HealthCheck)))
        except Exception as exc:  # noqa: BLE001 - the user's strategy is input
            raise LemmaContractError(f"lemma contract: cases could not be drawn ({type(exc).__name__}: {exc})") from None
        if not isinstance(case, dict):
            raise LemmaContractError(f"lemma contract: cases must draw dicts (e.g. st.fixed_dictionaries(...)), "
                                     f"but it drew {case!r} ({type(case).__name__})")
        try:
            self.evaluate({**case, "seed": 0}, 2)
        except LemmaContractError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's functions are input: say where they broke
            raise LemmaContractError(f"lemma contract: evaluating the simplest case {case!r} (2 instances) raised "
                                     f"{type(exc).__name__}: {exc}") from None

    def evaluate(self, case, n: int) -> Batch:
        rng = np.random.default_rng(case["seed"])
        inputs = self._sample(case, n, rng)
        self.input_names = list(inputs)
        q = self._quantities(inputs, n)
        args = [q[name].astype(float) for name in self.names]
        lhs, rhs = (np.broadcast_to(np.asarray(f(*args), dtype=float), (n,)) for f in self.sides)
        finite = np.all([np.isfinite(a) for a in args], axis=0) if args else np.ones(n, bool)
        ok = np.ones(n, bool)
        for h in self.hyps:
            ok &= np.broadcast_to(np.asarray(h(*args), dtype=bool), (n,))
        # a NaN/inf quantity must surface as an ERROR, not be silently masked by a failed hypothesis
        valid = ok | ~finite
        return Batch(lhs, rhs, valid, {**inputs, **q})

    def evaluate_mp(self, instance: dict[str, Any]):
        inputs = {}
        for k in self.input_names:
            v = np.asarray(instance[k])[None]
            inputs[k] = v if np.issubdtype(v.dtype, np.integer) or v.dtype == bool else ops.to_mp(v)
        values = self.lemma.quantities(inputs)
        args = [np.asarray(values[name]).reshape(-1)[0] for name in self.names]
        return tuple(f(*args) for f in self.sides_mp)

    def check(self) -> NumericCheck:
        lem = self.lemma
        lhs, rhs = (lem.rhs, lem.lhs) if lem.relation == ">=" else (lem.lhs, lem.rhs)
        rel = "=" if lem.relation == "=" else "≤"
        return NumericCheck(
            id=lem.name, result_id=lem.name, title=f"user lemma: {lem.statement}",
            statement=f"{sympy.sstr(lhs)} {rel} {sympy.sstr(rhs)}",
            relation="eq" if lem.relation == "=" else "le", cases=self.cases, evaluate=self.evaluate,
            evaluate_mp=self.evaluate_mp, hypotheses=self.hyp_texts, rtol=lem.rtol, atol=lem.atol,
            description=lem.description or (self.path or ""), reproduce_as=self.path,
        )


def load(path: str) -> Lemma:
    """Execute a lemma file and return its ``LEMMA``; every problem is a UsageError naming the file."""
    if not os.path.isfile(path):
        raise UsageError(f"lemma file {path!r} not found: give the path of a .py file that defines LEMMA")
    module_name = "verify_user_lemma_" + "".join(ch if ch.isalnum() else "_" for ch in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {path!r} as a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's file is input: report it, exit 2
        raise UsageError(f"{path}: loading the lemma raised {type(exc).__name__}: {exc}") from None
    lemma = getattr(module, "LEMMA", None)
    if not isinstance(lemma, Lemma):
        found = type(lemma).__name__ if lemma is not None else "nothing"
        raise UsageError(f"{path} must define LEMMA = verify.lemma.Lemma(...), found {found}")
    return lemma


def load_check(path: str) -> NumericCheck:
    return load(path).to_check(path)
