"""`python -m bench`: our service and Rasa's own `rasa init` bot, side by side, on this machine.

One run trains both (ours with the production config, the baseline with Rasa's default
config), starts each in turn, drives both through the REST channel with the same load
generator, prints a table (ours, baseline, ratio, target) and writes the figures to JSON.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench.action_server import TIMINGS_PATH
from bench.conversations import BASELINE_HAPPY, EMERGENCY_ESCALATION, Script, baseline_mix, our_mix
from bench.conversations import ROUTINE_INTAKE as ROUTINE
from bench.load import (
    LevelResult,
    hold_conversation,
    run_level,
    seconds_to_first_reply,
    seconds_to_healthy,
)
from bench.processes import (
    APP_PYTHON,
    ENGINE_BIN,
    ROOT,
    BenchError,
    CpuMeter,
    MemorySampler,
    Server,
    procfile_command,
    replace_option,
    wait_for_quiet_machine,
)
from bench.report import (
    changes_since,
    comparison_rows,
    latency_summary,
    level_summary,
    markdown_table,
    others_load,
)
from bench.training import TrainedModel, engine_env, prepare_baseline, prepare_ours
from bot.store import create_engine, migrate, session_factory
from bot.store.models import Intake
from tests.rasa.conftest import free_port

RESULTS_DIR = ROOT / "bench" / "results"
START_TIMEOUT_SECONDS = 600  # a loaded 2-core machine has taken 250 s to start the baseline
QUIET_WAIT_SECONDS = 60
RASA_TOKEN = "bench-token"  # noqa: S105 - a throwaway token for a server on 127.0.0.1


@dataclass(frozen=True)
class Level:
    key: str  # stable name in the JSON
    name: str
    concurrency: int
    message_budget: int


# Budgets for steady percentiles: at 50 concurrent, 2,000 messages are two waves of 50 intakes
# or more, so the p95 is not that of one wave started at the same instant.
FULL_LEVELS = (
    Level("seq", "sequential", 1, 400),
    Level("c10", "10 concurrent", 10, 1000),
    Level("c50", "50 concurrent", 50, 2000),
)
# At 50 concurrent every patient holds one whole conversation, so "quick" is still ~800
# messages for our ~19-turn intakes.
QUICK_LEVELS = (
    Level("seq", "sequential", 1, 30),
    Level("c10", "10 concurrent", 10, 100),
    Level("c50", "50 concurrent", 50, 100),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer messages; reuse the cached baseline and our cached model instead of training",
    )
    parser.add_argument(
        "--only", choices=("ours", "baseline"), help="benchmark one side only (development)"
    )
    parser.add_argument(
        "--model", type=Path, help="serve this trained model as ours (no training, no train time)"
    )
    parser.add_argument("--out", type=Path, help="results JSON (default: bench/results/…)")
    parser.add_argument(
        "--compare", type=Path, help="earlier results JSON (default: the last run of this mode)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    return parser.parse_args()


def _git(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed git command
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()


async def warm_up(base_url: str, scripts: list[Script], prefix: str) -> None:
    """One conversation of each kind before measuring; a failure here stops the benchmark."""
    result = LevelResult(name="warm-up", concurrency=1)
    async with httpx.AsyncClient(timeout=120) as client:
        for index, script in enumerate(scripts):
            await hold_conversation(
                client, f"{base_url}/webhooks/rest/webhook", f"{prefix}-{index}", script, result
            )
    for record in result.conversations:
        if record.outcome != "ok":
            raise BenchError(
                f"warm-up {record.kind} conversation failed after {record.turns} turns: "
                f"{record.failure}; to {record.last_sent!r} the bot replied:\n{record.last_reply}"
            )


async def run_levels(
    base_url: str,
    levels: tuple[Level, ...],
    mix: Callable[[int], Script],
    prefix: str,
    servers: dict[str, Server],
    action_url: str | None = None,
) -> list[LevelResult]:
    results = []
    for level in levels:
        print(f"    {level.name}: {level.message_budget} messages …", flush=True)
        timings_before = await action_timings(action_url) if action_url else {}
        cpu = CpuMeter(servers)
        result = await run_level(
            base_url, level.name, level.concurrency, level.message_budget, mix, prefix
        )
        result.cpu = cpu.report()
        if action_url:
            timings = await action_timings(action_url)
            result.action_server = action_server_summary(timings_before, timings, result)
        print(
            f"    {level.name}: {result.messages} messages in {result.wall_seconds:.1f} s, "
            f"{sum(r.outcome == 'failed' for r in result.conversations)} conversations failed, "
            f"other processes used {result.cpu['others_percent']:.0f} % of the CPUs",
            flush=True,
        )
        results.append(result)
    return results


def conversations_summary(levels: list[LevelResult]) -> dict[str, Any]:
    records = [record for level in levels for record in level.conversations]
    failures = Counter(f"{r.kind}: {r.failure}" for r in records if r.failure)
    examples = [
        {
            "kind": r.kind,
            "failure": r.failure,
            "turns": r.turns,
            "last_sent": r.last_sent,
            "last_reply": r.last_reply,
        }
        for r in records
        if r.failure
    ][:5]
    return {
        "ok": sum(record.outcome == "ok" for record in records),
        "failed": sum(record.outcome == "failed" for record in records),
        "failures": dict(failures),
        "failure_examples": examples,
    }


def system_summary(
    model: TrainedModel,
    levels: tuple[Level, ...],
    results: list[LevelResult],
    cold_start: dict[str, float],
    memory: dict[str, Any],
) -> dict[str, Any]:
    return {
        "train": {
            "seconds": model.train_seconds,
            "peak_rss_mb": model.train_peak_rss_mb,
            "cached": model.cached,
        },
        "cold_start": cold_start,
        "memory": memory,
        "levels": {
            level.name: level_summary(result) for level, result in zip(levels, results, strict=True)
        },
        "conversations": conversations_summary(results),
        "cpu_ms_per_message": cpu_per_message(results),
    }


def cpu_per_message(results: list[LevelResult]) -> dict[str, float]:
    """CPU time each process spent per message over all levels: robust to other load."""
    messages = max(sum(result.messages for result in results), 1)
    seconds: Counter[str] = Counter()
    for result in results:
        seconds.update(result.cpu.get("cpu_seconds", {}))
    return {role: round(1000 * total / messages, 1) for role, total in seconds.items()}


async def bench_baseline(
    model: TrainedModel, levels: tuple[Level, ...], workdir: Path, sampler: MemorySampler
) -> dict[str, Any]:
    port = free_port()
    rasa = Server(
        "baseline rasa",
        [
            str(ENGINE_BIN / "rasa"),
            "run",
            "--model",
            str(model.model),
            "--enable-api",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        engine_env(),
        model.project_dir,
        workdir / "baseline-rasa.log",
    )
    base_url = f"http://127.0.0.1:{port}"
    print("==> Baseline: starting rasa run", flush=True)
    sampler.watch(rasa)
    rasa.start()
    try:
        cold = await seconds_to_first_reply(base_url, "hi", [rasa], START_TIMEOUT_SECONDS)
        rss_after_start = rasa.current_rss_mb()
        print(f"    first reply after {cold:.1f} s; RSS {rss_after_start:.0f} MB", flush=True)
        await warm_up(base_url, [BASELINE_HAPPY, baseline_mix(1)], "bench-warm-baseline")
        results = await run_levels(base_url, levels, baseline_mix, "bench-baseline", {"rasa": rasa})
    finally:
        rasa.stop()
    memory = {"rasa": {**rasa.memory_report(), "rss_after_start_mb": round(rss_after_start, 1)}}
    return system_summary(model, levels, results, {"rasa_first_reply_seconds": cold}, memory)


async def action_timings(action_url: str) -> dict[str, list[float]]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{action_url}{TIMINGS_PATH}")
        response.raise_for_status()
        return response.json()


def action_server_summary(
    before: dict[str, list[float]], after: dict[str, list[float]], level: LevelResult
) -> dict[str, Any]:
    """Per-call time inside the action server during one level, and its share of the latency."""
    during = {name: calls[len(before.get(name, [])) :] for name, calls in after.items()}
    every_call = [ms for calls in during.values() for ms in calls]
    return {
        "calls": len(every_call),
        **latency_summary(every_call),
        "share_of_latency": round(sum(every_call) / max(sum(level.latencies_ms), 1), 3),
        "by_action": {
            name: {"calls": len(calls), **latency_summary(calls)}
            for name, calls in sorted(during.items())
            if calls
        },
    }


async def check_database(database_url: str, levels: list[LevelResult]) -> dict[str, int]:
    """Every conversation that succeeded must have its intake stored with the right state."""
    expected = {"routine": ("completed", "routine"), "emergency": ("escalated", "emergency")}
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(Intake.conversation_id, Intake.status, Intake.urgency)
            )
            stored = {row.conversation_id: (row.status, row.urgency) for row in rows}
    finally:
        await engine.dispose()
    succeeded = [r for level in levels for r in level.conversations if r.outcome == "ok"]
    wrong = sum(stored.get(r.sender) != expected[r.kind] for r in succeeded)
    return {"checked": len(succeeded), "missing": wrong, "intakes_stored": len(stored)}


async def bench_ours(
    model: TrainedModel, levels: tuple[Level, ...], workdir: Path, sampler: MemorySampler
) -> dict[str, Any]:
    rasa_port, action_port = free_port(), free_port()
    database_url = f"sqlite+aiosqlite:///{workdir / 'intake.sqlite3'}"
    await asyncio.to_thread(migrate, database_url)
    env = engine_env(
        DATABASE_URL=database_url,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        RASA_TRACKER_DB=str(workdir / "tracker.sqlite3"),
        SANIC_HOST="127.0.0.1",
        # The load generator is one address sending at machine speed: measure the engine,
        # not the webhook's rate limits (engine/channels.py).
        WEBHOOK_SENDER_PER_MINUTE="0",
        WEBHOOK_IP_PER_MINUTE="0",
    )
    actions = Server(
        "action server",
        [
            str(APP_PYTHON),
            *"-m bench.action_server --actions actions --port".split(),
            str(action_port),
        ],
        env,
        ROOT,
        workdir / "actions.log",
    )
    procfile_variables = {
        "RASA_TOKEN": RASA_TOKEN,
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    }
    rasa = Server(
        "rasa",
        replace_option(procfile_command("rasa", procfile_variables), "--model", str(model.model)),
        env,
        ROOT,
        workdir / "rasa.log",
    )
    if "scripts.action_server" not in procfile_command("actions", procfile_variables):
        print(
            "warning: the Procfile no longer runs `python -m scripts.action_server`, which "
            "bench/action_server.py mirrors: update it to measure the same server",
            flush=True,
        )
    base_url, action_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}"
    print("==> Ours: starting the action server and rasa run (as the Procfile does)", flush=True)
    for server in (actions, rasa):
        sampler.watch(server)
        server.start()
    try:
        rasa_cold, actions_cold = await asyncio.gather(
            seconds_to_first_reply(base_url, "hi", [rasa, actions], START_TIMEOUT_SECONDS),
            seconds_to_healthy(f"{action_url}/health", actions, START_TIMEOUT_SECONDS),
        )
        rss_after_start = {"rasa": rasa.current_rss_mb(), "actions": actions.current_rss_mb()}
        print(
            f"    rasa first reply after {rasa_cold:.1f} s (RSS {rss_after_start['rasa']:.0f} MB),"
            f" action server healthy after {actions_cold:.1f} s"
            f" (RSS {rss_after_start['actions']:.0f} MB)",
            flush=True,
        )
        await warm_up(base_url, [ROUTINE, EMERGENCY_ESCALATION], "bench-warm-ours")
        results = await run_levels(
            base_url, levels, our_mix, "bench-ours", {"rasa": rasa, "actions": actions}, action_url
        )
    finally:
        for server in (rasa, actions):
            server.stop()
    summary = system_summary(
        model,
        levels,
        results,
        {
            "rasa_first_reply_seconds": rasa_cold,
            "action_server_healthy_seconds": actions_cold,
            "service_ready_seconds": max(rasa_cold, actions_cold),
        },
        {
            name: {**server.memory_report(), "rss_after_start_mb": round(rss_after_start[name], 1)}
            for name, server in (("rasa", rasa), ("actions", actions))
        },
    )
    summary["database"] = await check_database(database_url, results)
    return summary


def results_paths(args: argparse.Namespace, mode: str) -> tuple[Path, Path, Path | None]:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS_DIR / f"{stamp}-{mode}.json"
    latest = RESULTS_DIR / f"latest-{mode}.json"
    # A fresh clone has no earlier run: compare with the committed reference run instead.
    references = sorted((ROOT / "bench" / "reference").glob(f"*-{mode}.json"))
    compare = args.compare or (latest if latest.exists() else None)
    compare = compare or (references[-1] if references else None)
    return out, latest, compare


async def main() -> int:
    args = parse_args()
    mode = "quick" if args.quick else "full"
    levels = QUICK_LEVELS if args.quick else FULL_LEVELS
    out, latest, compare = results_paths(args, mode)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if load_before > 1.0:
        print(f"warning: load average {load_before:.1f} before starting; figures will suffer")
    workdir = Path(tempfile.mkdtemp(prefix="physio-bench-"))
    results: dict[str, Any] = {
        "schema": 1,
        "mode": mode,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": round(load_before, 2),
            "platform": platform.platform(),
        },
        "git": {"commit": _git("rev-parse", "HEAD"), "dirty": bool(_git("status", "--porcelain"))},
        "levels": [level.__dict__ for level in levels],
        "systems": {},
    }
    try:
        retrain = not args.quick
        # Other people share this machine: a full run waits a while for their work to calm down.
        quiet_wait = 0 if args.quick else QUIET_WAIT_SECONDS
        with MemorySampler() as sampler:
            if args.only != "ours":
                baseline_model = await asyncio.to_thread(prepare_baseline, workdir, retrain)
            if args.only != "baseline" and args.model:
                our_model = TrainedModel(ROOT, args.model.resolve(), None, None, cached=True)
            elif args.only != "baseline":
                our_model = await asyncio.to_thread(prepare_ours, workdir, retrain)
            if args.only != "ours":
                busy = await asyncio.to_thread(wait_for_quiet_machine, quiet_wait)
                results["systems"]["baseline"] = await bench_baseline(
                    baseline_model, levels, workdir, sampler
                )
                results["systems"]["baseline"]["machine_busy_before_percent"] = round(100 * busy)
            if args.only != "baseline":
                busy = await asyncio.to_thread(wait_for_quiet_machine, quiet_wait)
                results["systems"]["ours"] = await bench_ours(our_model, levels, workdir, sampler)
                results["systems"]["ours"]["machine_busy_before_percent"] = round(100 * busy)
    except BenchError as error:
        print(f"benchmark failed: {error}\n(logs kept in {workdir})", file=sys.stderr)
        return 1
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    rows = comparison_rows(results)
    results["comparison"] = [{**row.__dict__, "ratio": row.ratio} for row in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(compare.read_text()) if compare and compare.exists() else None
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if out.resolve() != latest.resolve():
        shutil.copyfile(out, latest)

    print(f"\n{markdown_table(rows)}\n")
    print(f"{mode} run, {results['total_seconds']:.0f} s in all; results: {out}")
    if previous:
        print(f"\nOur figures against {compare}:")
        before, now = others_load(previous), others_load(results)
        if before is not None and now is not None:
            print(
                f"  (other processes used {before:.0f} % of the CPUs then, {now:.0f} % now; "
                "CPU time per message is the figure they disturb least)"
            )
        for line in changes_since(previous, results) or ["(no figures of ours to compare)"]:
            print(f"  {line}")
    if args.keep:
        print(f"work directory and logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = [row for row in rows if row.met is False]
    return 2 if any(row.key in ("conversations_failed", "intakes_missing") for row in failed) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
