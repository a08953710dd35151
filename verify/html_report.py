"""`verify all --html FILE` / `verify ID --html FILE`: one self-contained HTML page of a run.

The page needs no network to be read (inline CSS, no scripts, figures embedded as base64 PNG): a reviewer
attaches it to a review, a teacher hands it out. It holds the summary table, and per result its statement,
hypotheses (and why each is needed), symbolic obligations with their status and evidence, numeric checks
with verdict, instances, worst ratio, seed, tolerance and the command that reproduces each, and the
experiment figures (docs/figures/*.png, when the repository has them). The same numbers as ``--json``:
the page is built from the very dicts ``--json`` prints (Outcome.to_dict).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from pathlib import Path
from typing import Any

from verify.paper_map import SPEC_LABELS
from verify.report import fmt_num

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"
FIGURE_CAPTIONS = {
    "skip-mechanism.png": "R8 skip-mechanism experiment: σ of the post-stem batch Jacobian and the loss of "
                          "variants (a) no skip, (b) projection shortcut, (c) projection + isometric path.",
    "random-matrix.png": "R8 illustration: singular values of a random A versus I + A.",
}

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .6rem 0; width: 100%; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.35 ui-monospace, "SFMono-Regular", Menlo, monospace; }
pre { background: #f7f7f7; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
.PASS, .PROVED, .DERIVED, .EXACT, .CITED, .INTERVAL, .REFUTED-AS-EXPECTED, .has-teeth { color: #11721f; font-weight: 600; }
.FAIL, .FAILED, .ERROR, .NO-TEETH { color: #b00020; font-weight: 700; }
.UNDECIDED, .GAVE-UP, .not-yet { color: #9a6700; font-weight: 600; }
.meta { color: #555; } .why { color: #555; font-style: italic; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _cls(verdict: str) -> str:
    return _e(str(verdict).replace(" ", "-"))


def _verdict(v: str) -> str:
    return f'<span class="{_cls(v)}">{_e(v)}</span>'


def _ratio(x) -> str:
    return fmt_num(x) if isinstance(x, (int, float)) else "—"


def _figures() -> list[tuple[str, str, str]]:
    """(file name, caption, data URI) of every PNG in docs/figures, when present."""
    if not FIGURES.is_dir():
        return []
    out = []
    for png in sorted(FIGURES.glob("*.png")):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        out.append((png.name, FIGURE_CAPTIONS.get(png.name, png.stem), f"data:image/png;base64,{data}"))
    return out


def _record(rid: str):
    """The theorems record of a result (hypotheses, derivation), or None (a check, a lemma, no record yet)."""
    from verify import registry

    for entry in registry.entries():
        if entry.id == rid:
            return entry.result
    return None


def summary(outcomes: list[dict[str, Any]]) -> str:
    rows = ["<table id=\"summary\"><thead><tr><th>R</th><th>result</th><th>provenance</th><th>symbolic</th>"
            "<th>numeric</th><th>worst lhs/rhs</th><th>instances</th><th>time</th><th>verdict</th></tr></thead>"
            "<tbody>"]
    for o in outcomes:
        rows.append(
            f'<tr data-id="{_e(o["id"])}"><td>{_e(SPEC_LABELS.get(o["id"], ""))}</td>'
            f'<td><a href="#{_e(o["id"])}"><code>{_e(o["id"])}</code></a></td><td>{_e(o["provenance"])}</td>'
            f'<td>{_e(o["symbolic"])}</td><td>{_e(o["numeric"])}</td>'
            f'<td class="num worst">{_e(_ratio(o["worst_ratio"]))}</td><td class="num">{o["instances"]:,}</td>'
            f'<td class="num">{o["elapsed"]:.2f}s</td><td class="verdict">{_verdict(o["verdict"])}</td></tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _check(c: dict[str, Any], teeth: dict[str, Any] | None) -> str:
    control = " [negative control: must be refuted]" if c.get("expect") == "refuted" else ""
    tol = c.get("tolerance") or {}
    parts = [f'<tr data-check="{_e(c["id"])}"><td><code>{_e(c["id"])}</code>{_e(control)}<br>'
             f'<span class="meta">{_e(c.get("title", ""))}</span></td>',
             f'<td class="verdict">{_verdict(c["verdict"])}</td><td class="num">{c["instances"]:,}</td>',
             f'<td class="num worst">{_e(_ratio(c.get("worst_ratio")))}</td><td class="num">{_e(c["seed"])}</td>',
             f'<td>rtol {_e(tol.get("rtol"))}, atol {_e(tol.get("atol"))}</td>',
             f'<td><code class="reproduce">{_e(c["reproduce"])}</code>']
    if teeth is not None:
        parts.append(f'<br>teeth: {_verdict(teeth["verdict"])} {_e(teeth.get("message", ""))}')
    if c.get("verdict") not in ("PASS", "REFUTED AS EXPECTED") and c.get("message"):
        parts.append(f'<br><span class="meta">{_e(c["message"])}</span>')
    cex = c.get("counterexample")
    if cex:
        lines = [f"{k} := {v}" for k, v in (cex.get("variables") or {}).items()]
        lines += [f"✓ {h}" for h in cex.get("hypotheses") or ()] + [f"✗ {cex.get('inequality', '')}",
                                                                      f"status: {cex.get('confirmation', '')}"]
        parts.append("<pre class=\"counterexample\">" + _e("\n".join(lines)) + "</pre>")
    parts.append("</td></tr>")
    return "".join(parts)


def result_section(o: dict[str, Any]) -> str:
    label = SPEC_LABELS.get(o["id"], "")
    out = [f'<section id="{_e(o["id"])}" class="result">',
           f'<h2>{_e(label + " · " if label else "")}<code>{_e(o["id"])}</code> — {_e(o["title"])}</h2>',
           f'<p class="meta">provenance: <b>{_e(o["provenance"])}</b> · verdict {_verdict(o["verdict"])} · '
           f'{o["instances"]:,} instances · seed {_e(o["seed"])} · profile {_e(o["profile"])} · '
           f'{o["elapsed"]:.2f}s</p>']
    if o.get("statement"):
        out.append(f'<p class="statement"><b>Statement.</b> {_e(o["statement"])}</p>')
    record = _record(o["id"]) if o.get("kind") == "result" else None
    if record is not None and record.hypotheses:
        out.append("<h3>Hypotheses, and why each is needed</h3><ol class=\"hypotheses\">")
        out += [f'<li>{_e(h.text)} <span class="why">— why: {_e(h.why)}</span></li>' for h in record.hypotheses]
        out.append("</ol>")
    if record is not None and record.derivation:
        out.append("<h3>Derivation</h3><ol class=\"derivation\">")
        out += [f"<li>{_e(step)}</li>" for step in record.derivation]
        out.append("</ol>")
    if o.get("obligations"):
        out.append("<h3>Symbolic obligations (sympy)</h3><table class=\"obligations\"><thead><tr><th>obligation"
                   "</th><th>status</th><th>evidence</th></tr></thead><tbody>")
        for ob in o["obligations"]:
            out.append(f'<tr data-obligation="{_e(ob["name"])}"><td><code>{_e(ob["name"])}</code><br>'
                       f'{_e(ob["description"])}</td><td class="status">{_verdict(ob["status"])}</td>'
                       f'<td><pre>{_e(ob["evidence"])}</pre></td></tr>')
        out.append("</tbody></table>")
    if o.get("checks"):
        teeth = {t["check"]: t for t in o.get("teeth") or ()}
        out.append("<h3>Numeric checks (hypothesis attack: a PASS is evidence, not a proof)</h3>"
                   "<table class=\"checks\"><thead><tr><th>check</th><th>verdict</th><th>instances</th>"
                   "<th>worst ratio</th><th>seed</th><th>tolerance</th><th>reproduce</th></tr></thead><tbody>")
        out += [_check(c, teeth.get(c["id"])) for c in o["checks"]]
        out.append("</tbody></table>")
    elif o.get("numeric") == "not yet":
        out.append('<p class="not-yet">numeric checks: not yet</p>')
    for note in o.get("notes") or ():
        out.append(f'<p class="meta">note: {_e(note)}</p>')
    if o.get("error"):
        out.append(f'<p class="ERROR">error: {_e(o["error"])}</p>')
    out.append(f'<p>reproduce the whole result: <code class="reproduce">{_e(o["reproduce"])}</code></p>')
    out.append("</section>")
    return "\n".join(out)


def render(outcomes: list[dict[str, Any]], *, title: str, command: str, exit_code: int) -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    figures = _figures()
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="meta">skipnorm-verify · <code>{_e(command)}</code> · exit code {exit_code} · {stamp}. '
            "Checks MacDonald, Valmadre, Saratchandran &amp; Lucey, <i>On skip connections and normalisation "
            "layers in deep optimisation</i> (NeurIPS 2023). Provenance: <b>paper</b> = confirmed in the paper; "
            "<b>reconstructed</b> = a result of this kind is in the paper, wording and constants are ours; "
            "<b>derived</b> = a supporting fact we derived. The mathematics: docs/theory.md.</p>",
            "<h2>Summary</h2>", summary(outcomes)]
    body += [result_section(o) for o in outcomes]
    if figures:
        body.append('<h2 id="figures">Experiment figures</h2>')
        body += [f'<figure><img alt="{_e(name)}" src="{uri}"><figcaption>{_e(caption)} '
                 f'(<code>docs/figures/{_e(name)}</code>)</figcaption></figure>' for name, caption, uri in figures]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def check_writable(path: Path) -> None:
    """Refuse a FILE that cannot be written, before any work (a UsageError, exit 2)."""
    from verify.ui import UsageError

    if path.is_dir():
        raise UsageError(f"--html {str(path)!r} is a directory; give a FILE.html")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"--html {str(path)!r}: {str(parent)!r} is not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--html {str(path)!r}: cannot create {str(parent)!r} ({exc.strerror})") from None
    if not _writable(path):
        raise UsageError(f"--html {str(path)!r}: not writable; give a FILE.html in a writable directory")


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK) if path.exists() else os.access(path.parent, os.W_OK)
