"""The layers of DESIGN.md hold: core <- ingest <- api / bot / evals <- the CLI, and an installed
Waymark adds one import name, `waymark`, to site-packages."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ("api", "bot", "ingest", "evals")
# what each layer may import besides the core and itself
MAY_IMPORT = {"core": set(), "ingest": set(), "api": {"ingest"}, "bot": set(),
              "evals": {"ingest"}}


def _layer(path: Path) -> str | None:
    """The layer of a source file, None for the CLI (the composition root)."""
    top = path.relative_to(ROOT).parts[0]
    if top in ADAPTERS:
        return top
    return None if path.name.startswith("cli") else "core"


def _imported_layers(path: Path) -> set[str]:
    layers = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "waymark" and len(parts) > 1 and parts[1] in ADAPTERS:
                layers.add(parts[1])
            elif parts[0] in ADAPTERS:
                layers.add(f"top-level {parts[0]}")
    return layers


def _sources() -> list[Path]:
    core = [p for p in (ROOT / "waymark").rglob("*.py")
            if p.relative_to(ROOT / "waymark").parts[0] not in ADAPTERS]
    return core + [p for top in ADAPTERS for p in (ROOT / top).rglob("*.py")]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_the_layers_below_it(path: Path) -> None:
    layer = _layer(path)
    imported = _imported_layers(path) - {layer}
    assert not any(name.startswith("top-level") for name in imported), \
        f"{path}: import the adapters as waymark.<name>, never by their folder name"
    if layer is not None:
        assert imported <= MAY_IMPORT[layer], f"{path} ({layer}) imports {sorted(imported)}"


def test_no_module_edits_sys_path() -> None:
    for path in [*_sources(), *(ROOT / "benchmarks").glob("*.py")]:
        assert "sys.path[" not in path.read_text(encoding="utf-8"), path


def test_an_installed_waymark_adds_one_import_name() -> None:
    distribution = importlib.metadata.distribution("waymark")
    assert (distribution.read_text("top_level.txt") or "").split() == ["waymark"]
    owners = importlib.metadata.packages_distributions()
    assert not [name for name in ADAPTERS if "waymark" in owners.get(name, [])]
