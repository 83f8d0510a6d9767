"""``tracesift detectors``: every detector, the roles it needs, its thresholds."""

from __future__ import annotations

import json

from tracesift.cli import app
from tracesift.cli.common import prints_rows, reports_errors
from tracesift.cli.output import Format, render


@app.command("detectors")
@reports_errors
@prints_rows
def detectors_command(fmt: Format = Format.table) -> None:
    """List the detectors `scan` runs, what each judges and needs, and its thresholds.

    Change a threshold with `scan --set NAME.THRESHOLD=VALUE` or in tracesift.toml
    under [detectors.NAME]; values are read as the type the threshold has (true/false,
    whole numbers, numbers, comma-separated lists).

    Example: tracesift detectors --format json
    """
    from tracesift.detectors import all_detectors

    rows = [
        {"detector": d.name, "judges": d.subject.value, "needs": ", ".join(d.needs) or "any metric",
         "finds": d.description, "thresholds": json.dumps(d.defaults())}
        for d in all_detectors()
    ]
    render(rows, fmt, title="Detectors")
