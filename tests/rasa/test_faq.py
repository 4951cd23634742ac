"""Questions patients ask, answered from bot/faq/content.yml, through the real Rasa server."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from bot.clinic import clinic_contact_from_env
from bot.faq import load_content
from tests.rasa.conftest import ROOT, Service, texts

pytestmark = pytest.mark.rasa

CLINIC = dataclasses.asdict(clinic_contact_from_env())
CONTENT = load_content()
EMERGENCY = "call 911 now"


def answer_text(intent: str) -> str:
    """The answer as the patient sees it: placeholders filled from the clinic's settings."""
    return CONTENT.answer(intent).text.format(**CLINIC)


def first_examples() -> dict[str, str]:
    document = yaml.safe_load((ROOT / "data/nlu/faq.yml").read_text(encoding="utf-8"))
    return {
        block["intent"]: next(
            line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")
        )
        for block in document["nlu"]
    }


def clinical_texts() -> list[str]:
    return [answer_text(a.intent) for a in CONTENT.answers if not a.after_escalation]


@pytest.mark.parametrize("intent", [answer.intent for answer in CONTENT.answers])
def test_every_topic_is_answered_from_the_content_file(
    service: Service, sender: str, intent: str
) -> None:
    question = first_examples()[intent]
    reply = texts(service.chat(sender, question))
    assert answer_text(intent) in reply, f"{question!r} -> {reply!r}"


def test_a_question_at_the_start_leads_into_the_intake(service: Service, sender: str) -> None:
    reply = texts(service.chat(sender, "what exactly is dry needling?"))
    assert answer_text("faq/what_is_dry_needling") in reply
    assert "is that ok?" in reply.lower()  # the consent question: the intake starts here
    assert "how old" in texts(service.chat(sender, "/affirm")).lower()


def test_a_question_mid_intake_is_answered_and_the_form_resumes(
    service: Service, sender: str
) -> None:
    for message in ("hi", "/affirm", "44", "/deny", "my heel hurts when I walk", "left"):
        reply = texts(service.chat(sender, message))
    assert "how did it start" in reply.lower()
    reply = texts(service.chat(sender, "does dry needling hurt?"))
    assert answer_text("faq/does_it_hurt") in reply
    assert "how did it start" in reply.lower()  # the same question again
    reply = texts(service.chat(sender, "gradually, after running more"))
    assert "how long" in reply.lower()
    assert service.intake(sender).answers["onset"]


def test_after_an_emergency_only_practical_answers_and_the_instructions_again(
    service: Service, sender: str
) -> None:
    assert EMERGENCY in texts(service.chat(sender, "I have crushing chest pain")).lower()
    for question in ("what is dry needling?", "does it hurt?", "how should I prepare?"):
        reply = texts(service.chat(sender, question))
        assert EMERGENCY in reply.lower(), question
        assert not any(text in reply for text in clinical_texts()), question
    reply = texts(service.chat(sender, "what's the clinic's phone number?"))
    assert answer_text("clinic/phone") in reply and EMERGENCY in reply.lower()


def test_after_an_urgent_escalation_no_clinical_answer_even_in_the_call_back_form(
    service: Service, sender: str
) -> None:
    for message in ("hi", "/affirm", "67", "/deny"):
        service.chat(sender, message)
    reply = texts(service.chat(sender, "new low back pain, I had prostate cancer three years ago"))
    assert "will call you today" in reply.lower()
    assert "name" in reply.lower()  # the call-back form asks for a name
    reply = texts(service.chat(sender, "is dry needling the same as acupuncture?"))
    assert not any(text in reply for text in clinical_texts())
    assert "name" in reply.lower()  # and asks again
    reply = texts(service.chat(sender, "where are you located?"))
    assert answer_text("clinic/address") in reply


def test_a_symptom_asked_as_a_question_goes_through_the_safety_net(
    service: Service, sender: str
) -> None:
    reply = texts(service.chat(sender, "is it normal that my legs are numb after needling?"))
    assert EMERGENCY in reply.lower()
    assert not any(text in reply for text in clinical_texts())


def test_questions_are_answered_after_consent_is_declined(service: Service, sender: str) -> None:
    service.chat(sender, "hi")
    assert "nothing will be stored" in texts(service.chat(sender, "/deny")).lower()
    assert answer_text("clinic/hours") in texts(service.chat(sender, "when are you open?"))
