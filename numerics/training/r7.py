"""R7 instances and the live R7 monitor: hypotheses, constants from theorems.ce_convergence, per-step checks.

An instance is data X ∈ ℝ^{d×N} (unit-norm Gaussian columns, labels y covering the K classes), the
network residual_ce_net(d, K, m, blocks, α, ε) and initial parameters whose WN rows all have norm r.
Its constants c_k, μ₀, β, κ, the rate bound and γ come from theorems.ce_convergence (never from here).

The monitor sees every GD step and evaluates the five conclusions of R7 (numerics.training.inequalities);
an inequality whose hypotheses held is *guaranteed* (a failure is a VIOLATION of the theorem), otherwise
its outcome is only reported (practical mode: larger η, momentum, weight decay). docs/theory.md#r7.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numerics import trainer
from numerics.architectures import chain_ce_net, residual_ce_net
from numerics.training import inequalities as ineq

RANK_TOL = 1e-10  # σ_N(X)/σ_1(X) below this counts as linearly dependent columns


def make_data(seed: int, d: int, N: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """X (d, N) with i.i.d. Gaussian columns scaled to unit norm; y (N,) a shuffled 0,1,…,K−1,0,1,…"""
    rng = np.random.default_rng([seed, 7])
    X = rng.standard_normal((d, N))
    X /= np.linalg.norm(X, axis=0, keepdims=True)
    y = rng.permutation(np.arange(N) % K)
    return X, y


@functools.lru_cache(maxsize=512)
def _constants_cached(items: tuple) -> dict[str, Any]:
    from theorems.ce_convergence import numeric_constants  # sympy-backed: imported on first use

    kw = {k: (list(v) if isinstance(v, tuple) else v) for k, v in items}
    return dict(numeric_constants(**kw))


def _constants(**kw) -> dict[str, Any]:
    """theorems.ce_convergence.numeric_constants, memoised (the checks rebuild instances often)."""
    items = tuple(sorted((k, tuple(float(a) for a in v) if isinstance(v, (list, tuple)) else v)
                         for k, v in kw.items()))
    return dict(_constants_cached(items))


def alpha_for(c: float, K: int, m: int, eps: float, activation: str) -> float:
    """The gain α with c = α√(mK) sup|σ′|/√ε (c is linear in α; the constant comes from theorems)."""
    c1 = _constants(sigma_N=1.0, x_norm=1.0, N=1, K=K, m=m, alphas=[1.0], eps=eps, activation=activation,
                    r=1.0)["c"][0]
    return float(c) / float(c1)


@dataclass(frozen=True)
class Hypothesis:
    key: str
    text: str
    held: bool
    detail: str


@dataclass
class R7Instance:
    """Everything one R7 run needs; ``hypotheses`` say which of the theorem's hypotheses hold."""

    seed: int
    d: int
    N: int
    K: int
    m: int
    blocks: int
    alphas: list[float]
    eps: float
    r: float
    activation: str
    lr: float | None = None
    eta_fraction: float = 0.5
    momentum: float = 0.0
    weight_decay: float = 0.0
    skip: bool = True
    X: np.ndarray = field(default=None, repr=False)
    y: np.ndarray = field(default=None, repr=False)
    net: Any = field(default=None, repr=False)
    consts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.X is None:
            self.X, self.y = make_data(self.seed, self.d, self.N, self.K)
        build = residual_ce_net if self.skip else chain_ce_net
        self.net = build(self.d, self.K, self.m, self.blocks, list(self.alphas), self.eps, self.activation)
        s = np.linalg.svd(self.X, compute_uv=False)
        self.sigma_N = float(s[self.N - 1]) if self.N <= self.d else 0.0
        self.x_norm = float(s[0])
        kw = {"sigma_N": self.sigma_N, "x_norm": self.x_norm, "N": self.N, "K": self.K, "m": self.m,
              "alphas": list(self.alphas), "eps": self.eps, "activation": self.activation, "r": self.r}
        if self.lr is None:  # η as a fraction of the certified limit 2/β
            self.lr = self.eta_fraction * float(_constants(**kw)["eta_max"])
        self.consts = _constants(**kw, eta=self.lr)

    # -------------------------------------------------------------------------- parameters
    def init(self, n: int | None = None) -> np.ndarray:
        """net.init(seed) with every WN row rescaled to norm r: (P,) or (n, P)."""
        return trainer.set_wn_row_norms(self.net, self.net.init(self.seed, n), self.r)

    # -------------------------------------------------------------------------- hypotheses
    @property
    def hypotheses(self) -> list[Hypothesis]:
        c = [float(v) for v in self.consts["c"]]
        eta_max = float(self.consts["eta_max"])
        s = np.linalg.svd(self.X, compute_uv=False)
        indep = self.N <= self.d and s[self.N - 1] > RANK_TOL * s[0]
        return [
            Hypothesis("data", "X has N ≤ d linearly independent columns", bool(indep),
                       f"N = {self.N}, d = {self.d}, σ_N(X) = {self.sigma_N:.4g}"),
            Hypothesis("c", "c_k = α_k√(mK) sup|σ′|/√ε < 1 for every block", self.skip and max(c, default=0) < 1,
                       ("c = " + ", ".join(f"{v:.4g}" for v in c)) + ("" if self.skip else "; NO skip connections")),
            Hypothesis("eta", "0 < η < 2/β", 0 < self.lr < eta_max,
                       f"η = {self.lr:.6g}, 2/β = {eta_max:.6g} (β = {float(self.consts['beta']):.6g})"),
            Hypothesis("gd", "plain full-batch GD (no momentum, no weight decay)",
                       not (self.momentum or self.weight_decay),
                       f"momentum = {self.momentum:g}, weight decay = {self.weight_decay:g}"),
        ]

    def guarantees(self) -> dict[str, tuple[bool, str]]:
        """inequality -> (guaranteed, the failed hypotheses it needs)."""
        held = {h.key: h for h in self.hypotheses}
        needs = {"wn-monotone": ("gd",), "descent": ("eta", "gd"), "kernel": ("data", "c"),
                 "gradient": ("data", "c"), "rate": ("data", "c", "eta", "gd")}
        out = {}
        for name, keys in needs.items():
            missing = [held[k].text + f" ({held[k].detail})" for k in keys if not held[k].held]
            out[name] = (not missing, "; ".join(missing))
        return out

    def certified(self) -> bool:
        return all(h.held for h in self.hypotheses)

    def rate_bound(self, loss0, t):
        """b_t = 1/(1/ℓ₀ + κγ²t) (theorems.ce_convergence.rate_bound); NaN when κ ≤ 0 (η ≥ 2/β: vacuous)."""
        from theorems.ce_convergence import rate_bound

        kappa = float(self.consts.get("kappa", 0.0))
        one = (lambda l0: float(rate_bound(float(l0), kappa, self.N, t))) if kappa > 0 else (lambda l0: np.nan)
        return one(loss0) if np.ndim(loss0) == 0 else np.vectorize(one, otypes=[float])(loss0)

    def rate_gain(self, loss0, t):
        """κγ²t with γ = theorems.ce_convergence.gamma(ℓ₀, N): the guaranteed growth of 1/ℓ_t."""
        from theorems.ce_convergence import gamma

        kappa = float(self.consts.get("kappa", 0.0))
        one = lambda l0: kappa * float(gamma(float(l0), self.N)) ** 2 * t
        return one(loss0) if np.ndim(loss0) == 0 else np.vectorize(one, otypes=[float])(loss0)

    def describe(self) -> dict[str, Any]:
        return {"seed": self.seed, "d": self.d, "N": self.N, "K": self.K, "m": self.m, "blocks": self.blocks,
                "alphas": list(self.alphas), "eps": self.eps, "r": self.r, "activation": self.activation,
                "lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay, "skip": self.skip,
                "sigma_N": self.sigma_N, "x_norm": self.x_norm, "P": self.net.num_params,
                "constants": {k: self.consts[k] for k in ("c", "mu0", "beta", "eta_max", "kappa")
                              if k in self.consts}}


class R7Monitor:
    """Feeds every GD record into the five R7 inequalities; arrays may carry instance axes.

    ``observe(record)`` returns the names of guaranteed inequalities that failed at this step (so a
    caller can print "FAIL at step t" live). ``outcomes()`` returns one ineq.Outcome per inequality.
    """

    def __init__(self, inst: R7Instance):
        self.inst = inst
        self.guar = inst.guarantees()
        self.mu0 = float(inst.consts["mu0"])
        self.beta = float(inst.consts["beta"])
        self.prev: dict[str, Any] | None = None
        self.loss0 = None
        self.data: dict[str, tuple[list, list, list]] = {name: ([], [], []) for name in ineq.NAMES}
        self.failed: dict[str, int] = {}
        self.last_bound = None

    def _add(self, name, t, lhs, rhs) -> bool:
        steps, L, R = self.data[name]
        steps.append(t)
        L.append(np.asarray(lhs, float))
        R.append(np.asarray(rhs, float))
        return bool(np.all(ineq.holds(name, lhs, rhs)))

    def observe(self, rec: dict[str, Any]) -> list[str]:
        t, new = int(rec["step"]), []
        checks = []
        if self.loss0 is None:
            self.loss0 = np.asarray(rec["loss"], float)
        self.last_bound = self.inst.rate_bound(self.loss0, t)
        lam = np.asarray(rec["lambda_min"], float)
        if not np.all(np.isnan(lam)):
            checks.append(("kernel", t, *ineq.kernel_pair(lam, self.mu0)))
        checks.append(("gradient", t, *ineq.gradient_pair(rec["loss"], rec["grad_norm"], self.mu0, self.inst.N)))
        if t >= 1:
            checks.append(("rate", t, *ineq.rate_pair(rec["loss"], self.loss0, self.inst.rate_gain(self.loss0, t))))
        if self.prev is not None:
            pv = self.prev
            if np.shape(rec["wn_rows"])[-1]:
                checks.append(("wn-monotone", pv["step"], *ineq.wn_pair(pv["wn_rows"], rec["wn_rows"])))
            checks.append(("descent", pv["step"], *ineq.descent_pair(pv["loss"], rec["loss"], pv["grad_norm"],
                                                                       self.inst.lr, self.beta)))
        for name, step, lhs, rhs in checks:
            if not self._add(name, step, lhs, rhs) and name not in self.failed:
                self.failed[name] = step
                if self.guar[name][0]:
                    new.append(name)
        self.prev = {k: rec[k] for k in ("step", "loss", "grad_norm", "wn_rows")}
        return new

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps (T,), lhs (T, ...), rhs (T, ...)) for one inequality."""
        steps, L, R = self.data[name]
        if not steps:
            return np.zeros(0, int), np.zeros(0), np.zeros(0)
        return np.array(steps), np.stack(L), np.stack(R)

    def outcomes(self) -> list[ineq.Outcome]:
        out = []
        for name in ineq.NAMES:
            steps, lhs, rhs = self.arrays(name)
            g, why = self.guar[name]
            out.append(ineq.Outcome(name, steps, lhs, rhs, g, why))
        return out

    def violated(self) -> bool:
        return any(o.violated for o in self.outcomes())
