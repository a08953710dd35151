"""Every numeric check of the toolkit, discovered from the modules of this package.

Each module ``numerics/checks/<name>.py`` defines a module-level ``CHECKS`` list of
``numerics.attack.check.NumericCheck``. A new module is picked up without registration. A module
that fails to import does not hide the others: its error is kept in ``discovery_errors()`` and the
CLI reports it as an ERROR.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from numerics.attack.check import NumericCheck


@lru_cache(maxsize=1)
def _scan() -> tuple[tuple[NumericCheck, ...], tuple[tuple[str, str], ...]]:
    found: list[NumericCheck] = []
    errors: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        name = f"{__name__}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - reported by discovery_errors(), see the module docstring
            errors.append((name, f"{type(exc).__name__}: {exc}"))
            continue
        for check in getattr(module, "CHECKS", ()):
            if not isinstance(check, NumericCheck):
                raise TypeError(f"{module.__name__}.CHECKS holds {type(check).__name__}, not NumericCheck")
            if check.id in seen:
                raise ValueError(f"check id {check.id!r} defined in both {seen[check.id]} and {module.__name__}")
            seen[check.id] = module.__name__
            found.append(check)
    return tuple(found), tuple(errors)


def _discover() -> tuple[NumericCheck, ...]:
    return _scan()[0]


def discovery_errors() -> list[tuple[str, str]]:
    """(module name, error) for each checks module that failed to import."""
    return list(_scan()[1])


def all_checks() -> list[NumericCheck]:
    """All checks (and negative controls), in module order then list order."""
    return list(_discover())


def checks_for(result_id: str) -> list[NumericCheck]:
    return [c for c in _discover() if c.result_id == result_id]


def get_check(check_id: str) -> NumericCheck:
    for c in _discover():
        if c.id == check_id:
            return c
    raise KeyError(check_id)
