"""Imported once by the fork server of the local worker pool (multiprocessing.set_forkserver_preload).

Every worker is then forked with sympy, hypothesis, the theorems and the checks already imported,
instead of spending a second importing them itself.
"""

try:
    from verify import registry

    registry.entries()
except Exception:  # noqa: BLE001 - a broken checks module is reported by the worker that needs it, as in a serial run
    pass
