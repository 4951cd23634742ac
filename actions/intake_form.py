"""Form validation for the intake and the call-back form; the logic lives in `bot.intake.flow`."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import answers_from, rulebook, sync
from bot.intake.flow import (
    accept_answer,
    region_screening_text,
    required_fields,
)

YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


class AnswerValidationMixin:
    """Validates whichever slots the latest message filled, through `accept_answer`.

    A mixin rather than an abstract action: rasa-sdk registers every Action subclass.
    """

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        wanted = await self.required_slots(  # type: ignore[attr-defined]
            self.domain_slots(domain),  # type: ignore[attr-defined]
            dispatcher,
            tracker,
            domain,
        )
        failed = int(tracker.get_slot("failed_attempts") or 0)
        updates: dict[str, Any] = {}
        for slot, value in tracker.slots_to_validate().items():
            if slot not in wanted:
                continue
            # Button payloads arrive as intents: "/affirm" answers a yes/no question.
            text = {"/affirm": "yes", "/deny": "no"}.get(str(value), str(value))
            outcome = accept_answer(
                slot, text, {**answers_from(tracker), **updates}, failed, rulebook
            )
            if outcome.accepted:
                updates.update(outcome.updates)
                updates["failed_attempts"] = 0
            else:
                dispatcher.utter_message(text=outcome.reprompt)
                updates[slot] = None
                updates["failed_attempts"] = failed + 1
        tracker.slots.update(updates)
        return [SlotSet(slot, value) for slot, value in updates.items()]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        await sync(tracker)
        return events


class ValidateIntakeForm(AnswerValidationMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        answers = {**answers_from(tracker), "screen_region": tracker.get_slot("screen_region")}
        return required_fields(answers, rulebook)


class ValidateCallbackForm(AnswerValidationMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"


class ActionAskScreenInitial(Action):
    """Asks the rulebook's initial emergency question (the rulebook is its single source)."""

    def name(self) -> str:
        return "action_ask_screen_initial"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=rulebook.initial_question.text, buttons=YES_NO_BUTTONS)
        return []


class ActionAskScreenRegion(Action):
    """Asks the region-specific safety questions for the patient's body region."""

    def name(self) -> str:
        return "action_ask_screen_region"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = region_screening_text(answers_from(tracker), rulebook)
        dispatcher.utter_message(text=text, buttons=YES_NO_BUTTONS)
        return []
