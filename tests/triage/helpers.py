"""Shared test data for the triage tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

EXAMPLES_PATH = Path(__file__).with_name("rule_examples.yml")
KINDS = ("positive", "negated", "misspelled")

# Ordinary messages from a physio intake, none of which discloses a red flag.
UNRELATED_MESSAGES: tuple[str, ...] = (
    "hi, I'd like to book an appointment",
    "yes I agree",
    "it started about three weeks ago",
    "I'd say about a 6 out of 10",
    "worse when I sit for a long time, better when I walk",
    "I've tried ibuprofen and a hot water bottle",
    "my goal is to get back to running",
    "thanks for your help",
    "Sam Smith, 07700 900123",
    "it's mostly on the right side",
)


def load_examples() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{code: {kind: [{"texts": [...], "answers": {...}}, ...]}} from rule_examples.yml."""
    raw = yaml.safe_load(EXAMPLES_PATH.read_text(encoding="utf-8"))
    examples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for code, kinds in raw.items():
        examples[code] = {
            kind: [_as_case(entry) for entry in kinds.get(kind, [])] for kind in KINDS
        }
    return examples


def _as_case(entry: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(entry, str):
        return {"texts": [entry], "answers": {}}
    return {"texts": list(entry["texts"]), "answers": dict(entry.get("answers") or {})}


def case_id(code: str, kind: str, index: int) -> str:
    return f"{code}-{kind}-{index}"
