"""bot/faq/content.yml: the clinic-approved answers, their validation, and the generated
Rasa responses that must match them."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.faq import CONTENT_PATH, PLACEHOLDERS, ContentError, load_content, parse_content

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_faq_responses.py"
NLU_FILE = ROOT / "data" / "nlu" / "faq.yml"

# The topics the clinic asked for (issue #9); wording may change, topics may not disappear.
REQUIRED_TOPICS = {
    "faq/what_is_dry_needling",
    "faq/vs_acupuncture",
    "faq/trigger_points",
    "faq/what_it_treats",
    "faq/tennis_elbow",
    "faq/plantar_fasciitis",
    "faq/achilles",
    "faq/nerve_pain",
    "faq/osteoarthritis",
    "faq/scar_tissue",
    "faq/tmj",
    "faq/chronic_pain",
    "faq/does_it_hurt",
    "faq/side_effects",
    "faq/who_should_not",
    "faq/how_many_sessions",
    "faq/how_to_prepare",
    "clinic/address",
    "clinic/hours",
    "clinic/booking",
    "clinic/cancellation",
    "clinic/prices",
    "clinic/insurance",
    "clinic/phone",
}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_faq_responses", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_document() -> dict[str, Any]:
    return yaml.safe_load(CONTENT_PATH.read_text(encoding="utf-8"))


def nlu_intents() -> dict[str, list[str]]:
    document = yaml.safe_load(NLU_FILE.read_text(encoding="utf-8"))
    return {
        block["intent"]: [
            line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")
        ]
        for block in document["nlu"]
        if "intent" in block
    }


def test_the_packaged_content_is_valid_and_covers_every_topic() -> None:
    content = load_content()
    intents = {answer.intent for answer in content.answers}
    assert REQUIRED_TOPICS <= intents, sorted(REQUIRED_TOPICS - intents)


def test_practical_clinic_details_come_from_configuration_not_the_text() -> None:
    content = load_content()
    for intent, placeholder in [
        ("clinic/address", "clinic_address"),
        ("clinic/hours", "clinic_hours"),
        ("clinic/booking", "clinic_booking"),
        ("clinic/cancellation", "clinic_cancellation"),
        ("clinic/prices", "clinic_prices"),
        ("clinic/insurance", "clinic_insurance"),
        ("clinic/phone", "clinic_phone"),
    ]:
        assert "{" + placeholder + "}" in content.answer(intent).text, intent


def test_only_practical_answers_may_follow_an_escalation() -> None:
    content = load_content()
    allowed = content.allowed_after_escalation
    assert {"clinic/phone", "clinic/address"} <= allowed
    assert all(content.answer(intent).kind == "practical" for intent in allowed)
    assert "faq/does_it_hurt" not in allowed


def test_every_answer_has_training_examples_and_every_example_an_answer() -> None:
    answers = {answer.intent for answer in load_content().answers}
    examples = nlu_intents()
    retrieval = {intent for intent in examples if "/" in intent}
    assert retrieval == answers
    for intent in answers:
        assert len(examples[intent]) >= 10, f"{intent}: only {len(examples[intent])} examples"


def test_committed_responses_are_what_the_script_generates() -> None:
    generated = _generator().render(load_content())
    committed = (ROOT / "data" / "responses" / "faq.yml").read_text(encoding="utf-8")
    assert committed == generated, (
        "data/responses/faq.yml is stale: run python scripts/gen_faq_responses.py"
    )


def test_check_mode_passes_on_the_committed_file() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_responses_carry_each_answer_text_verbatim() -> None:
    generated = yaml.safe_load(_generator().render(load_content()))
    for answer in load_content().answers:
        assert generated["responses"][f"utter_{answer.intent}"] == [{"text": answer.text}]


def test_domain_holds_no_second_copy_of_an_answer() -> None:
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert not re.search(r"utter_(faq|clinic)/", domain)


def mutated(change) -> dict[str, Any]:
    document = copy.deepcopy(raw_document())
    change(document["answers"][0], document)
    return document


def clinical_index(document: dict[str, Any]) -> int:
    return next(i for i, a in enumerate(document["answers"]) if a["kind"] == "clinical")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a, d: a.pop("reviewed_by"), "'reviewed_by' must be a text"),
        (lambda a, d: a.update(reviewed_on="last week"), "reviewed_on must be a date"),
        (
            lambda a, d: a.update(reviewed_on=dt.date.today() + dt.timedelta(days=2)),
            "in the future",
        ),
        (lambda a, d: a.update(intent="dry needling"), "intent must be faq/<name>"),
        (lambda a, d: a.update(kind="marketing"), "kind must be one of"),
        (lambda a, d: a.update(text="Call {clinic_fax}."), "unknown placeholder"),
        (lambda a, d: a.update(text="Needling flushes out toxins."), "must not use: ['toxins']"),
        (lambda a, d: a.update(text="It regenerates cartilage."), "regenerates"),
        (lambda a, d: a.update(text="Take ibuprofen afterwards."), "ibuprofen"),
        (lambda a, d: a.update(text="x" * 701), "over 700 characters"),
        (lambda a, d: a.update(colour="blue"), "unknown field(s) ['colour']"),
        (lambda a, d: d["answers"].append(copy.deepcopy(a)), "duplicate intent"),
        (lambda a, d: d.update(version=2), "version must be 1"),
        (
            lambda a, d: d["answers"][clinical_index(d)].update(sources=[]),
            "a clinical answer needs a source",
        ),
        (
            lambda a, d: d["answers"][clinical_index(d)].update(after_escalation=True),
            "only practical answers may be given after an escalation",
        ),
    ],
)
def test_invalid_content_is_refused_with_a_message_naming_the_problem(change, message) -> None:
    with pytest.raises(ContentError) as error:
        parse_content(mutated(change))
    assert message in str(error.value)


def test_words_that_merely_contain_a_forbidden_word_are_allowed() -> None:
    document = mutated(lambda a, d: a.update(text="Your answers are stored securely."))
    parse_content(document)


def test_placeholders_are_the_clinic_settings_the_engine_fills() -> None:
    from bot.clinic import DEFAULTS

    assert set(DEFAULTS) >= PLACEHOLDERS


def test_review_due_after_a_year() -> None:
    answer = load_content().answers[0]
    assert not answer.review_due(answer.reviewed_on + dt.timedelta(days=365))
    assert answer.review_due(answer.reviewed_on + dt.timedelta(days=366))
