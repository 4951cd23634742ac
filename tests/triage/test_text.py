"""Matching behaviour: normalisation, token boundaries, negation scope, pseudo-negation,
misspellings, sentence evidence."""

from __future__ import annotations

import pytest

from bot.triage import load_rulebook
from bot.triage.spelling import SpellingCorrector, edit_distance
from bot.triage.text import phrase_stems, split_sentences, stem, words

RULEBOOK = load_rulebook()


def codes(*texts: str) -> tuple[str, ...]:
    return RULEBOOK.assess(list(texts), {}).flag_codes


def tier(*texts: str) -> str:
    return RULEBOOK.assess(list(texts), {}).tier


# -- negation: the brief's examples and friends ------------------------------------------------

NEGATED = [
    "no chest pain",
    "No chest pain.",
    "I don't have any numbness between my legs",
    "I do not have numbness between my legs",
    "I never had cancer, and my back hurts",
    "denies chest pain",
    "patient denies any saddle numbness",
    "back pain without fever",
    "my groin is not numb",
    "no numbness or tingling in my groin",
    "neither numbness nor tingling around my genitals",
    "I haven't lost bladder control",
    "I have not lost control of my bladder",
    "no bladder or bowel problems",
    "no bladder and bowel issues",
    "no numbness, tingling or weakness in my legs or groin",
    "I don't think I have a fever and my back is sore",
    "I haven't had any chest pain, shortness of breath, dizziness or fainting",
    "nope, no chest pain",
    "chest pain: none",
    "numbness between my legs - no",
    "I'm not suicidal",
    "I haven't noticed my face drooping",
    "never been diagnosed with cancer. back pain",
    "cancer has been ruled out. my back aches",
    "free of any chest pain",
]


@pytest.mark.parametrize("text", NEGATED)
def test_negated_mentions_do_not_fire(text):
    assert tier(text) == "routine", codes(text)


FIRES = [
    ("no fever but my chest feels crushed", "EMERG_CARDIAC_CHEST_PAIN"),
    ("no fever, my chest feels crushed", "EMERG_CARDIAC_CHEST_PAIN"),
    ("no fever and crushing chest pain", "EMERG_CARDIAC_CHEST_PAIN"),
    ("no fever; crushing chest pain", "EMERG_CARDIAC_CHEST_PAIN"),
    ("No. I have crushing chest pain", "EMERG_CARDIAC_CHEST_PAIN"),
    ("no, I have crushing chest pain", "EMERG_CARDIAC_CHEST_PAIN"),
    ("no my chest is crushing", "EMERG_CARDIAC_CHEST_PAIN"),
    ("no tingling although my groin is numb", "EMERG_CES_SADDLE"),
    ("not sure if it matters but I can't feel when I wipe", "EMERG_CES_SADDLE"),
    ("no idea why but my chest is tight", "EMERG_CARDIAC_CHEST_PAIN"),
    ("I no longer have control of my bladder", "EMERG_CES_BLADDER_BOWEL"),
    ("I don't have a fever. I can't feel my saddle area", "EMERG_CES_SADDLE"),
    # Pseudo-negations: these are disclosures.
    ("I can't feel my saddle area", "EMERG_CES_SADDLE"),
    ("I cannot control my bladder", "EMERG_CES_BLADDER_BOWEL"),
    ("I can't pee", "EMERG_CES_BLADDER_BOWEL"),
    ("I'm not able to move my arm", "URG_NEURO_DEFICIT_PROGRESSIVE"),
    ("I am unable to feel anything when I wipe", "EMERG_CES_SADDLE"),
    ("haven't been able to pee since this morning", "EMERG_CES_BLADDER_BOWEL"),
    ("there's no feeling in my groin", "EMERG_CES_SADDLE"),
    ("nothing eases the pain at night", "URG_NIGHT_PAIN"),
    ("everyone would be better off without me", "URG_SUICIDAL_IDEATION_PASSIVE"),
    # Questions and hypotheticals are taken as disclosures (the safe direction).
    ("is it normal that my legs are numb after needling?", "URG_NEEDLING_ADVERSE"),
    ("should I worry if I can't feel it when I wipe?", "EMERG_CES_SADDLE"),
    # A later contrast re-opens: "not X" then a disclosure.
    ("not my knee, my chest feels tight", "EMERG_CARDIAC_CHEST_PAIN"),
]


@pytest.mark.parametrize(("text", "code"), FIRES)
def test_disclosures_fire_despite_nearby_negations(text, code):
    assert code in codes(text)


def test_negation_scope_is_limited_to_its_sentence():
    assert "EMERG_CARDIAC_CHEST_PAIN" in codes("I don't smoke. Crushing chest pain since lunch")


def test_negation_scope_is_bounded_in_length():
    text = "no problems at work or at home since I moved house last year, crushing chest pain"
    assert "EMERG_CARDIAC_CHEST_PAIN" in codes(text)


def test_a_negated_and_a_positive_mention_fire():
    assert "URG_CHEST_PAIN" in codes("no chest pain yesterday", "chest pain today")


# -- normalisation and token boundaries ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "CRUSHING CHEST PAIN",
        "crushing   chest\tpain",
        "Crushing, chest-pain!!!",
        "crushing chest pain.",
        "crushing\nchest pain",
    ],
)
def test_case_punctuation_and_whitespace_do_not_matter(text):
    # A line break is a sentence break, so "chest pain" alone still fires the urgent rule.
    assert tier(text) in ("emergency", "urgent")
    if "\n" not in text:
        assert "EMERG_CARDIAC_CHEST_PAIN" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "the room is spinning",  # "spin" is not "spine"
        "I was painting the ceiling",  # not "pain"
        "my ladder broke",  # not "bladder"
        "I bought a chess set",
        "my backpack is heavy",  # "backpack" is not "back"
        "I cheated at the pub quiz",  # "cheat" is not "chest"
        "I've got pins and needles in my fingers",  # not needling
        "the pain is killing me",  # not "kill myself"
    ],
)
def test_words_match_on_token_boundaries_only(text):
    assert tier(text) == "routine", codes(text)


def test_curly_apostrophes_and_missing_apostrophes_are_the_same():
    assert words("I can’t feel") == words("i cant feel") == words("I cannot feel")
    assert words("I am unable to feel") == words("I'm not able to feel") == ["im", "cant", "feel"]


def test_hyphens_inside_words_split_them():
    assert words("pins-and-needles") == ["pins", "and", "needles"]


def test_sentences_split_on_punctuation_but_not_decimal_points():
    assert list(split_sentences("Temp 38.5 today. Back sore!  Why?")) == [
        "Temp 38.5 today",
        "Back sore",
        "Why",
    ]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("numbness", "numb"),
        ("numbed", "numb"),
        ("tingling", "tingl"),
        ("tingles", "tingl"),
        ("dizziness", "dizz"),
        ("dizzy", "dizz"),
        ("slurred", "slur"),
        ("slurring", "slur"),
        ("legs", "legs"),  # both legs vs one leg matters
        ("leg", "leg"),
        ("needles", "needles"),  # pins and needles is not needling
        ("needling", "needling"),
        ("bleed", "bleed"),
    ],
)
def test_stemming(word, expected):
    assert stem(word) == expected


def test_phrases_drop_filler_words():
    assert phrase_stems("numbness between my legs") == phrase_stems("numb between the legs")


def test_words_between_phrase_words_are_allowed_up_to_two():
    assert "URG_CHEST_PAIN" in codes("pain in my upper left chest")
    assert "EMERG_SUICIDE_RISK" in codes("I want to kill basically myself")
    assert "EMERG_SUICIDE_RISK" not in codes("I will kill all of those weeds by myself")


# -- misspellings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("numbness", "numbnes", 1),
        ("numbness", "numbenss", 1),
        ("double", "dubble", 2),
        ("", "ab", 2),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


def test_spelling_corrector_corrects_long_words_only_towards_its_vocabulary():
    corrector = SpellingCorrector(["numbness", "bladder", "incontinence"], never_correct=["ladder"])
    assert corrector.correction("numbnes") == "numbness"
    assert corrector.correction("bladdar") == "bladder"
    assert corrector.correction("incontinance") == "incontinence"  # two edits from 9 letters
    assert corrector.correction("ladder") is None  # listed as a real word
    assert corrector.correction("numbs") is None  # too short to guess
    assert corrector.correction("gumbness") is None  # first letter must match
    assert corrector("numbnes") == "numb"


def test_grammar_words_are_never_corrected():
    corrector = SpellingCorrector(["through", "thought"])
    assert corrector.correction("though") is None


# -- evidence -------------------------------------------------------------------------------


def test_evidence_is_the_sentence_that_matched_as_typed():
    assessment = RULEBOOK.assess(
        ["Hi there. My back hurts a lot!", "Also I CAN'T feel it when I wipe. Thanks"], {}
    )
    flag = next(f for f in assessment.flags if f.code == "EMERG_CES_SADDLE")
    assert flag.evidence == "Also I CAN'T feel it when I wipe"


def test_long_evidence_is_shortened():
    text = "I can't feel when I wipe " + "and so on " * 60
    flag = RULEBOOK.assess([text], {}).flags[0]
    assert len(flag.evidence) == 300 and flag.evidence.endswith("…")


def test_first_disclosure_is_the_evidence_so_it_stays_stable_across_turns():
    first = RULEBOOK.assess(["I can't pee"], {}).flags[0].evidence
    later = RULEBOOK.assess(["I can't pee", "still can't pee"], {}).flags[0].evidence
    assert first == later == "I can't pee"
