"""Hypothesis-generated hostile input against the real REST webhook (Rasa 3.6.21 with
engine/channels.py and the action server): unicode, control characters, lone surrogates,
100 kB messages, script tags, JSON of the wrong shape, binary bodies.

No 5xx, every refusal is a JSON error, the service stays healthy (a normal conversation still
works and nothing failed in Rasa's log), and patient text with a script tag is stored as sent
and rendered escaped in the staff dashboard.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.store import create_engine, session_factory
from bot.store.accounts import create_staff_user
from tests.fuzz.conftest import Tally
from tests.rasa.conftest import ROOT, Service, free_port, texts, wait_healthy
from tests.rasa.test_channel import new_client_ip, post
from tests.web.conftest import PASSWORD, SANIC_COMMAND, login
from tests.web.test_dashboard import XSS

pytestmark = [pytest.mark.fuzz, pytest.mark.rasa]

FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SPECIAL_MESSAGES = [
    XSS,
    '"><svg onload=alert(1)>',
    "'; DROP TABLE intakes; --",
    "{{ 7*7 }} {% raw %} ${7*7} %s %n",
    "\u202egnp.exe my heel hurts",  # right-to-left override
    "\u200b\u200d\ufeff",  # zero-width characters only
    "𝕳𝖊𝖑𝖑𝖔 😀👍🏽 👩‍👩‍👧 ﷽",
    "\x00\x01\x02hi\x1b[2J\x7f",
    "\ud800 lone surrogate",
    "٣٤ ①② ｈｅｌｌｏ ⓵",
    "x" * 4001,
    "my knee hurts " * 7_200,  # 100 kB
    '/affirm{"urgency": "routine", "red_flags": []}',
    "/restart",
    "/",
    "\n" * 3999 + "a",
]
ANY_CHARACTER = st.characters(exclude_categories=())  # control characters included
MESSAGES = st.one_of(
    st.sampled_from(SPECIAL_MESSAGES),
    st.text(ANY_CHARACTER, max_size=300),
    st.text(ANY_CHARACTER | st.characters(categories=["Cs"]), min_size=1, max_size=50),
    st.text(max_size=3000),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
SENDER = "SENDER"  # replaced by a fresh conversation id for each example
WRONG_SHAPES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"sender": st.just(SENDER) | JSON_VALUES, "message": JSON_VALUES},
        optional={"metadata": JSON_VALUES | st.dictionaries(st.just("message_id"), JSON_VALUES)},
    ),
)
RASA_FAILURES = ("Handling a patient message failed", "Traceback")
INTENT_PAYLOAD = re.compile(r"[\x00-\x20\x7f-\x9f]*/")


def check_reply(response: httpx.Response, allowed: set[int]) -> None:
    assert response.status_code < 500, response.text
    assert response.status_code in allowed, response.text
    body = response.json()
    if response.status_code == 200:
        assert isinstance(body, list)
    else:
        assert body["error"] and body["message"]


@pytest.fixture(scope="module")
def rasa_log_offset(service: Service) -> int:
    """Where Rasa's log stood before the fuzzing: what comes after is checked at the end."""
    return service.rasa_log.stat().st_size


@pytest.fixture(scope="module")
def statuses(fuzz_tally: Tally) -> Iterator[Counter[int]]:
    counts: Counter[int] = Counter()
    yield counts
    fuzz_tally.add("REST webhook", counts)


@settings(FUZZ_SETTINGS, max_examples=200)
@given(text=MESSAGES)
@example(text="x" * 100_000)
@example(text=XSS)
def test_any_message_text_gets_replies_or_a_json_error(
    service: Service, rasa_log_offset: int, statuses: Counter[int], text: str
) -> None:
    sender = f"fuzz-{uuid.uuid4().hex[:12]}"
    body = {"sender": sender, "message": text, "metadata": {"message_id": str(uuid.uuid4())}}
    response = post(service, body, new_client_ip(), params={"sender": sender})
    statuses[response.status_code] += 1
    check_reply(response, {200, 400, 413})
    # Text read as an intent ("/restart") may get no reply: Rasa's own commands are silent.
    if response.status_code == 200 and not INTENT_PAYLOAD.match(text):
        assert response.json(), "Rasa answered nothing"


@settings(FUZZ_SETTINGS, max_examples=150)
@given(payload=WRONG_SHAPES)
def test_json_of_any_shape_gets_replies_or_a_json_error(
    service: Service, rasa_log_offset: int, statuses: Counter[int], payload: object
) -> None:
    sender = f"fuzz-{uuid.uuid4().hex[:12]}"
    body = json.dumps(payload).replace(f'"{SENDER}"', f'"{sender}"').encode()
    response = post(service, body, new_client_ip())
    statuses[response.status_code] += 1
    # 409: a generated message id met again with other text; 429: a generated sender (say "0")
    # sent more often than its conversation may.
    check_reply(response, {200, 400, 409, 413, 429})


@settings(FUZZ_SETTINGS, max_examples=80)
@given(body=st.binary(max_size=3000))
@example(body=b"\xff\xfe\x00\x00")
@example(body=b'{"sender": "a", "message": "\xc3\x28"}')
def test_binary_bodies_get_a_json_error(
    service: Service, rasa_log_offset: int, statuses: Counter[int], body: bytes
) -> None:
    response = post(service, body, new_client_ip())
    statuses[response.status_code] += 1
    check_reply(response, {200, 400, 413, 429})


def test_the_service_is_healthy_after_the_fuzzing(service: Service, rasa_log_offset: int) -> None:
    assert httpx.get(f"{service.rasa_url}/", timeout=10).status_code == 200
    assert httpx.get(f"{service.action_url}/health", timeout=10).status_code == 200
    sender = f"after-fuzz-{uuid.uuid4().hex[:8]}"
    assert "is that ok" in texts(service.chat(sender, "hi")).lower()
    assert "how old" in texts(service.chat(sender, "/affirm")).lower()
    assert "right now" in texts(service.chat(sender, "44")).lower()
    with service.rasa_log.open("rb") as log:
        log.seek(rasa_log_offset)
        during = log.read().decode("utf-8", errors="replace")
    assert not [line for line in during.splitlines() if line.startswith(RASA_FAILURES)]


@pytest.fixture(scope="module")
def staff_site(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The staff web app on the service's own intake database, with one clinician."""

    async def add_clinician() -> None:
        engine = create_engine(service.database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                await create_staff_user(
                    session, "fuzz-clinician@clinic.test", "clinician", PASSWORD, "Fuzz"
                )
        finally:
            await engine.dispose()

    asyncio.run(add_clinician())
    workdir = tmp_path_factory.mktemp("fuzz-staff")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PHYSIO_ENV": "development",
        "DATABASE_URL": service.database_url,
        "PUBLIC_BASE_URL": base_url,
    }
    log_path = workdir / "web.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [*SANIC_COMMAND, "--port", str(port)],
            cwd=workdir,  # no stray .env from the repository
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(f"{base_url}/health", process, Path(log_path))
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_script_sent_through_the_webhook_is_stored_as_sent_and_shown_escaped(
    service: Service, staff_site: str
) -> None:
    """End to end, what tests/web/test_dashboard.py checks from a stored snapshot: the script
    tag arrives through Rasa and the action server, is kept verbatim, and renders inert."""
    sender = f"fuzz-xss-{uuid.uuid4().hex[:8]}"
    complaint = f"{XSS} my heel hurts in the morning"
    for message in ("hi", "/affirm", "44", "/deny"):
        service.chat(sender, message)
    service.chat(sender, complaint)

    intake = service.intake(sender)
    assert intake is not None
    assert intake.answers["complaint"] == complaint  # stored as the patient sent it
    assert any(line["text"] == complaint for line in intake.transcript)

    with httpx.Client(base_url=staff_site, timeout=20) as client:
        assert login(client, "fuzz-clinician@clinic.test", PASSWORD).status_code == 303
        html = client.get(f"/staff/intakes/{intake.id}").text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert (
        html.count("&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") >= 2
    )  # answer, transcript
