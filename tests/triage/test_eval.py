"""The vignette evaluation (tests/triage_eval.py) as a test: the safety bar."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.triage_eval import MAX_ROUTINE_OVER_TRIAGE, evaluate, load_cases, main


@pytest.fixture(scope="module")
def report():
    return evaluate(load_cases())


def test_the_case_list_is_large_and_varied():
    cases = load_cases()
    assert len(cases) >= 120
    assert len({case.id for case in cases}) == len(cases)
    tiers = Counter(case.tier for case in cases)
    assert tiers["emergency"] >= 40 and tiers["urgent"] >= 20 and tiers["routine"] >= 40
    assert sum(len(case.messages) > 1 for case in cases) >= 25
    categories = {case.category for case in cases if case.tier == "emergency"}
    assert categories >= {
        "cauda_equina", "cardiac", "stroke", "cervical_arterial", "aaa", "breathing",
        "spinal_cord", "trauma", "infection", "compartment_dvt", "suicide", "gca",
    }  # fmt: skip


def test_no_emergency_is_missed(report):
    assert [o.case.id for o in report.missed_emergencies] == []


def test_no_urgent_case_is_missed(report):
    assert [o.case.id for o in report.misses] == []


def test_routine_over_triage_is_at_most_15_percent(report):
    assert report.routine_over_triage <= MAX_ROUTINE_OVER_TRIAGE


def test_the_script_reports_and_passes(capsys):
    assert main([]) == 0
    output = capsys.readouterr().out
    assert "missed emergencies: 0" in output
    assert "sensitivity" in output
