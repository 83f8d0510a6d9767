"""`tracesift report`, `show` and `plot` as a user runs them."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import SAMPLES
from tracesift.cli import app

RUN = "training/tensorboard/lm_diverge"
TRAJECTORY = "agents/openhands/delegation_loop.json"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """A copy of the samples with the report written (and so its store and findings)."""
    from typer.testing import CliRunner

    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SAMPLES / "training" / "tensorboard", root / "logs" / "training" / "tensorboard")
    shutil.copytree(SAMPLES / "agents" / "openhands", root / "logs" / "agents" / "openhands")
    result = CliRunner().invoke(app, ["report", str(root / "logs"), "-o", str(root / "report.html"), "-j", "1"])
    assert result.exit_code == 0, result.output
    return root, result


def test_report_writes_one_file_and_prints_its_path(scanned):
    root, result = scanned
    assert result.stdout.strip() == str(root / "report.html")
    html = (root / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "lm_diverge" in html and "delegation_loop.json" in html
    assert "findings in" in result.stderr


def test_report_of_nothing_readable_exits_3(runner, tmp_path):
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe junk")
    result = runner.invoke(app, ["report", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 3
    assert not (tmp_path / "r.html").exists()


def test_show_a_run_prints_a_sparkline_per_metric_and_its_findings(runner, scanned):
    root, _ = scanned
    result = runner.invoke(app, ["show", str(root / "logs" / RUN)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│ ") and "│" in line[2:]}
    assert {"loss", "grad_norm", "lr"} <= set(lines)
    assert any(bar in lines["loss"] for bar in "▁▂▃▄▅▆▇█") and "!" in lines["loss"], "a sparkline, non-finite marked"
    assert "divergence" in result.stdout and "grad_explosion" in result.stdout


def test_show_a_trajectory_prints_the_steps_around_its_first_failure(runner, scanned):
    root, _ = scanned
    result = runner.invoke(app, ["show", TRAJECTORY.rsplit("/", 1)[1], "--store", str(root / "logs")])
    assert result.exit_code == 0, result.output
    assert "around the first failure (step 2)" in result.stdout
    assert "▶ 2" in result.stdout and "first_failure" in result.stdout


def test_show_an_unknown_subject_exits_2(runner, scanned):
    root, _ = scanned
    result = runner.invoke(app, ["show", "no-such-run", "--store", str(root / "logs")])
    assert result.exit_code == 2
    assert "no run or trajectory named" in result.stderr


def test_plot_writes_an_svg_with_the_series_and_the_findings(runner, scanned):
    root, _ = scanned
    out = root / "loss.svg"
    result = runner.invoke(app, ["plot", str(root / "logs" / RUN), "--metric", "loss", "-o", str(out)])
    assert result.exit_code == 0, result.output
    tree = ET.parse(out)
    ids = {element.get("id") for element in tree.iter() if element.get("id")}
    assert "series-loss" in ids and "onset" in ids and "first-alarm" in ids and "non-finite" in ids


def test_plot_writes_a_png(runner, scanned):
    root, _ = scanned
    out = root / "grad.png"
    result = runner.invoke(app, ["plot", str(root / "logs" / RUN), "-m", "grad_norm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (990, 440)


def test_plot_refuses_a_missing_metric_a_trajectory_and_other_formats(runner, scanned):
    root, _ = scanned
    run = str(root / "logs" / RUN)
    missing = runner.invoke(app, ["plot", run, "-m", "reward", "-o", str(root / "x.png")])
    assert missing.exit_code == 2 and "has no metric 'reward'" in missing.stderr
    trajectory = runner.invoke(app, ["plot", TRAJECTORY, "--store", str(root / "logs"), "-o", str(root / "x.png")])
    assert trajectory.exit_code == 2 and "trajectory" in trajectory.stderr
    pdf = runner.invoke(app, ["plot", run, "-o", str(root / "x.pdf")])
    assert pdf.exit_code == 2 and ".png or .svg" in pdf.stderr


def test_show_prints_log_text_as_text(runner, tmp_path):
    import json

    messages = [{"role": "user", "content": "[bold red]Run[/] the tests"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "bash", "arguments": "{\"cmd\": \"pytest\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "Error: \x1b[31mFAILED\x1b[0m \x1b]0;title\x07"}]
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "chat.jsonl").write_text(json.dumps({"id": "t1", "outcome": "failure",
                                                              "messages": messages}) + "\n")
    assert runner.invoke(app, ["scan", str(tmp_path / "logs"), "--fail-on", "never"]).exit_code == 0
    result = runner.invoke(app, ["show", "chat.jsonl", "--store", str(tmp_path / "logs")])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\\x1b[31mFAILED" in result.stdout
    assert "[bold red]Run[/] the tests" in result.stdout, "rich markup in a log is printed as it is"



def test_two_reports_of_the_same_logs_are_the_same_file_but_for_the_nonce(tmp_path):
    """Python salts string hashes per process (PYTHONHASHSEED): nothing in the report may follow a set's order."""
    logs = tmp_path / "logs"
    shutil.copytree(SAMPLES / "training" / "tensorboard", logs)
    subprocess.run([sys.executable, "-m", "tracesift", "ingest", str(logs), "-q"], check=True)
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"report{seed}.html"
        subprocess.run([sys.executable, "-m", "tracesift", "report", str(logs), "-o", str(out)], check=True,
                       capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        pages.append(re.sub(r"nonce(?:-|=\")[A-Za-z0-9+/_-]+", "NONCE", out.read_text()))
    assert pages[0] == pages[1]
