"""The JSON document ``scan --json`` prints, and the JSON lines of ``--jsonl``.

Its shape is described by ``findings.schema.json`` beside this file (JSON
Schema), and ``schema_version`` changes whenever that shape does.
"""

from __future__ import annotations

import json
import math

from tracesift import __version__
from tracesift.detectors.base import SEVERITIES, Finding
from tracesift.detectors.scan import ScanResult

JSON_SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict:
    row = finding.row()
    row["evidence"] = finding.evidence
    return _finite(row)


def document(result: ScanResult) -> dict:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in SEVERITIES}
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": f"tracesift {__version__}",
        "store": str(result.ingest.store),
        "runs_scanned": result.runs,
        "detectors": result.detectors,
        "thresholds": result.thresholds,
        "summary": {**counts, "ingest_errors": result.ingest.count("error")},
        "findings": [finding_dict(f) for f in result.findings],
        "notes": [
            {"subject_id": run, "metric": metric, "notes": texts} for (run, metric), texts in sorted(result.notes.items())
        ],
        "ingest_errors": [
            {"path": o.rel, "errors": o.problems} for o in result.ingest.outcomes if o.status == "error"
        ],
    }


def dumps(value: dict) -> str:
    return json.dumps(value, indent=2, allow_nan=False)


def _finite(value):
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
