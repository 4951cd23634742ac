"""Actions around the intake form: summary, completion, escalation record, hand-off, pause."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import answers_from, assess, sync
from bot.intake.fields import INTAKE_FIELDS
from bot.intake.flow import WHY_WE_ASK, corrections_from
from bot.intake.summary import build_summary

CONFIRM_BUTTONS = [
    {"title": "Yes, that's right", "payload": "/affirm"},
    {"title": "Change something", "payload": "/deny"},
]


class ActionShowSummary(Action):
    def name(self) -> str:
        return "action_show_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        assessment = assess(tracker)
        summary = build_summary(answers_from(tracker), assessment.flags, assessment.precautions)
        dispatcher.utter_message(text=f"{summary}\nIs that right?", buttons=CONFIRM_BUTTONS)
        return []


class ActionCompleteIntake(Action):
    """Stores the confirmed intake; general pre-visit information only for routine cases."""

    def name(self) -> str:
        return "action_complete_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        assessment = assess(tracker)
        summary = build_summary(answers_from(tracker), assessment.flags, assessment.precautions)
        await sync(tracker, status="completed", summary=summary)
        # The triage guard takes over after any escalation; this check keeps self-care content
        # out even if a story or rule were wrong.
        if assessment.tier == "routine" and (tracker.get_slot("urgency") or "routine") == "routine":
            dispatcher.utter_message(response="utter_next_steps")
        return [SlotSet("intake_status", "completed"), SlotSet("summary_confirmed", True)]


class ActionRecordEscalation(Action):
    """Stores the escalated intake and queues the staff alert (idempotent; retried by the guard)."""

    def name(self) -> str:
        return "action_record_escalation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        result = await sync(tracker, status="escalated")
        return [
            SlotSet("escalation_recorded", result is not None),
            SlotSet("intake_status", "escalated"),
        ]


class ActionRequestCallback(Action):
    """'Talk to a person': the partial intake is stored with status needs_callback."""

    def name(self) -> str:
        return "action_request_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await sync(tracker, status="needs_callback")
        dispatcher.utter_message(response="utter_handoff_done")
        return [SlotSet("intake_status", "needs_callback")]


class ActionPauseIntake(Action):
    def name(self) -> str:
        return "action_pause_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await sync(tracker)
        dispatcher.utter_message(response="utter_paused")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionStartOver(Action):
    """Clears the answers but never the triage state: a tier only goes up."""

    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_start_over")
        cleared = [SlotSet(name, None) for name in INTAKE_FIELDS if name != "consent"]
        return [
            *cleared,
            SlotSet("screening_answers", None),
            SlotSet("failed_attempts", 0),
            SlotSet("summary_confirmed", None),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
        ]


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        if slot in WHY_WE_ASK:
            dispatcher.utter_message(text=WHY_WE_ASK[slot])
        else:
            dispatcher.utter_message(response="utter_explain_default")
        return []


class ActionResetField(Action):
    """'Change something': apply a correction ("actually it's my left knee") or forget one
    answer so that the intake form asks it again."""

    def name(self) -> str:
        return "action_reset_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [SlotSet("field_to_change", None), SlotSet("summary_confirmed", None)]
        field = tracker.get_slot("field_to_change")
        if field in INTAKE_FIELDS:
            if field in ("complaint", "body_regions"):
                reset += [SlotSet("body_regions", None), SlotSet("side", None)]
            return [SlotSet(field, None), *reset]
        corrected = corrections_from(tracker.latest_message.get("text") or "")
        if corrected:
            dispatcher.utter_message(response="utter_summary_saved")
            return [*(SlotSet(k, v) for k, v in corrected.items()), *reset]
        dispatcher.utter_message(response="utter_ask_what_to_change")
        return reset
