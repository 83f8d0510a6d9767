"""Accuracy of tracesift's collapse findings on a labelled corpus of real training runs.

    /work/main/.venv/bin/python benchmarks/bench_accuracy.py
    /work/main/.venv/bin/python benchmarks/bench_accuracy.py --out accuracy.json --runs   # + per-run table

Runs ``tracesift scan benchmarks/data/accuracy --json --store <tmp>`` (the CLI, in a
subprocess) and compares its findings with ``benchmarks/data/accuracy/labels.json``
(made by ``make_accuracy_corpus.py``; rules in ``benchmarks/data/accuracy/README.md``).
The change-point baselines are ``ruptures`` Pelt and Binseg (``pip install -e '.[bench]'``).
No torch needed.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "accuracy"

# which finding kinds count as finding a labelled collapse
MATCH = {
    "divergence": {"divergence", "non_finite"},
    "loss_spike": {"loss_spike"},
    "entropy_collapse": {"entropy_collapse"},
    "posterior_collapse": {"posterior_collapse"},
}
COLLAPSE_KINDS = set().union(*MATCH.values())
# the tracesift role of each labelled metric (names as written in the CSVs)
ROLE = {"loss": "loss", "actor/entropy": "entropy", "loss/kl": "vae_kl"}
MARGIN = 5  # onset F1 margin, steps


# ---------------------------------------------------------------------------
# tracesift
# ---------------------------------------------------------------------------


def run_tracesift(data: Path) -> tuple[dict, float]:
    exe = Path(sys.executable).with_name("tracesift")
    cmd = [str(exe) if exe.exists() else "tracesift", "scan", str(data), "--json"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "--store", str(Path(tmp) / "store")], capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        sys.exit(f"tracesift scan failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout), wall


def run_name(subject_id: str) -> str:
    name = subject_id.rsplit("/", 1)[-1]
    return name[:-4] if name.endswith(".csv") else name


def finding_step_on(f: dict, metric: str) -> int | None:
    """A collapse finding's onset on ``metric`` (a role), or None when it is about another metric."""
    if f["kind"] == "non_finite":
        hit = f.get("evidence", {}).get("metrics", {}).get(metric)
        return hit["first_step"] if hit else None
    return f["onset_step"] if f.get("metric_or_agent") == metric else None


# ---------------------------------------------------------------------------
# ruptures baselines
# ---------------------------------------------------------------------------


def read_series(name: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    with open(DATA / f"{name}.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    steps = np.array([int(r["step"]) for r in rows])
    values = np.array([float(r[metric]) for r in rows])
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        steps, values = steps[: bad[0]], values[: bad[0]]
    return steps, values


def penalty(y: np.ndarray, mult: float = 2.0) -> float:
    """BIC-like: mult * log(n) * sigma^2 (mult 2 by default), sigma from the MAD of first differences."""
    d = np.diff(y)
    sigma = 1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2)
    return mult * math.log(len(y)) * max(sigma, 1e-12) ** 2


def run_ruptures(series: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, dict]:
    import ruptures as rpt

    out = {}
    for method, cls, mult in (("Pelt", rpt.Pelt, 2.0), ("Binseg", rpt.Binseg, 2.0),
                              ("Pelt x10", rpt.Pelt, 20.0), ("Binseg x10", rpt.Binseg, 20.0)):
        t0 = time.perf_counter()
        found = {}
        for name, (steps, y) in series.items():
            if len(y) < 4:
                found[name] = []
                continue
            bkps = cls(model="l2", min_size=2, jump=1).fit(y.reshape(-1, 1)).predict(pen=penalty(y, mult))
            found[name] = [int(steps[b]) for b in bkps if b < len(y)]  # last one is n, the end
        out[method] = {"breaks": found, "seconds": time.perf_counter() - t0}
    return out


def f1(predictions: dict[str, list[int]], labels: dict) -> dict:
    tp = fp = fn = 0
    for name, lab in labels.items():
        preds = sorted(predictions.get(name, []))
        if lab["kind"] is None:
            fp += len(preds)
            continue
        hit = [p for p in preds if abs(p - lab["onset"]) <= MARGIN]
        if hit:
            tp += 1
            fp += len(preds) - 1
        else:
            fn += 1
            fp += len(preds)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": score}


# ---------------------------------------------------------------------------


def evaluate(labels: dict, doc: dict) -> tuple[dict, list[dict]]:
    by_run: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        by_run.setdefault(run_name(f["subject_id"]), []).append(f)
    unknown = sorted(set(by_run) - set(labels))
    per_run = []
    for name, lab in sorted(labels.items()):
        fs = by_run.get(name, [])
        role = ROLE[lab["metric"]]
        row = {"run": name, "label": lab["kind"], "onset": lab["onset"], "steps": lab["steps"],
               "findings": [f"{f['kind']}/{f['severity']}@{f['onset_step']}({f.get('metric_or_agent')})" for f in fs]}
        # tracesift's single onset on the labelled metric (for F1): earliest collapse finding on it
        on_metric = [s for f in fs if f["kind"] in COLLAPSE_KINDS and f["severity"] != "info"
                     for s in [finding_step_on(f, role)] if s is not None]
        row["ts_onset_on_metric"] = min(on_metric) if on_metric else None
        if lab["kind"] is None:
            row["critical"] = [f["kind"] for f in fs if f["severity"] == "critical"]
            row["warning_or_worse"] = [f["kind"] for f in fs if f["severity"] in ("warning", "critical")]
        else:
            match = [f for f in fs if f["kind"] in MATCH[lab["kind"]]]
            row["found"] = bool(match)
            row["lenient"] = bool(match) or any(f["kind"] in ("divergence", "non_finite") for f in fs)
            if match:
                best = min(match, key=lambda f: (finding_step_on(f, role) is None, f["onset_step"]))
                onset = finding_step_on(best, role)
                onset = best["onset_step"] if onset is None else onset
                first = best["first_step"]
                if best["kind"] == "non_finite":
                    first = onset
                row.update(kind=best["kind"], severity=best["severity"], ts_onset=onset, ts_first=first,
                           onset_error=abs(onset - lab["onset"]), first_error=abs(first - lab["onset"]),
                           tolerance=max(5, math.ceil(0.02 * lab["steps"])))
                row["onset_ok"] = row["onset_error"] <= row["tolerance"]
        per_run.append(row)
    collapses = [r for r in per_run if r["label"] is not None]
    healthy = [r for r in per_run if r["label"] is None]
    found = [r for r in collapses if r["found"]]
    by_kind = {}
    for kind in MATCH:
        rs = [r for r in collapses if r["label"] == kind]
        if rs:
            fk = [r for r in rs if r["found"]]
            by_kind[kind] = {"runs": len(rs), "found": len(fk), "onset_ok": sum(r["onset_ok"] for r in fk)}
    errors = [r["onset_error"] for r in found]
    summary = {
        "runs": len(per_run), "collapses": len(collapses), "healthy": len(healthy),
        "found": len(found), "found_share": len(found) / len(collapses) if collapses else None,
        "onset_within_tol": sum(r["onset_ok"] for r in found),
        "onset_within_tol_share_of_found": sum(r["onset_ok"] for r in found) / len(found) if found else None,
        "onset_within_tol_share_of_collapses": sum(r["onset_ok"] for r in found) / len(collapses) if collapses else None,
        "onset_error_median": float(np.median(errors)) if errors else None,
        "onset_error_mean": float(np.mean(errors)) if errors else None,
        "first_step_error_median": float(np.median([r["first_error"] for r in found])) if found else None,
        "first_within_tol": sum(r["first_error"] <= r["tolerance"] for r in found),
        "spike_lenient": sum(r["label"] == "loss_spike" and r["lenient"] for r in collapses),
        "false_alarm_critical": sum(bool(r["critical"]) for r in healthy),
        "false_alarm_warning_or_critical": sum(bool(r["warning_or_worse"]) for r in healthy),
        "by_kind": by_kind,
        "unlabelled_subjects": unknown,
    }
    return summary, per_run


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, help="also write the results as JSON here")
    ap.add_argument("--runs", action="store_true", help="print the per-run table too")
    args = ap.parse_args(argv)

    labels = json.loads((args.data / "labels.json").read_text())
    doc, ts_wall = run_tracesift(args.data)
    summary, per_run = evaluate(labels, doc)

    series = {name: read_series(name, lab["metric"]) for name, lab in labels.items()}
    rup = run_ruptures(series)
    ts_pred = {r["run"]: [r["ts_onset_on_metric"]] if r["ts_onset_on_metric"] is not None else [] for r in per_run}
    f1s = {"tracesift": f1(ts_pred, labels)}
    for method, res in rup.items():
        f1s[method] = f1(res["breaks"], labels)
    walls = {"tracesift": ts_wall, **{m: r["seconds"] for m, r in rup.items()}}
    for r in per_run:
        for m, res in rup.items():
            r[m.lower().replace(" ", "_")] = res["breaks"][r["run"]]

    s = summary
    pct = lambda a, b: f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"  # noqa: E731
    lines = [
        f"Corpus: {s['runs']} runs ({s['collapses']} collapses, {s['healthy']} healthy), {args.data}",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| collapses found (matching kind) | {pct(s['found'], s['collapses'])} | |",
    ]
    for kind, k in s["by_kind"].items():
        lines.append(f"| &nbsp; {kind} found / onset within tolerance | {k['found']}/{k['runs']} / "
                     f"{k['onset_ok']}/{k['runs']} | |")
    lines += [
        f"| onset within max(5 steps, 2% of run) - of found | "
        f"{pct(s['onset_within_tol'], s['found'])} | 90% |",
        f"| onset within tolerance - of all collapses | {pct(s['onset_within_tol'], s['collapses'])} | |",
        f"| onset error, median / mean (steps) | {s['onset_error_median']} / "
        f"{s['onset_error_mean']:.1f} | |" if s["onset_error_mean"] is not None else "| onset error | - | |",
        f"| first alarm error, median (steps) | {s['first_step_error_median']} | |",
        f"| first alarm (first_step) within tolerance - of found | {pct(s['first_within_tol'], s['found'])} | |",
        f"| loss_spike labels found as loss_spike or divergence (lenient) | "
        f"{pct(s['spike_lenient'], s['by_kind'].get('loss_spike', {}).get('runs', 0))} | |",
        f"| healthy runs with a critical finding | {pct(s['false_alarm_critical'], s['healthy'])} | <= 1 in 20 |",
        f"| healthy runs with a warning or critical finding | "
        f"{pct(s['false_alarm_warning_or_critical'], s['healthy'])} | |",
        "",
        f"| onset method (margin {MARGIN} steps) | TP | FP | FN | precision | recall | F1 | wall s (whole set) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {"tracesift": "tracesift scan (CLI, ingest + all detectors)", "Pelt": "ruptures Pelt l2, pen 2 log(n) s^2",
             "Binseg": "ruptures Binseg l2, pen 2 log(n) s^2", "Pelt x10": "ruptures Pelt l2, pen 20 log(n) s^2",
             "Binseg x10": "ruptures Binseg l2, pen 20 log(n) s^2"}
    for m, r in f1s.items():
        lines.append(f"| {names[m]} | {r['tp']} | {r['fp']} | {r['fn']} | {r['precision']:.2f} | "
                     f"{r['recall']:.2f} | {r['f1']:.2f} | {walls[m]:.2f} |")
    if s["unlabelled_subjects"]:
        lines += ["", f"Findings on unlabelled subjects: {s['unlabelled_subjects']}"]
    if args.runs:
        lines += ["", "| run | label | onset | tracesift match | ts onset | ts first | Pelt | Binseg | other findings |",
                  "| --- | --- | ---: | --- | ---: | ---: | --- | --- | --- |"]
        for r in per_run:
            match = "-" if r["label"] is None else (f"{r['kind']}/{r['severity']}" if r["found"] else "**MISSED**")
            lines.append(
                f"| {r['run']} | {r['label'] or 'healthy'} | {r['onset'] if r['onset'] is not None else '-'} | "
                f"{match}{'' if r.get('onset_ok', True) else ' (onset off)'} | {r.get('ts_onset', '-')} | "
                f"{r.get('ts_first', '-')} | {r['pelt'][:6]} | {r['binseg'][:6]} | {', '.join(r['findings'])} |")
    print("\n".join(lines))
    if args.out:
        import ruptures

        result = {
            "date": datetime.date.today().isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "versions": {"tracesift": doc.get("tool"), "ruptures": ruptures.__version__},
            "ruptures_settings": {"model": "l2", "min_size": 2, "jump": 1,
                                  "pen": "2*log(n)*sigma^2, sigma = 1.4826*MAD(diff(y))/sqrt(2)",
                                  "series": "labelled metric, raw values, cut at the first non-finite value"},
            "margin_steps": MARGIN,
            "summary": summary,
            "onset_f1": f1s,
            "wall_seconds": walls,
            "runs": per_run,
        }
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    _ = shutil  # (kept for symmetry with bench_ingest; nothing to clean: the store lives in a TemporaryDirectory)


if __name__ == "__main__":
    main()
