"""200 concurrent routine intakes over two Rasa instances (Redis lock store, PostgreSQL tracker
store) through nginx: no lost or reordered events in any tracker, every intake stored once.

Each simulated patient behaves like the widget: a message that fails or gets no answer in time
is sent again with the same message id (counted in `messages_sent_again`). Prints and writes the
figures (var/reliability/load.json) that docs/reliability.md quotes. LOAD_CONVERSATIONS
overrides the number of conversations.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest

from tests.production.conftest import ROOT, Production
from tests.rasa.patients import PRESENTATIONS, Presentation

pytestmark = pytest.mark.load

CONVERSATIONS = int(os.environ.get("LOAD_CONVERSATIONS", "200"))
MAX_TURNS = 30
RETRIES = 5


@dataclass
class Outcome:
    sender: str
    sent: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    completed: bool = False


async def deliver(
    client: httpx.AsyncClient, url: str, sender: str, text: str, outcome: Outcome
) -> httpx.Response | None:
    """Like the widget: a message that failed (5xx, 429, no answer in time) is sent again
    with the same message id, which the channel processes only once."""
    payload = {"sender": sender, "message": text, "metadata": {"message_id": uuid.uuid4().hex}}
    for attempt in range(RETRIES + 1):
        try:
            response = await client.post(url, params={"sender": sender}, json=payload)
        except httpx.TimeoutException:
            response = None
        if response is not None and response.status_code == 200:
            return response
        if attempt < RETRIES:
            outcome.retries += 1
            await asyncio.sleep(1)
    outcome.errors.append(f"{response.status_code if response else 'timeout'} after {text!r}")
    return None


async def converse(
    client: httpx.AsyncClient, url: str, patient: Presentation, outcome: Outcome
) -> None:
    text: str | None = patient.opening
    for _ in range(MAX_TURNS):
        assert text is not None
        started = time.perf_counter()
        response = await deliver(client, url, outcome.sender, text, outcome)
        outcome.latencies.append(time.perf_counter() - started)
        if response is None:
            return
        outcome.sent.append(text)
        reply = "\n".join(r.get("text", "") for r in response.json())
        if not reply:
            outcome.errors.append(f"empty reply to {text!r}")
            return
        if text == "/affirm" and "intake is complete" in reply.lower():
            outcome.completed = True
            return
        text = patient.answer(reply)
        if text is None:
            text = "/affirm"  # the summary is right
    outcome.errors.append("no end after 30 turns")


async def run_load(production: Production) -> tuple[list[Outcome], float]:
    url = f"{production.public_url}/webhooks/rest/webhook"
    limits = httpx.Limits(max_connections=CONVERSATIONS, max_keepalive_connections=CONVERSATIONS)
    outcomes = [Outcome(f"load-{uuid.uuid4().hex[:12]}") for _ in range(CONVERSATIONS)]
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                converse(client, url, PRESENTATIONS[i % len(PRESENTATIONS)], outcome)
                for i, outcome in enumerate(outcomes)
            )
        )
        return outcomes, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def test_concurrent_conversations_over_two_rasa_instances(production: Production) -> None:
    before = production.count_intakes()
    outcomes, seconds = asyncio.run(run_load(production))
    latencies = [latency for outcome in outcomes for latency in outcome.latencies]
    failed = [(o.sender, o.errors) for o in outcomes if not o.completed]
    # Each tracker holds exactly the messages sent, in the order sent: nothing lost,
    # duplicated or reordered by two instances sharing conversations through the lock store.
    mismatched = [o.sender for o in outcomes if production.user_texts(o.sender) != o.sent]
    stored = {o.sender: production.intakes(o.sender) for o in outcomes}
    not_stored_once = [s for s, intakes in stored.items() if len(intakes) != 1]
    not_completed = [s for s, i in stored.items() if len(i) == 1 and i[0].status != "completed"]
    figures = {
        "conversations": CONVERSATIONS,
        "rasa_instances": len(production.topology.rasa_ports),
        "messages": len(latencies),
        "seconds": round(seconds, 1),
        "messages_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000),
        "p95_ms": round(percentile(latencies, 0.95) * 1000),
        "p99_ms": round(percentile(latencies, 0.99) * 1000),
        "messages_sent_again": sum(o.retries for o in outcomes),
        "failed_conversations": len(failed),
        "trackers_not_matching": len(mismatched),
        "intakes_not_stored_once": len(not_stored_once),
        "intakes_not_completed": len(not_completed),
        "intakes_added": production.count_intakes() - before,
    }
    print(f"\nload: {json.dumps(figures)}")
    out = ROOT / "var" / "reliability"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    assert failed == [], failed[:5]
    assert mismatched == [], mismatched[:5]
    assert not_stored_once == [] and not_completed == []
    assert figures["intakes_added"] == CONVERSATIONS
