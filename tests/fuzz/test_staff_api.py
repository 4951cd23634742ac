"""schemathesis against the staff API's own OpenAPI document (GET /docs/openapi.json), with a
valid bearer token and without one, with data that fits the document and data that does not:
no 5xx, and every response (status code, headers, body) conforms to the document.

(schemathesis' `from_fixture` parametrization does not work with pytest 9, so each test runs a
Hypothesis test per operation through `APIOperation.as_strategy`.)
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, GenerationMode
from schemathesis.schemas import BaseSchema

from tests.fuzz.conftest import Tally
from tests.web.conftest import WebServer
from tests.web.helpers import snapshot

pytestmark = pytest.mark.fuzz

EXAMPLES_PER_OPERATION = 60
HOSTILE_TEXT = "<script>alert(1)</script> \u202e \U0001f4a5 " + "x" * 5000


@pytest.fixture(scope="module", autouse=True)
def intakes(web_server: WebServer) -> None:
    """Some real intakes, so that small ids are found and their full records are checked."""
    for tier in ("routine", "urgent", "emergency"):
        web_server.sync(snapshot(tier, summary=HOSTILE_TEXT))


def fuzz_operation(
    operation: APIOperation, mode: GenerationMode, headers: dict[str, str]
) -> Counter[int]:
    """Runs one Hypothesis test on the operation; the status codes it got back."""
    secured = bool(operation.definition.raw.get("security"))
    statuses: Counter[int] = Counter()

    # Headers given to the strategy (not only to the call) are left alone by negative mode.
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers or None))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate()
        statuses[response.status_code] += 1
        if secured and not headers:
            # 404 only where a mutated path matches no route at all (e.g. /intakes/abc).
            assert response.status_code in (401, 404), operation.label

    check()
    return statuses


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("authenticated", [True, False], ids=["token", "no-token"])
def test_staff_api_answers_every_request_as_documented(
    staff_api: BaseSchema,
    web_server: WebServer,
    fuzz_tally: Tally,
    mode: GenerationMode,
    authenticated: bool,
) -> None:
    headers = {"Authorization": f"Bearer {web_server.tokens['admin']}"} if authenticated else {}
    operations = [result.ok() for result in staff_api.get_all_operations()]
    assert len(operations) >= 4  # list, detail, FHIR export, questionnaire
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not list(operation.iter_parameters()):
            continue  # nothing to get wrong in a request without parameters or body
        statuses = fuzz_operation(operation, mode, headers)
        fuzz_tally.add("staff API", statuses)
        if (
            authenticated
            and mode == GenerationMode.POSITIVE
            and operation.label == "GET /api/v1/intakes"
        ):
            assert statuses[200] > 0  # the token was sent and accepted
