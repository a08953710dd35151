"""The attack engine: hypothesis searches for a case that breaks ``lhs ≤ rhs`` and reports a verdict.

``run_check(check, seed=…, profile=…)`` draws cases from ``check.cases()`` with a hypothesis
``given`` seeded by ``seed`` (no example database, no deadline), evaluates ``instances`` weight
instances of each case in one vectorised call and steers towards the worst ratio with ``target()``.
Every float64 violation is re-evaluated at 50 digits (``check.evaluate_mp``, the worst few violating
instances of the case) before it counts: a genuine one raises so that hypothesis shrinks the case (and
every shrunk case is confirmed again); a float64 artefact is recorded and the search goes on; 50-digit
values that disagree with the float64 values of the same instance beyond round-off stop everything.

Verdicts (docs/theory.md#verdicts, docs/architecture.md):

* PASS — no violation in ``instances`` valid instances; ``worst_ratio`` says how close it came
  (max lhs/rhs, or max |lhs − rhs|/|rhs| for identities, over the valid instances with |rhs| > atol).
* FAIL — a violation (or a control that no longer refutes); genuine at 50 digits, or explicitly
  "not confirmed at high precision" when the check has no 50-digit evaluator.
* UNDECIDED — the budget ended with float64 artefacts only: violations in float64 that the 50-digit
  re-evaluation does not confirm (its values agree with float64 to PRECISION_RTOL and lie on the right
  side of the bound). They are listed. Neither pass nor fail.
* GAVE UP — fewer than ``profile.min_valid`` instances met the hypotheses.
* ERROR — NaN/inf in lhs/rhs of a valid instance, a floating-point overflow/invalid operation, an
  exception from the check itself, or quantities that are not precision-consistent (the 50-digit lhs or
  rhs differs from the float64 value of the same instance by more than PRECISION_RTOL·max(|lhs|, |rhs|)
  + atol: round-off cannot explain that, so one of the two evaluations computes something else): never
  a pass.
* REFUTED AS EXPECTED — a control (``expect="refuted"``) found its violation (the witness is kept).

Ctrl-C (KeyboardInterrupt) is not caught here: the caller prints what finished.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, note, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from numerics.attack.check import LOOSE, Batch, NumericCheck, loose_text
from numerics.attack.format import format_case, format_value
from numerics.blas import blas_single_thread

PASS, FAIL, UNDECIDED, GAVE_UP, ERROR = "PASS", "FAIL", "UNDECIDED", "GAVE UP", "ERROR"
REFUTED = "REFUTED AS EXPECTED"
VERDICTS = (PASS, FAIL, UNDECIDED, GAVE_UP, ERROR, REFUTED)

MP_DPS = 50
# A 50-digit violation must exceed this relative margin to count as genuine: bounds that are tight
# (equality attained) must not be "refuted" by the last of 50 digits.
MP_RTOL = 1e-30
# The 50-digit lhs and rhs must agree with the float64 ones of the same instance to this relative
# tolerance (of max(|lhs|, |rhs|) at 50 digits, plus the check's atol): float64 round-off in the toolkit's
# quantities is ≤ ~1e-12 relative (tests/numerics/test_precision_consistency.py measures 1.1e-15), so a
# larger gap means the two evaluations compute different things (e.g. a 50-digit path that returns zeros).
PRECISION_RTOL = 1e-6
MAX_CONFIRM = 3  # violating instances of one case re-evaluated at 50 digits (worst ratio first)
MAX_ARTEFACTS = 20  # artefacts kept for the report (all are counted)
CONFIRMED = "confirmed genuine"
SPURIOUS = "spurious (float64 artefact)"
UNCONFIRMED = "not confirmed at high precision"
INCONSISTENT = "not precision-consistent (50 digits disagree with float64 beyond round-off)"


@dataclass(frozen=True)
class Profile:
    """How hard to attack: hypothesis examples × instances per example; fewer valid ones → GAVE UP.
    ``wide``: draw from a check's ``wide_cases`` (larger sizes) where it has them."""

    name: str
    max_examples: int
    instances: int
    min_valid: int
    wide: bool = False

    @property
    def budget(self) -> int:
        return self.max_examples * self.instances


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", max_examples=15, instances=32, min_valid=64),
    "quick": Profile("quick", max_examples=40, instances=64, min_valid=128),
    "thorough": Profile("thorough", max_examples=400, instances=256, min_valid=2048, wide=True),
}
DEFAULT_PROFILE = "quick"


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: use one of {', '.join(PROFILES)}")
    return PROFILES[name]


@dataclass
class Counterexample:
    """A shrunk violation, displayed like Lean's plausible: ``name := value`` and what held/failed."""

    case: dict[str, Any]
    index: int
    variables: dict[str, str]
    hypotheses: tuple[str, ...]
    inequality: str
    lhs: float
    rhs: float
    scaled_rhs: float
    bound_scale: float
    confirmation: str
    lhs_mp: str | None = None
    rhs_mp: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """The verdict on one check, with everything needed to judge and reproduce it.

    instances:      valid instances attacked (all phases, shrinking included).
    worst_ratio:    max lhs/rhs ("le") or max |lhs − rhs|/|rhs| ("eq") over valid instances with
                    |rhs| > atol; worst_sides holds that instance's (lhs, rhs).
    critical_scale: ("le") max (lhs − atol)/((1 + rtol)·rhs): the tolerance-adjusted worst ratio, i.e.
                    any bound scale below it makes some attacked instance a violation (used by teeth).
    tolerance:      {"rtol", "atol"} of the check; bound_scale multiplies rhs.
    reproduce:      the command that reruns exactly this attack.
    """

    id: str
    result_id: str
    title: str
    expect: str
    relation: str
    verdict: str
    instances: int
    worst_ratio: float | None
    seed: int
    profile: str
    elapsed: float
    tolerance: dict[str, float]
    bound_scale: float
    reproduce: str
    message: str
    examples: int = 0
    empty_examples: int = 0
    critical_scale: float | None = None
    worst_sides: tuple[float, float] | None = None
    counterexample: Counterexample | None = None
    artefacts: list[Counterexample] = field(default_factory=list)  # float64 violations 50 digits refuted
    artefact_count: int = 0
    worst_case: dict[str, Any] | None = None  # the check's declared WorstCase (kind, declared_sup, note)

    @property
    def looseness(self) -> str | None:
        """For a check declared loose (or undeclared): how large an error in its bound would go unseen."""
        kind = (self.worst_case or {}).get("kind")
        if self.expect != "holds" or self.relation != "le" or kind not in ("loose", None):
            return None
        if self.worst_ratio is None or not (self.worst_ratio > 0):
            return None
        return loose_text(self.worst_ratio) + ("" if kind else " (no worst case declared)")

    @property
    def ratio_kind(self) -> str:
        return "lhs/rhs" if self.relation == "le" else "relative deviation |lhs−rhs|/|rhs|"

    @property
    def ok(self) -> bool:
        return self.verdict in (PASS, REFUTED)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio_kind"] = self.ratio_kind
        d["looseness"] = self.looseness
        return d


def reproduce_command(check: NumericCheck, seed: int, profile: str, bound_scale: float) -> str:
    target_ = getattr(check, "reproduce_as", None) or check.id
    cmd = f"verify {target_} --seed {seed}"
    if profile != DEFAULT_PROFILE:
        cmd += f" --profile {profile}"
    if bound_scale != 1.0:
        cmd += f" --bound-scale {bound_scale!r}"
    return cmd


# ----------------------------------------------------------------------------------------- ratios
def ratios(lhs: np.ndarray, rhs: np.ndarray, relation: str) -> np.ndarray:
    """How close each instance is to breaking the (unscaled) bound; ≤ 1 (le) or ≈ 0 (eq) is fine.

    le: lhs/rhs where rhs > 0; where rhs ≤ 0 a division would flip or blow up, so use the
    sign-safe 1 + (lhs − rhs)/|rhs| (rhs < 0) and 0, 1 or inf for rhs = 0 (lhs <, =, > 0).
    eq: |lhs − rhs|/|rhs| (or |lhs| when rhs = 0).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if relation == "eq":
            den = np.abs(rhs)
            return np.where(den > 0, np.abs(lhs - rhs) / np.where(den > 0, den, 1.0), np.abs(lhs))
        pos = rhs > 0
        neg = rhs < 0
        safe = np.where(rhs != 0, rhs, 1.0)
        at_zero = np.where(lhs > 0, np.inf, np.where(lhs == 0, 1.0, 0.0))
        return np.where(pos, lhs / safe, np.where(neg, 1.0 + (lhs - rhs) / np.abs(safe), at_zero))


def violations(lhs, rhs, relation: str, scale: float, rtol: float, atol: float) -> np.ndarray:
    """lhs > scale·rhs·(1 + rtol) + atol (le) or |lhs − scale·rhs| > rtol·|scale·rhs| + atol (eq)."""
    srhs = scale * rhs
    if relation == "eq":
        return np.abs(lhs - srhs) > rtol * np.abs(srhs) + atol
    return lhs > srhs + rtol * np.abs(srhs) + atol


def critical_scales(lhs, rhs, rtol: float, atol: float) -> np.ndarray:
    """For le with rhs > 0: the bound scale below which the instance is a violation."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a huge ratio is inf, no warning
        return np.where(rhs > 0, (lhs - atol) / (np.where(rhs > 0, rhs, 1.0) * (1 + rtol)), -np.inf)


# ------------------------------------------------------------------------------------ the search
class _Violation(Exception):
    """A float64 violation, already re-evaluated at 50 digits (``cex.confirmation``) when it could be."""

    def __init__(self, case, cex: Counterexample):
        super().__init__("bound violated")
        self.case, self.cex = case, cex


class _Inconsistent(Exception):
    def __init__(self, case, cex: Counterexample):
        super().__init__("50-digit values disagree with float64")
        self.case, self.cex = case, cex


class _NonFinite(Exception):
    def __init__(self, case, index: int, lhs: float, rhs: float):
        super().__init__(f"non-finite value in instance {index}: lhs = {lhs!r}, rhs = {rhs!r}")
        self.case, self.index = case, index


class _Attack:
    """State shared across hypothesis examples: counts, worst ratio, progress."""

    def __init__(self, check: NumericCheck, profile: Profile, scale: float, progress):
        self.check, self.profile, self.scale, self.progress = check, profile, scale, progress
        self.instances = 0
        self.examples = 0
        self.empty = 0
        self.worst = -np.inf
        self.worst_sides: tuple[float, float] | None = None
        self.critical = -np.inf
        self.last_case: Any = None
        self.artefacts: list[Counterexample] = []
        self.artefact_count = 0
        self.inconsistent: Counterexample | None = None  # sticks: a later shrink step cannot hide it

    def evaluate(self, case) -> tuple[Batch, np.ndarray, np.ndarray, np.ndarray]:
        # over/invalid/divide are errors (a silent inf or NaN would otherwise vanish into a mask);
        # underflow to 0 is the normal fate of e.g. exp(−1e4) and is allowed.
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            batch = self.check.evaluate(case, self.profile.instances)
        lhs = np.asarray(batch.lhs, dtype=float).reshape(-1)
        rhs = np.asarray(batch.rhs, dtype=float).reshape(-1)
        valid = np.ones(lhs.shape, bool) if batch.valid is None else np.asarray(batch.valid, bool).reshape(-1)
        return batch, lhs, rhs, valid

    def examine(self, case) -> None:
        self.examples += 1
        self.last_case = case
        if self.progress is not None:
            total = max(4, round(self.profile.max_examples * getattr(self.check, "examples_scale", 1.0)))
            self.progress(min(self.examples, total), total)
        batch, lhs, rhs, valid = self.evaluate(case)
        note(f"case: {format_case(case)}")
        if not valid.any():
            self.empty += 1
            assume(False)
        bad_values = valid & ~(np.isfinite(lhs) & np.isfinite(rhs))
        if bad_values.any():
            i = int(np.flatnonzero(bad_values)[0])
            raise _NonFinite(case, i, float(lhs[i]), float(rhs[i]))
        chk = self.check
        self.instances += int(valid.sum())
        # Where |rhs| ≤ atol the comparison is decided by atol alone and lhs/rhs is round-off over
        # round-off (e.g. 1e-17/0 when s_y rounds to 1), so such instances do not set the worst ratio.
        meaningful = valid & (np.abs(rhs) > chk.atol)
        r = np.where(meaningful, ratios(lhs, rhs, chk.relation), -np.inf)
        k = int(np.argmax(r))
        worst_here = float(r[k])
        if worst_here > self.worst:
            self.worst, self.worst_sides = worst_here, (float(lhs[k]), float(rhs[k]))
        if chk.relation == "le":
            self.critical = max(self.critical, float(np.max(critical_scales(lhs, rhs, chk.rtol, chk.atol)[valid])))
        if np.isfinite(worst_here):
            target(worst_here, label="worst ratio")
        note(f"{int(valid.sum())} valid instances, worst ratio {worst_here!r}")
        bad = valid & violations(lhs, rhs, chk.relation, self.scale, chk.rtol, chk.atol)
        if bad.any():
            self.confirm(case, batch, bad, lhs, rhs)

    def confirm(self, case, batch: Batch, bad, lhs, rhs) -> None:
        """Re-evaluate the worst violating instances at 50 digits: raise on a genuine (or unconfirmable)
        violation or on inconsistent values; return quietly when all of them are float64 artefacts."""
        r = ratios(lhs, rhs, self.check.relation)
        idx = np.flatnonzero(bad)
        order = idx[np.argsort(-np.where(np.isfinite(r[idx]), r[idx], np.finfo(float).max), kind="stable")]
        for i in order[:MAX_CONFIRM]:
            cex = _counterexample(self.check, case, batch, int(i), float(lhs[i]), float(rhs[i]), self.scale)
            if cex.confirmation == INCONSISTENT:
                self.inconsistent = self.inconsistent or cex
                raise _Inconsistent(case, cex)
            if cex.confirmation != SPURIOUS:
                raise _Violation(case, cex)
            self.artefact_count += 1
            if len(self.artefacts) < MAX_ARTEFACTS:
                self.artefacts.append(cex)
        note(f"{len(idx)} float64 violations, the worst {min(len(idx), MAX_CONFIRM)} are float64 artefacts")


def _hypothesis_settings(profile: Profile, examples_scale: float = 1.0) -> settings:
    return settings(
        max_examples=max(4, round(profile.max_examples * examples_scale)),
        deadline=None,
        database=None,
        derandomize=False,  # the explicit @seed makes the run reproducible from --seed instead
        phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


@contextmanager
def _seed_alone_decides_the_cases():
    """Hypothesis draws only from its own constants while a check is attacked.

    Why: recent Hypothesis versions mix into ~5 % of their draws constants harvested from the source of
    every *local* (non site-packages) module imported so far. Which of this project's modules are imported
    differs between a `verify` run, a worker process of `--jobs` and a test process, so the same `--seed`
    drew different cases there: a reproduction command need not have reproduced, and a parallel report
    differed from the serial one. With the harvested constants hidden, the seed alone decides the cases
    (tests/numerics/test_attack_engine.py imports a module full of floats between two runs and compares
    them). On a Hypothesis without this mechanism the context does nothing.
    """
    try:
        from hypothesis.internal.conjecture import providers
        getter, cache = providers._get_local_constants, providers.CONSTANTS_CACHE
        empty = type(providers._local_constants)()
    except (ImportError, AttributeError):  # another Hypothesis: no harvested constants to hide
        yield
        return
    cache.cache.clear()  # entries may hold harvested constants
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = getter
        cache.cache.clear()


def run_check(
    check: NumericCheck,
    *,
    seed: int = 0,
    profile: str = DEFAULT_PROFILE,
    bound_scale: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Attack one check; see the module docstring for the verdicts. Same seed → same cases."""
    prof = get_profile(profile)
    if not (bound_scale > 0 and np.isfinite(bound_scale)):
        raise ValueError(f"bound_scale must be a finite number > 0, got {bound_scale!r}")
    attack = _Attack(check, prof, bound_scale, progress)
    wide = getattr(check, "wide_cases", None)
    strategy = wide() if prof.wide and wide is not None else check.cases()

    @hypothesis_seed(seed)
    @_hypothesis_settings(prof, getattr(check, "examples_scale", 1.0))
    @given(case=strategy)
    def search(case):
        attack.examine(case)

    start = time.perf_counter()
    verdict, message, cex = PASS, "", None
    try:
        # small batched matrices: one BLAS thread (numerics.blas says why)
        with blas_single_thread(), _seed_alone_decides_the_cases():
            search()
    except _Violation as v:
        verdict, message, cex = _judge_violation(check, v)
    except _Inconsistent as e:
        attack.inconsistent = e.cex  # the shrunk one (attack.inconsistent is judged below in any case)
    except _NonFinite as e:
        verdict = ERROR
        message = f"NaN/inf in case {format_case(e.case)}: {e}"
    except Unsatisfiable:
        verdict = GAVE_UP
    except Exception as exc:  # noqa: BLE001 - a crashing check is reported as ERROR with the case, not raised
        verdict = ERROR
        where = f" in case {format_case(attack.last_case)}" if attack.last_case is not None else ""
        message = f"{type(exc).__name__}{where}: {exc}"
        if isinstance(exc, FloatingPointError):
            message += (" — checks run under np.errstate(over/invalid/divide='raise') so that no inf or NaN "
                        "slips through a mask: guard the operation (np.where with a safe denominator)")
    elapsed = time.perf_counter() - start

    if attack.inconsistent is not None:
        cex = attack.inconsistent
        verdict, message = ERROR, _inconsistency_message(cex)
    elif verdict == PASS and attack.artefacts:
        verdict, cex = UNDECIDED, attack.artefacts[0]
        message = _artefacts_message(attack, prof)
    if verdict == PASS:
        if attack.instances < prof.min_valid:
            verdict = GAVE_UP
        elif check.expect == "refuted":
            verdict = FAIL
            message = (f"control stopped refuting: no violation in {attack.instances} valid instances "
                       f"(worst ratio {attack.worst:.6g})")
    if verdict == GAVE_UP:
        message = (f"only {attack.instances} valid instances (profile {prof.name} needs {prof.min_valid}); "
                   f"{attack.empty} of {attack.examples} cases had none meeting the hypotheses")
    if verdict == PASS:
        message = f"{attack.instances} instances attacked, no violation"

    return CheckReport(
        id=check.id, result_id=check.result_id, title=check.title, expect=check.expect,
        relation=check.relation, verdict=verdict, instances=attack.instances,
        worst_ratio=float(attack.worst) if attack.worst_sides is not None else None,
        seed=seed, profile=prof.name, elapsed=elapsed,
        tolerance={"rtol": check.rtol, "atol": check.atol}, bound_scale=bound_scale,
        reproduce=reproduce_command(check, seed, prof.name, bound_scale), message=message,
        examples=attack.examples, empty_examples=attack.empty,
        critical_scale=float(attack.critical) if np.isfinite(attack.critical) else None,
        worst_sides=attack.worst_sides,
        counterexample=cex, artefacts=list(attack.artefacts), artefact_count=attack.artefact_count,
        worst_case=check.worst_case.to_dict() if check.worst_case is not None else None,
    )


def _counterexample(check: NumericCheck, case, batch: Batch, i: int, lhs: float, rhs: float,
                    scale: float) -> Counterexample:
    """Instance i of a case as a Counterexample, re-evaluated at 50 digits and classified: CONFIRMED,
    SPURIOUS (agrees with float64, right side of the bound), INCONSISTENT or UNCONFIRMED."""
    instance = batch.instance(i)
    rel = "≤" if check.relation == "le" else "="
    cex = Counterexample(
        case=dict(case) if isinstance(case, dict) else {"case": case}, index=i,
        variables={name: format_value(val) for name, val in instance.items()},
        hypotheses=tuple(check.hypotheses),
        inequality=(f"{check.statement}   i.e. lhs {rel} {'rhs' if scale == 1.0 else f'{scale!r}·rhs'}: "
                    f"{lhs!r} {rel} {scale * rhs!r} fails"),
        lhs=lhs, rhs=rhs, scaled_rhs=scale * rhs, bound_scale=scale, confirmation=UNCONFIRMED,
    )
    if check.evaluate_mp is None:
        return cex
    try:
        with mpmath.workdps(MP_DPS):
            lhs_mp, rhs_mp = check.evaluate_mp(instance)
            lhs_mp, rhs_mp = mpmath.mpf(lhs_mp), mpmath.mpf(rhs_mp)
            cex.lhs_mp, cex.rhs_mp = mpmath.nstr(lhs_mp, 30), mpmath.nstr(rhs_mp, 30)
            allowed = PRECISION_RTOL * max(abs(lhs_mp), abs(rhs_mp)) + check.atol
            deviation = max(abs(lhs_mp - lhs), abs(rhs_mp - rhs))
            gap = lhs_mp - scale * rhs_mp
            margin = MP_RTOL * (abs(lhs_mp) + abs(scale * rhs_mp))
            genuine = abs(gap) > margin if check.relation == "eq" else gap > margin
    except Exception as exc:  # noqa: BLE001 - a broken mp evaluator leaves the violation unconfirmed
        cex.notes.append(f"50-digit re-evaluation raised {type(exc).__name__}: {exc}")
        return cex
    if deviation > allowed:
        cex.confirmation = INCONSISTENT
        cex.notes.append(f"largest deviation {mpmath.nstr(deviation, 3)} > tolerance {mpmath.nstr(allowed, 3)} "
                         f"= {PRECISION_RTOL:g}·max(|lhs|, |rhs|) + atol {check.atol:g}")
    else:
        cex.confirmation = CONFIRMED if genuine else SPURIOUS
    return cex


def _inconsistency_message(cex: Counterexample) -> str:
    return (f"the quantities are not precision-consistent: in case {format_case(cex.case)}, instance "
            f"{cex.index}, float64 gives lhs = {cex.lhs!r}, rhs = {cex.rhs!r} but 50 digits give lhs = "
            f"{cex.lhs_mp}, rhs = {cex.rhs_mp} — more than round-off explains ({PRECISION_RTOL:g} relative). "
            "One of the two evaluations computes something else (e.g. a function that is wrong on mpmath "
            "arrays), so neither verdict can be trusted")


def _artefacts_message(attack: _Attack, prof: Profile) -> str:
    shown = "; ".join(f"case {format_case(c.case)} instance {c.index}: float64 lhs = {c.lhs:.17g}, rhs = "
                      f"{c.rhs:.17g}, 50 digits lhs = {c.lhs_mp}, rhs = {c.rhs_mp}" for c in attack.artefacts[:5])
    more = f" (first 5 shown; --json lists {len(attack.artefacts)})" if len(attack.artefacts) > 5 else ""
    return (f"{attack.artefact_count} float64 violation(s) in {attack.instances} instances, none confirmed at "
            f"{MP_DPS} digits (float64 artefacts: the tolerance is too tight for them), and no genuine "
            f"counterexample in the budget ({prof.name}): neither passed nor refuted. {shown}{more}")


def _judge_violation(check: NumericCheck, v: _Violation):
    """The verdict on the (shrunk, already 50-digit-confirmed) violation hypothesis re-raised."""
    cex = v.cex
    where = f"instance {cex.index} of case {format_case(v.case)}"
    if check.expect == "refuted":
        return REFUTED, f"violation found as expected at {where} ({cex.confirmation})", cex
    return FAIL, f"violation at {where} ({cex.confirmation})", cex


# ---------------------------------------------------------------------------------------- teeth
TEETH_EQ_OFFSET = 1e-6  # an undeclared identity: perturb rhs by a factor 1 − max(1e-6, 10·rtol)
BITES, NO_TEETH, LOOSE_VERDICT, UNDECLARED = "has teeth", "NO TEETH", "loose", "undeclared"


@dataclass
class TeethReport:
    """Does the check see a bound made 1 % too strong? Judged against its declared worst case.

    tight / known / identity: the check, run with rhs × 0.99·(declared sup), must FAIL with a
    counterexample confirmed at 50 digits (when it has a 50-digit evaluator), and the passing run must
    have reached 0.99 of the declared sup — else NO TEETH. loose: reported with the measured worst ratio
    (an error smaller than 1/ratio goes unseen), never a pass of the teeth test. Undeclared checks (user
    lemmas) are bitten at 0.99 and, if they pass, reported like loose ones.
    """

    check_id: str
    verdict: str  # "has teeth" | "NO TEETH" | "loose" | "undeclared" | "n/a"
    scale: float | None
    message: str
    base: CheckReport
    strengthened: CheckReport | None = None
    kind: str | None = None
    declared_sup: float | None = None

    @property
    def ok(self) -> bool:
        return self.verdict != NO_TEETH

    @property
    def confirmed(self) -> bool:
        s = self.strengthened
        return bool(s and s.verdict == FAIL and s.counterexample and s.counterexample.confirmation == CONFIRMED)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check_id, "verdict": self.verdict, "kind": self.kind,
                "declared_sup": self.declared_sup, "worst_ratio": self.base.worst_ratio,
                "scale": self.scale, "message": self.message,
                "strengthened_verdict": self.strengthened.verdict if self.strengthened else None,
                "confirmed": self.confirmed, "looseness": self.base.looseness}


def teeth_scale(check: NumericCheck) -> float:
    """The bound scale at which the check must FAIL: 0.99 × its declared sup (0.99 when undeclared)."""
    wc = check.worst_case
    if wc is None:
        return 1.0 - max(TEETH_EQ_OFFSET, 10 * check.rtol) if check.relation == "eq" else 0.99
    return wc.bite_scale if wc.kind != LOOSE else 0.99


def run_teeth(check: NumericCheck, *, seed: int = 0, profile: str = DEFAULT_PROFILE,
              base: CheckReport | None = None, progress=None) -> TeethReport:
    """Run the check, then rerun it with rhs × 0.99·(declared sup); a tight/known check must FAIL there."""
    base = base or run_check(check, seed=seed, profile=profile, progress=progress)
    wc = check.worst_case
    kind, sup = (wc.kind, wc.declared_sup) if wc is not None else (None, None)

    def report(verdict, scale, message, strong=None):
        return TeethReport(check.id, verdict, scale, message, base, strong, kind, sup)

    if check.expect == "refuted":
        return report("n/a", None, "a control: its teeth are the refutation itself")
    if base.verdict != PASS:
        return report("n/a", None, f"teeth are tested on a passing check; this one is {base.verdict}")
    scale = teeth_scale(check)
    strong = run_check(check, seed=seed, profile=profile, bound_scale=scale, progress=progress)
    worst = base.worst_ratio
    bitten = strong.verdict == FAIL
    confirmed = (bitten and (check.evaluate_mp is None
                             or strong.counterexample.confirmation == CONFIRMED))
    if kind == LOOSE or (kind is None and not bitten):
        text = loose_text(worst) if worst and worst > 0 else "loose: no positive ratio reached"
        if kind is None:
            return report(UNDECLARED, scale, f"{text} (no worst case declared; rhs × {scale:.6g}: {strong.verdict})",
                          strong)
        declared = f"declared looseness factor {1 / wc.sup:.3g} ({wc.note})"
        return report(LOOSE_VERDICT, scale, f"{text}; {declared}; rhs × {scale:.6g}: {strong.verdict}", strong)
    # reached: the tolerance-adjusted worst ratio (critical scale) is what a scaled bound is compared with
    crit = base.critical_scale
    reached = check.relation == "eq" or kind is None or (crit is not None and sup is not None and crit >= 0.99 * sup)
    target_ = "the declared sup" if sup is None else f"declared sup {sup:.6g}"
    if confirmed and reached:
        how = "confirmed at 50 digits" if check.evaluate_mp is not None else "no 50-digit evaluator"
        return report(BITES, scale, f"reached {_fmt(worst)} of {target_}; FAILS with rhs × {scale:.6g} ({how})",
                      strong)
    why = (f"still {strong.verdict} with rhs × {scale:.6g}" if not bitten
           else f"rhs × {scale:.6g} FAILS but {strong.counterexample.confirmation}" if not confirmed
           else f"worst ratio {_fmt(worst)} < 0.99 × {target_}")
    return report(NO_TEETH, scale, f"{why}: the check does not reach its worst case", strong)


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.6g}"
