"""The layers of the package, checked on its import graph: data flows one way, and only the pipeline
knows readers, store and detectors together."""

from __future__ import annotations

import grimp
import pytest

EVERYWHERE = {"tracesift", "tracesift.errors"}  # the package itself (its version), and the named errors
# layer -> what its modules may import from tracesift, besides their own layer
ALLOWED = {
    "tracesift.findings": set(),
    "tracesift.report_data": {"tracesift.findings"},  # what a report shows, as plain data
    "tracesift.registry": set(),
    "tracesift.store": set(),
    "tracesift.readers": {"tracesift.store.schema", "tracesift.store.arrays", "tracesift.store.paths",
                          "tracesift.registry"},
    "tracesift.detectors": {"tracesift.findings", "tracesift.registry",
                            "tracesift.store.roles"},  # the roles detectors ask for, and their parts
    "tracesift.locate": {"tracesift.findings", "tracesift.detectors.base"},  # one trajectory and its findings
    "tracesift.reports": {"tracesift.findings", "tracesift.report_data"},
    "tracesift.pipeline": {"tracesift.findings", "tracesift.readers", "tracesift.store", "tracesift.detectors",
                           "tracesift.locate", "tracesift.report_data",
                           "tracesift.config"},  # reader options from a tracesift.toml beside an input
    "tracesift.config": {"tracesift.findings", "tracesift.store.roles"},
}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("tracesift")


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def crossings(graph, layer: str) -> list[str]:
    """Every import out of ``layer`` into a part of tracesift it may not use."""
    allowed = {layer, *ALLOWED[layer]}
    return sorted(
        f"{module} imports {imported}"
        for module in graph.modules if _within(module, layer)
        for imported in graph.find_modules_directly_imported_by(module)
        if _within(imported, "tracesift") and imported not in EVERYWHERE
        and not any(_within(imported, ok) for ok in allowed)
    )


@pytest.mark.parametrize("layer", ALLOWED)
def test_layer_imports_only_what_it_may(graph, layer):
    found = crossings(graph, layer)
    assert not found, "\n".join(found)


def test_nothing_outside_the_cli_imports_it(graph):
    importers = {m for m in graph.find_modules_that_directly_import("tracesift.cli")}
    importers |= {m for c in graph.find_children("tracesift.cli") for m in graph.find_modules_that_directly_import(c)}
    assert {m for m in importers if not _within(m, "tracesift.cli")} <= {"tracesift.__main__"}


def test_a_crossing_is_reported():
    graph = grimp.build_graph("tracesift")
    graph.add_import(importer="tracesift.store.writer", imported="tracesift.readers.base")
    graph.add_import(importer="tracesift.detectors.base", imported="tracesift.store.views")
    assert crossings(graph, "tracesift.store") == ["tracesift.store.writer imports tracesift.readers.base"]
    assert crossings(graph, "tracesift.detectors") == ["tracesift.detectors.base imports tracesift.store.views"]
