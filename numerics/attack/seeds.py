"""One check attacked under several seeds: one verdict, the worst ratio and the instances over all of them.

``merge_reports(reports)`` takes the CheckReports of one check under seeds s₁, …, s_k (same profile and
bound scale, in seed order) and returns one report:

* verdict — the worst over the seeds: ERROR > FAIL > GAVE UP > UNDECIDED > PASS (a control's
  REFUTED AS EXPECTED counts as PASS): one failing seed fails the check;
* instances, examples, elapsed — sums over the seeds; worst ratio and critical scale — maxima;
* the shown seed, message, counterexample and reproduction command are those of the first seed with
  that verdict (for a passing check, of the seed that reached the worst ratio), so a failure's
  ``verify ID --seed S`` reproduces it on its own.

One report is returned unchanged, so a single-seed run is reported exactly as before.
``merge_teeth`` does the same for the teeth reports (NO TEETH under any seed is NO TEETH).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from numerics.attack.engine import ERROR, FAIL, GAVE_UP, PASS, REFUTED, UNDECIDED, CheckReport, TeethReport

# lower is worse; the order of verify.report's result verdicts
RANK = {ERROR: 0, FAIL: 1, GAVE_UP: 2, UNDECIDED: 3, PASS: 4, REFUTED: 4}


@dataclass
class SeedsReport(CheckReport):
    """A CheckReport over several seeds. ``seed`` is the shown seed (see the module docstring).

    seeds:         every seed attacked, in order;
    failing_seeds: the seeds whose own verdict was not a pass (PASS / REFUTED AS EXPECTED);
    worst_seed:    the seed that reached ``worst_ratio``.
    """

    seeds: tuple[int, ...] = ()
    failing_seeds: tuple[int, ...] = ()
    worst_seed: int | None = None


def seeds_label(seeds: tuple[int, ...] | list[int]) -> str:
    """0:8 for a contiguous range (end excluded, as on the command line), else 0,3,11."""
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}:{seeds[-1] + 1}"
    return ",".join(str(s) for s in seeds)


def merge_reports(reports: list[CheckReport]) -> CheckReport:
    if not reports:
        raise ValueError("merge_reports needs at least one report")
    if len(reports) == 1:
        return reports[0]
    ids = {r.id for r in reports}
    if len(ids) != 1:
        raise ValueError(f"merge_reports got reports of several checks: {sorted(ids)}")
    verdict = min((r.verdict for r in reports), key=RANK.__getitem__)
    with_ratio = [r for r in reports if r.worst_ratio is not None]
    worst = max(with_ratio, key=lambda r: r.worst_ratio) if with_ratio else None  # type: ignore[arg-type,return-value]
    if RANK[verdict] == RANK[PASS]:
        shown = worst or reports[0]
    else:
        shown = next(r for r in reports if r.verdict == verdict)
    failing = tuple(r.seed for r in reports if not r.ok)
    criticals = [r.critical_scale for r in reports if r.critical_scale is not None]
    base = {f.name: getattr(shown, f.name) for f in fields(CheckReport)}
    base.update(
        verdict=verdict,
        instances=sum(r.instances for r in reports),
        examples=sum(r.examples for r in reports),
        empty_examples=sum(r.empty_examples for r in reports),
        elapsed=sum(r.elapsed for r in reports),
        worst_ratio=worst.worst_ratio if worst else None,
        worst_sides=worst.worst_sides if worst else None,
        critical_scale=max(criticals) if criticals else None,
        message=_message(reports, shown, failing, worst),
    )
    return SeedsReport(**base, seeds=tuple(r.seed for r in reports), failing_seeds=failing,
                       worst_seed=worst.seed if worst else None)


def _message(reports: list[CheckReport], shown: CheckReport, failing: tuple[int, ...],
             worst: CheckReport | None) -> str:
    label = seeds_label([r.seed for r in reports])
    text = f"{len(reports)} seeds ({label}): "
    if failing:
        text += f"not passed under seed(s) {', '.join(map(str, failing))}; shown: seed {shown.seed}"
        text += f" — {shown.message}" if shown.message else ""
    else:
        text += f"all passed, {sum(r.instances for r in reports)} instances"
    if worst is not None:
        text += f"; worst ratio under seed {worst.seed}"
    return text


def merge_teeth(teeth: list[TeethReport], merged: CheckReport) -> TeethReport:
    """NO TEETH under any seed wins, then the first "has teeth", then the first (n/a); base = the merged report."""
    if not teeth:
        raise ValueError("merge_teeth needs at least one report")
    if len(teeth) == 1:
        return teeth[0]
    pick = next((t for t in teeth if t.verdict == "NO TEETH"), None) \
        or next((t for t in teeth if t.verdict == "has teeth"), None) or teeth[0]
    seed = pick.base.seed
    return TeethReport(pick.check_id, pick.verdict, pick.scale, f"seed {seed}: {pick.message}", merged,
                       pick.strengthened, pick.kind, pick.declared_sup)
