"""The patients' REST channel (engine/channels.py) on the real Rasa server: input checks, rate
limits per conversation and per client address, and duplicate deliveries.

Each test speaks as its own client address through X-Forwarded-For (the test process connects
from 127.0.0.1, a trusted proxy by default), so the limits of one test never touch another.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import httpx
import pytest

from tests.rasa.conftest import TOKEN, WEBHOOK_TEST_LIMITS, Service, texts

pytestmark = pytest.mark.rasa

MAX_MESSAGE_CHARS = 4000  # the default, which the test service keeps
SENDER_BURST = int(WEBHOOK_TEST_LIMITS["WEBHOOK_SENDER_BURST"])
IP_BURST = int(WEBHOOK_TEST_LIMITS["WEBHOOK_IP_BURST"])
_addresses = count(1)


def new_client_ip() -> str:
    """A documentation-range address (RFC 5737) of its own for each caller."""
    number = next(_addresses)
    return f"198.51.{number // 250}.{number % 250 + 1}"


def post(
    service: Service,
    body: bytes | dict,
    client_ip: str,
    params: dict[str, str] | None = None,
    client: httpx.Client | None = None,
    **headers: str,
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (client or httpx).post(
        f"{service.rasa_url}/webhooks/rest/webhook",
        content=content,
        params=params,
        headers={"X-Forwarded-For": client_ip, "Content-Type": "application/json", **headers},
        timeout=60,
    )


def user_texts(service: Service, sender: str) -> list[str]:
    tracker = httpx.get(
        f"{service.rasa_url}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=10
    ).json()
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_a_well_formed_message_with_sender_in_the_url_and_a_message_id_is_answered(
    service: Service, sender: str
) -> None:
    response = post(
        service,
        {"sender": sender, "message": "hi", "metadata": {"message_id": str(uuid.uuid4())}},
        new_client_ip(),
        params={"sender": sender},
    )
    assert response.status_code == 200
    assert "is that ok" in texts(response.json()).lower()


NOT_UTF8 = b'{"sender": "SENDER", "message": "caf\xe9"}'
# Deep enough to exhaust Python's recursion limit, small enough to be parsed.
DEEPLY_NESTED = b'{"sender": "SENDER", "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 400, "invalid_json"),
        (b"hello", 400, "invalid_json"),
        (b"sender=a&message=hi", 400, "invalid_json"),
        (NOT_UTF8, 400, "invalid_json"),
        (b"\x00\xff\xfe binary \x89PNG\r\n", 400, "invalid_json"),
        (b'{"sender": "SENDER", "message": NaN}', 400, "invalid_json"),
        (DEEPLY_NESTED, 400, "invalid_json"),
        (b'[{"sender": "SENDER", "message": "hi"}]', 400, "invalid_json"),
        (b'"hi"', 400, "invalid_json"),
        (b"42", 400, "invalid_json"),
        (b"null", 400, "invalid_json"),
        ({"message": "hi"}, 400, "invalid_sender"),
        ({"sender": None, "message": "hi"}, 400, "invalid_sender"),
        ({"sender": 7, "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "a b", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "../../etc/passwd", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "x" * 129, "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "SENDER"}, 400, "invalid_message"),
        ({"sender": "SENDER", "message": None}, 400, "invalid_message"),
        ({"sender": "SENDER", "message": 42}, 400, "invalid_message"),
        ({"sender": "SENDER", "message": ["hi"]}, 400, "invalid_message"),
        ({"sender": "SENDER", "message": {"text": "hi"}}, 400, "invalid_message"),
        ({"sender": "SENDER", "message": True}, 400, "invalid_message"),
        (b'{"sender": "SENDER", "message": "\\ud800 lone surrogate"}', 400, "invalid_message"),
        ({"sender": "SENDER", "message": ""}, 400, "empty_message"),
        ({"sender": "SENDER", "message": " \n\t\r "}, 400, "empty_message"),
        ({"sender": "SENDER", "message": "\x00\x01\x1b\x7f\x9f"}, 400, "empty_message"),
        ({"sender": "SENDER", "message": "x" * (MAX_MESSAGE_CHARS + 1)}, 413, "message_too_long"),
        ({"sender": "SENDER", "message": "x" * 100_000}, 413, "request_too_large"),
        ({"sender": "SENDER", "message": "hi", "metadata": []}, 400, "invalid_metadata"),
        ({"sender": "SENDER", "message": "hi", "metadata": "x"}, 400, "invalid_metadata"),
        (
            {"sender": "SENDER", "message": "hi", "metadata": {"message_id": 5}},
            400,
            "invalid_message_id",
        ),
        (
            {"sender": "SENDER", "message": "hi", "metadata": {"message_id": "<script>"}},
            400,
            "invalid_message_id",
        ),
    ],
)
def test_malformed_requests_get_a_json_error_and_nothing_is_stored(
    service: Service, sender: str, body: bytes | dict, status: int, error: str
) -> None:
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("SENDER", sender))
    else:
        body = body.replace(b"SENDER", sender.encode())

    response = post(service, body, new_client_ip())

    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["message"]  # plain words for the widget
    if status == 413:
        assert response.json()["limit"] == MAX_MESSAGE_CHARS
    assert user_texts(service, sender) == []


def test_sender_in_the_url_must_match_the_body_and_streaming_is_not_offered(
    service: Service, sender: str
) -> None:
    body = {"sender": sender, "message": "hi"}
    other = post(service, body, new_client_ip(), params={"sender": "someone-else"})
    assert (other.status_code, other.json()["error"]) == (400, "sender_mismatch")
    stream = post(service, body, new_client_ip(), params={"stream": "true"})
    assert (stream.status_code, stream.json()["error"]) == (400, "stream_not_supported")
    assert user_texts(service, sender) == []


def test_refusals_reach_the_widget_through_cors(service: Service, sender: str) -> None:
    """The widget's origin can read the error (status and JSON) to show it to the patient."""
    origin = service.rasa_command[service.rasa_command.index("--cors") + 1]
    response = post(
        service, {"sender": sender, "message": "x" * 5000}, new_client_ip(), Origin=origin
    )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == origin


def test_control_characters_are_removed_except_newline_and_tab(
    service: Service, sender: str
) -> None:
    sent = "hi\x00 there\x07\r\nmy heel\x1b[31m hurts\tbadly\x7f\u0085"
    response = post(service, {"sender": sender, "message": sent}, new_client_ip())
    assert response.status_code == 200
    assert user_texts(service, sender) == ["hi there\nmy heel[31m hurts\tbadly"]


def test_a_message_at_the_limit_is_processed(service: Service, sender: str) -> None:
    text = ("my heel hurts " * 400)[:MAX_MESSAGE_CHARS]
    response = post(service, {"sender": sender, "message": text}, new_client_ip())
    assert response.status_code == 200
    assert response.json()
    assert user_texts(service, sender) == [text]


def test_a_second_delivery_gets_the_same_replies_and_is_not_processed_again(
    service: Service, sender: str
) -> None:
    ip = new_client_ip()
    post(service, {"sender": sender, "message": "hi"}, ip)  # the consent question
    body = {"sender": sender, "message": "/affirm", "metadata": {"message_id": str(uuid.uuid4())}}

    first = post(service, body, ip)
    again = post(service, body, ip)

    assert first.status_code == again.status_code == 200
    assert "how old" in texts(first.json()).lower()
    assert again.json() == first.json()
    assert user_texts(service, sender) == ["hi", "/affirm"]


def test_a_delivery_while_the_first_is_in_flight_waits_for_its_replies(
    service: Service, sender: str
) -> None:
    ip = new_client_ip()
    body = {"sender": sender, "message": "hi", "metadata": {"message_id": uuid.uuid4().hex}}
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: post(service, body, ip), range(4)))

    assert {response.status_code for response in responses} == {200}
    assert all(response.json() == responses[0].json() for response in responses)
    assert "is that ok" in texts(responses[0].json()).lower()
    assert user_texts(service, sender) == ["hi"]


def test_a_message_id_reused_for_other_text_is_refused(service: Service, sender: str) -> None:
    ip = new_client_ip()
    message_id = str(uuid.uuid4())
    first = post(
        service, {"sender": sender, "message": "hi", "metadata": {"message_id": message_id}}, ip
    )
    reused = post(
        service,
        {"sender": sender, "message": "hello", "metadata": {"message_id": message_id}},
        ip,
    )
    assert first.status_code == 200
    assert (reused.status_code, reused.json()["error"]) == (409, "message_id_reused")
    # The same id in another conversation is another message.
    other = f"{sender}-other"
    elsewhere = post(
        service, {"sender": other, "message": "hello", "metadata": {"message_id": message_id}}, ip
    )
    assert elsewhere.status_code == 200
    assert user_texts(service, sender) == ["hi"]
    assert user_texts(service, other) == ["hello"]


def requests_until_limited(send, limit: int) -> tuple[int, httpx.Response]:
    """Sends until the first 429 (at most `limit` requests): (requests before it, the 429)."""
    for sent in range(limit):
        response = send(sent)
        if response.status_code == 429:
            return sent, response
        assert response.status_code == 400, response.text  # cheap requests: refused unprocessed
    raise AssertionError(f"no 429 after {limit} requests")


def assert_retry_after(response: httpx.Response) -> None:
    seconds = int(response.headers["retry-after"])
    assert seconds >= 1
    assert response.json()["retry_after"] == seconds
    assert response.json()["error"] == "rate_limited"
    assert f"wait {seconds} second" in response.json()["message"]


def test_a_conversation_sending_too_fast_gets_429_with_retry_after(
    service: Service, sender: str
) -> None:
    ip = new_client_ip()
    with httpx.Client() as client:
        accepted, limited = requests_until_limited(
            lambda _: post(service, {"sender": sender, "message": " "}, ip, client=client),
            limit=SENDER_BURST * 3,
        )
        # The burst, plus what refilled while the requests were sent (10 a second here).
        assert SENDER_BURST <= accepted < SENDER_BURST * 2
        assert_retry_after(limited)
        # Another conversation from the same address is not held back.
        assert post(service, {"sender": f"{sender}-2", "message": "hi"}, ip).status_code == 200


def test_an_address_sending_too_fast_gets_429_and_others_do_not(
    service: Service, sender: str
) -> None:
    ip = new_client_ip()
    with httpx.Client() as client:
        accepted, limited = requests_until_limited(
            lambda n: post(service, {"sender": f"{sender}-{n}", "message": ""}, ip, client=client),
            limit=IP_BURST * 3,
        )
    assert IP_BURST <= accepted < IP_BURST * 2
    assert_retry_after(limited)
    assert post(service, {"sender": sender, "message": "hi"}, new_client_ip()).status_code == 200


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    service: Service, sender: str
) -> None:
    """From 127.0.0.2 (not in the default WEBHOOK_TRUSTED_PROXIES) a forged X-Forwarded-For
    does not give each request a fresh address: they all count against 127.0.0.2."""
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(transport=transport) as client:
        accepted, limited = requests_until_limited(
            lambda n: post(
                service,
                {"sender": f"{sender}-{n}", "message": ""},
                new_client_ip(),  # forged: a new address every time
                client=client,
            ),
            limit=IP_BURST * 3,
        )
    assert IP_BURST <= accepted < IP_BURST * 2
    assert_retry_after(limited)
