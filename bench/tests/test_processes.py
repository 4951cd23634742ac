"""The bench starts Rasa from the Procfile, with its own ports, token and model."""

from __future__ import annotations

import pytest

from bench.processes import ROOT, BenchError, procfile_command, replace_option

VARIABLES = {
    "RASA_TOKEN": "token",
    "RASA_PORT": "6001",
    "ACTION_PORT": "6002",
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
}


def test_the_rasa_command_is_the_procfiles_with_the_variables_filled_in() -> None:
    command = procfile_command("rasa", VARIABLES)
    assert command[0].startswith(str(ROOT))
    assert replace_option(command, "--port", "7000")[command.index("--port") + 1] == "7000"
    assert "6001" in command and "token" in command
    assert not any("$" in word for word in command)


def test_unknown_process_and_missing_option_are_errors() -> None:
    with pytest.raises(BenchError):
        procfile_command("no-such-process", VARIABLES)
    with pytest.raises(BenchError):
        replace_option(["rasa", "run"], "--model", "m.tar.gz")
