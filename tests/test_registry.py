"""The plugin registry: built-ins first, entry points after, clashes refused, broken plugins one warning."""

from __future__ import annotations

import importlib.metadata
import warnings
from importlib.metadata import EntryPoint

import pytest

from tests.conftest import SAMPLES
from tracesift import detectors
from tracesift.findings import SubjectType
from tracesift.pipeline.scan import scan
from tracesift.registry import PluginWarning, Registry
from tracesift.store.query import query


@pytest.fixture
def plugins(monkeypatch):
    """Entry points as a third-party package would declare them: one good, one clashing, one broken."""
    points = [
        EntryPoint("first_error", "tests.plugins:FIRST_ERROR", "tracesift.detectors"),
        EntryPoint("taken", "tests.plugins:TAKEN_NAME", "tracesift.detectors"),
        EntryPoint("broken", "tests.plugins_that_do_not_exist:DETECTOR", "tracesift.detectors"),
    ]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [p for p in points if p.group == group])
    fresh = Registry("detector", "tracesift.detectors", detectors.DETECTORS.packages, "DETECTOR")
    monkeypatch.setattr(detectors, "DETECTORS", fresh)
    return fresh


def test_plugins_load_lazily_and_clashes_and_breakage_are_warnings(plugins):
    assert plugins._loaded is None  # nothing imported until asked
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = plugins.names()
    builtins = [d.name for d in plugins.builtins()]
    assert names[: len(builtins)] == builtins
    assert names[-1] == "first_error"
    assert plugins.get("divergence").description != "a second detector called divergence"
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert len(messages) == 2
    assert any("'divergence'" in m and "already registered" in m for m in messages)
    assert any("'broken'" in m and "failed to load" in m for m in messages)
    with pytest.raises(KeyError, match="no detector 'nope'"):
        plugins.get("nope")


def test_a_trajectory_detector_from_a_plugin_judges_every_trajectory(plugins, tmp_path):
    import shutil

    shutil.copytree(SAMPLES / "agents", tmp_path / "agents")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        result = scan([tmp_path / "agents"], jobs=1, detectors=["first_error"])
    stored = query(result.ingest.store, "select count(*) n from trajectories").dicts()[0]["n"]
    assert result.trajectories == stored > 20 and result.runs == 0
    assert all(f.subject_type is SubjectType.trajectory for f in result.findings)
    found = {f.subject_id: f for f in result.findings if f.detector == "first_error"}  # first_failure follows it
    assert found
    sql = "select trajectory_id, min(step) from steps where is_error group by 1"
    with_errors = dict(tuple(row.values()) for row in query(result.ingest.store, sql).dicts())
    assert {subject: f.first_step for subject, f in found.items()} == with_errors
    assert found["chat/tool_error_cascade.json"].agent is not None
    assert result.subjects() == f"{stored} trajectories"


def test_builtins_are_found_in_their_package_not_listed(tmp_path, monkeypatch):
    """A module that defines the attribute is a plugin; one that does not (a helper) is not; rank orders them."""
    package = tmp_path / "found_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("SHARED = 1\n")
    for module, name, last in (("zeta", "zeta", False), ("alpha", "alpha", True), ("mid", "mid", False)):
        (package / f"{module}.py").write_text(
            f"from types import SimpleNamespace\nPLUGIN = SimpleNamespace(name={name!r}, last={last})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = Registry("thing", "no.such.group", ["found_plugins"], "PLUGIN", rank=lambda p: p.last)
    assert [p.name for p in found.builtins()] == ["mid", "zeta", "alpha"]
    unranked = Registry("thing", "no.such.group", ["found_plugins"], "PLUGIN")
    assert unranked.names() == ["alpha", "mid", "zeta"]


def test_fallback_readers_are_asked_last():
    from tracesift.readers import all_readers

    fallbacks = [r.fallback for r in all_readers()]
    assert fallbacks == sorted(fallbacks) and any(fallbacks)
    assert {r.name for r in all_readers() if r.fallback} == {"csv", "jsonl", "stdout"}
