"""docs/safety/rulebook.md is generated from the rulebook and must be kept in step."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bot.triage import load_rulebook

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_rulebook_doc.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rulebook_doc", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_rulebook_doc_is_up_to_date():
    generator = _generator()
    committed = generator.DOC_PATH.read_text(encoding="utf-8")
    assert committed == generator.render(load_rulebook()), (
        "docs/safety/rulebook.md is stale: run python scripts/gen_rulebook_doc.py"
    )


def test_doc_lists_every_rule_precaution_and_question_with_its_source():
    text = _generator().render(load_rulebook())
    rulebook = load_rulebook()
    for rule in rulebook.rules:
        assert f"### `{rule.code}` — {rule.label}" in text
        assert rule.source in text
    for precaution in rulebook.precautions:
        assert f"| `{precaution.code}` | {precaution.label} |" in text
    for question in rulebook.questions:
        assert f"### `{question.id}`" in text


def test_check_mode_reports_a_stale_doc(tmp_path, monkeypatch, capsys):
    generator = _generator()
    monkeypatch.setattr(generator, "DOC_PATH", tmp_path / "rulebook.md")
    assert generator.main(["--check"]) == 1
    generator.DOC_PATH.write_text(generator.render(load_rulebook()), encoding="utf-8")
    assert generator.main(["--check"]) == 0
