"""engine.answer_selector.AnswerSelector writes what Rasa's ResponseSelector writes.

The checks run in the engine venv (rasa 3.6.21) through tests/engine/answer_selector_probe.py.
That every clinic answer is given through the real server is tests/rasa/test_faq.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.probes import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_probe("answer_selector_probe.py", tmp_path_factory.mktemp("answers") / "probe.json")


def test_the_best_answer_is_chosen_whichever_intent_was_predicted(
    probe: dict[str, Any],
) -> None:
    trained = probe["trained"]
    assert trained["faq"]["all_retrieval_intents"] == ["clinic", "faq"]
    assert set(trained["faq"]) == {"all_retrieval_intents", "default"}
    assert trained["faq"]["default"]["response"]["intent_response_key"] == "faq/cost"
    assert trained["clinic"]["default"]["response"]["intent_response_key"] == "clinic/phone"
    # The intent classifier said "faq" for a phone question: the phone answer still wins.
    assert trained["clinic_as_faq"]["default"]["response"]["intent_response_key"] == (
        "clinic/phone"
    )


def test_the_output_has_the_fields_rasa_reads(probe: dict[str, Any]) -> None:
    response = probe["trained"]["faq"]["default"]["response"]
    assert response["utter_action"] == "utter_faq/cost"
    assert response["responses"] == [{"text": "answer faq/cost"}]
    ranking = probe["trained"]["faq"]["default"]["ranking"]
    assert {item["intent_response_key"] for item in ranking} == set(probe["answers"])
    confidences = [item["confidence"] for item in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert response["confidence"] == confidences[0] > 0.5


def test_only_questions_get_an_answer(probe: dict[str, Any]) -> None:
    assert probe["trained"]["greeting"] is None


def test_a_loaded_model_answers_as_the_trained_one(probe: dict[str, Any]) -> None:
    assert probe["loaded"] == probe["trained"]


def test_no_answers_trained_leaves_the_message_alone(probe: dict[str, Any]) -> None:
    assert probe["never_trained"] is None
    assert probe["one_answer_classifier"] is False
