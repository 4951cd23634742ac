"""Runs inside the engine venv (rasa 3.6.21): trains, persists and loads
engine.answer_selector.AnswerSelector on a small data set with hand-made sentence features.

    .venv-engine/bin/python tests/engine/answer_selector_probe.py OUT.json

Writes what it observed to OUT.json; tests/engine/test_answer_selector.py checks it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import engine.serve  # noqa: E402,F401 - skops before Rasa, as in production

# isort: split
from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.training_data.features import Features  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402

from engine.answer_selector import AnswerSelector  # noqa: E402

EXAMPLES = {
    "faq/cost": ["how much does it cost", "what is the price of a session", "cost of needling"],
    "faq/pain": ["does dry needling hurt", "is it painful", "will the needles hurt"],
    "clinic/phone": ["what is your phone number", "how do i call you", "phone number please"],
    "clinic/hours": ["when are you open", "opening hours", "what time do you open"],
}
OTHER = {"greet": ["hello", "hi there"]}
QUESTIONS = {  # name: (the intent classifier's answer, the text)
    "faq": ("faq", "how much is a session price"),
    "clinic": ("clinic", "what number do i call"),
    "clinic_as_faq": ("faq", "what number do i call"),
    "greeting": ("greet", "hello there"),
}
VECTORIZER = CountVectorizer().fit(
    [text for texts in [*EXAMPLES.values(), *OTHER.values()] for text in texts]
    + [text for _, text in QUESTIONS.values()]
)


def message(text: str, **data: Any) -> Message:
    result = Message(data={"text": text, **data})
    result.add_features(Features(VECTORIZER.transform([text]), "sentence", "text", "probe"))
    return result


def parse(selector: AnswerSelector) -> dict[str, Any]:
    out = {}
    for name, (intent, text) in QUESTIONS.items():
        parsed = message(text, intent={"name": intent, "confidence": 0.9})
        selector.process([parsed])
        out[name] = parsed.as_dict(only_output_properties=True).get("response_selector")
    return out


def main(out_path: Path) -> None:
    training = TrainingData(
        training_examples=[
            message(text, intent=key.split("/")[0], intent_response_key=key)
            for key, texts in EXAMPLES.items()
            for text in texts
        ]
        + [message(text, intent=intent) for intent, texts in OTHER.items() for text in texts],
        responses={f"utter_{key}": [{"text": f"answer {key}"}] for key in EXAMPLES},
    )
    context = ExecutionContext(GraphSchema({}), node_name="answers")
    observed: dict[str, Any] = {"answers": sorted(EXAMPLES)}
    with tempfile.TemporaryDirectory() as storage_dir:
        storage = LocalModelStorage(Path(storage_dir))
        resource = Resource("answers")
        trained = AnswerSelector.create({}, storage, resource, context)
        trained.train(training)
        observed["trained"] = parse(trained)
        observed["loaded"] = parse(AnswerSelector.load({}, storage, resource, context))

        empty = AnswerSelector.load({}, storage, Resource("never_trained"), context)
        untouched = message("hello", intent={"name": "faq", "confidence": 0.9})
        empty.process([untouched])
        observed["never_trained"] = untouched.get("response_selector")

        one_answer = AnswerSelector.create({}, storage, Resource("one"), context)
        one_answer.train(TrainingData(training_examples=training.training_examples[:3]))
        observed["one_answer_classifier"] = one_answer.classifier is not None
    out_path.write_text(json.dumps(observed, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
