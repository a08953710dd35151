"""What `verify` can run: the results of theorems.catalogue joined with the numeric checks that attack them.

A *target* on the command line is a result id (``cost-bounds``), a check id
(``cost-bounds/ce-grad-upper``) or a lemma file (``path/to/lemma.py``, see verify.lemma). Results
without a theorems record yet still appear when checks name them (provenance "unrecorded"), and
results without checks appear with no checks — the report then says "not yet", never PASS.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field

from numerics.attack.check import NumericCheck
from numerics.checks import all_checks, discovery_errors
from verify.ui import UsageError


@dataclass
class Entry:
    """One result as the CLI sees it: its theorems record (if any) and its numeric checks."""

    id: str
    title: str
    provenance: str
    result: object | None = None  # theorems.result.Result
    checks: list[NumericCheck] = field(default_factory=list)
    statement: str = ""


def catalogue() -> dict:
    """theorems.catalogue.RESULTS, or {} while that module does not exist yet."""
    try:
        cat = importlib.import_module("theorems.catalogue")
    except ModuleNotFoundError as exc:
        if exc.name == "theorems.catalogue":
            return {}
        raise
    return dict(cat.RESULTS)


def entries() -> list[Entry]:
    """Catalogue order first, then results that only checks mention (in check order)."""
    out: dict[str, Entry] = {}
    for rid, result in catalogue().items():
        out[rid] = Entry(rid, result.title, result.provenance, result, statement=result.statement)
    for check in all_checks():
        if check.result_id not in out:
            out[check.result_id] = Entry(check.result_id, "(no theorems record yet)", "unrecorded")
        out[check.result_id].checks.append(check)
    return list(out.values())


def known_ids() -> list[str]:
    ids = []
    for entry in entries():
        ids.append(entry.id)
        ids.extend(c.id for c in entry.checks)
    return ids


def resolve(target: str) -> tuple[Entry, NumericCheck | None]:
    """(entry, None) for a result id, (entry, check) for a check id; UsageError naming close ids."""
    for entry in entries():
        if entry.id == target:
            return entry, None
        for check in entry.checks:
            if check.id == target:
                return entry, check
    raise UsageError(unknown_id_message(target))


def unknown_id_message(target: str) -> str:
    ids = known_ids()
    close = difflib.get_close_matches(target, ids, n=4, cutoff=0.5)
    results = [e.id for e in entries()]
    errors = discovery_errors()
    msg = f"unknown result or check id {target!r}"
    if close:
        msg += f"; did you mean {', '.join(close)}?"
    else:
        msg += f"; known results: {', '.join(results) or '(none)'}"
    if errors:
        msg += f" (note: {len(errors)} checks module(s) failed to import: {', '.join(m for m, _ in errors)})"
    return msg + " — `verify list` shows every id"
