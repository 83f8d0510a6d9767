"""Reward hacking: train reward rising while what it should stand for goes the wrong way.

Needs ``reward`` plus at least one of: ``response_length`` (growing to
``length_growth`` times its early level while reward rises), ``clip_frac``
(at least ``clip_share`` of responses clipped), or a held-out quality metric
(``eval/*`` or ``test/*``, not timings, lengths or the policy's own statistics;
direction by name: losses and perplexities should fall, everything else rise).
Windows of ``window_share`` of the run, half-overlapping, are judged by Kendall's
tau (``tau``) of each series over the window. A held-out metric, evaluated more
sparsely, is judged over the whole span that reward rose in (overlapping rising
windows joined): from its best point there to the end of the span it needs
``eval_points`` points, a falling trend (``tau``) while reward still rose, and to
end ``eval_drop`` (relative) worse than that best.

A warning when only length or clipping went the wrong way, since a rising reward
may also be real progress; critical when a held-out evaluation fell while reward
rose. KL is not used: it grows in healthy runs too; see ``kl_blowup``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import collapse_finding, fmt
from tracesift.detectors.signal import early_level, kendall_tau
from tracesift.detectors.training.evals import better_sign, is_held_out_quality
from tracesift.findings import Finding, Severity, SubjectType


@dataclass(frozen=True)
class Params:
    tau: float = 0.4
    """Kendall's tau a trend needs, over a window, to count as rising or falling."""
    length_growth: float = 2.0
    """Response length must reach this multiple of its early level..."""
    clip_share: float = 0.5
    """...or this share of responses be clipped."""
    window_share: float = 0.25
    """Windows of this share of the run, half-overlapping."""
    eval_points: int = 5
    """A held-out metric needs this many points from its best to the end of a rising-reward span..."""
    eval_drop: float = 0.1
    """...and to end this much (relative to that best) worse: the finding is then critical."""


@dataclass(frozen=True)
class Wrong:
    """One signal that went the wrong way while reward rose: where it alarmed, and over which steps."""

    series: Series
    bad: int
    alarm: int
    lo: int
    hi: int


def judge(run: Run, params: Params) -> list[Finding]:
    reward = run.series("reward")
    if reward is None or len(reward) < 20:
        return []
    windows = rising_windows(reward, tau=params.tau, window_share=params.window_share)
    dense = first_dense(reward, windows, _dense_checks(run, params), tau=params.tau)
    held_out = [wrong for series in _held_out(run)
                if (wrong := fell_while_rising(reward, series, joined(windows), params)) is not None]
    finding = report(reward, dense, held_out)
    return [finding] if finding else []


def _dense_checks(run: Run, params: Params) -> list[tuple[Series, int, float]]:
    """(series, bad direction, level it must reach) for length and clipping, logged every step."""
    checks = []
    if (length := run.series("response_length")) is not None:
        checks.append((length, +1, params.length_growth * early_level(length.values)))
    if (clip := run.series("clip_frac")) is not None:
        checks.append((clip, +1, params.clip_share))
    return checks


def _held_out(run: Run) -> list[Series]:
    names = [m for m in run.metrics_like("eval/") + run.metrics_like("test/") if is_held_out_quality(m)]
    return [series for name in names if (series := run.series(name)) is not None]


def rising_windows(reward: Series, *, tau: float, window_share: float) -> list[tuple[int, int]]:
    """(first, last) steps of each half-overlapping window over which reward rose."""
    width = max(10, int(len(reward) * window_share))
    windows = []
    for start in range(0, len(reward) - width + 1, max(1, width // 2)):
        lo, hi = int(reward.steps[start]), int(reward.steps[start + width - 1])
        if _trend(reward, lo, hi) >= tau:
            windows.append((lo, hi))
    return windows


def joined(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping windows joined into spans."""
    spans: list[tuple[int, int]] = []
    for lo, hi in windows:
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def first_dense(reward: Series, windows, checks, *, tau: float) -> Wrong | None:
    """The first window in which a length or clipping signal rose past its level with reward."""
    for lo, hi in windows:
        for series, bad, level in checks:
            inside = (series.steps >= lo) & (series.steps <= hi)
            if inside.sum() < 5 or bad * _trend(series, lo, hi) < tau:
                continue
            end = int(np.flatnonzero(inside)[-1])
            if series.values[end] >= level:
                return Wrong(series, bad, end, lo, hi)
    return None


def fell_while_rising(reward: Series, series: Series, spans, params: Params) -> Wrong | None:
    """The held-out ``series`` fell from its best within a span of rising reward, while reward kept rising."""
    sign = better_sign(series.metric)
    for lo, hi in spans:
        inside = np.flatnonzero((series.steps >= lo) & (series.steps <= hi) & series.finite)
        if len(inside) < params.eval_points:
            continue
        best = int(inside[np.argmax(sign * series.values[inside])])
        after = inside[inside >= best]
        start = int(series.steps[best])
        if len(after) < params.eval_points or _trend(reward, start, hi) < params.tau:
            continue
        if -sign * kendall_tau(series.values[after]) < params.tau:
            continue
        scale = max(abs(series.values[best]), 1e-12)
        worse = np.flatnonzero(sign * (series.values[best] - series.values[after]) >= params.eval_drop * scale)
        end_level = np.median(series.values[after[-3:]])
        if len(worse) and sign * (series.values[best] - end_level) >= params.eval_drop * scale:
            return Wrong(series, -sign, int(after[worse[0]]), start, hi)
    return None


def report(reward: Series, dense: Wrong | None, held_out: list[Wrong]) -> Finding | None:
    """One finding: at the length/clipping signal when there is one, critical when a held-out metric fell."""
    main = dense or (held_out[0] if held_out else None)
    if main is None:
        return None
    parts = [f"reward rose while {main.series.metric} went the wrong way (steps {main.lo}-{main.hi})"]
    parts += [_fell(wrong) for wrong in held_out if wrong is not main]
    finding = collapse_finding(
        main.series,
        main.alarm,
        detector="reward_hacking",
        kind="reward_hacking",
        severity=Severity.critical if held_out else Severity.warning,
        direction=main.bad,
        message="; ".join(parts),
        evidence={"reward_metric": reward.raw_metric, "window_steps": [main.lo, main.hi],
                  "reward_tau": round(_trend(reward, main.lo, main.hi), 3),
                  "signal_tau": round(_trend(main.series, main.lo, main.hi), 3),
                  "held_out_fell": [_evidence(wrong) for wrong in held_out]},
    )
    finding.metric, finding.related = "reward", main.series.metric
    return finding


def _fell(wrong: Wrong) -> str:
    x = wrong.series.values
    return f"held-out {wrong.series.metric} fell to {fmt(x[wrong.alarm])} (steps {wrong.lo}-{wrong.hi})"


def _evidence(wrong: Wrong) -> dict:
    return {"metric": wrong.series.metric, "raw_metric": wrong.series.raw_metric, "steps": [wrong.lo, wrong.hi],
            "first_step": int(wrong.series.steps[wrong.alarm])}


def _trend(series: Series, lo: int, hi: int) -> float:
    inside = (series.steps >= lo) & (series.steps <= hi) & series.finite
    if inside.sum() < 5:
        return 0.0
    return kendall_tau(series.values[inside])  # steps are ascending: order is time


DETECTOR = Detector(
    name="reward_hacking",
    subject=SubjectType.run,
    needs=("reward",),
    params=Params,
    judge=judge,
    description="reward rises while response length, clipping or a held-out eval go the wrong way "
                "(critical when the held-out eval falls)",
)
