"""bench/: the benchmark scripts run from a checkout (smoke runs; timings are never asserted)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script,expect", [("trainer.py", "generic/fast"), ("kernel.py", "agreement limit")])
def test_bench_quick_run(script, expect):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert expect in out.stdout
    if script == "kernel.py":
        assert "met" in out.stdout and "EXCEEDED" not in out.stdout


def test_conv_bench_smoke_run_compares_serial_and_workers():
    """bench/conv_skip.py --smoke: a tiny conv run serially and in 2 workers, which must agree bit for bit."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "conv_skip.py"), "--smoke"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "smoke (2 trials" in out.stdout and "same numbers: yes" in out.stdout
