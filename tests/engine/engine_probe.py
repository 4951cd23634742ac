"""Runs inside the engine venv (rasa 3.6.21): Rasa's behaviour before and after engine.speedups.

    .venv-engine/bin/python tests/engine/engine_probe.py OUT.json

Writes what it observed to OUT.json (stdout is Rasa's: `engine.serve` prints the version);
tests/engine/test_speedups.py runs it and checks the figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# First: what importing engine.serve loads (skops must come before Rasa and TensorFlow).
import engine.serve  # noqa: E402

IMPORTED_BY_SERVE = {name: name in sys.modules for name in ("skops.io", "rasa", "tensorflow")}

import jsonschema  # noqa: E402
import rasa.shared.utils.common  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.shared.core.events import Event, UserUttered, deserialise_events  # noqa: E402

from engine import speedups  # noqa: E402

RESPONSES: dict[str, Any] = {
    "empty": {},
    "no events, no responses": {"events": [], "responses": []},
    "typical": {
        "events": [
            {"event": "slot", "name": "pain_score", "value": 6, "timestamp": None},
            {"event": "active_loop", "name": None, "timestamp": None},
        ],
        "responses": [{"response": "utter_ask_duration"}, {"text": "Thanks"}],
    },
    "events not a list": {"events": {"event": "slot"}},
    "event without a name": {"events": [{"name": "pain_score", "value": 6}]},
    "unknown event name": {"events": [{"event": "no_such_event"}]},
    "slot event, name not a string": {"events": [{"event": "slot", "name": 7, "value": 1}]},
    "response not an object": {"responses": ["Thanks"]},
    "two errors": {"events": "x", "responses": "y"},
}
TYPE_NAMES = sorted({c.type_name for c in rasa.shared.utils.common.all_subclasses(Event)})
STORED_EVENTS = [
    {"event": "action", "name": "action_session_start", "timestamp": 1.0},
    {"event": "session_started", "timestamp": 2.0},
    {"event": "user", "text": "my back hurts", "parse_data": {}, "timestamp": 3.0},
    {"event": "slot", "name": "pain_score", "value": 6, "timestamp": 4.0},
    {"event": "active_loop", "name": "intake_form", "timestamp": 5.0},
    {"event": "bot", "text": "Since when?", "data": {}, "metadata": {}, "timestamp": 6.0},
    {"event": "followup", "name": "action_listen", "timestamp": 7.0},
]


def validation_outcomes() -> dict[str, Any]:
    action = RemoteAction("action_probe", None)
    outcomes: dict[str, Any] = {}
    for name, response in RESPONSES.items():
        try:
            outcomes[name] = {"valid": action._validate_action_result(response)}
        except Exception as error:
            outcomes[name] = {
                "type": f"{type(error).__module__}.{type(error).__qualname__}",
                "message": error.message,
                "path": list(error.absolute_path),
                "validator": error.validator,
            }
    return outcomes


def class_name(event_class: type | None) -> str | None:
    return None if event_class is None else event_class.__qualname__


def resolution_outcomes() -> dict[str, Any]:
    outcomes: dict[str, Any] = {
        name: [class_name(Event.resolve_by_type(name)) for _ in range(2)] for name in TYPE_NAMES
    }
    outcomes["(topic)"] = class_name(Event.resolve_by_type("topic"))
    outcomes["(unknown, default)"] = class_name(Event.resolve_by_type("no_such", UserUttered))
    try:
        Event.resolve_by_type("no_such")
    except ValueError as error:
        outcomes["(unknown)"] = str(error)
    outcomes["(stored events)"] = [e.as_dict() for e in deserialise_events(STORED_EVENTS)]
    return outcomes


class CallCounter:
    """Counts outermost calls of a module attribute (`all_subclasses` calls itself)."""

    def __init__(self, module: Any, name: str) -> None:
        self.calls = 0
        self._depth = 0
        original = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += self._depth == 0
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1

        setattr(module, name, counted)


def main(out: Path) -> None:
    # Rasa's own path validates through `jsonschema.validate` and resolves through
    # `all_subclasses`; the counters show which path ran.
    schema_validations = CallCounter(jsonschema, "validate")
    subclass_walks = CallCounter(rasa.shared.utils.common, "all_subclasses")
    before = {"validation": validation_outcomes(), "resolution": resolution_outcomes()}
    counts_before = {"validate": schema_validations.calls, "walks": subclass_walks.calls}

    speedups.apply()
    patched_validation = RemoteAction._validate_action_result
    speedups.apply()  # idempotent: a second call must not wrap the patches again
    resolution_outcomes()  # warm the class cache
    schema_validations.calls = subclass_walks.calls = 0
    after = {"validation": validation_outcomes(), "resolution": resolution_outcomes()}
    counts_after = {"validate": schema_validations.calls, "walks": subclass_walks.calls}

    sys.argv = ["python -m engine.serve", "--version"]
    serve_exit = engine.serve.main()

    out.write_text(
        json.dumps(
            {
                "imported_by_serve": IMPORTED_BY_SERVE,
                "before": before,
                "after": after,
                "counts_before": counts_before,
                "counts_after": counts_after,
                "apply_twice_same_patch": RemoteAction._validate_action_result
                is patched_validation,
                "serve_exit": serve_exit,
                "serve_argv0": sys.argv[0],
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
