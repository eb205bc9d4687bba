"""The floors of the program, read from its imports: an import only ever points down, so no cycle
runs between floors. Imports inside one floor (a component importing another) are not checked.

model (ground) <- settings, dashboards (side by side) <- components <- program <- tools.
Tests stand on top of everything; nothing of the program imports them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("model", "settings", "dashboards", "components", "program", "__main__", "tools", "tests")
# What each floor may import, besides itself.
ALLOWED = {
    "model": set(),
    "settings": {"model"},
    "dashboards": {"model"},
    "components": {"model", "settings"},
    "program": {"model", "settings", "dashboards", "components"},
    "__main__": {"program"},
    "tools": {"model", "settings", "dashboards", "components", "program"},
    "tests": {"model", "settings", "dashboards", "components", "program", "tools"},
}


def floor_of(path: Path) -> str:
    top = path.relative_to(ROOT).parts[0]
    return top.removesuffix(".py")


def project_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level project module) of every import in a file, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                yield node.lineno, top


def sources() -> list[Path]:
    files = [ROOT / "program.py", ROOT / "__main__.py"]
    for package in ("model", "settings", "dashboards", "components", "tools", "tests"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f.exists() and ".venv" not in f.parts]


def upward_imports(path: Path, floor: str) -> list[str]:
    return [
        f"line {line}: {floor} imports {target}"
        for line, target in project_imports(path)
        if target != floor and target not in ALLOWED[floor]
    ]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
    assert upward_imports(path, floor_of(path)) == []


def test_the_floor_check_catches_an_upward_import(tmp_path):
    """The check above can fail: a model module importing components, or a tool importing tests."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import json\nfrom components.team import TeamMonitoring\n\n\ndef f():\n    import tests.x\n"
    )
    assert upward_imports(planted, "model") == [
        "line 2: model imports components",
        "line 6: model imports tests",
    ]
    assert upward_imports(planted, "tools") == ["line 6: tools imports tests"]
