"""Picks the clinic's answer (`faq/cost`, `clinic/phone`, ...) for a question: a drop-in for
Rasa's `ResponseSelector` without TensorFlow.

Why: Rasa's `ResponseSelector` is a TensorFlow model. Measured on this project
(docs/performance.md), it added 383 MB to the Rasa server, 11-31 s to its start, 44 s to
training and 11 ms of CPU to every message, and missed the start, memory and train targets
on its own. This component is a logistic regression over the sparse sentence features the
pipeline already computes (the same model family as the intent classifier), trained on the
examples of the retrieval intents with their `intent_response_key` as the label.

It writes the parse output Rasa's `ResponseSelector` writes with its default settings (one
selector over every answer, under the key "default"), so `utter_faq` / `utter_clinic`
(`ActionRetrieveResponse`), `rasa test nlu` and the triage guard work unchanged:

    "response_selector": {
        "all_retrieval_intents": ["clinic", "faq"],
        "default": {"response": {"intent_response_key": "faq/cost", "utter_action": ...,
                                 "confidence": ..., "responses": [...]},
                    "ranking": [{"intent_response_key": ..., "confidence": ...}, ...]},
    }

It runs only on messages the intent classifier took for a question (`faq` or `clinic`). Every
answer competes, whichever of the two the classifier chose: measured by
cross-validation (docs/nlu.md), that is right more often end to end than keeping to the
answers of the predicted intent, because the classifier's faq / clinic confusions are fixed.
"""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

# Rasa's recipe validator checks for its own ResponseSelector class by identity and would warn
# on every training that the answers' examples are unused. They are used: here.
warnings.filterwarnings(
    "ignore",
    message="You have defined training data with examples for training a response selector",
)

SELECTOR_PROPERTY = "response_selector"
ALL_RETRIEVAL_INTENTS = "all_retrieval_intents"
DEFAULT_KEY = "default"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AnswerSelector(GraphComponent):
    """Logistic regression from sentence features to the answer's intent_response_key."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation strength, chosen by cross-validation (docs/nlu.md).
            "C": 10.0,
            "max_iter": 1000,
            "ranking_length": 10,
            "random_state": 42,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classifier: LogisticRegression | None = None
        self.all_retrieval_intents: list[str] = []
        # intent_response_key -> the domain's responses (informational, as Rasa's selector).
        self.responses: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerSelector:
        return cls(config, model_storage, resource)

    @staticmethod
    def _features(messages: list[Message]) -> csr_matrix:
        # The featurizers before it (required_components) give every message sentence features.
        return vstack(
            [message.get_sparse_features(attribute=TEXT)[1].features for message in messages]
        ).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        self.all_retrieval_intents = sorted(training_data.retrieval_intents)
        examples = [
            example
            for example in training_data.intent_examples
            if example.get(INTENT_RESPONSE_KEY) and example.get(TEXT)
        ]
        labels = sorted({example.get(INTENT_RESPONSE_KEY) for example in examples})
        if len(labels) < 2:
            logger.debug("AnswerSelector: fewer than two answers in the data; nothing trained.")
            return self._resource
        self.classifier = LogisticRegression(
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            class_weight="balanced",
            random_state=self.config["random_state"],
        )
        self.classifier.fit(
            self._features(examples), [example.get(INTENT_RESPONSE_KEY) for example in examples]
        )
        self.responses = {
            label: training_data.responses.get(intent_response_key_to_template_key(label), [])
            for label in labels
        }
        self.persist()
        return self._resource

    def _prediction(self, probabilities: np.ndarray, labels: list[str]) -> dict[str, Any]:
        """Rasa's response-selector output: the best answer and the ranking."""
        ranked = np.argsort(-probabilities, kind="stable")[: self.config["ranking_length"]]
        ranking = [
            {
                INTENT_RESPONSE_KEY: labels[index],
                PREDICTED_CONFIDENCE_KEY: float(probabilities[index]),
            }
            for index in ranked
        ]
        best = labels[ranked[0]]
        return {
            "response": {
                "responses": self.responses.get(best, []),
                PREDICTED_CONFIDENCE_KEY: ranking[0][PREDICTED_CONFIDENCE_KEY],
                INTENT_RESPONSE_KEY: best,
                "utter_action": intent_response_key_to_template_key(best),
            },
            "ranking": ranking,
        }

    def process(self, messages: list[Message]) -> list[Message]:
        # Only questions need an answer: `utter_faq` / `utter_clinic` follow only these intents,
        # and skipping the rest saves ~1 ms of CPU on most messages.
        questions = [
            message
            for message in messages
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in self.all_retrieval_intents
        ]
        if self.classifier is None or not questions:
            return messages
        labels = [str(label) for label in self.classifier.classes_]
        all_probabilities = self.classifier.predict_proba(self._features(questions))
        for message, probabilities in zip(questions, all_probabilities, strict=True):
            message.set(
                SELECTOR_PROPERTY,
                {
                    ALL_RETRIEVAL_INTENTS: self.all_retrieval_intents,
                    DEFAULT_KEY: self._prediction(probabilities, labels),
                },
                add_to_output=True,
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.classifier, model_dir / "classifier.skops")
            (model_dir / "answers.json").write_text(
                json.dumps(
                    {"retrieval_intents": self.all_retrieval_intents, "responses": self.responses}
                )
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AnswerSelector:
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                classifier_file = model_dir / "classifier.skops"
                untrusted = sio.get_untrusted_types(file=classifier_file)
                if untrusted:
                    # The same rule as Rasa's LogisticRegressionClassifier: only sklearn's and
                    # numpy's own types are loaded.
                    raise ValueError(f"untrusted types in {classifier_file}: {untrusted}")
                component.classifier = sio.load(classifier_file, trusted=[])
                stored = json.loads((model_dir / "answers.json").read_text())
        except ValueError as error:
            # No trained answers (Rasa's own components load the same way): the model still
            # serves; utter_faq / utter_clinic then send nothing and the triage guard is unaffected.
            logger.warning("AnswerSelector not loaded: %s", error)
            return component
        component.all_retrieval_intents = stored["retrieval_intents"]
        component.responses = stored["responses"]
        return component
