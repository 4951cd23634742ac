"""Triage evaluation over realistic patient vignettes (tests/data/triage_cases.yml).

    python tests/triage_eval.py            # report; exit 1 on a missed emergency or >15% over-triage
    python tests/triage_eval.py --verbose  # also list every flag of every over-triaged case

Sensitivity for a tier = share of the cases expected at that tier that the engine put at that
tier or higher. Under-triage = assessed below the expected tier (a miss); over-triage = above.
The bar (shared/clinical/red-flags.md): zero missed emergencies; routine over-triage <= 15%.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.triage import TIERS, Assessment, Rulebook, load_rulebook, tier_rank  # noqa: E402

CASES_PATH = ROOT / "tests" / "data" / "triage_cases.yml"
MAX_ROUTINE_OVER_TRIAGE = 0.15


@dataclass(frozen=True)
class Case:
    id: str
    tier: str
    category: str
    messages: tuple[str, ...]
    answers: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    case: Case
    assessment: Assessment

    @property
    def delta(self) -> int:
        return tier_rank(self.assessment.tier) - tier_rank(self.case.tier)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def of_tier(self, tier: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.tier == tier]

    def sensitivity(self, tier: str) -> float:
        cases = self.of_tier(tier)
        return sum(o.delta >= 0 for o in cases) / len(cases) if cases else 1.0

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.delta < 0]

    @property
    def missed_emergencies(self) -> list[Outcome]:
        return [o for o in self.misses if o.case.tier == "emergency"]

    @property
    def over_triaged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.delta > 0]

    @property
    def routine_over_triage(self) -> float:
        routine = self.of_tier("routine")
        return sum(o.delta > 0 for o in routine) / len(routine) if routine else 0.0

    @property
    def exact(self) -> float:
        return sum(o.delta == 0 for o in self.outcomes) / len(self.outcomes)


def load_cases(path: Path = CASES_PATH) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [
        Case(
            id=entry["id"],
            tier=entry["tier"],
            category=entry.get("category", ""),
            messages=tuple(entry["messages"]),
            answers=dict(entry.get("answers") or {}),
        )
        for entry in raw
    ]
    for case in cases:
        if case.tier not in TIERS:
            raise ValueError(f"case {case.id}: unknown tier {case.tier!r}")
    return cases


def evaluate(cases: list[Case], rulebook: Rulebook | None = None) -> Report:
    rulebook = rulebook or load_rulebook()
    report = Report()
    for case in cases:
        report.outcomes.append(Outcome(case, rulebook.assess(case.messages, case.answers)))
    return report


def _describe(outcome: Outcome, verbose: bool) -> str:
    case, assessment = outcome.case, outcome.assessment
    lines = [f"  - {case.id} [{case.category}]: expected {case.tier}, got {assessment.tier}"]
    if verbose or outcome.delta < 0:
        lines += [f"      message: {m}" for m in case.messages]
    lines += [f"      {f.code} ({f.tier}): {f.evidence}" for f in assessment.flags]
    return "\n".join(lines)


def print_report(report: Report, verbose: bool = False) -> None:
    print(f"{len(report.outcomes)} vignettes; exact tier {report.exact:.1%}")
    for tier in reversed(TIERS):
        cases = report.of_tier(tier)
        exact = sum(o.delta == 0 for o in cases)
        print(
            f"  {tier:9} n={len(cases):3}  sensitivity {report.sensitivity(tier):6.1%}"
            f"  exact {exact}/{len(cases)}"
        )
    under = len(report.misses)
    over = len(report.over_triaged)
    print(f"under-triage: {under}/{len(report.outcomes)} ({under / len(report.outcomes):.1%})")
    print(f"over-triage:  {over}/{len(report.outcomes)} ({over / len(report.outcomes):.1%})")
    print(f"routine cases over-triaged: {report.routine_over_triage:.1%}")
    print(f"missed emergencies: {len(report.missed_emergencies)}")
    if report.misses:
        print("MISSES (under-triage):")
        for outcome in report.misses:
            print(_describe(outcome, verbose=True))
    if report.over_triaged:
        print("over-triaged:")
        for outcome in report.over_triaged:
            print(_describe(outcome, verbose))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="show messages of every case")
    args = parser.parse_args(argv)
    report = evaluate(load_cases())
    print_report(report, verbose=args.verbose)
    failed = report.missed_emergencies or report.routine_over_triage > MAX_ROUTINE_OVER_TRIAGE
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
