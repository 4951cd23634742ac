"""Free-text answer parsers: realistic answers, and junk they must survive."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intake.parsing import (
    Duration,
    Onset,
    is_skip,
    is_unknown_answer,
    parse_age,
    parse_duration,
    parse_onset,
    parse_pain_score,
    parse_phone,
    parse_yes_no,
)

WEDNESDAY = date(2025, 11, 26)

JUNK = [
    "",
    "   ",
    "\n\t",
    "<script>alert('x')</script>",
    "<b></b>",
    "🤷‍♀️🤷‍♀️",
    "\x00\x01\x02\xff",
    "ÿþ\ufffd\ufffd",
    "a" * 100_000,
    "lol",
    "asdfghjkl",
]

PARSERS = [
    parse_pain_score,
    parse_age,
    parse_yes_no,
    parse_phone,
    is_unknown_answer,
    is_skip,
    lambda text: parse_duration(text, WEDNESDAY).days,
    lambda text: parse_onset(text).kind,
]


@pytest.mark.parametrize("text", JUNK)
@pytest.mark.parametrize("parser", PARSERS)
def test_junk_gives_nothing(parser, text: str) -> None:
    assert parser(text) in (None, False)


@pytest.mark.parametrize("value", [None, 7, 3.5, b"yes", ["no"], {"a": 1}])
@pytest.mark.parametrize("parser", PARSERS)
def test_non_strings_give_nothing(parser, value: object) -> None:
    assert parser(value) in (None, False)


@given(st.text(max_size=300))
def test_parsers_never_raise(text: str) -> None:
    for parser in PARSERS:
        parser(text)
    score = parse_pain_score(text)
    assert score is None or 0 <= score <= 10
    age = parse_age(text)
    assert age is None or 0 <= age <= 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        ("seven", 7),
        ("Seven.", 7),
        ("7/10", 7),
        ("8 out of 10", 8),
        ("eight out of ten", 8),
        ("about a 6 or 7", 7),
        ("6-7", 7),
        ("id say 6/7", 7),
        ("7.5", 8),
        ("7,5", 8),
        ("0", 0),
        ("10!!!", 10),
        ("11/10 honestly", 10),
        ("3/5", 6),
        ("70/100", 7),
        ("on a scale of 1-10 it's a 7", 7),
        ("1 to 10? maybe 4", 4),
        ("it's there 24/7, about a 5", 5),
        ("7/10 at worst, 3 at best", 7),
        ("2 weeks ago it was a 9 now 5", 9),
        ("took 2 ibuprofen, pain is 4", 4),
        ("about a one", 1),
        ("no pain at the moment", 0),
        ("really bad", None),
        ("excruciating", None),
        ("the left one", None),
        ("for 3 days", None),
        ("at 3am it's worst", None),
        ("100", None),
        ("54 years old", None),
        ("07700 900123", None),
        ("-", None),
    ],
)
def test_parse_pain_score(text: str, expected: int | None) -> None:
    assert parse_pain_score(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two weeks-ish", Duration("about 2 weeks", 14)),
        ("2 weeks", Duration("2 weeks", 14)),
        ("3 months", Duration("3 months", 90)),
        ("3mths", Duration("3 months", 90)),
        ("6mo", Duration("6 months", 180)),
        ("a couple of days", Duration("about 2 days", 2)),
        ("a few weeks", Duration("about 3 weeks", 21)),
        ("about a month", Duration("about 1 month", 30)),
        ("a week or two", Duration("about 2 weeks", 14)),
        ("2-3 weeks", Duration("about 3 weeks", 21)),
        ("half a year", Duration("half a year", 182)),
        ("a year and a half", Duration("1.5 years", 548)),
        ("2 and a half weeks", Duration("2.5 weeks", 18)),
        ("since 3 days", Duration("3 days", 3)),
        ("started 10 days ago", Duration("10 days", 10)),
        ("a fortnight", Duration("1 fortnight", 14)),
        ("for years", Duration("years", 730)),
        ("years", Duration("years", 730)),
        ("since last year", Duration("since last year", 365)),
        ("since last week", Duration("since last week", 7)),
        ("yesterday", Duration("since yesterday", 1)),
        ("since this morning", Duration("since this morning", 0)),
        ("since Monday", Duration("since Monday", 2)),
        ("since wednesday", Duration("since Wednesday", 7)),
        ("since March", Duration("since March", 270)),
        ("since 2019", Duration("since 2019", 2521)),
        ("since the weekend", Duration("since the weekend", 4)),
        ("since christmas", Duration("since Christmas", 336)),
        ("since I moved house", Duration("since I moved house", None)),
        ("  ages   and ages ", Duration("ages and ages", None)),
        ("", Duration("", None)),
        ("🤷", Duration("", None)),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text, WEDNESDAY) == expected


def test_parse_duration_keeps_long_answers_short() -> None:
    duration = parse_duration("since " + "the thing happened " * 50, WEDNESDAY)
    assert duration.days is None and len(duration.text) <= 120


def test_parse_duration_uses_today_by_default() -> None:
    assert parse_duration("3 days").days == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("54", 54),
        ("I'm 54", 54),
        ("I’m 54 (nearly 55)", 54),
        ("fifty four", 54),
        ("Fifty-four", 54),
        ("54 years old", 54),
        ("54yo", 54),
        ("54 y/o", 54),
        ("age: 33", 33),
        ("33.5", 33),
        ("twenty", 20),
        ("one hundred and two", 102),
        ("0", 0),
        ("120", 120),
        ("121", None),
        ("150", None),
        ("-5", None),
        ("born in 1970", None),
        ("my son is 12 and I'm 40", None),
        ("old enough", None),
        ("5 days", None),
    ],
)
def test_parse_age(text: str, expected: int | None) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes!", True),
        ("YES", True),
        ("yeah", True),
        ("yep", True),
        ("yup", True),
        ("y", True),
        ("sure", True),
        ("correct", True),
        ("that's right", True),
        ("yes I do", True),
        ("I think so", True),
        ("i have numbness", True),
        ("👍", True),
        ("no", False),
        ("No.", False),
        ("nope", False),
        ("nah", False),
        ("n", False),
        ("not really", False),
        ("no I don't", False),
        ("I don't think so", False),
        ("nothing like that", False),
        ("never", False),
        ("none of those", False),
        ("maybe", None),
        ("sometimes", None),
        ("yes and no", None),
        ("no, well yes sometimes", None),
        ("i have no numbness", None),
        ("idk", None),
        ("not sure", None),
        ("right knee", None),
    ],
)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("suddenly", Onset("sudden", None)),
        ("all of a sudden", Onset("sudden", None)),
        ("woke up with it", Onset("sudden", None)),
        ("gradually", Onset("gradual", None)),
        ("it crept up on me", Onset("gradual", None)),
        ("after a fall", Onset("sudden", "a fall")),
        ("I slipped on ice", Onset("sudden", "a fall")),
        ("twisted it playing football", Onset("sudden", "a twist or sprain")),
        ("rolled my ankle", Onset("sudden", "a twist or sprain")),
        ("car accident last month", Onset("sudden", "an accident or knock")),
        ("lifting a heavy box", Onset(None, "lifting or carrying")),
        ("after a run", Onset(None, "sport or exercise")),
        ("slowly, since I started running more", Onset("gradual", "sport or exercise")),
        ("too much typing", Onset(None, "repetitive use")),
        ("no injury, it just came on", Onset(None, None)),
        ("I didn't fall or anything", Onset(None, None)),
        ("they said it's a slipped disc", Onset(None, None)),
        ("", Onset(None, None)),
    ],
)
def test_parse_onset(text: str, expected: Onset) -> None:
    assert parse_onset(text) == expected


@pytest.mark.parametrize(
    ("text", "default_country", "expected"),
    [
        ("+44 7700 900123", None, "+447700900123"),
        ("+44 (0)7700 900123", None, "+447700900123"),
        ("0044 7700 900123", None, "+447700900123"),
        ("+1 (555) 010-0123", None, "+15550100123"),
        ("+353 87 123 4567", None, "+353871234567"),
        ("07700 900123", None, "07700900123"),
        ("07700 900123", "+44", "+447700900123"),
        ("(555) 010-0123", "1", "+15550100123"),
        ("555.010.0123", None, "5550100123"),
        ("my number is 07700900123 thanks", None, "07700900123"),
        ("call me on 555 0100 after 5", None, "5550100"),
        ("12345", None, None),
        ("+44 12", None, None),
        ("1234567890123456789", None, None),
        ("12/05/2024", None, None),
        ("no phone", None, None),
    ],
)
def test_parse_phone(text: str, default_country: str | None, expected: str | None) -> None:
    assert parse_phone(text, default_country) == expected


@pytest.mark.parametrize(
    "text",
    ["idk", "IDK", "not sure", "Not sure tbh", "dunno", "I don't know", "i dont know",
     "I’m not really sure to be honest", "no idea lol", "can't remember", "?", "??", "unsure"],
)  # fmt: skip
def test_unknown_answers(text: str) -> None:
    assert is_unknown_answer(text)
    assert not is_skip(text)


@pytest.mark.parametrize(
    "text",
    ["skip", "Skip.", "pass", "next question", "rather not say", "I'd rather not say",
     "I’d prefer not to say", "skip this one please", "no comment", "prefer not to answer"],
)  # fmt: skip
def test_skip_answers(text: str) -> None:
    assert is_skip(text)
    assert not is_unknown_answer(text)


@pytest.mark.parametrize(
    "text",
    ["I don't know, maybe 2 weeks", "not sure but it hurts when I sit", "yes", "7",
     "I skipped a step and fell", "passed out"],
)  # fmt: skip
def test_real_answers_are_neither_unknown_nor_skip(text: str) -> None:
    assert not is_unknown_answer(text)
    assert not is_skip(text)
