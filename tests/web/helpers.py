"""Intake snapshots for the web tests; unique conversation ids keep tests independent."""

from __future__ import annotations

import uuid

from bot.store import ConversationSnapshot, TranscriptLine

CAUDA_EQUINA = {
    "code": "cauda_equina",
    "label": "Possible cauda equina syndrome",
    "tier": "emergency",
    "source": "GIRFT national CES pathway 2023",
    "evidence": "numb between my legs and I can't feel when I pee",
}
MALIGNANCY = {
    "code": "past_cancer_new_back_pain",
    "label": "Past cancer with new spinal pain",
    "tier": "urgent",
    "source": "Downie et al., BMJ 2013",
    "evidence": "I had prostate cancer three years ago",
}


def snapshot(tier: str = "routine", **overrides) -> ConversationSnapshot:
    flags = {"emergency": [CAUDA_EQUINA], "urgent": [MALIGNANCY], "routine": []}[tier]
    fields = {
        "conversation_id": f"web-{uuid.uuid4().hex[:12]}",
        "tier": tier,
        "red_flags": flags,
        "precautions": [
            {"code": "anticoagulant", "label": "Anticoagulants", "evidence": "I take apixaban"}
        ],
        "answers": {
            "complaint": "Low back pain going down both legs",
            "body_regions": ["lower_back"],
            "side": "both",
            "onset": "sudden, lifting a box",
            "duration": "3 days",
            "pain_score": 8,
            "pain_pattern": "constant, worse at night",
            "aggravating": "sitting",
            "easing": "lying flat",
            "treatments_tried": "ibuprofen",
            "goals": "get back to work",
            "contact_name": "Pat Example",
            "contact_phone": "+1 555 0100 123",
        },
        "transcript": [
            TranscriptLine("bot", "What brings you in today?", 1_700_000_000.0),
            TranscriptLine("user", "My low back hurts and my legs feel weird", 1_700_000_005.0),
        ],
        "status": "completed",
        "summary": "Low back pain, 3 days, both legs.",
    }
    fields.update(overrides)
    return ConversationSnapshot(**fields)
