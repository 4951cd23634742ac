"""data/nlu/body_parts.yml is generated from bot/intake/body_regions.yml and agrees with it."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys

import pytest
import yaml

from bot.intake.regions import REGION_CODES, SIDES, extract_regions, load_lexicon
from tests.intake.nlu_sim import BODY_PARTS, ROOT, Entity, Extractor, examples

SCRIPT = ROOT / "scripts" / "gen_nlu_lookups.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_nlu_lookups", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_committed_file_is_what_the_script_generates() -> None:
    assert BODY_PARTS.read_text(encoding="utf-8") == _generator().render(), (
        "data/nlu/body_parts.yml is stale: run python scripts/gen_nlu_lookups.py"
    )


def test_check_mode_passes_on_the_committed_file() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_surface_forms_cover_apostrophes_and_hyphens() -> None:
    forms = _generator().surface_forms
    assert forms("golfer's elbow") == ["golfer's elbow", "golfer’s elbow", "golfers elbow"]
    assert forms("mid-back") == ["mid-back", "mid back"]
    assert forms("Knee") == ["knee"]


def test_file_is_rasa_nlu_yaml_with_valid_values() -> None:
    document = yaml.safe_load(BODY_PARTS.read_text(encoding="utf-8"))
    assert document["version"] == "3.1"
    items = document["nlu"]
    assert [item["lookup"] for item in items if "lookup" in item] == ["body_part", "side"]
    seen: dict[str, str] = {}
    for item in items:
        if "regex" in item:
            for pattern in examples(item["examples"]):
                re.compile(pattern)
        if "synonym" in item:
            assert item["synonym"] in REGION_CODES + SIDES
            for text in examples(item["examples"]):
                assert seen.setdefault(text, item["synonym"]) == item["synonym"], text


def test_every_lexicon_phrase_is_extracted_whole_with_its_code() -> None:
    extractor = Extractor()
    lexicon = load_lexicon()
    for code, phrases in lexicon.region_phrases.items():
        for phrase in phrases:
            text = f"I have {phrase} pain"
            assert extractor.extract(text) == [Entity(7, 7 + len(phrase), "body_part", code)], (
                phrase
            )


@pytest.mark.parametrize(
    "text",
    [
        "I want to get back to running",
        "call me back please",
        "right now it's fine",
        "on the other hand",
        "I left it too long",
        "in the middle of the night",
        "the pain keeps coming back",
        "pain on the left hand side of my lower back",
        "golfer’s elbow and a sore mid-back",
        "back of my knee, right side",
        "right hand and left-sided hip pain",
        "it's all over the place",
        "middle finger",
        "head to toe",
        "both shoulder blades",
        "my back is killing me",
    ],
)
def test_rasa_entities_agree_with_extract_regions(text: str) -> None:
    extractor = Extractor()
    entities = extractor.extract(text)
    for first, second in itertools.pairwise(entities):
        assert first.end <= second.start, f"overlapping entities in {text!r}: {entities}"
    rasa_codes = [e.value for e in entities if e.entity == "body_part"]
    assert list(dict.fromkeys(rasa_codes)) == [m.code for m in extract_regions(text)]
