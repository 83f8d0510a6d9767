"""Labels: the files they come in, --one-based, how agent names compare, and how entries find trajectories."""

from __future__ import annotations

import json

import pytest

from tracesift.errors import UsageError
from tracesift.locate.labels import from_trajectory, match, normal_agent, read_file, same_agent


@pytest.mark.parametrize("a, b", [
    ("Orchestrator (thought)", "orchestrator"),
    ("Orchestrator (-> WebSurfer)", "Orchestrator"),
    ("Websurfer", "WebSurfer"),
    ("  Verification_Expert ", "verification_expert"),
    ("Orchestrator (termination condition)", "ORCHESTRATOR (thought)"),
])
def test_agent_names_compare_without_case_or_suffix(a, b):
    assert same_agent(a, b)


@pytest.mark.parametrize("a, b", [("WebSurfer", "FileSurfer"), ("Orchestrator", None), (None, None), ("", "")])
def test_different_or_missing_agents_never_compare_equal(a, b):
    assert not same_agent(a, b)


def test_a_name_that_is_only_a_suffix_is_kept():
    assert normal_agent("(thought)") == "(thought)"


def test_trajectory_labels_as_the_multi_agent_reader_writes_them():
    label = from_trajectory(json.dumps({"mistake_step": 4, "mistake_agent": "WebSurfer", "level": 1}))
    assert (label.step, label.agent) == (4, "WebSurfer")
    assert from_trajectory(json.dumps({"mistake_step": "3"})).step == 3  # kept as written when out of range
    assert from_trajectory(json.dumps({"level": 1})) is None
    assert from_trajectory(None) is None and from_trajectory("not json") is None


LABELS = [{"trajectory": "a/1.json", "step": 2, "agent": "X"}, {"trajectory": "b/2.json", "step": 0, "agent": "Y"}]


@pytest.mark.parametrize("form", ["list", "object", "labels", "jsonl", "csv"])
def test_every_file_form_gives_the_same_labels(tmp_path, form):
    path = tmp_path / "labels"
    if form == "list":
        path.write_text(json.dumps(LABELS))
    elif form == "object":
        path.write_text(json.dumps({x["trajectory"]: {"step": x["step"], "agent": x["agent"]} for x in LABELS}))
    elif form == "labels":
        path.write_text(json.dumps({"labels": LABELS}))
    elif form == "jsonl":
        path.write_text("".join(json.dumps(x) + "\n" for x in LABELS))
    else:
        path.write_text("trajectory,step,agent\n" + "".join(f"{x['trajectory']},{x['step']},{x['agent']}\n"
                                                            for x in LABELS))
    found = [(e.key, e.label.step, e.label.agent) for e in read_file(path)]
    assert found == [("a/1.json", 2, "X"), ("b/2.json", 0, "Y")]


def test_other_key_names_and_a_bare_step(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"t1": 5}))
    assert read_file(path)[0].label.step == 5
    path.write_text(json.dumps([{"trajectory_id": "t1", "mistake_step": "3", "mistake_agent": "A"}]))
    assert (read_file(path)[0].label.step, read_file(path)[0].label.agent) == (3, "A")


def test_one_based_steps_become_zero_based(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("file,step,agent\nx.json,1,A\ny.json,7,B\n")
    assert [e.label.step for e in read_file(path, one_based=True)] == [0, 6]
    path.write_text("file,step\nx.json,0\n")
    with pytest.raises(UsageError, match="not a 1-based step"):
        read_file(path, one_based=True)


@pytest.mark.parametrize("text, message", [
    ('[{"step": 1}]', "no trajectory named"),
    ('[{"trajectory": "t", "step": "two"}]', "not a whole number"),
    ('[{"trajectory": "t", "step": 1.5}]', "not a whole number"),
    ('[{"trajectory": "t"}]', "neither a step nor an agent"),
    ('[3]', "is an object"),
    ('{"a": 1}\n{oops\n', "line 2 is not JSON"),
    ("", "no labels"),
    ("step,agent\n1,A\n", "no trajectory named"),
])
def test_bad_labels_files_are_usage_errors_naming_the_place(tmp_path, text, message):
    path = tmp_path / "labels.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        read_file(path)


def test_a_missing_labels_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="labels file"):
        read_file(tmp_path / "nowhere.json")


TRAJECTORIES = {
    "data/Hand-Crafted/3.json": "/x/data/Hand-Crafted/3.json",
    "data/Algorithm-Generated/3.json": "/x/data/Algorithm-Generated/3.json",
    "data/Algorithm-Generated/4.json": "/x/data/Algorithm-Generated/4.json",
    "data/runs.jsonl#a": "/x/data/runs.jsonl",
    "data/runs.jsonl#b": "/x/data/runs.jsonl",
}


def _entries(tmp_path, keys):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([{"trajectory": k, "step": 1} for k in keys]))
    return read_file(path)


def test_entries_name_trajectories_by_id_tail_file_name_or_stem(tmp_path):
    found, problems = match(_entries(tmp_path, ["data/Hand-Crafted/3.json", "Algorithm-Generated/3.json", "4",
                                                "runs.jsonl#b"]), TRAJECTORIES)
    assert sorted(found) == ["data/Algorithm-Generated/3.json", "data/Algorithm-Generated/4.json",
                             "data/Hand-Crafted/3.json", "data/runs.jsonl#b"]
    assert problems == []


def test_unknown_and_ambiguous_names_are_reported_and_not_used(tmp_path):
    found, problems = match(_entries(tmp_path, ["3.json", "runs.jsonl", "99.json"]), TRAJECTORIES)
    assert found == {}
    assert "names 2 trajectories" in problems[0] and "names 2 trajectories" in problems[1]
    assert "no trajectory '99.json'" in problems[2]


def test_a_second_label_for_a_trajectory_replaces_the_first(tmp_path):
    found, problems = match(_entries(tmp_path, ["4", "4.json"]), TRAJECTORIES)
    assert list(found) == ["data/Algorithm-Generated/4.json"] and "replaces" in problems[0]
