"""Property tests (hypothesis): an emergency always wins, more information never lowers the
tier, negating a disclosure never raises it, and the engine is pure."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.triage import REGION_CODES, load_rulebook, tier_rank
from tests.triage.helpers import UNRELATED_MESSAGES, load_examples

RULEBOOK = load_rulebook()
EXAMPLES = load_examples()

# Single-message disclosures of each emergency rule, from the rule examples.
EMERGENCY_MESSAGES = sorted(
    case["texts"][0]
    for code, kinds in EXAMPLES.items()
    if RULEBOOK.rule(code).tier == "emergency"
    for case in kinds["positive"]
    if len(case["texts"]) == 1 and not case["answers"]
)
ALL_EXAMPLE_MESSAGES = sorted(
    {
        text
        for kinds in EXAMPLES.values()
        for cases in kinds.values()
        for c in cases
        for text in c["texts"]
    }
)
RULE_PHRASES = sorted({phrase for rule in RULEBOOK.rules for phrase in rule.detector.phrases})
NEGATORS = ("no ", "I don't have any ", "I have never had ", "denies ", "without ", "not ")

messages = st.one_of(
    st.sampled_from(UNRELATED_MESSAGES),
    st.sampled_from(ALL_EXAMPLE_MESSAGES),
    st.text(max_size=60),
)
answers = st.fixed_dictionaries(
    {},
    optional={
        "age": st.integers(min_value=0, max_value=110),
        "body_regions": st.lists(st.sampled_from(REGION_CODES), max_size=3),
        "pain_score": st.integers(min_value=0, max_value=10),
        **{q.answer_key: st.booleans() for q in RULEBOOK.questions},
        "screen_region": st.booleans(),
    },
)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    before=st.lists(messages, max_size=6),
    after=st.lists(messages, max_size=6),
    emergency=st.sampled_from(EMERGENCY_MESSAGES),
    answers=answers,
)
def test_any_emergency_disclosure_makes_the_outcome_emergency(before, after, emergency, answers):
    assessment = RULEBOOK.assess([*before, emergency, *after], answers)
    assert assessment.tier == "emergency"
    assert assessment.response in ("emergency", "emergency_suicide")


@SETTINGS
@given(emergency=st.sampled_from(EMERGENCY_MESSAGES), prefix=messages, suffix=messages)
def test_an_emergency_sentence_inside_a_longer_message_still_counts(emergency, prefix, suffix):
    assert RULEBOOK.assess([f"{prefix}. {emergency}. {suffix}"], {}).tier == "emergency"


@SETTINGS
@given(
    texts=st.lists(messages, max_size=8),
    more_texts=st.lists(messages, max_size=4),
    base=answers,
    extra=answers,
)
def test_adding_texts_or_answers_never_lowers_the_tier(texts, more_texts, base, extra):
    before = RULEBOOK.assess(texts, base)
    combined = {**extra, **base}  # only adds keys the base did not have
    after = RULEBOOK.assess([*texts, *more_texts], combined)
    assert tier_rank(after.tier) >= tier_rank(before.tier)
    assert set(after.flag_codes) >= set(before.flag_codes)
    assert {p.code for p in after.precautions} >= {p.code for p in before.precautions}


@SETTINGS
@given(phrase=st.sampled_from(RULE_PHRASES), negator=st.sampled_from(NEGATORS))
def test_negating_a_disclosure_never_raises_the_tier(phrase, negator):
    plain = RULEBOOK.assess([f"I have {phrase}"], {})
    negated = RULEBOOK.assess([f"{negator}{phrase}"], {})
    assert tier_rank(negated.tier) <= tier_rank(plain.tier)


@SETTINGS
@given(
    texts=st.lists(messages, max_size=6),
    index=st.integers(min_value=0),
    phrase=st.sampled_from(RULE_PHRASES),
    negator=st.sampled_from(NEGATORS),
    answers=answers,
)
def test_negating_one_message_of_a_conversation_never_raises_the_tier(
    texts, index, phrase, negator, answers
):
    position = index % (len(texts) + 1)
    with_disclosure = [*texts[:position], f"I have {phrase}", *texts[position:]]
    with_denial = [*texts[:position], f"{negator}{phrase}", *texts[position:]]
    plain = RULEBOOK.assess(with_disclosure, answers)
    negated = RULEBOOK.assess(with_denial, answers)
    assert tier_rank(negated.tier) <= tier_rank(plain.tier)


@SETTINGS
@given(texts=st.lists(messages, max_size=8), answers=answers, data=st.data())
def test_the_engine_is_pure_and_order_independent(texts, answers, data):
    texts_copy, answers_copy = list(texts), copy.deepcopy(answers)
    first = RULEBOOK.assess(texts, answers)
    assert RULEBOOK.assess(texts, answers) == first
    assert texts == texts_copy and answers == answers_copy  # inputs untouched
    shuffled = data.draw(st.permutations(texts))
    again = RULEBOOK.assess(shuffled, answers)
    assert again.tier == first.tier
    assert set(again.flag_codes) == set(first.flag_codes)
