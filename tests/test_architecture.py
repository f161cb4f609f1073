"""The import graph as ARCHITECTURE.md draws it: layers that import only downward, no cycle, and
route modules that never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

from kg.settings import PROJECT_ROOT

#: Package prefix -> layer; a module may import from its own layer and the ones below.
LAYERS = {
    "kg.errors": 0,
    "kg.namespaces": 0,
    "kg.settings": 0,
    "kg.queries": 0,
    "kg.progress": 0,
    "kg.graph": 1,
    "kg.store": 2,
    "kg.query": 3,
    "kg.describe": 4,
    "kg.contrib": 4,
    "kg.cli": 5,
    "kg.serving": 5,
    "api": 6,
    "api.routes": 7,
    "api.app": 8,
}


def _layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("kg", "api"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that ``path`` imports at run time (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_no_route_module_imports_another() -> None:
    sideways = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.startswith("api.routes.")
        for target in sorted(targets)
        if target.startswith("api.routes.")
    ]
    assert sideways == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    # A package imports its own modules (re-exports): that is not a cycle through them.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".")}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
