"""The house's shape: no module imports back into one that imports it, and packages import only downwards."""

from __future__ import annotations

from tests import architecture

# Entry points, the write and read sides, adapters, the domain: a package may import only those after it.
LAYERS = ("api", "services|projections", "infra", "domain")


def _layer(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer.split("|"))


def test_no_module_imports_back_into_a_module_that_imports_it() -> None:
    imports = architecture.module_imports(architecture.build())
    assert architecture.cycle(imports) is None


def test_a_new_import_back_is_found_as_a_cycle() -> None:
    imports = architecture.module_imports(architecture.build())
    # domain.compact is imported by services.compacts; the reverse import would close a loop.
    assert "domain.compact" in imports["services.compacts"]
    imports["domain.compact"] = {*imports["domain.compact"], "services.compacts"}
    found = architecture.cycle(imports)
    assert found is not None
    assert {"domain.compact", "services.compacts"} <= set(found)


def test_packages_import_only_the_layers_below_them() -> None:
    edges = architecture.package_edges(architecture.module_imports(architecture.build()))
    upwards = {(s, t): n for (s, t), n in edges.items() if _layer(t) <= _layer(s)}
    assert upwards == {}
    # The entry points use everything below them; the write and read sides stand apart on infra and domain.
    assert {t for s, t in edges if s == "api"} == {"services", "projections", "infra", "domain"}
    assert {t for s, t in edges if s == "infra"} == {"domain"}
