"""Tasks that kill the worker process running them, for the retry tests of --jobs and --scheduler.

Module-level functions (not closures) so worker processes can unpickle them by name."""

import functools
import os

from verify import cli, parallel, registry

CI = ["--profile", "ci", "--no-progress"]


def _die(task):
    os._exit(3)


def _die_once(marker, task):
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(3)
    return parallel.run_task(task)


def dying_task(dies: str, tmp_path):
    """The task function: "always" kills its worker every time, "once" only on the first call (a marker
    file in tmp_path remembers it), then runs the real task."""
    return _die if dies == "always" else functools.partial(_die_once, str(tmp_path / "died"))


def one_check_plan(check_id: str):
    """(jobs, args, plan) of one check at seed 0 in the ci profile."""
    entry, check = registry.resolve(check_id)
    jobs = [(entry, [check], "check")]
    args = cli.build_parser().parse_args([check_id, *CI])
    args.seed = 0
    return jobs, args, parallel.plan(jobs, args, (0,))
