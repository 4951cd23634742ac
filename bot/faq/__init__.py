"""Clinic-approved answers to the questions patients ask (content.yml), validated on load.

    from bot.faq import load_content
    content = load_content()
    content.answer("faq/does_it_hurt").text
    content.allowed_after_escalation   # {"clinic/phone", "clinic/address", ...}

The Rasa responses (`data/responses/faq.yml`) are generated from the file by
`scripts/gen_faq_responses.py`, so a clinic changes wording without touching Python. Standard
library and PyYAML only: the Rasa engine's triage guard reads which answers may follow an
escalation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_PATH = Path(__file__).with_name("content.yml")
RETRIEVAL_INTENTS = ("faq", "clinic")
KINDS = ("clinical", "practical")
# Filled by Rasa from slots the triage guard sets from the clinic's configuration (bot/clinic.py).
PLACEHOLDERS = frozenset(
    {
        "clinic_name",
        "clinic_phone",
        "clinic_address",
        "clinic_hours",
        "clinic_booking",
        "clinic_cancellation",
        "clinic_prices",
        "clinic_insurance",
        "emergency_number",
    }
)
MAX_TEXT_CHARACTERS = 700
# Claims marketing copy makes about dry needling that the evidence does not support, and
# self-treatment advice: an answer containing one of these is refused, whoever approved it.
FORBIDDEN_WORDING = re.compile(
    r"\b(toxins?|detox\w*|regenerat\w*|cures?|cured|permanent\w*|guarantee\w*|ibuprofen"
    r"|paracetamol|painkillers?|ice packs?|heat packs?)\b",
    re.IGNORECASE,
)
INTENT_PATTERN = re.compile(r"^(faq|clinic)/[a-z][a-z0-9_]*$")
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}]*)\}")
REVIEW_INTERVAL_DAYS = 365


class ContentError(ValueError):
    """content.yml is invalid; the message names the answer and the field."""


@dataclass(frozen=True)
class Answer:
    intent: str  # e.g. "faq/does_it_hurt": the retrieval intent and its response key
    kind: str
    title: str
    text: str
    sources: tuple[str, ...]
    reviewed_by: str
    reviewed_on: dt.date
    after_escalation: bool

    @property
    def response_name(self) -> str:
        return f"utter_{self.intent}"

    def review_due(self, today: dt.date) -> bool:
        return (today - self.reviewed_on).days > REVIEW_INTERVAL_DAYS


@dataclass(frozen=True)
class Content:
    answers: tuple[Answer, ...]

    def answer(self, intent: str) -> Answer:
        for answer in self.answers:
            if answer.intent == intent:
                return answer
        raise KeyError(intent)

    @property
    def allowed_after_escalation(self) -> frozenset[str]:
        return frozenset(answer.intent for answer in self.answers if answer.after_escalation)


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise ContentError(f"{where}: {message}")


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    _require(isinstance(value, str) and value.strip() != "", where, f"'{key}' must be a text")
    return str(value).strip()


def parse_answer(raw: Any, index: int) -> Answer:
    where = f"answers[{index}]"
    _require(isinstance(raw, dict), where, "must be a mapping")
    allowed_keys = {
        "intent",
        "kind",
        "title",
        "text",
        "sources",
        "reviewed_by",
        "reviewed_on",
        "after_escalation",
    }
    unknown = sorted(set(raw) - allowed_keys)
    _require(not unknown, where, f"unknown field(s) {unknown}")
    intent = _text(raw, "intent", where)
    where = f"{where} ({intent})"
    _require(
        bool(INTENT_PATTERN.match(intent)), where, "intent must be faq/<name> or clinic/<name>"
    )
    kind = _text(raw, "kind", where)
    _require(kind in KINDS, where, f"kind must be one of {KINDS}")
    text = " ".join(_text(raw, "text", where).split())
    _require(len(text) <= MAX_TEXT_CHARACTERS, where, f"text over {MAX_TEXT_CHARACTERS} characters")
    unknown_placeholders = set(PLACEHOLDER_PATTERN.findall(text)) - PLACEHOLDERS
    _require(
        not unknown_placeholders,
        where,
        f"unknown placeholder(s) {sorted(unknown_placeholders)}; allowed: {sorted(PLACEHOLDERS)}",
    )
    forbidden = sorted({match.lower() for match in FORBIDDEN_WORDING.findall(text)})
    _require(not forbidden, where, f"wording the clinic must not use: {forbidden}")
    sources = raw.get("sources") or []
    _require(
        isinstance(sources, list) and all(isinstance(s, str) and s.strip() for s in sources),
        where,
        "sources must be a list of texts",
    )
    _require(kind != "clinical" or bool(sources), where, "a clinical answer needs a source")
    reviewed_on = raw.get("reviewed_on")
    _require(isinstance(reviewed_on, dt.date), where, "reviewed_on must be a date (YYYY-MM-DD)")
    _require(reviewed_on <= dt.date.today(), where, "reviewed_on is in the future")
    after_escalation = raw.get("after_escalation", False)
    _require(isinstance(after_escalation, bool), where, "after_escalation must be true or false")
    # Only practical answers may follow an emergency or urgent escalation: nothing clinical
    # may compete with the instructions to get help.
    _require(
        not after_escalation or kind == "practical",
        where,
        "only practical answers may be given after an escalation",
    )
    return Answer(
        intent=intent,
        kind=kind,
        title=_text(raw, "title", where),
        text=text,
        sources=tuple(s.strip() for s in sources),
        reviewed_by=_text(raw, "reviewed_by", where),
        reviewed_on=reviewed_on,
        after_escalation=after_escalation,
    )


def parse_content(document: Any) -> Content:
    _require(isinstance(document, dict), "content", "must be a mapping")
    _require(document.get("version") == 1, "content", "version must be 1")
    raw_answers = document.get("answers")
    _require(
        isinstance(raw_answers, list) and bool(raw_answers), "content", "answers must be a list"
    )
    answers = tuple(parse_answer(raw, index) for index, raw in enumerate(raw_answers))
    intents = [answer.intent for answer in answers]
    duplicates = sorted({intent for intent in intents if intents.count(intent) > 1})
    _require(not duplicates, "content", f"duplicate intent(s) {duplicates}")
    return Content(answers)


def read_content(path: Path) -> Content:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML: {error}") from error
    return parse_content(document)


@cache
def _packaged_content() -> Content:
    return read_content(CONTENT_PATH)


def load_content(path: str | Path | None = None) -> Content:
    """The content at `path`, or the packaged file (parsed once and cached)."""
    return _packaged_content() if path is None else read_content(Path(path))
