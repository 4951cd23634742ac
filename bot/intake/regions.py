"""Body regions and sides in free text, from the lexicon in `body_regions.yml`.

    extract_regions("my left knee and both heels")
    -> [RegionMention("knee", "left", "knee"), RegionMention("ankle_foot", "both", "heels")]

Matching works on word tokens: case-insensitive, apostrophes dropped, hyphens and punctuation
split words, longest phrase first. A region right after a negation ("no back pain", "not my
knee") is not reported unless it is also mentioned without one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml

LEXICON_PATH = Path(__file__).with_name("body_regions.yml")

REGION_CODES: tuple[str, ...] = (
    "head", "jaw", "neck", "upper_back", "lower_back", "chest_wall", "shoulder", "upper_arm",
    "elbow", "forearm", "wrist_hand", "hip", "buttock", "thigh", "knee", "lower_leg",
    "ankle_foot", "abdomen", "whole_body",
)  # fmt: skip
SIDES: tuple[str, ...] = ("left", "right", "both", "central")

REGION = "region"
SIDE = "side"
EXCLUSION = "exclusion"

_APOSTROPHES = "'’‘`´"  # the curly ones are what phone keyboards type
# Hyphens are dropped, not tokens, so "mid-back" reads as "mid back".
_TOKEN_RE = re.compile(r"[^\W_]+(?:[" + _APOSTROPHES + r"][^\W_]+)*|[^\w\s-]")
# Words that may sit between a side and the region it describes: "left side of my neck".
_BEFORE_REGION = frozenset(
    {"my", "the", "of", "side", "upper", "lower", "inner", "outer", "front", "his", "her",
     "their", "your", "our"}
)  # fmt: skip
# Words that may sit between a region and a side after it: "hip, mostly on the right".
_AFTER_REGION = frozenset(
    {"on", "the", "my", "in", "at", "mostly", "more", "only", "just", "is", "its", "of",
     "side", ",", "(", ":"}
)  # fmt: skip
# What may follow a side that belongs to the region before it ("knee on the left side").
_SIDE_ENDINGS = frozenset({"side", "sided", "one", "too", "and", "but", "mostly", "more", "only"})
_NEGATIONS = frozenset(
    {"no", "not", "never", "without", "nothing", "nor", "neither", "dont", "didnt", "havent",
     "hasnt", "isnt", "arent", "wasnt"}
)  # fmt: skip
_AFTER_NEGATION = frozenset(
    {"my", "the", "a", "any", "in", "on", "of", "to", "with", "had", "have", "got", "really",
     "much", "pain", "problems", "issues", "trouble", "more"}
)  # fmt: skip
_LATERAL = frozenset({"left", "right"})
# Abbreviated sides: trusted as a whole answer or right before a region ("R knee").
_SIDE_ANSWER_LETTERS = {"l": "left", "lt": "left", "r": "right", "rt": "right"}


class LexiconError(ValueError):
    """The lexicon file is malformed or maps one phrase to two meanings."""


class RegionMention(NamedTuple):
    code: str
    side: str | None
    text: str  # the words as the patient wrote them


@dataclass(frozen=True)
class Lexicon:
    labels: Mapping[str, str]  # region code -> human label
    region_phrases: Mapping[str, tuple[str, ...]]  # region code -> phrases as written
    side_phrases: Mapping[str, tuple[str, ...]]  # side -> phrases as written
    exclusions: tuple[str, ...]
    # normalised token tuple -> (REGION | SIDE | EXCLUSION, code or side or "")
    index: Mapping[tuple[str, ...], tuple[str, str]]
    longest: int


@dataclass(frozen=True)
class _Token:
    norm: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.norm[0].isalnum()


@dataclass(frozen=True)
class _Match:
    kind: str
    value: str
    first: int  # token index
    last: int  # token index, inclusive


def normalise_phrase(phrase: str) -> tuple[str, ...]:
    """The word tokens a phrase is matched by: "Golfer's elbow" -> ("golfers", "elbow")."""
    return tuple(token.norm for token in _tokenise(phrase) if token.is_word)


def _tokenise(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        norm = match.group().casefold()
        for mark in _APOSTROPHES:
            norm = norm.replace(mark, "")
        tokens.append(_Token(norm, match.start(), match.end()))
    return tokens


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Reads and checks the lexicon; `LexiconError` if it is malformed or ambiguous."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        regions = data["regions"]
        sides = data["sides"]
        exclusions = tuple(str(phrase) for phrase in data["exclusions"])
    except (KeyError, TypeError) as error:
        raise LexiconError(f"{path}: needs regions, sides and exclusions") from error
    if list(regions) != list(REGION_CODES):
        raise LexiconError(f"{path}: regions must be exactly {REGION_CODES}, in that order")
    if set(sides) != set(SIDES):
        raise LexiconError(f"{path}: sides must be exactly {SIDES}")

    index: dict[tuple[str, ...], tuple[str, str]] = {}

    def add(phrase: str, target: tuple[str, str]) -> None:
        key = normalise_phrase(phrase)
        if not key:
            raise LexiconError(f"{path}: empty phrase {phrase!r}")
        if index.get(key, target) != target:
            raise LexiconError(f"{path}: {phrase!r} is listed as {index[key]} and {target}")
        index[key] = target

    region_phrases = {code: tuple(str(p) for p in regions[code]["phrases"]) for code in regions}
    side_phrases = {side: tuple(str(p) for p in sides[side]) for side in SIDES}
    for code, phrases in region_phrases.items():
        for phrase in phrases:
            add(phrase, (REGION, code))
    for side, phrases in side_phrases.items():
        for phrase in phrases:
            add(phrase, (SIDE, side))
    for phrase in exclusions:
        add(phrase, (EXCLUSION, ""))
    return Lexicon(
        labels={code: str(regions[code]["label"]) for code in REGION_CODES},
        region_phrases=region_phrases,
        side_phrases=side_phrases,
        exclusions=exclusions,
        index=index,
        longest=max(len(key) for key in index),
    )


def region_label(code: str) -> str:
    """Human label of a region code ("lower_back" -> "Lower back"); the code if unknown."""
    return load_lexicon().labels.get(code, code)


def region_of(phrase: str) -> str | None:
    """The region code a whole phrase names ("plantar faciitis" -> "ankle_foot"), if any."""
    kind, value = load_lexicon().index.get(normalise_phrase(phrase), ("", ""))
    return value if kind == REGION else None


def _find(tokens: list[_Token], lexicon: Lexicon) -> list[_Match]:
    """Leftmost-longest phrase matches over runs of word tokens."""
    matches = []
    position = 0
    while position < len(tokens):
        found = None
        for length in range(lexicon.longest, 0, -1):
            window = tokens[position : position + length]
            if len(window) < length or not all(token.is_word for token in window):
                continue
            target = lexicon.index.get(tuple(token.norm for token in window))
            if target:
                found = _Match(target[0], target[1], position, position + length - 1)
                break
        if found:
            matches.append(found)
            position = found.last + 1
        else:
            position += 1
    return matches


def _merge_sides(first: str | None, second: str | None) -> str | None:
    if first is None or first == second:
        return second if first is None else first
    if second is None:
        return first
    return "both" if {first, second} <= {"left", "right", "both"} else first


def _side_before(region: _Match, tokens: list[_Token], by_last: dict[int, _Match]) -> _Match | None:
    position = region.first - 1
    for _ in range(4):
        if position in by_last and by_last[position].kind == SIDE:
            return by_last[position]
        if position < 0 or tokens[position].norm not in _BEFORE_REGION:
            return None
        position -= 1
    return None


def _region_follows(side: _Match, tokens: list[_Token], by_first: dict[int, _Match]) -> bool:
    position = side.last + 1
    for _ in range(4):
        match = by_first.get(position)
        if match and match.kind == REGION:
            return True
        if position >= len(tokens) or tokens[position].norm not in _BEFORE_REGION:
            return False
        position += 1
    return False


def _side_after(region: _Match, tokens: list[_Token], by_first: dict[int, _Match]) -> _Match | None:
    position = region.last + 1
    for _ in range(5):
        match = by_first.get(position)
        if match and match.kind == SIDE:
            # "knee, right ankle": that side belongs to the ankle.
            if _region_follows(match, tokens, by_first):
                return None
            following = match.last + 1
            if following >= len(tokens) or not tokens[following].is_word:
                return match
            return match if tokens[following].norm in _SIDE_ENDINGS else None
        if position >= len(tokens) or tokens[position].norm not in _AFTER_REGION:
            return None
        position += 1
    return None


def _side_letter_before(region: _Match, tokens: list[_Token]) -> str | None:
    """ "R knee", "Lt shoulder": a one-letter side is only trusted right before a region."""
    if region.first == 0:
        return None
    return _SIDE_ANSWER_LETTERS.get(tokens[region.first - 1].norm)


def _is_negated(region: _Match, tokens: list[_Token]) -> bool:
    position = region.first - 1
    for _ in range(4):
        if position < 0:
            return False
        word = tokens[position].norm
        if word in _NEGATIONS:
            return True
        if word not in _AFTER_NEGATION:
            return False
        position -= 1
    return False


def _is_explicit_side(side: _Match, tokens: list[_Token]) -> bool:
    """A side that stands on its own ("on the left", "left side"), not a stray "right"."""
    if side.last > side.first or tokens[side.first].norm in {"lhs", "rhs", "bilateral"}:
        return True
    before = [tokens[i].norm for i in range(max(0, side.first - 2), side.first)]
    return "on" in before


def extract_regions(text: str) -> list[RegionMention]:
    """Every body region named in `text`, in order of first mention, with its side if given."""
    if not isinstance(text, str) or not text.strip():
        return []
    lexicon = load_lexicon()
    tokens = _tokenise(text)
    matches = _find(tokens, lexicon)
    by_first = {match.first: match for match in matches}
    by_last = {match.last: match for match in matches}

    found: dict[str, RegionMention] = {}
    negated: dict[str, RegionMention] = {}
    attached: set[int] = set()
    for match in matches:
        if match.kind != REGION:
            continue
        side_match = _side_before(match, tokens, by_last) or _side_after(match, tokens, by_first)
        if side_match:
            attached.add(side_match.first)
            side = side_match.value
        else:
            side = _side_letter_before(match, tokens)
        mention = RegionMention(
            match.value, side, text[tokens[match.first].start : tokens[match.last].end]
        )
        target = negated if _is_negated(match, tokens) else found
        previous = target.get(mention.code)
        if previous:
            mention = previous._replace(side=_merge_sides(previous.side, mention.side))
        target[mention.code] = mention

    # "On the right, my shoulder and arm": a stand-alone side covers regions that have none.
    loose_sides = {
        match.value
        for match in matches
        if match.kind == SIDE and match.first not in attached and _is_explicit_side(match, tokens)
    }
    if len(loose_sides) == 1:
        side = loose_sides.pop()
        found = {
            code: mention if mention.side else mention._replace(side=side)
            for code, mention in found.items()
        }
    return list(found.values())


def parse_side(text: str) -> str | None:
    """The side in an answer to "which side?": left, right, both, central, or None."""
    if not isinstance(text, str):
        return None
    tokens = _tokenise(text)
    words = [token.norm for token in tokens if token.is_word]
    if len(words) == 1 and words[0] in _SIDE_ANSWER_LETTERS:
        return _SIDE_ANSWER_LETTERS[words[0]]
    sides = {match.value for match in _find(tokens, load_lexicon()) if match.kind == SIDE}
    if "both" in sides or _LATERAL <= sides:
        return "both"
    if len(sides) == 1:
        return sides.pop()
    return None
