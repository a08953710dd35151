"""Hypothesis settings profiles: quick, ci (default), thorough. Select with HYPOTHESIS_PROFILE=thorough."""

import os

from hypothesis import HealthCheck, settings

_common = dict(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("quick", max_examples=10, **_common)
settings.register_profile("ci", max_examples=50, **_common)
settings.register_profile("thorough", max_examples=500, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# `verify` runs its tasks in one worker per core by default; the suite already runs in pytest-xdist workers,
# and many CLI tests monkeypatch the registry, which worker processes would not see. Tests that exercise
# the worker pool pass --jobs explicitly (tests/verify/test_parallel.py).
os.environ.setdefault("VERIFY_JOBS", "1")
