"""Two narrow patches of Rasa 3.6.21's hot path, measured in docs/performance.md.

1. Action-server responses: `RemoteAction._validate_action_result` calls
   `jsonschema.validate(result, schema)`, which checks the schema itself against the JSON
   Schema meta-schema and builds a new validator on every call (54 % of Rasa's CPU time per
   message in our profiles: the intake calls the action server on almost every turn). The
   patch builds the validator once and keeps the rest identical: the same validator class
   (`validator_for` the same schema), the same `best_match` error, the same message suffix.
2. `Event.resolve_by_type` walks every `Event` subclass for every stored event of the
   conversation, every turn (7 %). The patch remembers each class it found; names it does not
   know (unknown, "topic", a default) still go through Rasa's own lookup every time.

`apply()` is idempotent; `engine.serve` calls it before handing over to Rasa's CLI.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_applied = False


def _action_response_validator() -> Any:
    """The validator `jsonschema.validate` would build for Rasa's action-response schema."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every response
    return validator_class(schema)


def _patch_action_response_validation() -> None:
    validator = _action_response_validator()

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        # Rasa's wording, so logs and error handling see the same exception.
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def _patch_event_resolution() -> None:
    original = Event.resolve_by_type
    found: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        event_class = found.get(type_name)
        if event_class is not None:
            return event_class
        event_class = original(type_name, default)
        # Only real matches are remembered: a default or None is the caller's fallback.
        if event_class is not None and event_class.type_name == type_name:
            found[type_name] = event_class
        return event_class

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def apply() -> None:
    """Patch Rasa in this process (once; later calls do nothing)."""
    global _applied
    if _applied:
        return
    _patch_action_response_validation()
    _patch_event_resolution()
    _applied = True
