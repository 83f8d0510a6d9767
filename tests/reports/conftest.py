"""A report of the samples, written once for the tests of this folder."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import SAMPLES


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """(the report data, the HTML) of a copy of sample_traces/."""
    from tracesift.pipeline.report import report
    from tracesift.reports.html_report import render

    copy = tmp_path_factory.mktemp("report") / "sample_traces"
    shutil.copytree(SAMPLES, copy)
    data = report([copy], jobs=1)
    return data, render(data)
