"""Records tests/test_stories.yml from conversations with a running service.

    python tests/record_test_stories.py http://127.0.0.1:5005 <rasa token>

Each conversation below is sent through the REST channel and exported with Rasa's
`/conversations/<id>/story` endpoint, so the test stories hold exactly what the bot did. Review
the diff before committing: `rasa test --fail-on-prediction-errors` then guards that behaviour
(intents, entities and every predicted action, including the triage guard's escalations).
"""

from __future__ import annotations

import sys
import uuid

import httpx
import yaml

from tests.rasa.patients import PRESENTATIONS

SCRIPTS: dict[str, list[str]] = {
    "emergency in the opening message, then the chat stays paused": [
        "I suddenly can't feel anything between my legs and I wet myself",
        "ok",
        "what should I wear to my appointment?",
    ],
    "emergency disclosed while the form asks about pain": [
        "hi",
        "/affirm",
        "45",
        "/deny",
        "my neck hurts",
        "both",
        "8, and now the worst headache of my life and double vision",
    ],
    "cardiac chest pain as a shoulder complaint": [
        "my left shoulder hurts and I've got crushing chest pain spreading to my jaw, I'm sweating",
    ],
    "stroke signs": ["hello", "my face is drooping on one side and my speech is slurred"],
    "suicide with a plan": ["hi", "i want to kill myself, I have pills saved up"],
    "yes to the emergency screening question": ["hi", "/affirm", "50", "/affirm", "ok"],
    "urgent: past cancer and new back pain, call-back collected": [
        "hi",
        "/affirm",
        "67",
        "/deny",
        "new low back pain, I had prostate cancer three years ago",
        "Sam",
        "0412 345 678",
        "what should I wear?",
    ],
    "negated red flags do not escalate": [
        "no chest pain and no numbness, just a sore heel in the mornings",
        "/affirm",
        "39",
    ],
    "consent declined": ["hi", "/deny"],
    "why do you need this, then the form resumes": [
        "hi",
        "/affirm",
        "why do you need my age?",
        "40",
    ],
    "talk to a person mid-intake": [
        "hi",
        "/affirm",
        "40",
        "can I talk to a real person",
        "Jo",
        "555 010 0123",
    ],
    "start over": ["hi", "/affirm", "40", "/deny", "start over", "41"],
    "stop and resume": ["hi", "/affirm", "40", "stop", "continue", "40"],
    "chit-chat, out of scope and abuse mid-form": [
        "hi",
        "/affirm",
        "are you a bot?",
        "what's the weather like",
        "you're useless",
        "35",
    ],
    "a question at the start leads into the intake": ["what is dry needling?", "/affirm", "40"],
    "a question mid-intake is answered, then the form resumes": [
        "hi",
        "/affirm",
        "44",
        "/deny",
        "my heel hurts when I walk",
        "left",
        "does dry needling hurt?",
        "gradually",
    ],
    "after an emergency: practical answers only, then the instructions again": [
        "I have crushing chest pain",
        "does dry needling hurt?",
        "what's your phone number?",
    ],
    "a symptom asked as a question escalates": [
        "is it normal that my legs are numb after needling?",
    ],
    "questions after consent is declined": ["hi", "/deny", "when are you open?"],
    "don't know and skip": [
        "hi",
        "/affirm",
        "33",
        "/deny",
        "my knee hurts",
        "left",
        "not sure",
        "skip",
        "7",
    ],
}


def chat(client: httpx.Client, rasa: str, sender: str, text: str) -> str:
    replies = client.post(
        f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}
    ).json()
    return "\n".join(reply.get("text", "") for reply in replies)


def retrieval_keys(client: httpx.Client, rasa: str, token: str, sender: str) -> list[str | None]:
    """For each patient message, the answer the answer selector chose ("clinic/phone"), if any.

    Rasa's story export writes only the retrieval intent ("clinic"); the test story needs the
    full name, which the triage guard reads to allow practical answers after an escalation.
    """
    tracker = client.get(f"{rasa}/conversations/{sender}/tracker", params={"token": token}).json()
    keys = []
    for event in tracker["events"]:
        if event["event"] == "user":
            selector = (event.get("parse_data") or {}).get("response_selector") or {}
            response = (selector.get("default") or {}).get("response") or {}
            keys.append(response.get("intent_response_key"))
    return keys


def story(client: httpx.Client, rasa: str, token: str, sender: str, title: str) -> dict:
    exported = yaml.safe_load(
        client.get(f"{rasa}/conversations/{sender}/story", params={"token": token}).text
    )
    recorded = exported["stories"][0]
    recorded["story"] = title
    user_steps = [step for step in recorded["steps"] if "intent" in step]
    for step, key in zip(user_steps, retrieval_keys(client, rasa, token, sender), strict=False):
        if key and step["intent"] in ("faq", "clinic") and key.startswith(step["intent"] + "/"):
            step["intent"] = key
    return recorded


def main(rasa: str, token: str) -> None:
    stories = []
    with httpx.Client(timeout=60) as client:
        for presentation in PRESENTATIONS:
            sender = f"record-{uuid.uuid4().hex[:8]}"
            reply = chat(client, rasa, sender, presentation.opening)
            for _ in range(30):
                answer = presentation.answer(reply)
                if answer is None:
                    break
                reply = chat(client, rasa, sender, answer)
            chat(client, rasa, sender, "/affirm")
            stories.append(
                story(client, rasa, token, sender, f"routine intake: {presentation.name}")
            )
        for title, messages in SCRIPTS.items():
            sender = f"record-{uuid.uuid4().hex[:8]}"
            for message in messages:
                chat(client, rasa, sender, message)
            stories.append(story(client, rasa, token, sender, title))
    header = "# Recorded from the real service by tests/record_test_stories.py; reviewed before commit.\n"
    with open("tests/test_stories.yml", "w") as out:
        out.write(header)
        yaml.safe_dump(
            {"version": "3.1", "stories": stories},
            out,
            sort_keys=False,
            allow_unicode=True,
            width=110,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
