"""The layout's arrows all point one way, and no module imports itself back through others.

apps (`relance.cli`, `relance.web`, `relance.simulation`) -> `scheduler` -> `bot` -> `messages` -> core
(`relance.core`). Every import counts, at module level or inside a function; only imports under
`if TYPE_CHECKING:` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("relance", "bot", "scheduler", "messages")
# Lower number = lower layer; a module may import only its own layer or lower ones.
LAYERS = {
    "relance.core": 0,
    "messages": 1,
    "bot": 2,
    "scheduler": 3,
    "relance.simulation": 4,
    "relance.web": 5,
    "relance.cli": 6,
}
CORE_FORBIDDEN = ("typer", "rich", "fastapi", "starlette", "uvicorn")


def layer_of(module: str) -> str:
    """The layer a module belongs to (the longest matching prefix)."""
    if module == "relance":  # the top package itself: a docstring, nothing else
        return "relance.core"
    best = ""
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
            best = prefix
    if not best:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")
    return best


def module_files() -> dict[str, Path]:
    """Every module of the project's packages (migration scripts excepted: Alembic loads them)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            if "versions" in rel.parts:
                continue
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, path: Path, known: frozenset[str] = frozenset()) -> set[str]:
    """Every module name `module` imports (absolute, resolved for relative imports).

    `from package import submodule` counts as importing the submodule when it is one of `known`
    (the package's `__init__` runs first, but importing it is not what the line is for).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    names: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            subs = {f"{prefix}.{alias.name}" for alias in node.names}
            names.update(subs & known)
            if subs - known:
                names.add(prefix)
    return names


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    files = module_files()
    known = frozenset(files)
    return {m: {n for n in imports_of(m, p, known) if n in known and n != m} for m, p in files.items()}


def test_every_module_is_in_a_layer(graph: dict[str, set[str]]) -> None:
    for module in graph:
        layer_of(module)


def test_imports_point_down(graph: dict[str, set[str]]) -> None:
    upward = [
        f"{m} ({layer_of(m)}) imports {n} ({layer_of(n)})"
        for m, targets in graph.items()
        for n in targets
        if LAYERS[layer_of(n)] > LAYERS[layer_of(m)]
    ]
    assert upward == []


def test_core_imports_no_cli_or_web_library() -> None:
    offending = []
    for module, path in module_files().items():
        if layer_of(module) != "relance.core":
            continue
        for name in imports_of(module, path):
            if name.split(".")[0] in CORE_FORBIDDEN:
                offending.append(f"{module} imports {name}")
    assert offending == []


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    """Tarjan's strongly connected components: every component must be a single module.

    A package's `__init__` importing its own submodules is not a cycle unless a submodule imports
    the package back, which is exactly what this catches.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []
