"""``tracesift detectors``: every detector, the roles it needs, its thresholds."""

from __future__ import annotations

import json

from tracesift.cli import app
from tracesift.cli.common import FormatOption, reports_errors
from tracesift.cli.output import Format, render


@app.command("detectors")
@reports_errors
def detectors_command(fmt: FormatOption = Format.table) -> None:
    """List the detectors `scan` runs, the metric roles each needs, and its thresholds.

    Change a threshold with `scan --set NAME.THRESHOLD=VALUE` or in tracesift.toml
    under [detectors.NAME].

    Example: tracesift detectors --fmt json
    """
    import pyarrow as pa

    from tracesift.detectors import all_detectors

    rows = [
        {"detector": d.name, "needs": ", ".join(d.roles) or "any metric", "finds": d.description,
         "thresholds": json.dumps(d.thresholds())}
        for d in all_detectors()
    ]
    render(pa.Table.from_pylist(rows), fmt, title="Detectors")
