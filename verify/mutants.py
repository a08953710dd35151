"""`verify all --mutants`, `verify RESULT-ID --mutants`: run every obligation's mutant — the same sympy
computation with one wrong ingredient — and report, per obligation, REFUTED (sympy came out FAILED on it, so
the obligation could have failed) or SURVIVED (it has no teeth). Exit 0 only when every mutant is refuted.
"""

from __future__ import annotations

import time

from rich.table import Table
from rich.text import Text

from verify.report import styled
from verify.ui import EXIT_OK, UI

EXIT_SURVIVED = 1


def run(results, ui: UI) -> int:
    table = Table(title="mutants: one wrong ingredient per obligation; sympy must refute each", header_style="bold")
    for name in ("result", "obligation", "mutant (wrong ingredient)", "sympy on it", "verdict"):
        table.add_column(name, no_wrap=name in ("result", "obligation", "verdict"))
    counts = {"REFUTED": 0, "SURVIVED": 0, "NO MUTANT": 0}
    for result in results:
        for ob in result.obligations:
            start = time.perf_counter()
            verdict, out = ob.run_mutant()
            counts[verdict] += 1
            status = "—" if out is None else out.status.value
            ui.emit({"kind": "mutant", "result": result.id, "obligation": ob.name,
                     "mutant": ob.mutant_description, "status": status, "verdict": verdict,
                     "evidence": None if out is None else out.evidence,
                     "elapsed": round(time.perf_counter() - start, 4)})
            table.add_row(result.id, ob.name, ob.mutant_description or "none recorded", status, styled(verdict))
    total = sum(counts.values())
    ok = counts["REFUTED"] == total
    ui.emit({"kind": "mutants-summary", "total": total, "refuted": counts["REFUTED"],
             "survived": counts["SURVIVED"], "no_mutant": counts["NO MUTANT"], "ok": ok})
    ui.print(table)
    ui.print(Text(f"{counts['REFUTED']} of {total} mutants refuted"
                  + ("" if ok else f" · {counts['SURVIVED']} survived · {counts['NO MUTANT']} without a mutant"),
                  style="green" if ok else "bold red"))
    return EXIT_OK if ok else EXIT_SURVIVED
