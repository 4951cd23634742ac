"""The deterministic triage engine: rulebook + every patient text + structured answers → tier.

Stateless and pure: the conversation passes all patient texts and answers on every turn and
gets the same Assessment for the same input. What can raise the tier:

- a rule's phrase, or one term of each of its `same_sentence` term lists in one sentence,
  anywhere in any text and not negated (evidence: that sentence, as typed);
- a rule's `combination`: every group met by one of its features, the features found anywhere
  in the conversation or in the answers (age, body regions, pain score);
- a "yes" to a screening question (`answers["screen_<id>"]`) fires every rule the question
  lists (evidence "answered yes to: …"); `answers["screen_region"]` is a yes to all the region
  questions for the answers' regions and age. A "no" never cancels what the texts disclose.

Adding texts or answers can only add findings, so the tier never goes down as a conversation
grows (a property test checks this).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.triage.loader import INITIAL_QUESTION_ID, RulebookData, read_rulebook
from bot.triage.model import (
    Assessment,
    Detector,
    Feature,
    FlagMatch,
    Precaution,
    PrecautionMatch,
    Rule,
    ScreeningQuestion,
    responses_for,
)
from bot.triage.spelling import SpellingCorrector
from bot.triage.text import (
    PUNCT,
    Sentence,
    Token,
    analyse_sentence,
    phrase_stems,
    phrase_words,
    post_negated,
    split_sentences,
    words,
)
from bot.triage.tiers import max_tier, tier_rank

DEFAULT_PATH = Path(__file__).with_name("rulebook.yml")
MAX_GAP = 2  # words that may sit between two words of a phrase ("pain in my upper chest")
MAX_EVIDENCE = 300  # characters of a sentence quoted as evidence
_SCAN_CACHE_SIZE = 4096  # texts; every turn re-assesses the whole conversation
_YES = frozenset({"yes", "y", "true", "affirm", "1"})
# A history finding about someone else ("my mum had breast cancer") is not the patient's.
_OTHER_PEOPLE = frozenset(
    {"mum", "mom", "mother", "dad", "father", "brother", "sister", "wife", "husband", "partner",
     "son", "daughter", "grandmother", "grandma", "nan", "nana", "gran", "granny", "grandfather",
     "grandad", "granddad", "grandpa", "aunt", "auntie", "uncle", "cousin", "friend", "family",
     "relative", "relatives", "parents", "parent", "niece", "nephew", "boyfriend", "girlfriend",
     "sibling", "siblings", "familys"}
)  # fmt: skip
_AGE_UNITS_AFTER = frozenset(
    {"minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "day", "days", "week",
     "weeks", "wk", "wks", "month", "months", "kg", "kgs", "kilo", "kilos", "lb", "lbs",
     "pound", "pounds", "stone", "st", "cm", "mile", "miles", "km", "time", "times", "foot",
     "feet", "ft", "percent", "out", "of", "am", "pm"}
)  # fmt: skip
_YEARS_WORDS = frozenset({"year", "years", "yr", "yrs", "yo"})


@dataclass(frozen=True)
class _TextScan:
    hits: tuple[tuple[int, str], ...]  # (owner id, evidence sentence), first sentence per owner
    ages: tuple[int, ...]  # ages the patient stated about themself ("I'm 67")


class Rulebook:
    """A validated, compiled rulebook. Build with `load_rulebook()`."""

    def __init__(self, data: RulebookData) -> None:
        self.version = data.version
        self.terms = data.terms
        self.features: tuple[Feature, ...] = data.features
        self.rules: tuple[Rule, ...] = data.rules
        self.precautions: tuple[Precaution, ...] = data.precautions
        self.questions: tuple[ScreeningQuestion, ...] = data.questions
        self.never_correct = data.never_correct
        self._rules = {rule.code: rule for rule in self.rules}
        self._precautions = {p.code: p for p in self.precautions}
        self._questions = {q.id: q for q in self.questions}
        self._features = {f.name: f for f in self.features}
        self._compile()
        self._scan_text = functools.lru_cache(maxsize=_SCAN_CACHE_SIZE)(self._scan_text_uncached)

    # -- lookups ---------------------------------------------------------------------------

    def rule(self, code: str) -> Rule:
        return self._rules[code]

    def precaution(self, code: str) -> Precaution:
        return self._precautions[code]

    def question(self, question_id: str) -> ScreeningQuestion:
        return self._questions[question_id]

    def feature(self, name: str) -> Feature:
        return self._features[name]

    @property
    def initial_question(self) -> ScreeningQuestion:
        return self._questions[INITIAL_QUESTION_ID]

    def questions_for_rule(self, code: str) -> tuple[ScreeningQuestion, ...]:
        return tuple(q for q in self.questions if code in q.rule_codes)

    def region_questions(
        self, regions: Iterable[str], age: int | None = None
    ) -> list[ScreeningQuestion]:
        """The region screening questions for these body regions, in rulebook order. An
        age-limited question is included when the age is unknown (asking is the safe side)."""
        wanted = set(regions)
        return [
            q
            for q in self.questions
            if q.id != INITIAL_QUESTION_ID
            and wanted.intersection(q.regions)
            and (q.min_age is None or age is None or age >= q.min_age)
        ]

    # -- assessment ------------------------------------------------------------------------

    def assess(self, texts: Sequence[str], answers: Mapping[str, Any] | None = None) -> Assessment:
        answers = answers or {}
        text_hits: dict[int, str] = {}
        ages: list[tuple[int, str]] = []
        answer_age = _as_int(answers.get("age"))
        if answer_age is not None:
            ages.append((answer_age, f"age {answer_age}"))
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                continue
            scan = self._scan_text(text)
            for owner, evidence in scan.hits:
                text_hits.setdefault(owner, evidence)
            ages.extend((age, f"age {age} (stated)") for age in scan.ages)

        features = self._present_features(text_hits, ages, answers)
        evidence_by_rule = self._rule_evidence(text_hits, features, answers, answer_age)
        flags = tuple(
            FlagMatch(
                code=rule.code,
                label=rule.label,
                tier=rule.tier,
                source=rule.source,
                evidence=evidence_by_rule[rule.code],
                response=rule.response,
                category=rule.category,
            )
            for rule in sorted(
                (r for r in self.rules if r.code in evidence_by_rule),
                key=lambda r: -tier_rank(r.tier),
            )
        )
        tier = max_tier(*(flag.tier for flag in flags))
        return Assessment(
            tier=tier,
            flags=flags,
            precautions=self._precaution_matches(text_hits, ages),
            responses=responses_for(tier, flags),
        )

    def _present_features(
        self, text_hits: Mapping[int, str], ages: list[tuple[int, str]], answers: Mapping[str, Any]
    ) -> dict[str, str]:
        regions = _as_regions(answers.get("body_regions"))
        pain = _as_int(answers.get("pain_score"))
        present: dict[str, str] = {}
        for feature in self.features:
            evidence = text_hits.get(self._owner_ids[("feature", feature.name)])
            if evidence is None:
                evidence = _answer_evidence(feature, regions, ages, pain)
            if evidence is not None:
                present[feature.name] = evidence
        return present

    def _rule_evidence(
        self,
        text_hits: Mapping[int, str],
        features: Mapping[str, str],
        answers: Mapping[str, Any],
        age: int | None,
    ) -> dict[str, str]:
        evidence: dict[str, str] = {}
        for rule in self.rules:
            found = text_hits.get(self._owner_ids[("rule", rule.code)])
            if found is None and rule.combination:
                found = _combination_evidence(rule.combination, features)
            if found is not None:
                evidence[rule.code] = found
        for question in self._questions_answered_yes(answers):
            for code in question.rule_codes:
                evidence.setdefault(code, f"answered yes to: {question.short_text}")
        return evidence

    def _questions_answered_yes(self, answers: Mapping[str, Any]) -> list[ScreeningQuestion]:
        answered = [q for q in self.questions if _is_yes(answers.get(q.answer_key))]
        if _is_yes(answers.get("screen_region")):
            # Every question of the regions, age limits ignored: learning the age later must
            # never withdraw a flag (the tier and the flag set only grow).
            regions = _as_regions(answers.get("body_regions"))
            answered.extend(self.region_questions(regions))
        return answered

    def _precaution_matches(
        self, text_hits: Mapping[int, str], ages: list[tuple[int, str]]
    ) -> tuple[PrecautionMatch, ...]:
        matches: list[PrecautionMatch] = []
        for precaution in self.precautions:
            evidence = text_hits.get(self._owner_ids[("precaution", precaution.code)])
            if evidence is None and precaution.age_below is not None:
                evidence = next((e for a, e in ages if a < precaution.age_below), None)
            if evidence is not None:
                matches.append(
                    PrecautionMatch(precaution.code, precaution.label, evidence, precaution.kind)
                )
        return tuple(matches)

    # -- compiling and scanning ------------------------------------------------------------

    def _compile(self) -> None:
        self._owner_ids: dict[tuple[str, str], int] = {}
        # first stem -> (all stems, the set of them, owner); a phrase is only tried when every
        # one of its stems occurs in the sentence.
        self._index: dict[str, list[tuple[tuple[str, ...], frozenset[str], int]]] = {}
        # term owner -> (owner, group) for every same_sentence group that uses the term
        self._groups_by_term: dict[int, list[tuple[int, frozenset[int]]]] = {}
        self._personal_only: set[int] = set()
        for name, phrases in self.terms.items():
            self._add_owner(("term", name), Detector(phrases=phrases))
        for feature in self.features:
            owner = self._add_owner(("feature", feature.name), feature.detector)
            if feature.personal_only:
                self._personal_only.add(owner)
        for rule in self.rules:
            self._add_owner(("rule", rule.code), rule.detector)
        for precaution in self.precautions:
            self._add_owner(("precaution", precaution.code), precaution.detector)
        vocabulary = phrase_words(p for entries in self._all_phrases() for p in entries)
        self._spelling = SpellingCorrector(vocabulary, self.never_correct)

    def _add_owner(self, key: tuple[str, str], detector: Detector) -> int:
        owner = self._owner_ids[key] = len(self._owner_ids)
        for phrase in detector.phrases:
            stems = phrase_stems(phrase)
            self._index.setdefault(stems[0], []).append((stems, frozenset(stems), owner))
        for names in detector.same_sentence:
            group = frozenset(self._owner_ids[("term", name)] for name in names)
            for term in group:
                self._groups_by_term.setdefault(term, []).append((owner, group))
        return owner

    def _all_phrases(self) -> Iterable[tuple[str, ...]]:
        yield from self.terms.values()
        for entry in (*self.features, *self.rules, *self.precautions):
            yield entry.detector.phrases

    def _scan_text_uncached(self, text: str) -> _TextScan:
        hits: dict[int, str] = {}
        ages: list[int] = []
        for piece in split_sentences(text):
            sentence_words = words(piece)
            sentence = analyse_sentence(piece, sentence_words, self._spelling)
            evidence = _quote(sentence.text)
            for owner in self._scan_sentence(sentence):
                hits.setdefault(owner, evidence)
            ages.extend(_stated_ages(sentence_words))
        return _TextScan(tuple(hits.items()), tuple(ages))

    def _scan_sentence(self, sentence: Sentence) -> set[int]:
        found, consumed = self._match_phrases(sentence.tokens, frozenset())
        if consumed:
            # A cue inside a phrase that matched ("there's NO feeling in my groin") is part of
            # a disclosure, not a denial of what follows: match again without its scope.
            found, _ = self._match_phrases(_without_scopes(sentence.tokens, consumed), consumed)
        for term in [owner for owner in found if owner in self._groups_by_term]:
            for owner, group in self._groups_by_term[term]:
                if group <= found:
                    found.add(owner)
        return found

    def _match_phrases(
        self, tokens: tuple[Token, ...], consumed: frozenset[int]
    ) -> tuple[set[int], frozenset[int]]:
        """Owners whose phrases match un-negated, and the cues that sit inside those matches."""
        found: set[int] = set()
        cues_in_matches: set[int] = set()
        present = {token.stem for token in tokens}
        for start, token in enumerate(tokens):
            if token.negated:
                continue
            for stems, needed, owner in self._index.get(token.stem, ()):
                if not needed <= present:
                    continue
                end = _match_end(tokens, start, stems)
                if end is None or post_negated(tokens, end):
                    continue
                if owner in self._personal_only and _about_someone_else(tokens, start):
                    continue
                found.add(owner)
                cues_in_matches.update(i for i in range(start, end + 1) if tokens[i].is_cue)
        return found, frozenset(cues_in_matches) | consumed


def _match_end(tokens: tuple[Token, ...], start: int, stems: tuple[str, ...]) -> int | None:
    """Index of the last token when `stems` match from `start`, else None. Each next word may
    follow within MAX_GAP words; the words skipped may not be punctuation or a negation cue,
    and no word of the match may be negated by a cue before the match ("no feeling in my
    groin" is a match of its own, "I don't have pain in my chest" negates "pain in chest")."""
    position = start
    for wanted in stems[1:]:
        for candidate in range(position + 1, min(position + 2 + MAX_GAP, len(tokens))):
            token = tokens[candidate]
            if 0 <= token.negated_by < start:
                return None
            if token.stem == wanted:
                position = candidate
                break
            if token.stem == PUNCT or token.is_cue:
                return None
        else:
            return None
    return position


def _without_scopes(tokens: tuple[Token, ...], cues: frozenset[int]) -> tuple[Token, ...]:
    return tuple(
        replace(token, negated_by=-1) if token.negated_by in cues else token for token in tokens
    )


def _about_someone_else(tokens: tuple[Token, ...], start: int) -> bool:
    return any(token.word in _OTHER_PEOPLE for token in tokens[:start])


def _stated_ages(sentence_words: list[str]) -> Iterable[int]:
    """Ages stated in one sentence: "I am 67", "aged 67", "age: 67", "67 year old man" → 67."""
    for i, word in enumerate(sentence_words):
        if not word.isdecimal() or not 0 < int(word) <= 120:
            continue
        before = sentence_words[i - 1] if i else ""
        after = sentence_words[i + 1] if i + 1 < len(sentence_words) else ""
        if before == "im" and after not in _AGE_UNITS_AFTER:
            yield int(word)
        elif before in ("aged", "age") or (
            before == ":" and i > 1 and sentence_words[i - 2] == "age"
        ):
            yield int(word)
        elif i == 0 and after in _YEARS_WORDS:
            yield int(word)


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= MAX_EVIDENCE else sentence[: MAX_EVIDENCE - 1] + "…"


def _answer_evidence(
    feature: Feature, regions: tuple[str, ...], ages: list[tuple[int, str]], pain: int | None
) -> str | None:
    region = next((r for r in regions if r in feature.regions), None)
    if region is not None:
        return f"body region: {region.replace('_', ' ')}"
    if feature.min_age is not None or feature.max_age is not None:
        for age, evidence in ages:
            old_enough = feature.min_age is None or age >= feature.min_age
            young_enough = feature.max_age is None or age <= feature.max_age
            if old_enough and young_enough:
                return evidence
    if feature.min_pain_score is not None and pain is not None and pain >= feature.min_pain_score:
        return f"pain score {pain}/10"
    return None


def _combination_evidence(
    groups: tuple[tuple[str, ...], ...], features: Mapping[str, str]
) -> str | None:
    parts: list[str] = []
    for group in groups:
        evidence = next((features[name] for name in group if name in features), None)
        if evidence is None:
            return None
        if evidence not in parts:
            parts.append(evidence)
    return " | ".join(parts)


def _is_yes(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _YES


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def _as_regions(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


@functools.lru_cache(maxsize=1)
def _default_rulebook() -> Rulebook:
    return Rulebook(read_rulebook(DEFAULT_PATH))


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """The rulebook at `path`, or the packaged one (parsed once and cached: it is used on every
    turn). Raises RulebookError when the file is invalid."""
    if path is None:
        return _default_rulebook()
    return Rulebook(read_rulebook(Path(path)))
