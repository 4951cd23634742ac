"""Parsers for free-text intake answers.

Each parser takes whatever the patient typed and returns a value or None; none of them raises
on bad input (empty, huge, HTML, emoji, binary-ish text). When an answer is a range or gives two
numbers, the parsers take the higher one ("about a 6 or 7" is 7): over-estimating pain is the
safer mistake. Words without a number ("really bad") give no pain score, so the bot asks again
with buttons rather than guessing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

# Patients paste long texts; nothing a parser needs is further in than this.
MAX_PARSE_CHARS = 2000

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+|[^\w\s]")


@dataclass(frozen=True)
class _Number:
    value: float
    first: int  # token index
    last: int  # token index, inclusive


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = text[:MAX_PARSE_CHARS].replace("\x00", " ")
    return re.sub(r"[’‘`´]", "'", text).casefold()  # curly quotes: phone keyboards


def _tokens(text: str) -> list[str]:
    # Apostrophes go so "I'm" is "im" and "don't" is "dont".
    return _TOKEN_RE.findall(text.replace("'", ""))


def _word_number(tokens: list[str], start: int) -> tuple[int, int] | None:
    """A number written in words from `start`: "fifty four", "fifty-four", "a hundred and two".

    Returns (value, index of its last token) or None.
    """
    position = start
    value = 0
    if tokens[position] in {"a", "one"} and tokens[position + 1 : position + 2] == ["hundred"]:
        value, position = 100, position + 2
        if tokens[position : position + 1] == ["and"]:
            position += 1
        if position >= len(tokens) or (
            tokens[position] not in _UNITS and tokens[position] not in _TENS
        ):
            return 100, start + 1
    if position < len(tokens) and tokens[position] in _TENS:
        value += _TENS[tokens[position]]
        last = position
        following = position + 1
        if tokens[following : following + 1] == ["-"]:
            following += 1
        if (
            following < len(tokens)
            and tokens[following] in _UNITS
            and _UNITS[tokens[following]] < 10
        ):
            return value + _UNITS[tokens[following]], following
        return value, last
    if position < len(tokens) and tokens[position] in _UNITS:
        return value + _UNITS[tokens[position]], position
    return (value, position - 1) if value else None


def _numbers(tokens: list[str]) -> list[_Number]:
    """Every number in the tokens, in digits or words; "7.5" and "7,5" are 7.5."""
    found = []
    position = 0
    while position < len(tokens):
        text = tokens[position]
        if text[0].isdecimal():
            found.append(_Number(float(text.replace(",", ".")), position, position))
            position += 1
            continue
        word = _word_number(tokens, position) if text.isalpha() else None
        # a lone "oh" is an interjection, not a zero
        if word is not None and not (text == "oh" and word[1] == position):
            found.append(_Number(float(word[0]), position, word[1]))
            position = word[1] + 1
            continue
        position += 1
    return found


def _after(tokens: list[str], number: _Number, count: int = 1) -> list[str]:
    return tokens[number.last + 1 : number.last + 1 + count]


def _before(tokens: list[str], number: _Number, count: int = 1) -> list[str]:
    return tokens[max(0, number.first - count) : number.first]


# ---------------------------------------------------------------------------------------------
# Pain score

_NOT_A_SCORE_AFTER = frozenset(
    {"day", "days", "week", "weeks", "wk", "wks", "month", "months", "year", "years", "yr", "yrs",
     "hour", "hours", "hr", "hrs", "min", "mins", "minute", "minutes", "times", "time", "x",
     "am", "pm", "oclock", "kg", "kgs", "lb", "lbs", "km", "k", "mile", "miles", "mg", "%",
     "st", "nd", "rd", "th", ":", "yo", "people", "kids", "children", "tablets", "pills",
     "paracetamol", "ibuprofen", "sessions", "nights"}
)  # fmt: skip
_NOT_A_SCORE_BEFORE = frozenset({"since", "at", "aged", "age", "im", "number", "#"})
# "one" is a score only after words like these ("about a one"), not in "the left one".
_BEFORE_SCORE_ONE = frozenset(
    {"a", "about", "around", "maybe", "say", "is", "its", "like", "only", "just", "probably",
     "roughly", "was", "be", "score", "pain", "or", "-", "to"}
)  # fmt: skip
# "on a scale of 1-10", "1 to 10", "24/7": numbers that are not the patient's score
_NOT_A_SCORE_RE = re.compile(
    r"(?:(?:on\s+)?(?:a\s+)?scale(?:\s+of|\s+from)?\s+)?\b(?:0|1|zero|one)\s*(?:-|–|to)\s*"
    r"(?:10|ten)\b(?!\s*(?:/|out\b))|\b24\s*/\s*7\b"
)
# Scales a patient may score on; "6/7" is "6 or 7", not a fraction.
_SCALES = frozenset({5, 10, 100})
_NO_PAIN_RE = re.compile(r"\b(?:no pain|pain[- ]free|painless|doesnt hurt at all)\b")


def _denominator_at(tokens: list[str], number: _Number) -> int | None:
    """Token index of the 10 in "7/10" or "7 out of 10"; None when the number stands alone."""
    after = _after(tokens, number, 3)
    if after[:1] == ["/"] and len(after) > 1:
        return number.last + 2
    if after[:2] == ["out", "of"] and len(after) > 2:
        return number.last + 3
    return None


def parse_pain_score(text: str) -> int | None:
    """A 0-10 pain score: "7", "seven", "7/10", "8 out of 10", "about a 6 or 7" -> 7."""
    cleaned = _NOT_A_SCORE_RE.sub(" ", _clean(text))
    tokens = _tokens(cleaned)
    numbers = _numbers(tokens)
    by_first = {number.first: number for number in numbers}
    scores = []
    denominators: set[int] = set()
    for number in numbers:
        if number.first in denominators:
            continue
        if set(_after(tokens, number)) & _NOT_A_SCORE_AFTER:
            continue
        before = _before(tokens, number)
        if set(before) & _NOT_A_SCORE_BEFORE:
            continue
        if tokens[number.first] == "one" and before and before[0] not in _BEFORE_SCORE_ONE:
            continue
        denominator = by_first.get(_denominator_at(tokens, number) or -1)
        if denominator is not None and denominator.value in _SCALES:
            denominators.add(denominator.first)
            scores.append(min(10, math.ceil(number.value * 10 / denominator.value)))
        elif 0 <= number.value <= 10:
            scores.append(math.ceil(number.value))
    if scores:
        return max(scores)
    return 0 if _NO_PAIN_RE.search(cleaned.replace("'", "")) else None


# ---------------------------------------------------------------------------------------------
# Duration


class Duration(NamedTuple):
    text: str  # tidy wording for the summary: "about 2 weeks", "since Monday"
    days: int | None  # None when the answer gives no measurable time ("since I moved house")


_UNIT_DAYS = {
    "minute": 1 / 1440, "minutes": 1 / 1440, "min": 1 / 1440, "mins": 1 / 1440,
    "hour": 1 / 24, "hours": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24,
    "day": 1, "days": 1, "dys": 1, "night": 1, "nights": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "weks": 7,
    "fortnight": 14, "fortnights": 14,
    "month": 30, "months": 30, "mo": 30, "mos": 30, "mth": 30, "mths": 30, "mnth": 30,
    "mnths": 30, "monthes": 30,
    "year": 365, "years": 365, "yr": 365, "yrs": 365, "yeras": 365,
    "decade": 3650, "decades": 3650,
}  # fmt: skip
_UNIT_NAMES = {1 / 1440: "minute", 1 / 24: "hour", 1: "day", 7: "week", 14: "fortnight",
               30: "month", 365: "year", 3650: "decade"}  # fmt: skip
_QUANTITY_WORDS = {"a": 1, "an": 1, "couple": 2, "few": 3, "several": 3}
_APPROXIMATE = frozenset(
    {"about", "around", "roughly", "approx", "approximately", "maybe", "ish", "couple", "few",
     "several", "or", "nearly", "almost", "probably", "prob", "think", "guess", "like"}
)  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_RELATIVE_DAYS = {
    "today": ("today", 0), "this morning": ("since this morning", 0),
    "this afternoon": ("since this afternoon", 0), "tonight": ("today", 0),
    "last night": ("since last night", 1), "yesterday": ("since yesterday", 1),
    "last week": ("since last week", 7), "last month": ("since last month", 30),
    "last year": ("since last year", 365), "the weekend": ("since the weekend", None),
    "christmas": ("since Christmas", None), "xmas": ("since Christmas", None),
    "years": ("years", 730), "many years": ("many years", 730), "for ages": ("a long time", None),
}  # fmt: skip


def _quantities(tokens: list[str]) -> list[tuple[float, float, bool]]:
    """(amount, days per unit, approximate) for "2 weeks", "a few days", "a year and a half"."""
    found = []
    numbers = {number.last: number for number in _numbers(tokens)}
    for position, token in enumerate(tokens):
        unit = _UNIT_DAYS.get(token)
        if unit is None:
            continue
        previous = position - 1
        if previous >= 0 and tokens[previous] == "of":  # "a couple of days"
            previous -= 1
        approximate = False
        amount: float
        if previous in numbers:
            number = numbers[previous]
            amount = number.value
            # "2-3 weeks", "2 or 3 weeks": the higher end, said approximately
            before = tokens[max(0, number.first - 1) : number.first]
            approximate = before in (["-"], ["to"], ["or"]) and number.first - 2 in numbers
        elif previous >= 0 and tokens[previous] in _QUANTITY_WORDS:
            amount = _QUANTITY_WORDS[tokens[previous]]
            approximate = tokens[previous] in _APPROXIMATE
            if tokens[max(0, previous - 1) : previous + 1] == ["half", "a"]:
                amount = 0.5
        elif tokens[max(0, previous - 2) : previous + 1] == ["and", "a", "half"] and (
            previous - 3 in numbers
        ):  # "2 and a half weeks"
            amount = numbers[previous - 3].value + 0.5
        else:
            continue
        following = tokens[position + 1 : position + 4]
        if following == ["and", "a", "half"]:
            amount += 0.5
        if following[:1] == ["or"] and len(following) > 1:  # "a week or two"
            more = _word_number(tokens, position + 2) if following[1].isalpha() else None
            if following[1].isdecimal():
                amount = max(amount, float(following[1]))
            elif more:
                amount = max(amount, float(more[0]))
            approximate = True
        window = set(tokens[max(0, position - 4) : position + 3])
        found.append((amount, unit, approximate or bool(window & _APPROXIMATE)))
    return found


def _since_named_day(tokens: list[str], today: date) -> tuple[str, int] | None:
    for position, token in enumerate(tokens):
        if position == 0 or tokens[position - 1] not in {"since", "last", "on", "from"}:
            continue
        if token in _WEEKDAYS:
            delta = (today.weekday() - _WEEKDAYS.index(token)) % 7 or 7
            return f"since {token.title()}", delta
        if token in _MONTHS:
            month = _MONTHS.index(token) + 1
            year = today.year if month <= today.month else today.year - 1
            return f"since {token.title()}", (today - date(year, month, 1)).days
        if token.isdecimal() and len(token) == 4 and 1900 < int(token) <= today.year:
            return f"since {token}", (today - date(int(token), 1, 1)).days
    return None


def _plain_text(text: str) -> str:
    return " ".join(text.split())[:120]


def parse_duration(text: str, today: date | None = None) -> Duration:
    """How long the problem has lasted: "two weeks-ish" -> Duration("about 2 weeks", 14).

    Always returns a Duration; `days` is None (and `text` the tidied answer) when no length of
    time can be read: "since I moved house" -> Duration("since I moved house", None).
    Ranges take the higher end; several lengths take the longest.
    """
    today = today or date.today()
    original = text if isinstance(text, str) else ""
    cleaned = _clean(original)
    tokens = _tokens(cleaned)
    if not any(token.isalnum() for token in tokens):
        return Duration("", None)

    best: tuple[float, float, bool] | None = None
    for amount, unit, approximate in _quantities(tokens):
        if best is None or amount * unit > best[0] * best[1]:
            best = (amount, unit, approximate)
    if best:
        amount, unit, approximate = best
        name = _UNIT_NAMES[unit]
        wording = (
            f"half a {name}" if amount == 0.5 else f"{amount:g} {name}{'' if amount == 1 else 's'}"
        )
        return Duration(("about " if approximate else "") + wording, round(amount * unit))

    named = _since_named_day(tokens, today)
    if named:
        return Duration(*named)
    joined = " ".join(tokens)
    for phrase, (wording, days) in sorted(_RELATIVE_DAYS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(phrase)}\b", joined):
            if phrase == "the weekend":
                days = (today.weekday() - 5) % 7 or 7
            elif phrase in {"christmas", "xmas"}:
                christmas = date(today.year, 12, 25)
                if christmas > today:
                    christmas = date(today.year - 1, 12, 25)
                days = (today - christmas).days
            return Duration(wording, days)
    return Duration(_plain_text(original), None)


# ---------------------------------------------------------------------------------------------
# Age

_NOT_AN_AGE_AFTER = frozenset(
    {"day", "days", "week", "weeks", "month", "months", "kg", "kgs", "lb", "lbs", "st", "nd",
     "rd", "th", "%", "/", "out", "times", "x", "am", "pm", ":", "cm", "ft", "km", "mg"}
)  # fmt: skip
_AGE_MARK_BEFORE = frozenset({"im", "am", "age", "aged", "turned", "is"})
_AGE_MARK_AFTER = frozenset({"years", "year", "yrs", "yr", "yo", "y"})


def parse_age(text: str) -> int | None:
    """Age in years: "I'm 54", "fifty four", "54 years old"; None outside 0-120 or unclear."""
    cleaned = _clean(text)
    tokens = _tokens(cleaned)
    candidates: list[tuple[int, bool]] = []
    for number in _numbers(tokens):
        after = _after(tokens, number)
        if set(after) & _NOT_AN_AGE_AFTER:
            continue
        if _before(tokens, number) == ["-"] and (
            number.first < 2 or not tokens[number.first - 2][0].isalnum()
        ):
            return None  # "-5"
        if not 0 <= number.value <= 120:
            continue
        marked = bool(set(_before(tokens, number)) & _AGE_MARK_BEFORE) or bool(
            set(after) & _AGE_MARK_AFTER
        )
        candidates.append((int(number.value), marked))
    marked_ages = {age for age, marked in candidates if marked}
    if len(marked_ages) == 1:
        return marked_ages.pop()
    ages = {age for age, _ in candidates}
    return ages.pop() if len(ages) == 1 and not marked_ages else None


# ---------------------------------------------------------------------------------------------
# Yes / no

_YES = (
    "yes", "yeah", "yea", "yeh", "yep", "yup", "ya", "yah", "yas", "ye", "y", "sure", "correct",
    "ok", "okay", "okey", "k", "definitely", "absolutely", "affirmative", "of course", "indeed",
    "thats right", "that is right", "true", "i do", "i have", "i am", "it does",
    "it is", "i did", "there is", "i think so", "uh huh", "aye", "yess", "yesss", "yes please",
    "please do", "go ahead", "sounds good", "agreed", "i agree", "👍", "✅", "✔",
)  # fmt: skip
_NO = (
    "no", "nope", "nah", "naw", "n", "nay", "negative", "not really", "not at all", "never",
    "none", "nothing", "no way", "no thanks", "no thank you", "i dont", "i do not", "i havent",
    "i have not", "im not", "i am not", "it doesnt", "it does not", "it isnt", "it is not",
    "i didnt", "i did not", "there isnt", "i dont think so", "dont think so", "nothing like that",
    "none of those", "none of them", "false", "incorrect", "not that i know of", "noo", "nooo",
    "👎", "❌",
)  # fmt: skip
_STRONG_YES = frozenset({"yes", "yeah", "yep", "yup"})
_STRONG_NO = frozenset({"no", "nope", "nah"})
_NEGATING = frozenset({"no", "not", "never", "none", "nothing", "dont", "didnt", "havent", "isnt"})


def _phrase_tokens(phrases: tuple[str, ...]) -> list[tuple[str, ...]]:
    return sorted((tuple(_tokens(p)) for p in phrases), key=len, reverse=True)


_YES_TOKENS = _phrase_tokens(_YES)
_NO_TOKENS = _phrase_tokens(_NO)


def _starts_with(tokens: list[str], phrases: list[tuple[str, ...]]) -> int:
    """Length of the longest phrase the tokens start with (0 if none)."""
    for phrase in phrases:
        if tuple(tokens[: len(phrase)]) == phrase:
            # "i have numbness" is a yes, "i have no numbness" is not a plain "i have"
            if len(phrase) > 1 and set(tokens[len(phrase) :]) & _NEGATING:
                continue
            return len(phrase)
    return 0


def parse_yes_no(text: str) -> bool | None:
    """True for yes/yeah/yep/sure/correct, False for no/nope/nah/"not really", else None.

    The answer's opening words decide; a later plain yes or no that contradicts them ("no...
    well yes, sometimes") makes it None, so a safety question is asked again.
    """
    tokens = [token for token in _tokens(_clean(text)) if token not in {".", "!", ","}]
    if not tokens or is_unknown_answer(text):
        return None
    yes = _starts_with(tokens, _YES_TOKENS)
    no = _starts_with(tokens, _NO_TOKENS)
    if yes == no:  # neither (both 0), or an exact tie we can't resolve
        return None
    answer = yes > no
    rest = set(tokens[max(yes, no) :])
    contradiction = _STRONG_NO if answer else _STRONG_YES
    return None if rest & contradiction else answer


# ---------------------------------------------------------------------------------------------
# Onset and mechanism


class Onset(NamedTuple):
    kind: str | None  # "sudden" | "gradual" | None
    mechanism: str | None  # what set it off, in plain words ("a fall"), None if not mentioned


_SUDDEN = (
    "sudden", "suddenly", "all of a sudden", "out of nowhere", "out of the blue", "overnight",
    "woke up with", "woke up with it", "instantly", "straight away", "immediately", "just happened",
    "at once", "one day", "snapped", "popped", "felt a pop", "felt something go", "acute",
)  # fmt: skip
_GRADUAL = (
    "gradual", "gradually", "slowly", "slow", "crept up", "creeping", "built up", "building up",
    "over time", "bit by bit", "came on slowly", "progressively", "worse and worse",
    "over a few weeks", "over weeks", "over months", "over the years", "gradualy", "gradully",
    "little by little", "wear and tear",
)  # fmt: skip
_MECHANISMS = {
    "a fall": ("fell", "fall", "fallen", "falling", "slipped", "slip", "tripped",
               "came off", "fell off", "went flying"),
    "lifting or carrying": ("lifting", "lifted", "picking up", "picked up", "carrying",
                            "carried", "moving furniture", "moving house"),
    "a twist or sprain": ("twisted", "twist", "twisting", "rolled", "sprained", "sprain",
                          "went over on", "turned my ankle", "went over my ankle"),
    "sport or exercise": ("after a run", "running", "run", "ran", "jogging", "football", "soccer",
                          "rugby", "tennis", "squash", "netball", "basketball", "gym",
                          "workout", "training", "skiing", "cycling", "climbing", "yoga",
                          "playing", "match", "game", "marathon", "crossfit", "weights",
                          "deadlift", "squat", "squats", "sprinting", "dancing"),
    "an accident or knock": ("accident", "crash", "car crash", "hit", "knocked", "banged",
                             "collided", "collision", "tackled", "tackle", "kicked", "whiplash",
                             "rta", "bumped", "struck"),
    "a sudden movement": ("pulled", "tweaked", "strained", "reached", "reaching", "bent down",
                          "bending", "sneezed", "coughed", "jarred", "jolted", "tore", "torn"),
    "repetitive use": ("repetitive", "overuse", "overdid", "overdoing", "too much", "typing",
                       "gardening", "decorating", "painting", "new shoes", "long drive",
                       "desk", "computer", "sitting all day"),
}  # fmt: skip
# Mechanisms that are injuries in a moment, so the onset was sudden unless the patient says not.
_ACUTE_MECHANISMS = frozenset(
    {"a fall", "a twist or sprain", "an accident or knock", "a sudden movement"}
)
_NO_MECHANISM = re.compile(
    r"\b(?:no|not|never|without|didnt|did not|dont) (?:\w+ )?(?:injury|injure|fall|fell|"
    r"accident|reason|idea|trauma|hurt)\w*|\bslipped dis[ck]s?\b"
)


def _first_phrase(joined: str, phrases: tuple[str, ...]) -> int | None:
    positions = [
        match.start()
        for phrase in phrases
        for match in [re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", joined)]
        if match
    ]
    return min(positions) if positions else None


def parse_onset(text: str) -> Onset:
    """Sudden or gradual, and what set it off if the patient says so.

    "after a fall" -> Onset("sudden", "a fall"); "gradually" -> Onset("gradual", None);
    "it came on slowly after I upped my running" -> Onset("gradual", "sport or exercise").
    Always returns an Onset; both parts are None when the answer says neither.
    """
    joined = " ".join(_tokens(_clean(text)))
    if not joined:
        return Onset(None, None)
    without_negations = _NO_MECHANISM.sub(" ", joined)
    mechanism_at = {
        label: at
        for label, phrases in _MECHANISMS.items()
        if (at := _first_phrase(without_negations, phrases)) is not None
    }
    mechanism = min(mechanism_at, key=mechanism_at.__getitem__) if mechanism_at else None
    sudden = _first_phrase(joined, _SUDDEN)
    gradual = _first_phrase(joined, _GRADUAL)
    if sudden is not None and (gradual is None or sudden < gradual):
        kind: str | None = "sudden"
    elif gradual is not None:
        kind = "gradual"
    else:
        kind = "sudden" if mechanism in _ACUTE_MECHANISMS else None
    return Onset(kind, mechanism)


# ---------------------------------------------------------------------------------------------
# Phone

_PHONE_RE = re.compile(r"(?:\+|\b00)?\(?\d[\d\s().\-]{4,}\d")
_MIN_DIGITS = 7
_MAX_DIGITS = 15  # E.164


def parse_phone(text: str, default_country_code: str | None = None) -> str | None:
    """A phone number as digits, international ones with "+": "+44 (0)7700 900123" ->
    "+447700900123". A local number gets `+<default_country_code>` (dropping one trunk 0) when
    a default is given, and stays as local digits otherwise. None if too short or too long.
    """
    cleaned = _clean(text).replace("(0)", "")
    for match in _PHONE_RE.finditer(cleaned):
        candidate = match.group().strip()
        digits = re.sub(r"\D", "", candidate)
        international = candidate.startswith(("+", "00"))
        if candidate.startswith("00"):
            digits = digits[2:]
        if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
            continue
        if international:
            return "+" + digits
        if default_country_code:
            country = re.sub(r"\D", "", default_country_code)
            national = digits[1:] if digits.startswith("0") else digits
            if country and len(country + national) <= _MAX_DIGITS:
                return f"+{country}{national}"
        return digits
    return None


# ---------------------------------------------------------------------------------------------
# "I don't know" and "skip"

_FILLERS = frozenset(
    {"i", "im", "am", "um", "umm", "hmm", "hmmm", "erm", "er", "uh", "ah", "oh", "honestly",
     "tbh", "really", "sorry", "to", "be", "honest", "lol", "exactly", "totally", "at", "all",
     "just", "well", "actually", "so", "mate", "the", "answer", "that", "this", "one", "it",
     "question", "please", "pls", "thanks", "haha", "sadly", "quite", "tho", "though"}
)  # fmt: skip
_UNKNOWN_PHRASES = (
    "idk", "dont know", "do not know", "dunno", "not sure", "unsure", "no idea", "no clue",
     "not a clue", "cant remember", "can not remember", "cannot remember", "cant recall",
     "dont remember", "hard to say", "cant say", "not certain", "who knows", "beats me",
     "dont know not sure", "couldnt tell you", "couldnt say", "no idea sorry", "dont really know",
     "not sure dont know", "ive no idea", "have no idea", "no memory", "cant tell",
     "i dont know", "idek", "dk", "no recollection", "forgot", "forget"
)  # fmt: skip
_SKIP_PHRASES = (
    "skip", "pass", "next", "skip it", "skip that", "skip question", "next question", "move on",
     "rather not", "rather not say", "id rather not", "id rather not say", "prefer not to say",
     "id prefer not to say", "prefer not to answer", "id prefer not to answer",
     "rather not answer", "id rather not answer", "no comment", "none of your business",
     "dont want to say", "dont want to answer", "not comfortable answering",
     "not comfortable saying", "can we skip", "can we skip", "leave it blank", "leave blank",
     "pass on", "private", "dont want to", "skip for now", "not saying"
)  # fmt: skip


def _core(text: str) -> str:
    return " ".join(t for t in _tokens(_clean(text)) if t.isalnum() and t not in _FILLERS)


# Compared after the same clean-up as the answer: "prefer not to say" -> "prefer not say".
_UNKNOWN = frozenset(_core(phrase) for phrase in _UNKNOWN_PHRASES)
_SKIP = frozenset(_core(phrase) for phrase in _SKIP_PHRASES)


def is_unknown_answer(text: str) -> bool:
    """The whole answer is "I don't know" in some form: "idk", "not sure tbh", "dunno", "?"."""
    if isinstance(text, str) and text.strip() and set(text.strip()) <= {"?"}:
        return True
    return _core(text) in _UNKNOWN


def is_skip(text: str) -> bool:
    """The whole answer asks to skip the question: "skip", "pass", "I'd rather not say"."""
    return _core(text) in _SKIP
