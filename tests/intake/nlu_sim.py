"""Rasa's RegexEntityExtractor + EntitySynonymMapper, re-done in a few lines (rasa is not
installed in the app environment): lookup tables become one `\\b`-bounded alternation each,
regexes are used as written, matching ignores case, synonyms are looked up in lower case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
BODY_PARTS = NLU_DIR / "body_parts.yml"


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    entity: str
    value: str


def examples(block: str) -> list[str]:
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


class Extractor:
    def __init__(self, path: Path = BODY_PARTS) -> None:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        self.synonyms: dict[str, str] = {}
        for item in items:
            if "lookup" in item:
                escaped = [re.escape(element) for element in examples(item["examples"])]
                pattern = "(\\b" + "\\b|\\b".join(escaped) + "\\b)"
                self.patterns.append((item["lookup"], re.compile(pattern, re.IGNORECASE)))
            elif "regex" in item:
                for pattern in examples(item["examples"]):
                    self.patterns.append((item["regex"], re.compile(pattern, re.IGNORECASE)))
            elif "synonym" in item:
                for text in examples(item["examples"]):
                    self.synonyms[text.lower()] = item["synonym"]

    def extract(self, text: str) -> list[Entity]:
        found = [
            Entity(match.start(), match.end(), name, self.value(match.group()))
            for name, pattern in self.patterns
            for match in pattern.finditer(text)
        ]
        return sorted(found, key=lambda entity: (entity.start, entity.end))

    def value(self, text: str) -> str:
        return self.synonyms.get(text.lower(), text)
