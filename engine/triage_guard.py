"""The triage guard: a deterministic Rasa policy that runs the red-flag rulebook on every turn.

Why a policy (and not an action or an NLU component): a policy sees the whole tracker on
every prediction, so a red flag disclosed anywhere - the opening message, an answer to an
unrelated form question, after the summary, inside a "talk to a person" request - is caught,
including combinations spread over several messages. It outranks every other policy, so no
learned prediction can override it, and it needs nothing outside the Rasa process: the
emergency instructions are domain responses that the engine sends even when the action
server or the database is down. Recording the intake and alerting staff is the action
server's job (`action_record_escalation`); the guard retries it every turn until it succeeds.

After an escalation the guard decides every turn itself (repeat the instructions, collect a
call-back number), so no self-care content can follow an escalation. Of the questions patients
ask (bot/faq/content.yml) only the practical answers marked `after_escalation` (the clinic's
phone, address, ...) are given, each followed by the instructions again.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import FULL_RETRIEVAL_INTENT_NAME_KEY

from bot.clinic import clinic_contact_from_env
from bot.faq import RETRIEVAL_INTENTS, load_content
from bot.intake.parsing import parse_yes_no
from bot.triage import Assessment, load_rulebook, max_tier, tier_rank

logger = logging.getLogger(__name__)

RECORD_ACTION = "action_record_escalation"
CALLBACK_FORM = "callback_form"
EMERGENCY_PAUSED = "utter_emergency_paused"
URGENT_PAUSED = "utter_urgent_paused"
CALLBACK_CONFIRMED = "utter_callback_confirmed"
SCREENING_SLOTS = ("screen_initial", "screen_region")
ANSWERED_YES = "answered yes to"  # the engine's evidence for a screening-question answer
ANSWER_ACTIONS = tuple(f"utter_{intent}" for intent in RETRIEVAL_INTENTS)


def patient_texts(tracker: DialogueStateTracker) -> list[str]:
    """Every free-text patient message in the conversation, across restarts and sessions."""
    return [
        event.text
        for event in tracker.events
        if isinstance(event, UserUttered) and event.text and not event.text.startswith("/")
    ]


def recorded_tier(tracker: DialogueStateTracker, before_latest_message: bool = False) -> str:
    """The highest tier the guard has set in this conversation (survives restarts).

    With `before_latest_message`, only what was known before the patient's latest message:
    whether that message raised the tier is what the guard decides (and `rasa test` replays a
    story's slot events before it asks for the prediction).
    """
    events = list(tracker.events)
    if before_latest_message:
        last_user = max((i for i, e in enumerate(events) if isinstance(e, UserUttered)), default=0)
        events = events[:last_user]
    tier = "routine"
    for event in events:
        if isinstance(event, SlotSet) and event.key == "urgency" and event.value:
            tier = max_tier(tier, str(event.value))
    return tier


def question_pending_at_latest_message(tracker: DialogueStateTracker) -> str | None:
    """The form question the patient's latest message answers (read from the events before it,
    so the guard's own events after the message - deactivating the form - don't hide it)."""
    active_loop, requested, pending = None, None, None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            pending = requested if active_loop else None
        elif isinstance(event, ActiveLoop):
            active_loop = event.name
        elif isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            requested = event.value
    return pending


def screening_answers(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Structured answers for the engine, including a yes/no just given to a screening question.

    The pending answer is read here, not only by the form's validation action, so that a "yes"
    to an emergency screening question escalates even with the action server down.
    """
    answers: dict[str, Any] = dict(tracker.get_slot("screening_answers") or {})
    for key in ("age", "body_regions"):
        value = tracker.get_slot(key)
        if value is not None:
            answers[key] = value
    requested = question_pending_at_latest_message(tracker)
    message = tracker.latest_message
    if requested in SCREENING_SLOTS and message is not None:
        intent = (message.intent or {}).get("name")
        if intent == "affirm" or parse_yes_no(message.text or "") is True:
            # "screen_initial" / "screen_region": the engine knows which rules each one covers.
            answers[requested] = True
    return answers


def question_asked(tracker: DialogueStateTracker) -> str | None:
    """The full retrieval intent ("clinic/phone") of the patient's latest message, if it is one
    of the questions answered from the FAQ content."""
    message = tracker.latest_message
    if message is None:
        return None
    intent = message.intent or {}
    name = intent.get("name")
    if name not in RETRIEVAL_INTENTS:
        return None
    if intent.get(FULL_RETRIEVAL_INTENT_NAME_KEY):
        return intent[FULL_RETRIEVAL_INTENT_NAME_KEY]
    # engine/answer_selector.py writes every answer under the key "default" (as Rasa's own
    # selector does by default), so Rasa does not copy it into the intent: read it here.
    selectors = message.parse_data.get("response_selector") or {}
    for key in (name, "default"):
        response = (selectors.get(key) or {}).get("response") or {}
        if str(response.get("intent_response_key", "")).startswith(f"{name}/"):
            return response["intent_response_key"]
    return name


def escalation_response(assessment: Assessment, tier: str) -> str:
    """The domain response for the escalation to `tier`.

    Flags disclosed in the patient's own words choose the wording (suicide risk gets the crisis
    line); a "yes" to a combined screening question can't tell which item applied, so it gets
    the wording that covers all of them.
    """
    flags = [flag for flag in assessment.flags if flag.tier == tier]
    disclosed = [flag for flag in flags if not flag.evidence.startswith(ANSWERED_YES)]
    if not disclosed and tier == "emergency":
        return "utter_escalate_emergency_screen"
    responses = {flag.response for flag in disclosed}
    for specific in (f"{tier}_suicide", f"{tier}_mental_health"):
        if specific in responses:
            return f"utter_escalate_{specific}"
    return f"utter_escalate_{tier}"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class TriageGuardPolicy(Policy):
    """Escalates deterministically from the rulebook; never depends on an ML confidence."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.rulebook = load_rulebook()
        self.clinic = clinic_contact_from_env()
        self.answers_after_escalation = load_content().allowed_after_escalation

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # Nothing is learned: the rulebook is read at load time. Persist an empty resource
        # so Rasa's graph can load the policy.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        clinic_events = self._clinic_slot_events(tracker)
        action, decision_events = self._decide(tracker)
        if action is None:
            return self._prediction(self._default_predictions(domain), events=clinic_events)
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(
            probabilities,
            events=clinic_events,
            optional_events=decision_events,
            # Outrank the rule policy's loop predictions, which are "no user" predictions.
            is_no_user_prediction=True,
        )

    def _decide(self, tracker: DialogueStateTracker) -> tuple[str | None, list[Event]]:
        last_action = tracker.latest_action_name
        if last_action == ACTION_LISTEN_NAME:
            previous = recorded_tier(tracker, before_latest_message=True)
            assessment = self.rulebook.assess(patient_texts(tracker), screening_answers(tracker))
            tier = max_tier(previous, assessment.tier)
            if tier_rank(tier) > tier_rank(previous):
                logger.info("triage guard: escalating to %s", tier)  # codes only, never text
                return escalation_response(assessment, tier), [
                    SlotSet("urgency", tier),
                    SlotSet("red_flags", [flag.code for flag in assessment.flags]),
                    SlotSet("escalation_recorded", False),
                    ActiveLoop(None),
                    SlotSet(REQUESTED_SLOT, None),
                ]
            if tier == "routine":
                return None, []
            question = question_asked(tracker)
            if question in self.answers_after_escalation:
                return f"utter_{question.split('/')[0]}", []
            if tier == "emergency":
                return EMERGENCY_PAUSED, []
            if tracker.active_loop_name != CALLBACK_FORM or question is not None:
                # No clinical answer after an escalation, not even inside the call-back form.
                return URGENT_PAUSED, []
            return None, []

        previous = recorded_tier(tracker)
        if previous == "routine":
            return None, []
        if last_action and last_action.startswith("utter_escalate_"):
            return RECORD_ACTION, []
        if last_action in ANSWER_ACTIONS:
            # A practical answer after an escalation: repeat what to do.
            return (EMERGENCY_PAUSED if previous == "emergency" else URGENT_PAUSED), []
        if last_action in (EMERGENCY_PAUSED, URGENT_PAUSED):
            if not tracker.get_slot("escalation_recorded"):
                return RECORD_ACTION, []
            if tracker.active_loop_name == CALLBACK_FORM:
                # Interrupted while collecting the call-back number: ask again.
                return CALLBACK_FORM, []
            return ACTION_LISTEN_NAME, []
        if last_action == RECORD_ACTION:
            needs_callback = previous == "urgent" and not tracker.get_slot("contact_phone")
            return (CALLBACK_FORM if needs_callback else ACTION_LISTEN_NAME), []
        if last_action == CALLBACK_FORM and tracker.active_loop_name != CALLBACK_FORM:
            return CALLBACK_CONFIRMED, []
        if last_action == CALLBACK_CONFIRMED:
            return ACTION_LISTEN_NAME, []
        return None, []

    def _clinic_slot_events(self, tracker: DialogueStateTracker) -> list[Event]:
        wanted = dataclasses.asdict(self.clinic)
        return [SlotSet(k, v) for k, v in wanted.items() if tracker.get_slot(k) != v]
