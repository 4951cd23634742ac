"""The load generator: closed-loop conversations over Rasa's REST channel (asyncio + httpx).

At concurrency N, N simulated patients each send their next message as soon as the previous
reply arrives (no think time) and start a new conversation while the level's message budget
lasts; every conversation runs to its end, so each level holds at least N conversations.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.conversations import Conversation, Script
from bench.processes import BenchError, Server

REQUEST_TIMEOUT_SECONDS = 120
POLL_SECONDS = 0.1


def webhook(base_url: str) -> str:
    return f"{base_url}/webhooks/rest/webhook"


@dataclass
class ConversationRecord:
    sender: str
    kind: str
    outcome: str  # "ok" or "failed"
    failure: str | None
    turns: int
    last_sent: str  # the last message sent and ...
    last_reply: str  # ... the bot's reply, to diagnose a failure (synthetic data only)


@dataclass
class LevelResult:
    name: str
    concurrency: int
    wall_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # every message answered (HTTP 200)
    latencies_by_kind: dict[str, list[float]] = field(default_factory=dict)
    conversations: list[ConversationRecord] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # turn-level: HTTP errors, empty replies
    cpu: dict[str, float] = field(default_factory=dict)  # see processes.CpuMeter
    action_server: dict[str, Any] = field(default_factory=dict)  # time inside the action server

    @property
    def messages(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.messages / self.wall_seconds if self.wall_seconds else 0.0


async def hold_conversation(
    client: httpx.AsyncClient, url: str, sender: str, script: Script, result: LevelResult
) -> None:
    conversation = Conversation(script)
    message: str | None = conversation.first_message()
    last_sent = last_reply = ""
    while message is not None:
        last_sent = message
        started = time.perf_counter()
        try:
            response = await client.post(url, json={"sender": sender, "message": message})
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as error:
            reason = type(error).__name__
            if isinstance(error, httpx.HTTPStatusError):
                reason = f"HTTP {error.response.status_code}"
            result.errors[reason] += 1
            conversation.fail(reason)
            break
        elapsed_ms = (time.perf_counter() - started) * 1000
        result.latencies_ms.append(elapsed_ms)
        result.latencies_by_kind.setdefault(script.kind, []).append(elapsed_ms)
        if not replies:
            result.errors["empty reply []"] += 1
        last_reply = "\n".join(str(reply.get("text", reply)) for reply in replies)[-500:]
        message = conversation.next_message(replies)
    result.conversations.append(
        ConversationRecord(
            sender,
            script.kind,
            conversation.outcome,
            conversation.failure,
            conversation.turns,
            last_sent,
            last_reply,
        )
    )


async def run_level(
    base_url: str,
    name: str,
    concurrency: int,
    message_budget: int,
    mix: Callable[[int], Script],
    sender_prefix: str,
) -> LevelResult:
    result = LevelResult(name=name, concurrency=concurrency)
    started_conversations = 0
    url = webhook(base_url)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def patient(client: httpx.AsyncClient) -> None:
        nonlocal started_conversations
        while result.messages + sum(result.errors.values()) < message_budget:
            index = started_conversations
            started_conversations += 1
            sender = f"{sender_prefix}-{name.replace(' ', '')}-{index}"
            await hold_conversation(client, url, sender, mix(index), result)

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(patient(client) for _ in range(concurrency)))
        result.wall_seconds = time.perf_counter() - started
    return result


async def seconds_to_first_reply(
    base_url: str, message: str, servers: Sequence[Server], timeout: float
) -> float:
    """Cold start: from spawning `servers[0]` to its first non-empty reply to `message`."""
    deadline = time.perf_counter() + timeout
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            for server in servers:
                server.check_alive()
            try:
                response = await client.post(
                    webhook(base_url), json={"sender": "bench-cold-start", "message": message}
                )
                if response.status_code == 200 and response.json():
                    return servers[0].seconds_since_spawn()
            except (httpx.HTTPError, ValueError):
                pass
            if time.perf_counter() > deadline:
                raise BenchError(f"{servers[0].name}: no reply after {timeout:.0f} s")
            await asyncio.sleep(POLL_SECONDS)


async def seconds_to_healthy(url: str, server: Server, timeout: float) -> float:
    """From spawning `server` to GET `url` answering 200."""
    deadline = time.perf_counter() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            server.check_alive()
            try:
                if (await client.get(url)).status_code == 200:
                    return server.seconds_since_spawn()
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise BenchError(f"{server.name}: not healthy after {timeout:.0f} s")
            await asyncio.sleep(POLL_SECONDS)
