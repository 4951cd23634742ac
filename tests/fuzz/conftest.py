"""Fixtures for the fuzz suites: the real Rasa service, the real staff web app, and a tally of
what was sent (printed at the end and written to tests/artifacts/fuzz-summary.json)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from schemathesis.schemas import BaseSchema

from tests.rasa.conftest import service, web_app_port  # noqa: F401 - fixtures
from tests.web.conftest import WebServer, web_server  # noqa: F401 - fixture

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


class Tally:
    """Requests sent per suite, by response status."""

    def __init__(self) -> None:
        self.suites: defaultdict[str, Counter[int]] = defaultdict(Counter)

    def add(self, suite: str, statuses: Counter[int]) -> None:
        self.suites[suite].update(statuses)

    def summary(self) -> dict[str, dict]:
        return {
            suite: {
                "requests": sum(statuses.values()),
                "server_errors": sum(n for status, n in statuses.items() if status >= 500),
                "by_status": {str(status): statuses[status] for status in sorted(statuses)},
            }
            for suite, statuses in self.suites.items()
        }


@pytest.fixture(scope="session")
def fuzz_tally() -> Iterator[Tally]:
    tally = Tally()
    yield tally
    if tally.suites:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        summary = json.dumps(tally.summary(), indent=2)
        (ARTIFACTS / "fuzz-summary.json").write_text(summary + "\n")
        print(f"\nfuzz summary: {summary}")


@pytest.fixture(scope="session")
def staff_api(web_server: WebServer) -> BaseSchema:  # noqa: F811 - the fixture imported above
    """The staff API's own OpenAPI document, as the web app serves it."""
    return schemathesis.openapi.from_url(f"{web_server.base_url}/docs/openapi.json")
