"""Accuracy of tracesift's collapse findings on a labelled corpus of real training runs.

    python benchmarks/bench_accuracy.py
    python benchmarks/bench_accuracy.py --out accuracy.json --runs   # + per-run table

Runs ``tracesift scan benchmarks/data/accuracy --json --store <tmp>`` (the CLI, in a
subprocess) and compares its findings with ``benchmarks/data/accuracy_labels.json``
(made by ``make_accuracy_corpus.py``; rules in ``benchmarks/data/accuracy/README.md``).
Each collapsed run has two labels, and each is compared with the finding step that asks
the same question:

* ``start`` (where the change began)       <->  the finding's ``onset_step``
* ``collapsed`` (a threshold was crossed)  <->  the finding's ``first_step`` (first alarm)

The change-point baselines are ``ruptures`` Pelt and Binseg (``pip install -e '.[bench]'``),
scored against ``start``. No torch needed.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "accuracy"
LABELS = ROOT / "benchmarks" / "data" / "accuracy_labels.json"

# which finding kinds count as finding a labelled collapse
MATCH = {
    "divergence": {"divergence", "non_finite"},
    "loss_spike": {"loss_spike", "loss_excursion"},  # a long excursion that recovers is a loss_excursion
    "entropy_collapse": {"entropy_collapse"},
    "posterior_collapse": {"posterior_collapse"},
}
COLLAPSE_KINDS = set().union(*MATCH.values())
# the tracesift role of each labelled metric (names as written in the CSVs)
ROLE = {"loss": "loss", "actor/entropy": "entropy", "loss/kl": "vae_kl"}
MARGIN = 5  # onset F1 margin, steps


def tolerance(steps: int) -> int:
    return max(5, math.ceil(0.02 * steps))


# ---------------------------------------------------------------------------
# tracesift
# ---------------------------------------------------------------------------


def run_tracesift(data: Path) -> tuple[dict, float, float]:
    """The scan's findings, its wall time, and the wall time of a second scan with nothing new to ingest."""
    exe = Path(sys.executable).with_name("tracesift")
    cmd = [str(exe) if exe.exists() else "tracesift", "scan", str(data), "--json"]
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):
            t0 = time.perf_counter()
            proc = subprocess.run([*cmd, "--store", str(Path(tmp) / "store")], capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
            if proc.returncode not in (0, 1) or not proc.stdout.strip():
                sys.exit(f"tracesift scan failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout), walls[0], walls[1]


def run_name(subject_id: str) -> str:
    name = subject_id.rsplit("/", 1)[-1]
    return name[:-4] if name.endswith(".csv") else name


def finding_steps_on(f: dict, metric: str) -> tuple[int, int] | None:
    """(onset_step, first_step) of a finding on ``metric`` (a role), or None when it is about another
    metric. A ``non_finite`` finding counts on every metric that went non-finite, with both steps at
    that metric's first non-finite step."""
    if f["kind"] == "non_finite":
        hit = f.get("evidence", {}).get("metrics", {}).get(metric)
        return (hit["first_step"], hit["first_step"]) if hit else None
    return (f["onset_step"], f["first_step"]) if f.get("metric") == metric and not f.get("related") else None


# ---------------------------------------------------------------------------
# ruptures baselines
# ---------------------------------------------------------------------------


def read_series(data: Path, name: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    with open(data / f"{name}.csv", newline="") as fh:
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


def f1(predictions: dict[str, list[int]], labels: dict, key: str = "start") -> dict:
    """One true positive per collapsed run with a prediction within MARGIN steps of its ``key`` label;
    every other prediction (and every prediction on a healthy run) is a false positive."""
    tp = fp = fn = 0
    for name, lab in labels.items():
        preds = sorted(predictions.get(name, []))
        if lab["kind"] is None:
            fp += len(preds)
            continue
        hit = [p for p in preds if abs(p - lab[key]) <= MARGIN]
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


def _stats(rows: list[dict], err: str, ok: str) -> dict:
    errs = [abs(r[err]) for r in rows]
    return {"within_tol": sum(r[ok] for r in rows),
            "error_median": float(np.median(errs)) if errs else None,
            "error_mean": float(np.mean(errs)) if errs else None}


def evaluate(labels: dict, doc: dict) -> tuple[dict, list[dict]]:
    by_run: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        by_run.setdefault(run_name(f["subject_id"]), []).append(f)
    unknown = sorted(set(by_run) - set(labels))
    per_run = []
    for name, lab in sorted(labels.items()):
        fs = by_run.get(name, [])
        role = ROLE[lab["metric"]]
        row = {"run": name, "label": lab["kind"], "start": lab["start"], "collapsed": lab["collapsed"],
               "steps": lab["steps"], "tolerance": tolerance(lab["steps"]),
               "findings": [f"{f['kind']}/{f['severity']}@{f['onset_step']}..{f['first_step']}"
                            f"({f.get('metric')}{'~' + f['related'] if f.get('related') else ''})" for f in fs]}
        # tracesift's single onset on the labelled metric (for F1): earliest collapse finding on it
        on_metric = [st[0] for f in fs if f["kind"] in COLLAPSE_KINDS and f["severity"] != "info"
                     for st in [finding_steps_on(f, role)] if st is not None]
        row["ts_onset_on_metric"] = min(on_metric) if on_metric else None
        if lab["kind"] is None:
            row["critical"] = [f["kind"] for f in fs if f["severity"] == "critical"]
            row["warning_or_worse"] = [f["kind"] for f in fs if f["severity"] in ("warning", "critical")]
        else:
            match = [f for f in fs if f["kind"] in MATCH[lab["kind"]]]
            row["found"] = bool(match)
            row["lenient"] = bool(match) or any(f["kind"] in ("divergence", "non_finite") for f in fs)
            if match:
                # steps on the labelled metric; a matching finding about another metric keeps its own steps
                st = [(finding_steps_on(f, role) or (f["onset_step"], f["first_step"]), f) for f in match]
                (onset, _), best = min(st, key=lambda t: t[0][0])  # earliest onset
                first = min(t[0][1] for t in st)
                row.update(kind=best["kind"], severity=best["severity"],
                           kinds=sorted({f"{f['kind']}/{f['severity']}" for f in match}),
                           ts_onset=onset, ts_first=first,
                           onset_delta=onset - lab["start"], first_delta=first - lab["collapsed"])
                row["onset_ok"] = abs(row["onset_delta"]) <= row["tolerance"]
                row["first_ok"] = abs(row["first_delta"]) <= row["tolerance"]
        per_run.append(row)
    collapses = [r for r in per_run if r["label"] is not None]
    healthy = [r for r in per_run if r["label"] is None]
    found = [r for r in collapses if r["found"]]
    by_kind = {}
    for kind in MATCH:
        rs = [r for r in collapses if r["label"] == kind]
        if rs:
            fk = [r for r in rs if r["found"]]
            by_kind[kind] = {"runs": len(rs), "found": len(fk),
                             "onset": _stats(fk, "onset_delta", "onset_ok"),
                             "first": _stats(fk, "first_delta", "first_ok")}
    summary = {
        "runs": len(per_run), "collapses": len(collapses), "healthy": len(healthy),
        "found": len(found), "found_share": len(found) / len(collapses) if collapses else None,
        "onset_vs_start": _stats(found, "onset_delta", "onset_ok"),
        "first_vs_collapsed": _stats(found, "first_delta", "first_ok"),
        "spike_lenient": sum(r["label"] == "loss_spike" and r["lenient"] for r in collapses),
        "false_alarm_critical": sum(bool(r["critical"]) for r in healthy),
        "false_alarm_warning_or_critical": sum(bool(r["warning_or_worse"]) for r in healthy),
        "false_alarm_runs": {r["run"]: r["warning_or_worse"] for r in healthy if r["warning_or_worse"]},
        "by_kind": by_kind,
        "unlabelled_subjects": unknown,
        "runs_scanned": doc.get("runs_scanned"),
    }
    return summary, per_run


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"


def _err(st: dict) -> str:
    return "-" if st["error_mean"] is None else f"{st['error_median']:g} / {st['error_mean']:.1f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the folder of run CSVs (scanned)")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--out", type=Path, help="also write the results as JSON here")
    ap.add_argument("--runs", action="store_true", help="print the per-run table too")
    args = ap.parse_args(argv)

    labels = json.loads(args.labels.read_text())
    doc, ts_wall, ts_warm = run_tracesift(args.data)
    summary, per_run = evaluate(labels, doc)

    series = {name: read_series(args.data, name, lab["metric"]) for name, lab in labels.items()}
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
    n_found, n_coll = s["found"], s["collapses"]
    lines = [
        f"Corpus: {s['runs']} runs ({n_coll} collapses, {s['healthy']} healthy), {args.data}; labels {args.labels}",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| collapses found (matching kind) | {_pct(n_found, n_coll)} | |",
        f"| (a) `onset_step` within tolerance of `start`, share of found | "
        f"{_pct(s['onset_vs_start']['within_tol'], n_found)} | 90% |",
        f"| (a) `onset_step` within tolerance of `start`, share of all collapses | "
        f"{_pct(s['onset_vs_start']['within_tol'], n_coll)} | |",
        f"| (a) `onset_step` - `start`, abs error median / mean (steps) | {_err(s['onset_vs_start'])} | |",
        f"| (b) `first_step` within tolerance of `collapsed`, share of found | "
        f"{_pct(s['first_vs_collapsed']['within_tol'], n_found)} | |",
        f"| (b) `first_step` within tolerance of `collapsed`, share of all collapses | "
        f"{_pct(s['first_vs_collapsed']['within_tol'], n_coll)} | |",
        f"| (b) `first_step` - `collapsed`, abs error median / mean (steps) | {_err(s['first_vs_collapsed'])} | |",
        f"| loss_spike labels with any loss_spike, loss_excursion, divergence or non_finite (lenient) | "
        f"{_pct(s['spike_lenient'], s['by_kind'].get('loss_spike', {}).get('runs', 0))} | |",
        f"| (c) healthy runs with a critical finding | {_pct(s['false_alarm_critical'], s['healthy'])} | "
        f"<= 1 in 20 |",
        f"| (c) healthy runs with a warning or critical finding | "
        f"{_pct(s['false_alarm_warning_or_critical'], s['healthy'])} | |",
        "",
        "| label | runs | found | (a) onset within tol. of start | (a) abs error med / mean | "
        "(b) first_step within tol. of collapsed | (b) abs error med / mean |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, k in s["by_kind"].items():
        lines.append(f"| {kind} | {k['runs']} | {k['found']} | {k['onset']['within_tol']}/{k['runs']} | "
                     f"{_err(k['onset'])} | {k['first']['within_tol']}/{k['runs']} | {_err(k['first'])} |")
    lines += [
        "",
        f"| (d) onset vs `start`, margin {MARGIN} steps | TP | FP | FN | precision | recall | F1 | wall s (whole set) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {"tracesift": "tracesift scan (CLI, ingest + all detectors)", "Pelt": "ruptures Pelt l2, pen 2 log(n) σ²",
             "Binseg": "ruptures Binseg l2, pen 2 log(n) σ²", "Pelt x10": "ruptures Pelt l2, pen 20 log(n) σ²",
             "Binseg x10": "ruptures Binseg l2, pen 20 log(n) σ²"}
    for m, r in f1s.items():
        lines.append(f"| {names[m]} | {r['tp']} | {r['fp']} | {r['fn']} | {r['precision']:.2f} | "
                     f"{r['recall']:.2f} | {r['f1']:.2f} | {walls[m]:.2f} |")
    lines += ["", f"A second `tracesift scan` of the same store, with nothing new to ingest, took {ts_warm:.2f} s "
              "(process start-up included); the ruptures times cover fit and predict only."]
    if s["runs_scanned"] != s["runs"]:
        lines += ["", f"tracesift scanned {s['runs_scanned']} runs for {s['runs']} labelled ones (a non-CSV file in "
                  f"{args.data} read as a run; it has no findings unless listed below)."]
    if s["unlabelled_subjects"]:
        lines += ["", f"Findings on unlabelled subjects: {s['unlabelled_subjects']}"]
    if s["false_alarm_runs"]:
        lines += ["", f"Healthy runs with a warning or critical finding: {s['false_alarm_runs']}"]
    off = [r for r in per_run if r["label"] is not None and not (r.get("onset_ok") and r.get("first_ok"))]
    if off:
        lines += ["", "Collapses outside tolerance (or missed):", "",
                  "| run | label | tol. | start | onset_step (Δ) | collapsed | first_step (Δ) | matching findings |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in off:
            if not r["found"]:
                lines.append(f"| {r['run']} | {r['label']} | {r['tolerance']} | {r['start']} | **missed** | "
                             f"{r['collapsed']} | **missed** | (found: {', '.join(r['findings']) or 'nothing'}) |")
                continue
            on = f"{r['ts_onset']} ({r['onset_delta']:+d})" + ("" if r["onset_ok"] else " **off**")
            fi = f"{r['ts_first']} ({r['first_delta']:+d})" + ("" if r["first_ok"] else " **off**")
            lines.append(f"| {r['run']} | {r['label']} | {r['tolerance']} | {r['start']} | {on} | {r['collapsed']} | "
                         f"{fi} | {', '.join(r['kinds'])} |")
    if args.runs:
        lines += ["", "| run | label | start | collapsed | tracesift match | onset_step | first_step | Pelt | Binseg | "
                  "all findings |", "| --- | --- | ---: | ---: | --- | ---: | ---: | --- | --- | --- |"]
        for r in per_run:
            match = "-" if r["label"] is None else (", ".join(r["kinds"]) if r["found"] else "**MISSED**")
            dash = lambda v: "-" if v is None else v  # noqa: E731
            lines.append(
                f"| {r['run']} | {r['label'] or 'healthy'} | {dash(r['start'])} | {dash(r['collapsed'])} | {match} | "
                f"{r.get('ts_onset', '-')} | {r.get('ts_first', '-')} | {r['pelt'][:6]} | {r['binseg'][:6]} | "
                f"{', '.join(r['findings'])} |")
    print("\n".join(lines))
    if args.out:
        import ruptures

        result = {
            "date": datetime.date.today().isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "versions": {"tracesift": doc.get("tool"), "ruptures": ruptures.__version__},
            "labels": str(args.labels),
            "matching_kinds": {k: sorted(v) for k, v in MATCH.items()},
            "comparisons": {"onset_vs_start": "finding onset_step vs label start",
                            "first_vs_collapsed": "finding first_step vs label collapsed",
                            "tolerance": "max(5 steps, ceil(2% of the run's logged steps))"},
            "ruptures_settings": {"model": "l2", "min_size": 2, "jump": 1,
                                  "pen": "2*log(n)*sigma^2, sigma = 1.4826*MAD(diff(y))/sqrt(2)",
                                  "series": "labelled metric, raw values, cut at the first non-finite value"},
            "margin_steps": MARGIN,
            "summary": summary,
            "onset_f1_vs_start": f1s,
            "wall_seconds": {**walls, "tracesift (store up to date)": ts_warm},
            "runs": per_run,
        }
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
