"""The report in a real browser (headless Chromium): it renders, logs nothing to the console, and the filter works.

Skipped where Debian's ``chromium`` is not installed (``.ci/run`` installs it where it may).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.reports.html_parse import Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=3000", "--no-first-run", "--disable-extensions"]


def chromium(url: str, *args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, url], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "HOME": str(profile)})


def console(result: subprocess.CompletedProcess) -> list[str]:
    """What the page wrote to the console: its errors, refused loads and CSP violations."""
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def page_file(sample_report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(sample_report[1], encoding="utf-8")
    return path


def test_the_console_is_watched(tmp_path):
    """The check below can fail: a page that breaks its policy and throws is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"
                   "<img src='https://example.invalid/x.png'><script>undefinedFunction()</script>")
    assert console(chromium(bad.as_uri(), "--dump-dom", profile=tmp_path / "profile"))


def test_the_report_renders_with_no_console_message(page_file, tmp_path):
    result = chromium(page_file.as_uri(), "--dump-dom", profile=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not console(result), console(result)
    body = next(a for tag, a in Page(result.stdout).elements if tag == "body")
    assert body.get("data-ready") == "1", "the filter script did not run"
    assert "data-script-error" not in body


def test_the_filter_hides_what_does_not_match(sample_report, page_file, tmp_path):
    data, _ = sample_report
    wanted = next(r.run_id for r in data.runs if r.run_id.endswith("tensorboard/lm_diverge"))
    result = chromium(page_file.as_uri() + "#q=tensorboard/lm_diverge&sev=critical", "--dump-dom",
                      profile=tmp_path / "profile")
    assert not console(result), console(result)
    elements = Page(result.stdout).elements
    rows = [a for tag, a in elements if tag == "tr" and "data-search" in a]
    shown = [a for a in rows if "hidden" not in a]
    assert len(rows) == data.result.runs + data.result.trajectories
    assert len(shown) == 1 and wanted.lower() in shown[0]["data-search"]
    sections = [a for tag, a in elements if tag == "article" and "id" in a and "hidden" not in a]
    assert [a["data-search"].split()[0] for a in sections] == [wanted.lower()]
    hidden = {a["id"]: "hidden" in a for tag, a in elements if tag == "section"}
    assert hidden["trajectories"] and not hidden["runs"] and not hidden["overview"]  # an emptied section goes too


def test_a_screenshot_shows_the_report(page_file, tmp_path):
    import matplotlib.image

    shot = tmp_path / "overview.png"
    chromium(page_file.as_uri(), f"--screenshot={shot}", "--window-size=1280,900", profile=tmp_path / "profile")
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (900, 1280)
    assert pixels.std() > 0.05, "the screenshot is blank"
