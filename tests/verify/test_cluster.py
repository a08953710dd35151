"""--scheduler: the same (check, seed) tasks on a Dask cluster give the serial report; failures are clear.

Dask distributed is in the test extra, so these run in CI (an in-process LocalCluster, no network)."""

import json
import sys
import time

import dask
import pytest
from distributed import LocalCluster

from verify import cli, parallel, registry
from verify.ui import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from worker_faults import dying_task, one_check_plan

CI = ["--profile", "ci", "--no-progress"]
SMALL = ("kernel-layerwise", "first-layer-conditioning")


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def without_timing(out: str) -> list[dict]:
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    for line in lines:
        line.pop("elapsed", None)
        for check in line.get("checks", []):
            check.pop("elapsed", None)
    return lines


@pytest.fixture(scope="module")
def cluster():
    """Two in-process workers, one thread each (no processes to start: fast)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=":0") as c:
        yield c


@pytest.fixture
def small_registry(monkeypatch):
    real = {e.id: e for e in registry.entries()}
    monkeypatch.setattr(registry, "entries", lambda: [real[rid] for rid in SMALL])


def test_cluster_report_equals_the_serial_one(capsys, cluster, small_registry):
    serial = run(capsys, "all", "--json", "--jobs", "1", *CI)
    remote = run(capsys, "all", "--json", "--scheduler", cluster.scheduler_address, *CI)
    assert serial[0] == remote[0] == EXIT_OK, remote[2]
    lines = without_timing(serial[1])
    assert [line["id"] for line in lines] == list(SMALL) and lines == without_timing(remote[1])


def test_cluster_failures_and_seeds_merge_like_the_serial_run(capsys, cluster):
    argv = ("cost-bounds/ce-grad-upper", "--seeds", "0:3", "--bound-scale", "0.5", "--json", *CI)
    serial = run(capsys, *argv, "--jobs", "1")
    remote = run(capsys, *argv, "--scheduler", cluster.scheduler_address)
    assert serial[0] == remote[0] == EXIT_FAIL
    assert without_timing(serial[1]) == without_timing(remote[1])


def test_unreachable_scheduler_is_a_quick_one_line_error(capsys, monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 1.0)
    start = time.perf_counter()
    code, out, err = run(capsys, "cost-bounds", "--scheduler", "tcp://127.0.0.1:9", *CI)
    assert code == EXIT_USAGE and out == "" and time.perf_counter() - start < 10
    assert err.count("error:") == 1 and "tcp://127.0.0.1:9" in err and "dask scheduler" in err


def test_a_bad_address_is_a_usage_error(capsys):
    code, _, err = run(capsys, "cost-bounds", "--scheduler", "nonsense://x", *CI)
    assert code == EXIT_USAGE and "nonsense" in err and "Traceback" not in err


def test_without_dask_scheduler_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now raises ImportError
    code, _, err = run(capsys, "cost-bounds", "--scheduler", "tcp://127.0.0.1:8786", *CI)
    assert code == EXIT_USAGE and "skipnorm-verify[cluster]" in " ".join(err.split())


@pytest.fixture
def process_cluster():
    """Two worker *processes* (they can die): the retry finds the other one alive without waiting for a
    restart. The scheduler gives up on a task at the first death (allowed-failures 0), so verify's own
    retry is the only one."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        c.wait_for_workers(2, timeout=120)
        yield c


@pytest.mark.parametrize("dies", ["always", "once"])
def test_a_worker_that_dies_is_retried_once_then_error(tmp_path, process_cluster, dies):
    """A real worker process exits mid-task; verify submits the task once more: dying again is ERROR,
    succeeding is the task's own verdict."""
    jobs, args, plan = one_check_plan("cost-bounds/ce-grad-upper")
    fn = dying_task(dies, tmp_path)
    results = {}
    with process_cluster.get_client() as client:
        parallel.run_dask(plan, lambda r: results.__setitem__(r.index, r), lambda *a, **k: None, client, fn=fn,
                          timeout=120)  # a failure, never a hang
    (outcome,) = parallel.assemble(jobs, plan, results, args, (0,), interrupted=False)
    if dies == "always":
        assert outcome.verdict == "ERROR" and "failed twice" in outcome.checks[0].message
    else:
        assert outcome.verdict == "PASS" and outcome.instances > 0
