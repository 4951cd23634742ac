"""The NLU training data in data/nlu: intents, sizes, duplicates, and entity annotations that
match what the lookup-based extractor finds (so entity F1 measures the data, not typos)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

import pytest
import yaml

from bot.intake.regions import REGION_CODES, SIDES
from tests.intake.nlu_sim import BODY_PARTS, NLU_DIR, Entity, Extractor, examples

INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "dont_know", "skip", "why_ask",
    "request_human", "start_over", "resume", "stop", "bot_challenge", "out_of_scope", "chitchat", "insult",
    "inform", "describe_symptom", "report_red_flag", "correct_answer",
}  # fmt: skip
MINIMUM_EXAMPLES = {"inform": 60, "describe_symptom": 60}
# Retrieval intents (faq/..., clinic/...) each pick one answer from bot/faq/content.yml.
RETRIEVAL_MINIMUM = 15
DEFAULT_MINIMUM = 25
TOPIC_FILES = ("intake", "symptoms", "red_flags", "chitchat", "unhappy", "faq")
# Rasa's annotation syntax: [text](entity), [text](entity:value) or [text]{"entity": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]+\}))")


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    entities: tuple[Entity, ...]
    source: str


def parse_example(line: str, extractor: Extractor) -> tuple[str, tuple[Entity, ...]]:
    text, entities, position = "", [], 0
    for match in ANNOTATION.finditer(line):
        text += line[position : match.start()]
        start = len(text)
        text += match["text"]
        if match["short"]:
            entity, _, value = match["short"].partition(":")
        else:
            data = json.loads(match["json"])
            entity, value = data["entity"], data.get("value", "")
        value = value or extractor.value(match["text"])
        entities.append(Entity(start, len(text), entity, value))
        position = match.end()
    return text + line[position:], tuple(entities)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def training(extractor: Extractor) -> list[Example]:
    found = []
    for name in TOPIC_FILES:
        path = NLU_DIR / f"{name}.yml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["version"] == "3.1", path
        for item in document["nlu"]:
            for line in examples(item["examples"]):
                text, entities = parse_example(line, extractor)
                found.append(Example(item["intent"], text, entities, name))
    return found


def test_data_files_are_the_topic_files_and_the_generated_lookups() -> None:
    names = {path.stem for path in NLU_DIR.glob("*.yml")}
    assert names == {*TOPIC_FILES, BODY_PARTS.stem}


def test_every_intent_has_enough_examples(training: list[Example]) -> None:
    counts = Counter(example.intent for example in training)
    retrieval = {intent for intent in counts if "/" in intent}
    assert set(counts) - retrieval == INTENTS
    assert {intent.partition("/")[0] for intent in retrieval} == {"faq", "clinic"}
    for intent in INTENTS:
        assert counts[intent] >= MINIMUM_EXAMPLES.get(intent, DEFAULT_MINIMUM), intent
    for intent in retrieval:
        assert counts[intent] >= RETRIEVAL_MINIMUM, intent


def test_no_example_appears_twice(training: list[Example]) -> None:
    def key(text: str) -> str:
        return re.sub(r"[\s.,!?]+", " ", text.casefold()).strip()

    counts = Counter(key(example.text) for example in training)
    assert [text for text, count in counts.items() if count > 1] == []


def test_annotations_match_what_the_extractor_finds(
    training: list[Example], extractor: Extractor
) -> None:
    mismatches = [
        (example.text, example.entities, tuple(extractor.extract(example.text)))
        for example in training
        if example.entities != tuple(extractor.extract(example.text))
    ]
    assert mismatches == []


def test_entity_values_are_region_codes_and_sides(training: list[Example]) -> None:
    for example in training:
        for entity in example.entities:
            allowed = REGION_CODES if entity.entity == "body_part" else SIDES
            assert entity.entity in {"body_part", "side"}, example.text
            assert entity.value in allowed, (example.text, entity)


def test_symptom_descriptions_name_a_body_part(training: list[Example]) -> None:
    described = [example for example in training if example.intent == "describe_symptom"]
    with_body_part = [e for e in described if any(x.entity == "body_part" for x in e.entities)]
    assert len(with_body_part) >= 0.9 * len(described)


def test_parse_example_reads_all_annotation_forms(extractor: Extractor) -> None:
    text, entities = parse_example(
        'my [left]{"entity": "side"} [heel](body_part) and [lhs](side:left)', extractor
    )
    assert text == "my left heel and lhs"
    assert entities == (
        Entity(3, 7, "side", "left"),
        Entity(8, 12, "body_part", "ankle_foot"),
        Entity(17, 20, "side", "left"),
    )
