"""Waits for the three processes' health checks, then prints where everything is.

Runs as the fourth process under honcho: if a service doesn't come up in time it exits non-zero
and honcho stops the others; otherwise it stays idle until Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import httpx

TIMEOUT_SECONDS = 240


def main() -> int:
    rasa = f"http://127.0.0.1:{os.environ['RASA_PORT']}"
    web = f"http://127.0.0.1:{os.environ['WEB_PORT']}"
    checks = {
        "Rasa": f"{rasa}/",
        "action server": f"http://127.0.0.1:{os.environ['ACTION_PORT']}/health",
        "staff web app": f"{web}/health",
    }
    started = float(os.environ.get("SERVICE_STARTED_AT", time.time()))
    pending = dict(checks)
    while pending and time.time() - started < TIMEOUT_SECONDS:
        for name, url in list(pending.items()):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    print(f"{name} healthy after {time.time() - started:.0f} s", flush=True)
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(1)
    if pending:
        print(
            f"error: not healthy after {TIMEOUT_SECONDS} s: {', '.join(pending)}", file=sys.stderr
        )
        return 1
    print(
        "\n  Service ready:\n"
        f"    Patient demo page  {web}/\n"
        f"    Staff dashboard    {web}/staff/\n"
        f"    Rasa               {rasa}  (REST channel: {rasa}/webhooks/rest/webhook)\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
