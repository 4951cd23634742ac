"""Figures, targets and run-to-run changes."""

from __future__ import annotations

from typing import Any

from bench.report import changes_since, comparison_rows, latency_summary, markdown_table


def test_percentiles_of_one_to_a_hundred() -> None:
    summary = latency_summary([float(ms) for ms in range(1, 101)])
    assert summary["p50_ms"] == 50.5
    assert summary["p95_ms"] == 95.0
    assert summary["p99_ms"] == 99.0
    assert latency_summary([]) == {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}


def results(our_p95: float, our_throughput: float) -> dict[str, Any]:
    def system(p95: float, throughput: float) -> dict[str, Any]:
        level = {"p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 2}
        return {
            "levels": {"10 concurrent": {**level, "throughput_msg_s": throughput}},
            "cold_start": {"rasa_first_reply_seconds": 12.0},
            "conversations": {"failed": 0},
        }

    return {
        "levels": [{"key": "c10", "name": "10 concurrent", "concurrency": 10}],
        "systems": {
            "ours": {**system(our_p95, our_throughput), "database": {"missing": 0}},
            "baseline": system(100.0, 20.0),
        },
    }


def test_ratios_and_targets() -> None:
    rows = {row.key: row for row in comparison_rows(results(our_p95=120.0, our_throughput=50.0))}
    assert rows["c10.p95_ms"].ratio == 1.2 and rows["c10.p95_ms"].met is False
    assert rows["c10.throughput"].ratio == 2.5 and rows["c10.throughput"].met is True
    assert rows["cold_start_s"].met is True
    assert rows["conversations_failed"].met is True and rows["intakes_missing"].met is True
    assert rows["train_s"].met is None  # not measured: no verdict
    table = markdown_table(list(rows.values()))
    assert "| 10 concurrent: p95 ms | 120.0 | 100.0 | 1.20× | ≤ 1.0× ❌ |" in table


def test_changes_flag_slower_latency_and_lower_throughput_as_regressions() -> None:
    before = results(our_p95=100.0, our_throughput=50.0)
    worse = "\n".join(changes_since(before, results(our_p95=130.0, our_throughput=40.0)))
    assert "10 concurrent: p95 ms: 100.0 → 130.0 (+30%)  REGRESSION" in worse
    assert "10 concurrent: msg/s: 50.0 → 40.0 (-20%)  REGRESSION" in worse
    better = "\n".join(changes_since(before, results(our_p95=90.0, our_throughput=60.0)))
    assert "REGRESSION" not in better
