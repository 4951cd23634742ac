"""Clinic contact and practical details every process needs, read from the environment (stdlib only).

The Rasa engine reads these too (for the emergency instructions, which must never depend on
the action server), so this module cannot use pydantic: `bot.settings` takes its defaults
from here to keep one source of truth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULTS = {
    "clinic_name": "Riverside Physiotherapy & Dry Needling",
    "clinic_phone": "+1 555 0100",
    "clinic_address": "12 River Street, Springfield",
    "clinic_hours": "Mon-Fri 8:00-19:00, Sat 9:00-13:00",
    # Practical details the FAQ answers quote (bot/faq/content.yml uses them as placeholders).
    "clinic_booking": "online at riverside-physio.example/book or by phone",
    "clinic_cancellation": "Please give us at least 24 hours' notice; late cancellations may be charged.",
    "clinic_prices": "A first assessment is 75 and a follow-up session 60; dry needling is part of the session at no extra cost.",
    "clinic_insurance": "We are registered with most private health insurers; please check your cover with your insurer before your visit and bring your policy number.",
    "emergency_number": "911",
    "crisis_line": "988 (Suicide & Crisis Lifeline)",
}


@dataclass(frozen=True)
class ClinicContact:
    clinic_name: str
    clinic_phone: str
    clinic_address: str
    clinic_hours: str
    clinic_booking: str
    clinic_cancellation: str
    clinic_prices: str
    clinic_insurance: str
    emergency_number: str
    crisis_line: str


def clinic_contact_from_env(
    environ: os._Environ[str] | dict[str, str] | None = None,
) -> ClinicContact:
    env = os.environ if environ is None else environ
    return ClinicContact(
        **{key: env.get(key.upper(), default) for key, default in DEFAULTS.items()}
    )
