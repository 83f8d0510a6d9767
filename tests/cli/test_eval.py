"""`tracesift eval` and `train-locator` as a user meets them: scores that follow from known predictions,
labels files, bad input, and a trained model used by scan and eval."""

from __future__ import annotations

import json
import shlex
import shutil
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SAMPLES
from tracesift.cli import app
from tracesift.locate.model import FORMAT, FORMAT_VERSION


def log(path: Path, agents: list[str], step: int | None = None, agent: str | None = None) -> None:
    """A multi-agent benchmark log: one turn per agent given, labelled when ``step`` or ``agent`` is."""
    record = {"question": "How many albums?", "is_correct": False,
              "history": [{"role": "assistant", "name": a, "content": f"turn {i} by {a}"} for i, a in enumerate(agents)]}
    if step is not None:
        record["mistake_step"] = str(step)
    if agent is not None:
        record["mistake_agent"] = agent
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


@pytest.fixture
def logs(tmp_path) -> Path:
    """Subset A: one log labelled at step 0 (agent P), one at step 2 (Q); subset B: one at step 1 (P)."""
    root = tmp_path / "logs"
    log(root / "A" / "x1.json", ["P", "Q", "R"], 0, "p (thought)")
    log(root / "A" / "x2.json", ["P", "Q", "Q"], 2, "Q")
    log(root / "B" / "y.json", ["P", "Q", "R", "S"], 1, "P")
    return root


@pytest.fixture
def first_step_model(tmp_path) -> Path:
    """A hand-written model that always picks step 0 and its agent: the predictions are known."""
    path = tmp_path / "first.json"
    path.write_text(json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "features": ["is_first"],
                                "mean": [0.0], "scale": [1.0], "coef": [10.0], "intercept": 0.0,
                                "agent_rule": "step"}))
    return path


def evaluate(runner, *args) -> tuple[dict, object]:
    result = runner.invoke(app, ["eval", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result


def by_subset(document: dict) -> dict:
    return {s["subset"]: s for s in [*document["subsets"], document["overall"]]}


def test_a_labelled_trajectory_without_first_failure_is_a_miss(runner, tmp_path):
    """A log with no outcome and nothing failing in it gets no first_failure: labelled from a file, it is a miss."""
    root = tmp_path / "logs"
    history = [{"role": "assistant", "name": a, "content": f"turn {i} by {a}"} for i, a in enumerate("PQR")]
    (root / "A").mkdir(parents=True)
    (root / "A" / "quiet.json").write_text(json.dumps({"question": "How many albums?", "history": history}))
    labels = tmp_path / "labels.csv"
    labels.write_text("trajectory,step,agent\nquiet,1,Q\n")
    document, result = evaluate(runner, root, "--store", tmp_path / "store", "--labels", labels)
    subsets = by_subset(document)
    assert (subsets["A"]["labelled"], subsets["A"]["predicted"], subsets["A"]["missing"]) == (1, 0, 1)
    assert subsets["(all)"]["step_accuracy"] == 0 and subsets["(all)"]["agent_accuracy"] == 0
    assert document["first_failure_findings"] == 0 and "counts as a miss" in result.stderr


def test_the_rules_locate_every_labelled_failure(runner, logs, tmp_path):
    document, _ = evaluate(runner, logs, "--store", tmp_path / "store")
    assert document["first_failure_findings"] == 3
    assert all(s["predicted"] == s["labelled"] for s in document["subsets"])


def test_scores_follow_from_the_predictions(runner, logs, tmp_path, first_step_model):
    document, _ = evaluate(runner, logs, "--store", tmp_path / "store", "--locator", first_step_model)
    subsets = by_subset(document)
    # A: x1 exact and right agent (P vs "p (thought)"), x2 two steps off and wrong agent; B: one off, right agent
    assert subsets["A"]["step_accuracy"] == 0.5 and subsets["A"]["agent_accuracy"] == 0.5
    assert subsets["A"]["within"]["1"] == 0.5 and subsets["A"]["within"]["2"] == 1
    assert subsets["B"]["step_accuracy"] == 0 and subsets["B"]["agent_accuracy"] == 1
    assert subsets["B"]["within"]["1"] == 1
    assert subsets["(all)"]["step_accuracy"] == pytest.approx(1 / 3)
    assert subsets["(all)"]["agent_accuracy"] == pytest.approx(2 / 3)
    assert {c["detector"] for c in document["trajectories"]} == {"locator"}
    assert document["schema_version"] == 1 and document["rules"]["agent"]


def test_a_labels_file_replaces_the_carried_labels_and_counts_from_one(runner, logs, tmp_path, first_step_model):
    labels = tmp_path / "labels.csv"
    labels.write_text("trajectory,step,agent\nA/x2.json,1,P (-> Q)\ny,1,p\n")  # 1-based: step 0 for both
    document, _ = evaluate(runner, logs, "--store", tmp_path / "store", "--locator", first_step_model,
                           "--labels", labels, "--one-based")
    subsets = by_subset(document)
    assert subsets["A"]["step_accuracy"] == 1 and subsets["A"]["agent_accuracy"] == 1
    assert subsets["B"]["step_accuracy"] == 1
    assert document["labels"] == str(labels)


def test_bad_labels_are_reported_and_left_out(runner, logs, tmp_path, first_step_model):
    log(logs / "B" / "empty.json", [], 0, "P")
    log(logs / "B" / "one.json", ["P"], 0, "P")
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"trajectory": "x1", "step": 9}\n{"trajectory": "nowhere.json", "step": 1}\n')
    document, result = evaluate(runner, logs, "--store", tmp_path / "store", "--locator", first_step_model,
                                "--labels", labels)
    assert "labelled step 9 is not one of its 3 steps" in result.stderr
    assert "no trajectory 'nowhere.json'" in result.stderr
    assert "not one of its 0 steps" in result.stderr  # the empty log
    scored = {c["trajectory_id"].split("/", 1)[1] for c in document["trajectories"]}
    assert scored == {"A/x2.json", "B/y.json", "B/one.json"}
    assert by_subset(document)["B"]["labelled"] == 2 and len(document["problems"]) == 3


def test_jsonl_and_csv(runner, logs, tmp_path, first_step_model):
    store = tmp_path / "store"
    lines = runner.invoke(app, ["eval", str(logs), "--store", str(store), "--locator", str(first_step_model),
                                "--jsonl"]).stdout.splitlines()
    assert len(lines) == 3 and {"step_error", "agent_correct"} <= json.loads(lines[0]).keys()
    rows = runner.invoke(app, ["eval", str(logs), "--store", str(store), "--csv"]).stdout.splitlines()
    assert rows[0].startswith("subset,labelled,predicted,missing,agent,step") and len(rows) == 4


def test_no_labels_at_all_is_exit_2(runner, tmp_path):
    log(tmp_path / "logs" / "a.json", ["P", "Q"])
    result = runner.invoke(app, ["eval", str(tmp_path / "logs"), "--store", str(tmp_path / "store")])
    assert result.exit_code == 2 and "no labelled trajectory" in result.stderr


@pytest.mark.parametrize("command", ["eval", "scan"])
def test_a_model_file_of_another_version_is_refused(runner, logs, tmp_path, first_step_model, command):
    data = json.loads(first_step_model.read_text())
    first_step_model.write_text(json.dumps({**data, "format_version": 0}))
    result = runner.invoke(app, [command, str(logs), "--store", str(tmp_path / "store"), "--locator",
                                 str(first_step_model)])
    assert result.exit_code == 2 and "format version 0" in result.stderr


def test_a_bad_labels_file_is_exit_2(runner, logs, tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text('[{"trajectory": "x1", "step": "late"}]')
    result = runner.invoke(app, ["eval", str(logs), "--store", str(tmp_path / "store"), "--labels", str(labels)])
    assert result.exit_code == 2 and "not a whole number" in result.stderr


def test_train_locator_round_trip_through_scan_and_eval(runner, tmp_path):
    shutil.copytree(SAMPLES / "agents" / "multi_agent", tmp_path / "ma")
    model, store = tmp_path / "model.json", str(tmp_path / "store")
    trained = runner.invoke(app, ["train-locator", str(tmp_path / "ma"), "-o", str(model), "--store", store])
    assert trained.exit_code == 0, trained.output
    assert "learned from 2 labelled trajectories" in trained.stdout
    assert json.loads(model.read_text())["trained_on"]["subsets"] == {".": 2}
    document, _ = evaluate(runner, tmp_path / "ma", "--store", store, "--locator", model)
    assert document["overall"]["predicted"] == 2 and document["overall"]["missing"] == 0
    scan = runner.invoke(app, ["scan", str(tmp_path / "ma"), "--store", store, "--locator", str(model), "--json"])
    found = [f for f in json.loads(scan.stdout)["findings"] if f["kind"] == "first_failure"]
    assert {f["detector"] for f in found} == {"locator"} and len(found) == 2  # the successful log has none
    schema = json.loads(files("tracesift.reports").joinpath("findings.schema.json").read_text())
    jsonschema.validate(json.loads(scan.stdout), schema)


def test_train_locator_without_labels_is_exit_2(runner, tmp_path):
    log(tmp_path / "logs" / "a.json", ["P", "Q"])
    result = runner.invoke(app, ["train-locator", str(tmp_path / "logs"), "-o", str(tmp_path / "m.json"),
                                 "--store", str(tmp_path / "store")])
    assert result.exit_code == 2 and "no labelled trajectory to learn from" in result.stderr


@pytest.mark.parametrize("name", ["eval", "train-locator"])
def test_the_help_examples_run(runner, tmp_path, monkeypatch, name):
    import typer.main

    shutil.copytree(SAMPLES / "agents" / "multi_agent", tmp_path / "sample_traces" / "agents" / "multi_agent")
    monkeypatch.chdir(tmp_path)
    help_text = typer.main.get_command(app).commands[name].help
    line = next(line for line in help_text.splitlines() if line.startswith("Example:"))
    result = runner.invoke(app, shlex.split(line.removeprefix("Example:"))[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()


@pytest.mark.parametrize("command", ["eval", "scan"])
def test_locator_default_says_none_ships_and_the_rules_stay(runner, tmp_path, command):
    shutil.copytree(SAMPLES / "agents" / "multi_agent", tmp_path / "ma")
    result = runner.invoke(app, [command, str(tmp_path / "ma"), "--store", str(tmp_path / "store"), "--locator",
                                 "default"])
    assert result.exit_code == 2 and "ships no default locator model" in result.stderr
    assert "train-locator" in result.stderr
    document, _ = evaluate(runner, tmp_path / "ma", "--store", tmp_path / "store")  # without --locator: the rules
    assert document["overall"]["predicted"] == 2 and document["locator"] is None
