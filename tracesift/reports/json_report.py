"""The JSON document ``scan --json`` prints, and the JSON lines of ``--jsonl``.

Its shape is described by ``findings.schema.json`` beside this file (JSON
Schema), and ``schema_version`` changes whenever that shape does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tracesift import __version__
from tracesift.findings import ScanResult

JSON_SCHEMA_VERSION = 2


def document(result: ScanResult) -> dict:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": f"tracesift {__version__}",
        "store": str(result.ingest.store),
        "runs_scanned": result.runs,
        "trajectories_scanned": result.trajectories,
        "detectors": result.detectors,
        "thresholds": result.thresholds,
        "summary": {**result.counts(), "ingest_errors": result.ingest.count("error")},
        "findings": [f.as_dict() for f in result.findings],
        "notes": [
            {"subject_id": subject, "metric": metric, "notes": texts}
            for (subject, metric), texts in sorted(result.notes.items())
        ],
        "ingest_errors": [
            {"path": o.rel, "errors": o.problems} for o in result.ingest.outcomes if o.status == "error"
        ],
    }


def dumps(value: dict) -> str:
    """The whole document, indented for people."""
    return json.dumps(value, indent=2, allow_nan=False)


def json_lines(result: ScanResult) -> Iterator[str]:
    """One finding per line, each the same object as in the document's ``findings``."""
    for finding in result.findings:
        yield json.dumps(finding.as_dict(), allow_nan=False, ensure_ascii=False)
