"""The patients' REST channel: Rasa's REST webhook with input checks, rate limits and
duplicate-delivery handling.

Registered in credentials.yml by its module path (`engine.channels.PatientRestInput`). Its name
stays "rest", so the URL is still `POST /webhooks/rest/webhook` and the request and reply are
Rasa's (`{"sender", "message"}` in, the list of bot messages out). What it adds, each refusal
being a JSON object `{"error": code, "message": plain words, ...}` the widget can show:

- 400 for anything that is not a JSON object with a `sender` (1-128 characters of
  `A-Z a-z 0-9 . _ : @ -`) and a non-empty `message` string; invalid UTF-8, lone surrogates
  and wrong types included. Control characters other than newline and tab are removed.
- 413 for a message over `WEBHOOK_MAX_MESSAGE_CHARS` characters (default 4,000: twice what the
  widget's text box accepts) or a body too large to hold one.
- 429 with `Retry-After` when a client address or a conversation sends faster than its token
  bucket allows. The client address is the socket peer, or the last untrusted address in
  X-Forwarded-For when the peer is one of `WEBHOOK_TRUSTED_PROXIES`.
- A second delivery of the same `metadata.message_id` for the same sender within
  `WEBHOOK_DUPLICATE_WINDOW_SECONDS` is not processed again: it gets the first delivery's
  replies (waiting for them if the first is still running). 409 if the id comes back with
  different text.
- Never a silent turn: when Rasa answered nothing because an action failed (the action server
  down), the reply asks the patient to send it again and gives the clinic's phone and the
  emergency number; when the message itself failed (e.g. the tracker store unreachable), 503
  with the same words, so the widget resends it (same id).

Buckets and the duplicate cache live in this process. With several Rasa instances behind nginx,
nginx's `limit_req` is the global limit and nginx must send a conversation to one instance
(`hash $arg_sender consistent`; the widget puts `?sender=` on the URL) so that its duplicates
meet the first delivery. Streaming replies (`?stream=true`) are not offered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import math
import os
import re
import time
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.clinic import clinic_contact_from_env

logger = logging.getLogger(__name__)

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SENDER_PATTERN = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
MESSAGE_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# C0 and C1 control characters and DEL, except tab (\x09) and newline (\x0a).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Enough for the longest allowed message written entirely as JSON escapes of astral characters
# (12 bytes each), plus the rest of the envelope; anything larger is refused before parsing.
BODY_BYTES_PER_CHAR = 12
BODY_OVERHEAD_BYTES = 4096
MAX_TRACKED_KEYS = 100_000  # token buckets per kind, and remembered deliveries
UNAVAILABLE_TEXT = (
    "Sorry, I couldn't save that just now. Please send it again in a moment, or call us on "
    "{clinic_phone}. If you feel seriously unwell, call {emergency_number} now."
)


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = 4000
    sender_per_minute: float = 30.0
    sender_burst: int = 20
    ip_per_minute: float = 300.0
    ip_burst: int = 100
    duplicate_window_seconds: float = 600.0
    trusted_proxies: tuple[IpNetwork, ...] = (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("::1/128"),
    )

    @property
    def max_body_bytes(self) -> int:
        return self.max_message_chars * BODY_BYTES_PER_CHAR + BODY_OVERHEAD_BYTES

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """Limits from WEBHOOK_* variables; a rate of 0 turns that limit off."""
        defaults = cls()

        def number(name: str, default: float) -> float:
            raw = environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, not {raw!r}")
            return value

        proxies = environ.get("WEBHOOK_TRUSTED_PROXIES")
        try:
            trusted = (
                defaults.trusted_proxies
                if proxies is None
                else tuple(
                    ipaddress.ip_network(item.strip(), strict=False)
                    for item in proxies.split(",")
                    if item.strip()
                )
            )
        except ValueError as error:
            raise ValueError(f"WEBHOOK_TRUSTED_PROXIES: {error}") from error
        return cls(
            max_message_chars=max(
                1, int(number("WEBHOOK_MAX_MESSAGE_CHARS", defaults.max_message_chars))
            ),
            sender_per_minute=number("WEBHOOK_SENDER_PER_MINUTE", defaults.sender_per_minute),
            sender_burst=int(number("WEBHOOK_SENDER_BURST", defaults.sender_burst)),
            ip_per_minute=number("WEBHOOK_IP_PER_MINUTE", defaults.ip_per_minute),
            ip_burst=int(number("WEBHOOK_IP_BURST", defaults.ip_burst)),
            duplicate_window_seconds=number(
                "WEBHOOK_DUPLICATE_WINDOW_SECONDS", defaults.duplicate_window_seconds
            ),
            trusted_proxies=trusted,
        )


class Refusal(Exception):
    """A request the channel answers with a 4xx JSON error instead of processing it."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: int | None = None, **extra: Any
    ) -> None:
        super().__init__(code)
        self.status = status
        self.body = {"error": code, "message": message, **extra}
        self.headers: dict[str, str] = {}
        if retry_after is not None:
            self.body["retry_after"] = retry_after  # Retry-After is not readable cross-origin
            self.headers["Retry-After"] = str(retry_after)

    def response(self) -> HTTPResponse:
        return response.json(self.body, status=self.status, headers=self.headers)


def bad_request(code: str, message: str) -> Refusal:
    return Refusal(400, code, message)


class TokenBuckets:
    """One token bucket per key: `burst` tokens, refilled at `per_minute`; bounded in memory."""

    def __init__(self, per_minute: float, burst: int, max_keys: int = MAX_TRACKED_KEYS) -> None:
        self.enabled = per_minute > 0 and burst > 0
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, time

    def take(self, key: str, now: float | None = None) -> float:
        """Takes a token: 0.0 if there was one, else the seconds until there will be."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)  # most recently used last
        if len(self._buckets) > self.max_keys:
            # Forgetting the least recently used key refills it: acceptable, the other
            # limit (and nginx's) still holds a client that cycles through that many keys.
            self._buckets.popitem(last=False)
        return wait


def client_address(peer: str, forwarded_for: list[str], trusted: tuple[IpNetwork, ...]) -> str:
    """The peer, or when the peer is a trusted proxy, the last X-Forwarded-For hop that is not."""

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not is_trusted(peer):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a proxy we trust would not write garbage: someone else did
    return peer


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str
    message_id: str | None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_envelope(body: bytes, query_sender: str | None, limits: Limits) -> dict[str, Any]:
    """The request body as a JSON object with a valid `sender`; raises Refusal."""
    if len(body) > limits.max_body_bytes:
        raise Refusal(
            413,
            "request_too_large",
            f"The message is too long. Please keep it under {limits.max_message_chars:,} characters.",
            limit=limits.max_message_chars,
        )
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request(
            "invalid_json", 'The request body must be JSON: {"sender": "...", "message": "..."}.'
        ) from None
    if not isinstance(payload, dict):
        raise bad_request("invalid_json", "The request body must be a JSON object.")
    sender = payload.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise bad_request(
            "invalid_sender",
            "sender must be 1-128 characters: letters, digits and . _ : @ -",
        )
    if query_sender is not None and query_sender != sender:
        raise bad_request("sender_mismatch", "The sender in the URL and in the body differ.")
    return payload


def parse_message(payload: dict[str, Any], limits: Limits) -> Incoming:
    """The patient's text (control characters removed) and the client's message id."""
    text = payload.get("message")
    if not isinstance(text, str):
        raise bad_request("invalid_message", "message must be a string of text.")
    if len(text) > limits.max_message_chars:
        raise Refusal(
            413,
            "message_too_long",
            f"The message is too long. Please keep it under {limits.max_message_chars:,} characters.",
            limit=limits.max_message_chars,
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \ud800-style escapes
        raise bad_request("invalid_message", "message is not valid text.") from None
    text = CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise bad_request("empty_message", "The message is empty.")
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise bad_request("invalid_metadata", "metadata must be a JSON object.")
    message_id = (metadata or {}).get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or not MESSAGE_ID_PATTERN.fullmatch(message_id)
    ):
        raise bad_request(
            "invalid_message_id",
            "metadata.message_id must be 1-64 characters: letters, digits, _ and -",
        )
    return Incoming(payload["sender"], text, message_id)


Replies = list[dict[str, Any]]


@dataclass
class Delivery:
    text: str
    task: asyncio.Task[tuple[Replies, bool]]  # (replies, processed without error)
    created: float = field(default_factory=time.monotonic)


class Deliveries:
    """Recent (sender, message_id) deliveries, so a repeat gets the first one's replies."""

    def __init__(self, window_seconds: float, max_entries: int = MAX_TRACKED_KEYS) -> None:
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], Delivery] = OrderedDict()  # oldest first

    def get(self, key: tuple[str, str]) -> Delivery | None:
        self._expire()
        return self._entries.get(key)

    def add(self, key: tuple[str, str], delivery: Delivery) -> None:
        self._entries[key] = delivery
        self._expire()

        def forget_failure(task: asyncio.Task[tuple[Replies, bool]]) -> None:
            # A failed delivery must be processed again when the client retries.
            failed = task.cancelled() or not task.result()[1]
            if failed and self._entries.get(key) is delivery:
                del self._entries[key]

        delivery.task.add_done_callback(forget_failure)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.window_seconds
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if oldest.created >= cutoff and len(self._entries) <= self.max_entries:
                break
            self._entries.popitem(last=False)


def _log_failure(error: BaseException) -> None:
    # Type and stack only: exception messages can quote the patient's words.
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error("Handling a patient message failed: %s\n%s", type(error).__name__, frames)


class PatientRestInput(RestInput):
    """Rasa's REST channel ("rest") with the checks described in the module docstring."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_environment()
        self.ip_buckets = TokenBuckets(self.limits.ip_per_minute, self.limits.ip_burst)
        self.sender_buckets = TokenBuckets(self.limits.sender_per_minute, self.limits.sender_burst)
        self.deliveries = Deliveries(self.limits.duplicate_window_seconds)
        self._running: set[asyncio.Task[tuple[Replies, bool]]] = set()  # the loop keeps weak refs
        self.clinic = clinic_contact_from_env()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PatientRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                return response.json(await self._receive(request, on_new_message))
            except Refusal as refusal:
                return refusal.response()

        return webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Replies:
        client = client_address(
            request.ip, request.headers.getall("x-forwarded-for", []), self.limits.trusted_proxies
        )
        self._check_rate(self.ip_buckets, client, "from your network")
        if request.args.get("stream", "").lower() == "true":
            raise bad_request("stream_not_supported", "Streaming replies are not offered.")
        payload = parse_envelope(request.body, request.args.get("sender"), self.limits)
        self._check_rate(self.sender_buckets, payload["sender"], "in this conversation")
        incoming = parse_message(payload, self.limits)
        key = (incoming.sender, incoming.message_id) if incoming.message_id else None
        delivery = self.deliveries.get(key) if key else None
        if delivery is None:
            # A task of its own: a client that disconnects does not cancel the processing
            # half-way, and its retry (same message id) picks up the result.
            task = asyncio.ensure_future(self._process(incoming, on_new_message))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            delivery = Delivery(incoming.text, task)
            if key:
                self.deliveries.add(key, delivery)
        elif delivery.text != incoming.text:
            raise Refusal(
                409,
                "message_id_reused",
                "This message id was already used for a different message.",
            )
        replies, processed = await asyncio.shield(delivery.task)
        if replies:
            return replies
        if not processed:
            # Nothing was said and the message failed (e.g. the tracker store unreachable): a
            # server error, so the widget offers to send it again (same id: processed once).
            raise Refusal(503, "unavailable", self.unavailable_text())
        # Processed but silent: an action the turn needed failed (the action server down or
        # restarting) and Rasa carried on without it. The form still waits for the answer.
        return [{"recipient_id": incoming.sender, "text": self.unavailable_text()}]

    def unavailable_text(self) -> str:
        return UNAVAILABLE_TEXT.format(**dataclasses.asdict(self.clinic))

    def _check_rate(self, buckets: TokenBuckets, key: str, where: str) -> None:
        wait = buckets.take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise Refusal(
                429,
                "rate_limited",
                f"Too many messages {where}. Please wait {seconds} seconds and send again.",
                retry_after=seconds,
            )

    async def _process(
        self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> tuple[Replies, bool]:
        """Rasa's REST handling: the bot messages collected, even after an error."""
        collector = CollectingOutputChannel()
        metadata = {"message_id": incoming.message_id} if incoming.message_id else None
        message = UserMessage(
            incoming.text,
            collector,
            incoming.sender,
            input_channel=self.name(),
            message_id=incoming.message_id,
            metadata=metadata,
        )
        try:
            await on_new_message(message)
        except Exception as error:
            _log_failure(error)
            return collector.messages, False
        return collector.messages, True
