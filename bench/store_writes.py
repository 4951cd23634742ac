"""The intake store's write path alone: `python -m bench.store_writes [--cpu-ms 6] [--database-url URL]`.

N conversations at once (1, 10, 50) on one `IntakeStore`, as in one action server; each turn
adds an answer and two transcript lines, like an intake form turn. `--cpu-ms` spends that much
CPU before each write (what an action does before it writes: parsing, triage), so the writes
compete for the event loop as they do in the server. Prints writes/s and latency per write.
Default database: a new SQLite file. For PostgreSQL pass an empty database: its tables are
dropped and migrated before each level.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from sqlalchemy import text

from bench.report import latency_summary
from bot.settings import Settings
from bot.store import ConversationSnapshot, IntakeStore, TranscriptLine, create_engine, migrate
from bot.store.models import Base

TURNS = 19  # one routine intake


async def conversation(
    store: IntakeStore, number: int, cpu_ms: float, latencies: list[float]
) -> None:
    answers: dict[str, str] = {}
    lines: list[TranscriptLine] = []
    for turn in range(TURNS):
        answers[f"question_{turn}"] = f"answer {turn}"
        lines += [
            TranscriptLine("bot", f"Question {turn}?", 1000.0 + 2 * turn),
            TranscriptLine("user", f"my answer to question {turn}", 1001.0 + 2 * turn),
        ]
        started = time.perf_counter()
        busy_until = started + cpu_ms / 1000
        while time.perf_counter() < busy_until:
            pass  # the action's own work, holding the event loop
        await store.sync_conversation(
            ConversationSnapshot(f"bench-{number}", answers=dict(answers), transcript=list(lines))
        )
        latencies.append((time.perf_counter() - started) * 1000)


async def level(database_url: str, concurrency: int, cpu_ms: float) -> str:
    store = IntakeStore(database_url, settings=Settings(_env_file=None))
    latencies: list[float] = []
    started = time.perf_counter()
    try:
        await asyncio.gather(
            *(conversation(store, number, cpu_ms, latencies) for number in range(concurrency))
        )
    finally:
        await store.close()
    wall = time.perf_counter() - started
    summary = latency_summary(latencies)
    return (
        f"{concurrency:>3} at once: {len(latencies) / wall:5.0f} writes/s, p50 "
        f"{summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, p99 {summary['p99_ms']} ms"
    )


async def empty_database(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS intake_alembic_version"))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store_writes", description=__doc__)
    parser.add_argument("--cpu-ms", type=float, default=0.0, help="CPU spent before each write")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    for concurrency in (1, 10, 50):
        with tempfile.TemporaryDirectory(prefix="physio-store-writes-") as directory:
            database_url = args.database_url or f"sqlite+aiosqlite:///{directory}/intake.sqlite3"
            if args.database_url:
                asyncio.run(empty_database(database_url))
            migrate(database_url)
            print(asyncio.run(level(database_url, concurrency, args.cpu_ms)), flush=True)


if __name__ == "__main__":
    main()
