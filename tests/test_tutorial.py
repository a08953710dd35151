"""docs/tutorial.md cannot rot: its ```python blocks run in order, in one namespace, and must not raise."""

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks() -> list[str]:
    return BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))


def test_tutorial_has_python_blocks_with_assertions():
    found = blocks()
    assert len(found) >= 4
    assert all("assert" in b for b in found), "every tutorial block checks what it claims"


def test_tutorial_blocks_run(capsys):
    namespace: dict = {"__name__": "tutorial"}
    for i, code in enumerate(blocks()):
        try:
            compiled = compile(code, f"{TUTORIAL.name}[block {i}]", "exec")
            exec(compiled, namespace)  # noqa: S102 - running the tutorial's code is the point of this test
        except Exception as exc:  # noqa: BLE001 - name the failing block
            pytest.fail(f"tutorial block {i} raised {type(exc).__name__}: {exc}\n{code}")
    out = capsys.readouterr().out
    assert "HELD" in out and "chain λ_min" in out
