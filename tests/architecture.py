"""The import graph of the registry's packages: who imports whom, and any cycle between modules.

`python3 tasks.py imports` prints it (the pictures in docs/adr/0009-one-direction.md were drawn with it), and
tests/unit/test_architecture.py fails on any module cycle.
"""

from __future__ import annotations

import graphlib
import sys
from collections import Counter
from collections.abc import Iterable

import grimp

PACKAGES = ("api", "services", "projections", "infra", "domain")


def build() -> grimp.ImportGraph:
    """The graph of every module of the packages, as import-linter sees it: type-checking imports left out."""
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)


def module_imports(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Each module with the project modules it imports."""
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def cycle(imports: dict[str, set[str]]) -> list[str] | None:
    """A cycle of modules importing each other, or None when the imports form none."""
    try:
        tuple(graphlib.TopologicalSorter(imports).static_order())
    except graphlib.CycleError as error:
        found: list[str] = error.args[1]
        return found
    return None


def package_edges(imports: dict[str, set[str]]) -> Counter[tuple[str, str]]:
    """How many module-to-module imports go from each top-level package to each other one."""
    return Counter(
        (source.split(".")[0], target.split(".")[0])
        for source, targets in imports.items()
        for target in targets
        if source.split(".")[0] != target.split(".")[0]
    )


def mermaid(edges: Counter[tuple[str, str]]) -> Iterable[str]:
    """The package graph as a Mermaid flowchart, each arrow labelled with its number of module imports."""
    yield "flowchart TD"
    for (source, target), count in sorted(edges.items(), key=lambda e: (PACKAGES.index(e[0][0]), e[0][1])):
        yield f"    {source} -->|{count}| {target}"


def main() -> int:
    imports = module_imports(build())
    print("\n".join(mermaid(package_edges(imports))))
    found = cycle(imports)
    if found:
        print("module cycle: " + " -> ".join(found), file=sys.stderr)
        return 1
    print(f"%% {len(imports)} modules, no module cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
