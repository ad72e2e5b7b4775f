"""The layers read top to bottom: `foundation` (the framework seam and the controller's contract) under the rules
(`aspects`), the rules under the stack and the gate (`policies`), and no arrow climbing back; no module imports
itself back through others. Imports inside functions count: a late import is still an arrow."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What each first-party package may stand on (besides itself).
MAY_IMPORT = {
    "foundation": set(),
    "aspects": {"foundation"},
    "stack": {"foundation", "aspects"},
    "policies": {"foundation", "aspects"},
    "console": {"foundation"},
}


def _name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = {_name(p, root): p for package in MAY_IMPORT for p in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                while name and name not in modules:  # `foundation.aws.x` is the alias of a foundation module
                    name = name.rpartition(".")[0]
                if name and name != module:
                    graph[module].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_arrow_climbs_back_up_the_layers():
    graph = import_graph()
    climbing = sorted(f"{module} imports {target}" for module, targets in graph.items() for target in targets
                      if target.split(".")[0] != module.split(".")[0]
                      and target.split(".")[0] not in MAY_IMPORT[module.split(".")[0]])
    assert not climbing, climbing
    assert graph["stack.migration_stack"] and graph["aspects.facts"]  # the graph is read, not empty


def test_no_module_imports_itself_back(tmp_path):
    assert cycles(import_graph()) == []
    # The search finds a circle when there is one, as `policies` once had between its gate and its reports.
    package = tmp_path / "policies"
    package.mkdir()
    (package / "gate.py").write_text("from policies.reports import write\n")
    (package / "reports.py").write_text("def write():\n    from policies.gate import main\n")
    for other in set(MAY_IMPORT) - {"policies"}:
        (tmp_path / other).mkdir()
    assert cycles(import_graph(tmp_path)) == [["policies.gate", "policies.reports"]]
