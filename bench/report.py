"""Figures from raw measurements, the side-by-side table, the JSON file and run-to-run changes."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.load import LevelResult

REGRESSION_THRESHOLD = 0.10  # a figure 10 % worse than the previous run is flagged


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | None]:
    if not values_ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    if len(values_ms) == 1:
        only = round(values_ms[0], 1)
        return {"p50_ms": only, "p95_ms": only, "p99_ms": only, "mean_ms": only}
    cuts = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "mean_ms": round(statistics.fmean(values_ms), 1),
    }


def level_summary(level: LevelResult) -> dict[str, Any]:
    outcomes = Counter(record.outcome for record in level.conversations)
    failures = Counter(record.failure for record in level.conversations if record.failure)
    by_kind = {}
    for kind, latencies in sorted(level.latencies_by_kind.items()):
        records = [record for record in level.conversations if record.kind == kind]
        by_kind[kind] = {
            "messages": len(latencies),
            **latency_summary(latencies),
            "conversations_ok": sum(record.outcome == "ok" for record in records),
            "conversations_failed": sum(record.outcome == "failed" for record in records),
        }
    return {
        "concurrency": level.concurrency,
        "messages": level.messages,
        "wall_seconds": round(level.wall_seconds, 2),
        "throughput_msg_s": round(level.throughput, 1),
        **latency_summary(level.latencies_ms),
        "conversations_ok": outcomes["ok"],
        "conversations_failed": outcomes["failed"],
        "failures": dict(failures),
        "errors": dict(level.errors),
        "cpu": level.cpu,
        "cpu_ms_per_message": {
            role: round(1000 * seconds / max(level.messages, 1), 1)
            for role, seconds in level.cpu.get("cpu_seconds", {}).items()
        },
        "by_kind": by_kind,
        **({"action_server": level.action_server} if level.action_server else {}),
    }


@dataclass(frozen=True)
class Row:
    key: str  # stable across runs: what run-to-run comparison matches on
    label: str
    ours: float | None
    baseline: float | None
    higher_is_better: bool = False
    target: str = ""  # human-readable target
    met: bool | None = None  # None: no target for this row

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline


def _get(results: dict[str, Any], system: str, *path: str) -> Any:
    value: Any = results.get("systems", {}).get(system)
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _target(value: float | None, check: Callable[[float], bool]) -> bool | None:
    return None if value is None else check(value)


def comparison_rows(results: dict[str, Any]) -> list[Row]:
    """The table: our figures, the baseline's, the ratio and the issue's targets."""
    rows: list[Row] = []
    for level in results.get("levels", []):
        name = level["name"]
        for percentile in ("p50", "p95", "p99"):
            ours = _get(results, "ours", "levels", name, f"{percentile}_ms")
            baseline = _get(results, "baseline", "levels", name, f"{percentile}_ms")
            row = Row(f"{level['key']}.{percentile}_ms", f"{name}: {percentile} ms", ours, baseline)
            if percentile == "p95" and row.ratio is not None:
                row = replace(row, target="≤ 1.0×", met=row.ratio <= 1.0)
            rows.append(row)
        ours = _get(results, "ours", "levels", name, "throughput_msg_s")
        baseline = _get(results, "baseline", "levels", name, "throughput_msg_s")
        row = Row(f"{level['key']}.throughput", f"{name}: msg/s", ours, baseline, True)
        if level["concurrency"] > 1 and row.ratio is not None:
            row = replace(row, target="≥ 2.0×", met=row.ratio >= 2.0)
        rows.append(row)
        action_p95 = _get(results, "ours", "levels", name, "action_server", "p95_ms")
        rows.append(
            Row(
                f"{level['key']}.action_server.p95_ms",
                f"{name}: action server p95 per call, ms",
                action_p95,
                None,
                target="≤ 20 ms",
                met=_target(action_p95, lambda ms: ms <= 20),
            )
        )

    rows.append(
        Row(
            "rasa_cpu_ms_per_message",
            "Rasa CPU time per message, ms",
            _get(results, "ours", "cpu_ms_per_message", "rasa"),
            _get(results, "baseline", "cpu_ms_per_message", "rasa"),
        )
    )
    rows.append(
        Row(
            "actions_cpu_ms_per_message",
            "action server CPU time per message, ms",
            _get(results, "ours", "cpu_ms_per_message", "actions"),
            None,
        )
    )
    cold = _get(results, "ours", "cold_start", "rasa_first_reply_seconds")
    rows.append(
        Row(
            "cold_start_s",
            "cold start: spawn → first reply, s",
            cold,
            _get(results, "baseline", "cold_start", "rasa_first_reply_seconds"),
            target="Rasa ≤ 15 s",
            met=_target(cold, lambda seconds: seconds <= 15),
        )
    )
    rows.append(
        Row(
            "actions_start_s",
            "action server: spawn → healthy, s",
            _get(results, "ours", "cold_start", "action_server_healthy_seconds"),
            None,
        )
    )
    rasa_rss = _get(results, "ours", "memory", "rasa", "peak_rss_mb")
    rows.append(
        Row(
            "rasa_peak_rss_mb",
            "Rasa server peak RSS, MB",
            rasa_rss,
            _get(results, "baseline", "memory", "rasa", "peak_rss_mb"),
            target="≤ 600 MB",
            met=_target(rasa_rss, lambda mb: mb <= 600),
        )
    )
    rows.append(
        Row(
            "actions_peak_rss_mb",
            "action server peak RSS (all processes), MB",
            _get(results, "ours", "memory", "actions", "peak_rss_mb"),
            None,
        )
    )
    train = _get(results, "ours", "train", "seconds")
    rows.append(
        Row(
            "train_s",
            "train (cold), s",
            train,
            _get(results, "baseline", "train", "seconds"),
            target="≤ 60 s",
            met=_target(train, lambda seconds: seconds <= 60),
        )
    )
    rows.append(
        Row(
            "train_peak_rss_mb",
            "train peak RSS, MB",
            _get(results, "ours", "train", "peak_rss_mb"),
            _get(results, "baseline", "train", "peak_rss_mb"),
        )
    )
    failed = _get(results, "ours", "conversations", "failed")
    rows.append(
        Row(
            "conversations_failed",
            "conversations failed (all levels)",
            failed,
            _get(results, "baseline", "conversations", "failed"),
            target="0",
            met=_target(failed, lambda count: count == 0),
        )
    )
    missing = _get(results, "ours", "database", "missing")
    rows.append(
        Row(
            "intakes_missing",
            "intakes missing or wrong in the database",
            missing,
            None,
            target="0",
            met=_target(missing, lambda count: count == 0),
        )
    )
    return rows


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _ratio(row: Row) -> str:
    return "–" if row.ratio is None else f"{row.ratio:.2f}×"


def _verdict(row: Row) -> str:
    if row.met is None:
        return row.target
    return f"{row.target} {'✅' if row.met else '❌'}"


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| figure | ours | baseline (`rasa init`) | ours / baseline | target |",
        "|---|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.label} | {_number(row.ours)} | {_number(row.baseline)} | {_ratio(row)} "
            f"| {_verdict(row)} |"
        )
    return "\n".join(lines)


def changes_since(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Our figures against an earlier run: one line per figure, regressions marked."""
    before = {row.key: row for row in comparison_rows(previous)}
    lines = []
    for row in comparison_rows(current):
        old = before.get(row.key)
        if old is None or old.ours is None or row.ours is None:
            continue
        if old.ours == 0:
            change = 0.0 if row.ours == 0 else float("inf")
        else:
            change = (row.ours - old.ours) / old.ours
        worse = -change if row.higher_is_better else change
        mark = "  REGRESSION" if worse > REGRESSION_THRESHOLD else ""
        lines.append(
            f"{row.label}: {_number(old.ours)} → {_number(row.ours)} ({change:+.0%}){mark}"
        )
    return lines


def others_load(results: dict[str, Any]) -> float | None:
    """Mean share of the CPUs other processes used while our levels ran (noise indicator)."""
    levels = (_get(results, "ours", "levels") or {}).values()
    shares = [level["cpu"]["others_percent"] for level in levels if level.get("cpu")]
    return round(statistics.fmean(shares), 1) if shares else None
