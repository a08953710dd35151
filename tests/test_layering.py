"""The packages form layers: theorems (sympy) < numerics (numpy) < verify (CLI). A lower layer never
imports an upper one — not even lazily inside a function — so each can be used and trusted on its own."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"theorems": ("numerics", "verify"), "numerics": ("verify",)}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import statement in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules found under {package}/"
    offences = [f"{f.relative_to(ROOT)}:{line} imports {top}" for f in files
                for line, top in imported_packages(f) if top in FORBIDDEN[package]]
    assert not offences, "\n".join(offences)


def test_the_checker_sees_a_lazy_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def save():\n    from verify.ui import json_line\n    import verify.cli as c\n")
    assert imported_packages(f) == [(2, "verify"), (3, "verify")]
