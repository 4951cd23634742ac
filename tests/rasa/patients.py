"""Simulated patients: answers for common presentations, given by what the intake asks.

Shared by the conversation tests, the test-story recorder and the benchmark, so they all
drive the same intake the way a patient would.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Presentation:
    name: str
    opening: str  # the first message: a greeting or the complaint itself
    age: str
    complaint: str
    side: str
    onset: str
    duration: str
    pain: str
    pattern: str
    worse: str
    better: str
    tried: str
    health: str
    goals: str
    contact_name: str = "Alex Example"
    contact_phone: str = "555 010 0199"
    expected_regions: tuple[str, ...] = field(default_factory=tuple)

    def answer(self, question: str) -> str | None:
        """The patient's reply to the bot's last message; None once the summary is shown."""
        q = question.lower()
        for keyword, reply in (
            ("is that right?", None),
            ("is that ok", "/affirm"),
            ("how old", self.age),
            ("right now?", "/deny"),
            ("own words", self.complaint),
            ("where is the pain", self.complaint),
            ("which side", self.side),
            ("how did it start", self.onset),
            ("how long", self.duration),
            ("0 to 10", self.pain),
            ("pick a number", self.pain),
            ("all the time", self.pattern),
            ("makes it worse", self.worse),
            ("makes it better", self.better),
            ("tried so far", self.tried),
            ("do any of these apply: blood", self.health),
            ("achieve", self.goals),
            ("what name", self.contact_name),
            ("phone number", self.contact_phone),
        ):
            if keyword in q:
                return reply
        return "/deny"  # the region's safety questions


PRESENTATIONS = [
    Presentation(
        "plantar fasciitis",
        "hi",
        "44",
        "my heel hurts first thing in the morning, like stepping on glass",
        "left",
        "gradually, after I started running more",
        "about 3 months",
        "about a 6 or 7",
        "worse in the morning",
        "standing for a long time and the first steps",
        "rolling my foot on a ball",
        "ibuprofen and new shoes, didn't help much",
        "none of those",
        "run a half marathon again",
        expected_regions=("ankle_foot",),
    ),
    Presentation(
        "tennis elbow",
        "hello",
        "38",
        "tennis elbow flaring up again, outside of my elbow aches",
        "right",
        "gradually, lots of typing and gardening",
        "6 weeks",
        "5",
        "comes and goes",
        "gripping, lifting the kettle, using the mouse",
        "rest and ice",
        "a strap and some stretches, had dry needling years ago and it helped",
        "no",
        "lift my grandkids without pain",
        expected_regions=("elbow",),
    ),
    Presentation(
        "low back pain",
        "my lower back is killing me since I moved house",
        "52",
        "my lower back is killing me since I moved house",
        "both",
        "suddenly, lifting boxes",
        "two weeks-ish",
        "7/10",
        "constant",
        "sitting and bending",
        "walking and a hot shower",
        "paracetamol",
        "I take blood thinners for my heart (apixaban)",
        "sit through a work day",
        expected_regions=("lower_back",),
    ),
    Presentation(
        "neck pain",
        "hi there",
        "29",
        "stiff neck and pain between my shoulder blades from my desk job",
        "both",
        "gradually",
        "a couple of months",
        "four",
        "stiff in the morning",
        "looking down at my laptop",
        "heat pack",
        "massage, it helped a bit",
        "none",
        "work without a sore neck",
        expected_regions=("neck",),
    ),
    Presentation(
        "knee osteoarthritis",
        "good morning",
        "67",
        "my right knee aches, the doctor said arthritis",
        "right",
        "gradually over years",
        "about 5 years",
        "6",
        "worse at night",
        "stairs and getting up from a chair",
        "moving about gently",
        "glucosamine and a knee brace",
        "type 2 diabetes",
        "walk the dog for an hour",
        expected_regions=("knee",),
    ),
    Presentation(
        "TMJ",
        "hey",
        "33",
        "my jaw clicks and aches when I chew",
        "left",
        "gradually, I grind my teeth",
        "since last year",
        "5",
        "comes and goes",
        "chewing steak, yawning",
        "a mouth guard at night",
        "a dentist's splint",
        "scared of needles to be honest",
        "eat without clicking",
        expected_regions=("jaw",),
    ),
    Presentation(
        "carpal tunnel",
        "hi",
        "46",
        "pins and needles in my thumb and fingers at night, I think it's carpal tunnel",
        "right",
        "gradually",
        "3 months",
        "about a 5",
        "worse at night",
        "typing and driving",
        "shaking my hand out",
        "a wrist splint",
        "I'm pregnant, 20 weeks",
        "sleep through the night",
        expected_regions=("wrist_hand",),
    ),
    Presentation(
        "fibromyalgia",
        "hello",
        "41",
        "I ache all over, I was diagnosed with fibromyalgia",
        "both",
        "gradually",
        "years",
        "6",
        "constant",
        "stress and cold weather",
        "warm baths and gentle yoga",
        "pregabalin and physio, and acupuncture which helped a little",
        "none",
        "have more good days",
        expected_regions=("whole_body",),
    ),
]
