"""`verify explain ID`: a result (or one check, or a lemma file) explained for a reader.

Sections: statement and provenance; each hypothesis and why it is needed; the bounds as sympy
pretty-printed formulas; the derivation steps and each symbolic obligation with its full sympy
evidence; what each numeric check attacks; and a tiny live example — the simplest case hypothesis
can draw, evaluated on a few instances, lhs and rhs printed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable
from rich.console import Group
from rich.text import Text

from numerics.attack.check import NumericCheck
from numerics.attack.engine import ratios
from numerics.attack.format import format_case, format_value
from verify import registry
from verify.report import styled
from verify.ui import EXIT_OK, UI

LIVE_INSTANCES = 4


def main(target: str, ui: UI, seed: int = 0) -> int:
    if target.endswith(".py"):
        from verify import lemma

        lem = lemma.load(target)
        check = lem.to_check(target)
        info: dict[str, Any] = {"id": lem.name, "kind": "lemma", "provenance": "user lemma",
                                "statement": lem.statement, "title": check.title}
        checks = [check]
        result = None
    else:
        entry, only = registry.resolve(target)
        checks = entry.checks if only is None else [only]
        result = entry.result
        info = {"id": target, "kind": "result" if only is None else "check", "provenance": entry.provenance,
                "title": entry.title, "statement": entry.statement}
    parts: list[Any] = [Text.assemble((info["id"], "bold"), f" — {info['title']}  [{info['provenance']}]")]
    if info["statement"]:
        parts += [Text("statement", style="bold"), Text(f"  {info['statement']}")]
    if result is not None:
        info.update(_result_sections(result, parts))
    elif info["kind"] == "result":
        parts.append(Text("no theorems record yet: no hypotheses, derivation or obligations to show", style="yellow"))
    parts.append(Text("numeric checks", style="bold"))
    if not checks:
        parts.append(Text("  not yet", style="yellow"))
    info["checks"] = []
    for check in checks:
        info["checks"].append(_check_section(check, parts))
    ui.emit(info)
    ui.print(Group(*parts), soft_wrap=True)
    return EXIT_OK


PRETTY_MAX_WIDTH = 110  # wider 2-D pictures wrap into noise on a terminal
PRETTY_MAX_LINES = 14


def _readable(rel) -> str:
    """The relation pretty-printed, or — when that picture is too large to read — its size and a pointer to
    the derivation (which defines the expression step by step)."""
    picture = sympy.pretty(rel, use_unicode=True, wrap_line=False).splitlines()
    if max(map(len, picture)) <= PRETTY_MAX_WIDTH and len(picture) <= PRETTY_MAX_LINES:
        return "\n".join("      " + line for line in picture)
    lhs = sympy.pretty(rel.lhs, use_unicode=True)
    return (f"      {lhs} {rel.rel_op} (a closed form of {sympy.count_ops(rel.rhs)} operations in "
            f"{', '.join(sorted(map(str, rel.rhs.free_symbols)))}; too large to print readably — the derivation "
            "below builds it step by step, and `verify explain --json` carries it in full)")


def _result_sections(result, parts: list) -> dict[str, Any]:
    out: dict[str, Any] = {"section": result.section, "latex": result.latex}
    parts.append(Text(f"  LaTeX: {result.latex}   ({result.section})", style="dim"))
    if result.hypotheses:
        parts.append(Text("hypotheses, and why each is needed", style="bold"))
        for i, h in enumerate(result.hypotheses, 1):
            parts += [Text(f"  H{i}. {h.text}"), Text(f"      why: {h.why}", style="dim")]
    out["hypotheses"] = [{"text": h.text, "why": h.why} for h in result.hypotheses]
    out["bounds"] = [{"name": b.name, "lhs": str(b.lhs), "relation": b.relation, "rhs": str(b.rhs)}
                     for b in result.bounds]
    if result.bounds:
        parts.append(Text("bounds (sympy)", style="bold"))
        for b in result.bounds:
            op = {"<=": "<=", ">=": ">=", "=": "=="}.get(b.relation, b.relation)
            rel = sympy.Rel(b.lhs, b.rhs, op, evaluate=False)
            parts.append(Text(f"  {b.name}:"))
            parts.append(Text(_readable(rel)))
    if result.derivation:
        parts.append(Text("derivation", style="bold"))
        parts += [Text(f"  {i}. {step}") for i, step in enumerate(result.derivation, 1)]
    out["derivation"] = list(result.derivation)
    parts.append(Text("symbolic obligations (run now)", style="bold"))
    parts += [Text(f"  {line}", style="dim") for line in STATUS_LEGEND]
    out["obligations"] = []
    for ob in result.obligations:
        outcome = result.outcomes[ob.name]
        status = getattr(outcome.status, "value", str(outcome.status))
        parts.append(Text.assemble("  ", styled(status), f"  {ob.name} — {ob.description}"))
        parts += [Text(f"      {line}", style="dim") for line in outcome.evidence.splitlines()]
        if ob.mutant_description:
            parts.append(Text(f"      mutant (must be refuted, `verify {result.id} --mutants`): "
                              f"{ob.mutant_description}", style="dim"))
        out["obligations"].append({"name": ob.name, "status": status, "evidence": outcome.evidence,
                                   "mutant": ob.mutant_description or None})
    out["status_legend"] = list(STATUS_LEGEND)
    return out


STATUS_LEGEND = (
    "PROVED: a sympy argument in the claim's full generality (symbolic sizes, or a stated, checked finite reduction)",
    "EXACT: exact arithmetic at a fixed size or on fixed instances;  CITED: a textbook step, named with its source",
    "DERIVED: a constant sympy computed, compared with an independently stated value;  INTERVAL: ball arithmetic",
    "UNDECIDED: sympy could not decide (never a pass);  FAILED: refuted.  A chain is as strong as its weakest step.",
)


SEARCH_EXAMPLES = 60  # cases tried for an example that shows the effect (each evaluates LIVE_SEARCH instances)
LIVE_SEARCH = 16


def simplest_case(check: NumericCheck, condition=lambda case: True):
    """The case hypothesis shrinks to among those meeting ``condition``: small, deterministic, readable."""
    return find(check.cases(), condition, settings=settings(
        database=None, deadline=None, phases=(Phase.generate, Phase.shrink), max_examples=SEARCH_EXAMPLES,
        suppress_health_check=list(HealthCheck)))


def _evaluate(check: NumericCheck, case, n: int):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        batch = check.evaluate(case, n)
    lhs = np.asarray(batch.lhs, float).reshape(-1)
    rhs = np.asarray(batch.rhs, float).reshape(-1)
    valid = np.ones(lhs.shape, bool) if batch.valid is None else np.asarray(batch.valid, bool).reshape(-1)
    return batch, lhs, rhs, valid


def _trivial(value) -> bool:
    """An array of ones (a scaling by 1, an identity) shows nothing of the effect a check is about."""
    a = np.asarray(value)
    return a.dtype != object and a.size >= 2 and np.issubdtype(a.dtype, np.number) and bool(np.all(a == 1))


def _showing(check: NumericCheck, case) -> int | None:
    """The first instance of ``case`` that shows the check's effect: for a negative control a violation
    (the counterexample it exists to exhibit), otherwise a valid instance with no trivial (all-ones) input."""
    try:
        batch, lhs, rhs, valid = _evaluate(check, case, LIVE_SEARCH)
    except (ArithmeticError, ValueError):
        return None
    r = ratios(lhs, rhs, check.relation)
    scaled = (1 + check.rtol) if check.relation == "le" else check.rtol
    for i in np.flatnonzero(valid):
        if check.expect == "refuted":
            if r[i] > scaled:
                return int(i)
        elif not any(_trivial(v) for v in batch.instance(int(i)).values()):
            return int(i)
    return None


def live_example(check: NumericCheck) -> dict[str, Any]:
    note = None
    try:
        case = simplest_case(check, lambda c: _showing(check, c) is not None)
        i = _showing(check, case)
    except (NoSuchExample, Unsatisfiable):
        case, i = simplest_case(check), None
        note = ("no instance violating the bound was drawn in this short search; `verify " + check.id + "` "
                "attacks it properly" if check.expect == "refuted" else None)
    batch, lhs, rhs, valid = _evaluate(check, case, LIVE_SEARCH if i is not None else LIVE_INSTANCES)
    if i is None:
        if not valid.any():
            return {"case": case, "instance": None, "note": note}
        i = int(np.flatnonzero(valid)[0])
    return {"case": case, "instance": i, "variables": {k: format_value(v) for k, v in batch.instance(i).items()},
            "lhs": float(lhs[i]), "rhs": float(rhs[i]), "note": note,
            "ratio": float(ratios(lhs[i:i + 1], rhs[i:i + 1], check.relation)[0])}


def _check_section(check: NumericCheck, parts: list) -> dict[str, Any]:
    control = f"  [control of {check.control_of}; must be refuted]" if check.expect == "refuted" else ""
    rel = "identity" if check.relation == "eq" else "inequality lhs ≤ rhs"
    parts.append(Text.assemble("  ", (check.id, "bold"), control))
    parts.append(Text(f"    {check.statement}   ({rel}; rtol = {check.rtol:g}, atol = {check.atol:g})"))
    if check.description:
        parts.append(Text(f"    {check.description}", style="dim"))
    for h in check.hypotheses:
        parts.append(Text(f"    hypothesis: {h}", style="dim"))
    info: dict[str, Any] = {"id": check.id, "statement": check.statement, "relation": check.relation,
                            "expect": check.expect, "description": check.description,
                            "tolerance": {"rtol": check.rtol, "atol": check.atol}}
    try:
        live = live_example(check)
    except Exception as exc:  # noqa: BLE001 - the explanation still stands; say why the example is missing
        parts.append(Text(f"    live example failed: {type(exc).__name__}: {exc}", style="red"))
        info["live_example"] = {"error": f"{type(exc).__name__}: {exc}"}
        return info
    info["live_example"] = live
    parts.append(Text(f"    live example, the simplest case that shows the effect {format_case(live['case'])}:"))
    if live["instance"] is None:
        parts.append(Text("      no instance of it met the hypotheses", style="yellow"))
        return info
    parts += [Text(f"      {k} := {v}") for k, v in live["variables"].items()]
    kind = "lhs/rhs" if check.relation == "le" else "|lhs − rhs|/|rhs|"
    parts.append(Text(f"      lhs = {live['lhs']!r}, rhs = {live['rhs']!r}, {kind} = {live['ratio']:.6g}"))
    if check.expect == "refuted" and live["ratio"] > 1:
        parts.append(Text("      the bound fails here, as it must once the hypothesis is dropped", style="dim"))
    if live.get("note"):
        parts.append(Text(f"      note: {live['note']}", style="yellow"))
    return info
