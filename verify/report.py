"""Reporting: what a `verify` target produced (obligations, check reports, teeth), its verdict, and how
it is shown — rich tables and panels for people, plain dicts for ``--json``.

A result's overall verdict, in order of precedence:

1. ERROR      if any check is ERROR (the toolkit could not judge; exit 2);
2. FAIL       if any obligation FAILED, any check FAILed, or a check has NO TEETH (exit 1);
3. GAVE UP    if any check gave up (too few instances met the hypotheses);
4. UNDECIDED  if any obligation or check is UNDECIDED, the result has no numeric check yet, or not
              all of its checks ran (Ctrl-C);
5. PASS       otherwise (controls count as passing when REFUTED AS EXPECTED).

An UNDECIDED obligation therefore makes the result UNDECIDED: sympy's None is never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from numerics.attack.engine import (
    ERROR, FAIL, GAVE_UP, PASS, REFUTED, UNDECIDED, CheckReport, Counterexample, TeethReport,
)
from numerics.attack.format import format_case
from numerics.attack.seeds import seeds_label

PROVED, EXACT, CITED, DERIVED, INTERVAL, FAILED = "PROVED", "EXACT", "CITED", "DERIVED", "INTERVAL", "FAILED"
# every obligation status, strongest evidence first (theorems.result.Status); counted per result in this order
OBLIGATION_KINDS = (PROVED, EXACT, CITED, DERIVED, INTERVAL, UNDECIDED, FAILED)
NOT_YET = "not yet"


@dataclass
class ObligationRecord:
    name: str
    description: str
    status: str  # PROVED | EXACT | CITED | DERIVED | INTERVAL | UNDECIDED | FAILED
    evidence: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "status": self.status,
                "evidence": self.evidence, "value": None if self.value is None else str(self.value)}


@dataclass
class Outcome:
    """Everything `verify <target>` found for one result, one check, or one lemma."""

    id: str
    kind: str  # "result" | "check" | "lemma"
    title: str
    provenance: str
    statement: str = ""
    seed: int = 0
    profile: str = "quick"
    bound_scale: float = 1.0
    obligations: list[ObligationRecord] = field(default_factory=list)
    checks: list[CheckReport] = field(default_factory=list)
    teeth: list[TeethReport] = field(default_factory=list)
    expected_checks: int = 0  # how many checks exist for it (0 → numeric "not yet")
    elapsed: float = 0.0
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the target could not be run at all (e.g. its checks module failed to import)
    target: str | None = None  # what to type after `verify` to rerun it (default: the id)
    seeds: list[int] = field(default_factory=list)  # every seed attacked (--seeds); `seed` reproduces

    @property
    def numeric_missing(self) -> bool:
        return self.expected_checks == 0

    @property
    def verdict(self) -> str:
        check_verdicts = [c.verdict for c in self.checks]
        ob = [o.status for o in self.obligations]
        if self.error is not None or ERROR in check_verdicts:
            return ERROR
        if FAIL in check_verdicts or FAILED in ob or any(t.verdict == "NO TEETH" for t in self.teeth):
            return FAIL
        if GAVE_UP in check_verdicts:
            return GAVE_UP
        incomplete = len(self.checks) < self.expected_checks  # e.g. interrupted with Ctrl-C
        if UNDECIDED in check_verdicts or UNDECIDED in ob or self.numeric_missing or incomplete:
            return UNDECIDED
        return PASS

    @property
    def instances(self) -> int:
        return sum(c.instances for c in self.checks)

    @property
    def worst_ratio(self) -> float | None:
        """Largest lhs/rhs over the inequality checks that must hold (identities report deviations)."""
        ratios = [c.worst_ratio for c in self.checks
                  if c.relation == "le" and c.expect == "holds" and c.worst_ratio is not None]
        return max(ratios) if ratios else None

    def reproduce(self) -> str:
        cmd = f"verify {self.target or self.id} --seed {self.seed}"
        if self.profile != "quick":
            cmd += f" --profile {self.profile}"
        if self.bound_scale != 1.0:
            cmd += f" --bound-scale {self.bound_scale!r}"
        if self.teeth:
            cmd += " --teeth"
        return cmd

    def symbolic_summary(self) -> str:
        if not self.obligations:
            return "—" if self.kind != "result" else "none"
        counts = self.obligation_counts()
        return " · ".join(f"{counts[s.lower()]} {s.lower()}" for s in OBLIGATION_KINDS if counts[s.lower()])

    def obligation_counts(self) -> dict[str, int]:
        """How many obligations of each kind ("proved", "exact", "cited", …), every kind present (0 if none)."""
        counts = dict.fromkeys((s.lower() for s in OBLIGATION_KINDS), 0)
        for o in self.obligations:
            counts[o.status.lower()] = counts.get(o.status.lower(), 0) + 1
        return counts

    def numeric_summary(self) -> str:
        if self.numeric_missing:
            return NOT_YET
        counts: dict[str, int] = {}
        for c in self.checks:
            label = "refuted" if c.verdict == REFUTED else c.verdict
            counts[label] = counts.get(label, 0) + 1
        text = " · ".join(f"{n} {v}" for v, n in counts.items())
        if len(self.checks) < self.expected_checks:
            text += f" ({self.expected_checks - len(self.checks)} not run)"
        teeth_bad = sum(t.verdict == "NO TEETH" for t in self.teeth)
        if self.teeth:
            text += f" · teeth {'NO TEETH ×' + str(teeth_bad) if teeth_bad else 'ok'}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "verdict": self.verdict,
            "provenance": self.provenance, "instances": self.instances, "worst_ratio": self.worst_ratio,
            "seed": self.seed, "seeds": self.seeds or [self.seed],
            "profile": self.profile, "bound_scale": self.bound_scale,
            "elapsed": round(self.elapsed, 4), "statement": self.statement,
            "symbolic": self.symbolic_summary(), "symbolic_counts": self.obligation_counts(),
            "numeric": self.numeric_summary(),
            "obligations": [o.to_dict() for o in self.obligations],
            "checks": [c.to_dict() for c in self.checks],
            "tolerance": {c.id: c.tolerance for c in self.checks},
            "teeth": [t.to_dict() for t in self.teeth],
            "reproduce": self.reproduce(), "notes": self.notes, "error": self.error,
        }


def exit_code(outcomes: list[Outcome], strict: bool = False) -> int:
    """0 everything passed, 1 a FAIL, 2 an ERROR, 3 inconclusive (UNDECIDED / GAVE UP; 1 with strict)."""
    verdicts = {o.verdict for o in outcomes}
    if ERROR in verdicts:
        return 2
    if FAIL in verdicts:
        return 1
    if verdicts & {UNDECIDED, GAVE_UP}:
        return 1 if strict else 3
    return 0


# ------------------------------------------------------------------------------------- rendering
STYLES = {
    PASS: "green", REFUTED: "green", PROVED: "green", DERIVED: "green", "has teeth": "green",
    EXACT: "cyan", CITED: "cyan", INTERVAL: "cyan", "SURVIVED": "bold red", "NO MUTANT": "bold red",
    FAIL: "bold red", FAILED: "bold red", ERROR: "bold red", "NO TEETH": "bold red",
    UNDECIDED: "yellow", GAVE_UP: "yellow", NOT_YET: "yellow", "n/a": "dim", "loose": "yellow",
    "undeclared": "yellow",
}
EVIDENCE_CHARS = 400  # `verify explain ID` shows evidence in full


def styled(verdict: str) -> Text:
    return Text(verdict, style=STYLES.get(verdict, ""))


def fmt_num(x: float | None, digits: int = 6) -> str:
    """x to ``digits`` significant digits, but a ratio that merely rounds to 1 says how far it is from 1."""
    if x is None:
        return "—"
    text = f"{x:.{digits}g}"
    if text == "1" and x != 1:
        return f"1 {'+' if x > 1 else '−'} {abs(x - 1):.1e}"
    return text


def summary_table(outcomes: list[Outcome], title: str = "verify all") -> "SummaryTable":
    """The `verify all` table; it picks its layout when printed, from the width it is given."""
    return SummaryTable(outcomes, title)


def _label(o: Outcome) -> str:
    from verify.paper_map import SPEC_LABELS

    return f"{SPEC_LABELS[o.id]} {o.id}" if o.id in SPEC_LABELS else o.id


class SummaryTable:
    """One row per result. Wide: eight columns, each on one line where it fits. Narrow (e.g. 80 columns):
    three columns — the result and its provenance; the evidence (sympy, numeric, worst ratio, instances,
    time) stacked on lines; the verdict — so no column is cut to "pr…"."""

    def __init__(self, outcomes: list[Outcome], title: str):
        self.outcomes, self.title = outcomes, title

    def wide(self) -> Table:
        table = Table(title=self.title, show_lines=False, header_style="bold")
        for name, justify in (("result", "left"), ("provenance", "left"), ("symbolic", "left"),
                              ("numeric", "left"), ("worst lhs/rhs", "right"), ("instances", "right"),
                              ("time", "right"), ("verdict", "left")):
            table.add_column(name, justify=justify, no_wrap=name in ("result", "verdict", "instances"))  # type: ignore[arg-type]
        for o in self.outcomes:
            table.add_row(_label(o), o.provenance, o.symbolic_summary(), Text(o.numeric_summary(), style=STYLES.get(
                NOT_YET if o.numeric_missing else "", "")), _summary_ratio(o), f"{o.instances:,}",
                f"{o.elapsed:.2f}s", styled(o.verdict))
        return table

    def narrow(self) -> Table:
        table = Table(title=self.title, header_style="bold", show_lines=True)
        table.add_column("result", overflow="fold")
        table.add_column("evidence", overflow="fold", ratio=1)
        table.add_column("verdict", no_wrap=True)
        for o in self.outcomes:
            evidence = Text.assemble(
                f"sympy: {o.symbolic_summary()}\n",
                ("numeric: ", ""), (o.numeric_summary(), STYLES.get(NOT_YET if o.numeric_missing else "", "")),
                f"\nworst lhs/rhs {_summary_ratio(o)}\n{o.instances:,} instances · {o.elapsed:.2f}s")
            table.add_row(Text.assemble((_label(o), "bold"), "\n", (o.provenance, "dim")), evidence,
                          styled(o.verdict))
        return table

    def __rich_console__(self, console, options):
        wide = self.wide()
        # the wide table is used when it can wrap between words without cutting one short ("pr…")
        lines = console.render_lines(wide, options, pad=False)
        cut = any("…" in segment.text for line in lines for segment in line)
        yield self.narrow() if cut else wide


def teeth_table(outcomes: list[Outcome]) -> Table:
    """`verify all --teeth`: per check its declared sup, the worst ratio reached, and the 0.99 verdict."""
    table = Table(title="teeth: each check run with rhs × 0.99·(declared sup) must FAIL (confirmed at 50 digits)",
                  header_style="bold")
    for name, justify in (("check", "left"), ("declared", "left"), ("declared sup", "right"),
                          ("worst reached", "right"), ("rhs ×", "right"), ("then", "left"), ("teeth", "left")):
        table.add_column(name, justify=justify, no_wrap=name == "check")  # type: ignore[arg-type]
    for o in outcomes:
        for t in o.teeth:
            if t.verdict == "n/a" and t.base.expect == "refuted":
                continue
            then = t.strengthened.verdict if t.strengthened else "—"
            if t.confirmed:
                then += " (confirmed)"
            table.add_row(t.check_id, t.kind or "undeclared", fmt_num(t.declared_sup), fmt_num(t.base.worst_ratio),
                          fmt_num(t.scale), then, styled(t.verdict))
    return table


def _summary_ratio(o: Outcome) -> str:
    text = fmt_num(o.worst_ratio)
    if o.worst_ratio is not None and o.worst_ratio > 1 and o.verdict == PASS:
        text += " (within atol)"  # tiny rhs where round-off exceeds rhs; the detail view shows lhs and rhs
    return text


def list_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="results and their checks", header_style="bold")
    for name in ("R", "id", "title", "provenance", "checks"):
        table.add_column(name, justify="right" if name == "checks" else "left",
                         no_wrap=name in ("R", "id", "checks"), overflow="fold")
    for r in rows:
        n = r["checks"]
        table.add_row(r.get("label") or "", r["id"], r["title"], r["provenance"],
                      Text(str(n) if n else NOT_YET, style="" if n else STYLES[NOT_YET]))
    return table


def _line(*parts: str | Text) -> Text:
    return Text.assemble(*parts)


def counterexample_text(cex: Counterexample, indent: str = "    ") -> list[Text]:
    lines = [Text(f"{indent}counterexample (instance {cex.index} of the shrunk case):", style="bold")]
    lines.append(Text(f"{indent}  case := {format_case(cex.case)}"))
    for name, value in cex.variables.items():
        head = f"{indent}  {name} := "
        lines.append(Text(head + value.replace("\n", "\n" + " " * len(head))))
    if cex.hypotheses:
        lines.append(Text(f"{indent}hypotheses that held:"))
        lines += [Text(f"{indent}  ✓ {h}") for h in cex.hypotheses]
    lines.append(Text(f"{indent}the bound that failed:"))
    lines.append(Text(f"{indent}  ✗ {cex.inequality}", style=STYLES[FAIL]))
    if cex.lhs_mp is not None:
        scaled = "" if cex.bound_scale == 1.0 else f" (bound scale {cex.bound_scale!r} applies)"
        lines.append(Text(f"{indent}50-digit re-evaluation: lhs = {cex.lhs_mp}, rhs = {cex.rhs_mp}{scaled}"))
    lines.append(_line(f"{indent}status: ", Text(cex.confirmation, style="bold")))
    lines += [Text(f"{indent}note: {n}") for n in cex.notes]
    return lines


def seed_text(r: CheckReport) -> str:
    seeds = getattr(r, "seeds", ())  # a numerics.attack.seeds.SeedsReport (--seeds)
    if len(seeds) > 1:
        worst = f", worst ratio at seed {r.worst_seed}" if getattr(r, "worst_seed", None) is not None else ""
        return f"{len(seeds)} seeds {seeds_label(seeds)}{worst}"
    return f"seed {r.seed}"


def check_text(r: CheckReport, teeth: TeethReport | None = None) -> list[Text]:
    control = "  [control]" if r.expect == "refuted" else ""
    lines = [_line("  ", styled(r.verdict), f"  {r.id}{control} — {r.title}")]
    worst = fmt_num(r.worst_ratio, 9)
    if r.worst_sides is not None:
        lhs, rhs = r.worst_sides
        worst += f" (lhs = {lhs:.6g}, rhs = {rhs:.6g}"
        if r.relation == "le" and r.worst_ratio is not None and r.worst_ratio > 1 and r.verdict == PASS:
            worst += f"; above 1 only within tolerance: lhs − rhs = {lhs - rhs:.3g}"
        worst += ")"
    lines.append(Text(f"    {r.instances:,} instances attacked · worst {r.ratio_kind} = {worst} · "
                      f"{seed_text(r)} · profile {r.profile} · {r.elapsed:.2f}s"))
    tol = f"    tolerance: rtol = {r.tolerance['rtol']:g}, atol = {r.tolerance['atol']:g}"
    if r.bound_scale != 1.0:
        tol += f" · bound scale {r.bound_scale!r} (rhs multiplied by it)"
    lines.append(Text(tol))
    if r.message and r.verdict != PASS:
        lines.append(Text(f"    {r.message}"))
    if r.looseness and r.verdict == PASS:
        lines.append(Text(f"    {r.looseness}", style=STYLES["loose"]))
        wc = r.worst_case or {}
        if wc.get("kind") == "loose" and teeth is None:  # the teeth line already carries the declaration
            lines.append(Text(f"    declared loose, measured worst ratio {wc['measured_factor']:.3g}: {wc['note']}",
                              style=STYLES["loose"]))
    if teeth is not None:
        lines.append(_line("    teeth: ", styled(teeth.verdict), f" — {teeth.message}"))
    if r.counterexample is not None:
        lines += counterexample_text(r.counterexample)
    lines.append(Text(f"    reproduce: {r.reproduce}", style="dim"))
    return lines


def detail(o: Outcome) -> Group:
    parts: list[Any] = [_line(Text(o.id, style="bold"), f" — {o.title}  [{o.provenance}]")]
    if o.statement:
        parts.append(Text(f"  {o.statement}"))
    if o.obligations:
        parts.append(Text(f"symbolic obligations (sympy): {o.symbolic_summary()}", style="bold"))
        for ob in o.obligations:
            ev = ob.evidence if len(ob.evidence) <= EVIDENCE_CHARS else ob.evidence[:EVIDENCE_CHARS] + " …"
            parts.append(_line("  ", styled(ob.status), f"  {ob.name} — {ob.description}"))
            parts += [Text(f"      {line}", style="dim") for line in ev.splitlines()]
    elif o.kind == "result":
        parts.append(Text("symbolic obligations: none recorded", style=STYLES[NOT_YET]))
    if o.numeric_missing:
        parts.append(Text("numeric checks: not yet", style=STYLES[NOT_YET]))
    else:
        parts.append(Text("numeric checks (hypothesis attack; a PASS is evidence, not a proof):", style="bold"))
        teeth = {t.check_id: t for t in o.teeth}
        for r in o.checks:
            parts += check_text(r, teeth.get(r.id))
    parts += [Text(f"note: {n}", style="yellow") for n in o.notes]
    if o.error:
        parts.append(Text(f"error: {o.error}", style=STYLES[ERROR]))
    parts.append(_line("verdict: ", styled(o.verdict), f"  ({o.instances:,} instances · {o.elapsed:.2f}s)"))
    if o.verdict not in (PASS,):
        parts.append(Text(f"reproduce: {o.reproduce()}", style="dim"))
    return Group(*parts, Text(""))
