"""The HTML report of the samples: every subject and finding in it, nothing loaded from outside, log text as text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.reports.html_parse import Page
from tracesift.reports.html_report import anchor, render

URL_ATTRIBUTES = ("src", "href", "xlink:href", "action", "formaction", "poster", "data")


@pytest.fixture(scope="module")
def page(sample_report):
    return Page(sample_report[1])


def test_every_run_and_trajectory_has_its_section_and_overview_row(sample_report, page):
    data, _ = sample_report
    assert data.runs and data.trajectories
    subjects = [("run", r.run_id) for r in data.runs] + [("trajectory", t.trajectory_id) for t in data.trajectories]
    assert len(subjects) == data.result.runs + data.result.trajectories
    links = {a["href"] for tag, a in page.elements if tag == "a" and "href" in a}
    for kind, subject_id in subjects:
        section = page.sections.get(anchor(kind, subject_id))
        assert section is not None, f"no section for {kind} {subject_id}"
        assert subject_id in section.title
        assert f"#{anchor(kind, subject_id)}" in links, f"{subject_id} is missing from the overview"


def test_every_finding_is_shown_in_its_subjects_section(sample_report, page):
    data, _ = sample_report
    assert data.result.findings
    for finding in data.result.findings:
        section = page.sections[anchor(finding.subject_type, finding.subject_id)]
        assert f"{finding.detector}:{finding.kind}" in section.findings, f"{finding.kind} of {finding.subject_id}"
    shown = sum(len(s.findings) for s in page.sections.values())
    assert shown == len(data.result.findings)
    assert all(f.message in page.all_text() for f in data.result.findings)


def test_the_overview_is_sorted_by_severity(page):
    order = {"critical": 0, "warning": 1, "info": 2, "none": 3}
    severities = [a["data-severity"] for tag, a in page.elements if tag == "tr" and "data-severity" in a]
    assert severities == sorted(severities, key=order.get)
    assert severities[0] == "critical"


def test_nothing_is_loaded_from_outside(sample_report, page):
    html = sample_report[1]
    for tag, attributes in page.elements:
        for name in URL_ATTRIBUTES:
            value = attributes.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")), f"<{tag} {name}={value!r}>"
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", html, re.IGNORECASE)
    assert not [tag for tag, _ in page.elements if tag in ("link", "iframe", "img", "object", "embed", "base")]


def test_a_content_security_policy_allows_only_the_reports_own_script(page):
    policy = next(a["content"] for tag, a in page.elements
                  if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy")
    assert "default-src 'none'" in policy and "img-src data:" in policy
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    scripts = [a for tag, a in page.elements if tag == "script"]
    assert len(scripts) == 1 and scripts[0]["nonce"] == nonce
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_each_report_has_its_own_nonce(sample_report):
    data, html = sample_report
    nonce = re.compile(r"nonce-([^']+)'")
    assert nonce.search(html).group(1) != nonce.search(render(data)).group(1)


def test_runs_are_drawn_with_their_findings(sample_report, page):
    data, _ = sample_report
    diverged = next(r for r in data.runs if r.run_id.endswith("tensorboard/lm_diverge"))
    section = page.sections[anchor("run", diverged.run_id)]
    assert {"divergence:divergence", "non_finite:non_finite"} <= set(section.findings)
    html = sample_report[1]
    start = html.index(f'id="{section.id}"')
    body = html[start:html.index("</article>", start)]
    assert 'class="onset"' in body and 'class="alarm"' in body, "onset and first alarm are drawn"
    assert 'class="nonfinite"' in body, "where non-finite values begin is marked"
    assert 'class="window"' in body, "the early-warning window is shaded"
    assert "log scale" in body


def test_a_trajectory_shows_the_steps_around_its_first_failure(sample_report):
    data, html = sample_report
    trajectory = next(t for t in data.trajectories if t.trajectory_id.endswith("openhands/delegation_loop.json"))
    failure = next(f for f in trajectory.findings if f.kind == "first_failure")
    start = html.index(f'id="{anchor("trajectory", trajectory.trajectory_id)}"')
    body = html[start:html.index("</article>", start)]
    assert f"around the first failure (step {failure.first_step})" in body
    assert 'class="step first"' in body and 'class="first-failure"' in body
    content = next(s.content for s in trajectory.steps if s.step == failure.first_step)
    assert Page(body).all_text().count(content) >= 1


def test_what_could_not_be_read_is_listed(tmp_path):
    from tracesift.pipeline.report import report

    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "metrics.jsonl").write_text('{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5}\n')
    (tmp_path / "runs" / "broken.json").write_bytes(b"\x00\x01 binary")
    (tmp_path / "runs" / "notes.log").write_text("nothing a reader knows\n")
    text = Page(render(report([tmp_path / "runs"], jobs=1))).all_text()
    assert "broken.json" in text and "notes.log" in text


HOSTILE = [
    "</textarea><script>alert('content')</script>",
    "<img src=x onerror=alert('img')>",
    "javascript:alert('url')",
    '"><svg onload=alert(1)>',
    "{{ 7 * 7 }} {% raw %}",
]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A run folder named with HTML and a trajectory whose every field is hostile."""
    from tracesift.pipeline.report import report

    root = tmp_path_factory.mktemp("hostile") / "logs"
    run = root / "<img src=x onerror=alert('folder')>"
    run.mkdir(parents=True)
    rows = [{"step": s, "<script>alert('metric')</script>": 1.0 / (s + 1) if s < 60 else float("nan")}
            for s in range(80)]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    messages = [
        {"role": "user", "content": HOSTILE[0]},
        {"role": "assistant", "content": HOSTILE[3], "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": HOSTILE[1], "arguments": json.dumps({"url": HOSTILE[2]})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "Error: " + " ".join(HOSTILE)},
        {"role": "assistant", "content": "I cannot do this. " + HOSTILE[4]},
    ]
    session = {"id": "<script>alert('id')</script>", "outcome": "failure", "messages": messages}
    (root / "chat.jsonl").write_text(json.dumps(session) + "\n")
    data = report([root], jobs=1)
    return data, render(data)


def test_hostile_content_is_text(hostile_report):
    data, html = hostile_report
    assert data.runs and data.trajectories and data.trajectories[0].findings
    page = Page(html)
    assert len(page.scripts) == 1 and "alert" not in page.scripts[0]
    for tag, attributes in page.elements:
        assert tag not in ("img", "textarea", "iframe"), f"<{tag}> from log content"
        assert not [name for name in attributes if name.startswith("on")], f"<{tag}> has an event handler"
        assert not any("javascript:" in (attributes.get(name) or "") for name in URL_ATTRIBUTES)
    text = page.all_text()
    for hostile in HOSTILE:
        assert hostile in text, f"{hostile!r} is not shown as text"
    assert "<img src=x onerror=alert('folder')>" in text
    assert "<script>alert('metric')</script>" in text


def _report_of_a_failed_tool_call(folder: Path, output: str) -> str:
    """The report of one chat trajectory (OpenAI messages) whose only tool call failed with ``output``."""
    from tracesift.pipeline.report import report

    messages = [{"role": "user", "content": "Run the tests."},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "bash", "arguments": "{\"cmd\": \"pytest\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": output}]
    folder.mkdir()
    (folder / "chat.jsonl").write_text(json.dumps({"id": "t", "outcome": "failure", "messages": messages}) + "\n")
    return render(report([folder], jobs=1))


def test_long_content_is_folded_not_cut(tmp_path):
    long = "line of a long tool output\n" * 400
    page = Page(_report_of_a_failed_tool_call(tmp_path / "logs", "Error: tests failed\n" + long))
    assert "Error: tests failed\n" + long in page.all_text(), "the whole content is in the page"
    assert any(tag == "details" and "long" in a.get("class", "") for tag, a in page.elements)
    assert f"{len('Error: tests failed' + chr(10) + long):,} characters in all" in page.all_text()


def test_a_huge_content_shows_its_start_and_says_what_is_left(tmp_path, monkeypatch):
    from tracesift.reports import html_report

    monkeypatch.setattr(html_report, "SHOWN_CHARS", 5_000)
    html_report._environment.cache_clear()  # the template globals hold the limit
    content = "Error: tests failed\n" + "".join(f"output line {i}\n" for i in range(2_000))  # ~31,000 characters
    try:
        text = Page(_report_of_a_failed_tool_call(tmp_path / "logs", content)).all_text()
    finally:
        html_report._environment.cache_clear()
    assert content[:5_000] in text and content[5_000:5_100] not in text
    assert f"{len(content) - 5_000:,} more characters of this content are not in the report" in text
    assert "open to read the first 5,000 characters of the content" in text
