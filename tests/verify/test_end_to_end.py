"""The real catalogue through the real command, as a user runs it (issue "Done when" criteria)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from theorems.catalogue import RESULTS

ROOT = Path(__file__).resolve().parents[2]


def _verify(*argv):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "verify", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_verify_all_json_passes_every_result_and_parses_line_by_line():
    run = _verify("all", "--profile", "ci", "--json", "--no-progress")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [d["id"] for d in lines] == list(RESULTS)
    for d in lines:
        assert d["verdict"] == "PASS", d["id"]
        assert {"id", "verdict", "provenance", "instances", "worst_ratio", "seed"} <= set(d)
        assert d["provenance"] == RESULTS[d["id"]].provenance
        checks = d["checks"]
        assert any(c["expect"] == "holds" for c in checks), d["id"]
        for c in checks:
            expected = "PASS" if c["expect"] == "holds" else "REFUTED AS EXPECTED"
            assert c["verdict"] == expected, (c["id"], c["verdict"], c.get("message"))
            assert c["instances"] > 0


def test_a_too_strong_bound_fails_with_a_confirmed_counterexample_and_a_reproduction_command():
    run = _verify("cost-bounds", "--bound-scale", "0.5", "--profile", "ci", "--no-progress")
    assert run.returncode == 1
    assert ":=" in run.stdout and "confirmed genuine" in run.stdout
    assert "reproduce: verify cost-bounds/" in run.stdout and "--bound-scale 0.5" in run.stdout
