"""Our action server as `python -m scripts.action_server` runs it, plus a timing middleware.

The middleware times every /webhook request inside the server (request read to response
written) per action name; GET /bench/timings returns them. The benchmark reports these next to
the end-to-end latency, so the action server's share of a turn is measured, not guessed.
Run: `python -m bench.action_server --actions actions --port 5055` (same options).
"""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import HTTPResponse, Request, Sanic
from sanic.response import json as json_response

from scripts.action_server import build_app, parse_args, serve

TIMINGS_PATH = "/bench/timings"


def create_timed_app(action_executor: ActionExecutor, **options: Any) -> Sanic:
    """rasa_sdk's own app factory, with the timing middleware and route added."""
    app = create_app_for_serve(action_executor, **options)
    timings: dict[str, list[float]] = {}

    @app.on_request
    async def start_clock(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def stop_clock(request: Request, response: HTTPResponse) -> None:
        if request.path != "/webhook":
            return
        elapsed_ms = (time.perf_counter() - request.ctx.started) * 1000
        try:
            action = str(request.json.get("next_action"))
        except Exception:  # a compressed or malformed body: still count the time
            action = "(unreadable)"
        timings.setdefault(action, []).append(round(elapsed_ms, 3))

    @app.get(TIMINGS_PATH)
    async def report(_: Request) -> HTTPResponse:
        return json_response(timings)

    return app


def main() -> None:
    """What `scripts.action_server` does, with `create_timed_app` as the factory."""
    args = parse_args()
    serve(build_app(args, factory=create_timed_app), args)


if __name__ == "__main__":
    main()
