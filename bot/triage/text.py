"""Patient text → sentences of tokens with a negation flag each.

The rulebook's phrases go through the same pipeline as the patient's words, so a phrase written
"can't feel when I wipe" matches "I cant feel anything when i wipe", "I'm unable to feel when I
wipe", and so on. The steps, all deterministic:

1. Sentences: split at . ! ? ; and line breaks (not at the dot of "38.5"). A sentence is the
   evidence we quote back to staff, and no match or negation reaches across one.
2. Words: lower case, apostrophes dropped ("can't" → "cant"), hyphens between letters become
   spaces ("pins-and-needles"). Punctuation inside a sentence (, : - ( ) /) is kept as a marker.
3. Rewrites make the many ways of saying the same thing one token ("cannot", "can not", "unable
   to", "not able to", "haven't been able to" → "cant"; "do not" → "dont"; "I am" → "im").
4. Light stemming ("numbness", "numbed", "numbing" → "numb"); plural body parts that tell one
   side from both ("legs", "arms", "hands") keep their plural.
5. Negation (a NegEx-style scope): after a cue such as "no", "not", "never", "without",
   "denies", "don't", "haven't", "neither/nor" the following words are negated until the scope
   ends: at a contrast word ("but", "although", "except"…), at a new subject ("I", "it", "my"
   after a noun), at ":" "(" or a dash, at a comma that starts a new clause, after "and" unless
   it joins nouns sharing "problems/issues", or after 8 words. Pseudo-negations are not cues:
   "no longer", "not sure", "no idea", "nothing helps", and "no" used as an answer ("no, I…").
   "cant"/"unable to" are never cues: "I can't feel my feet" is a disclosure, not a denial.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

MAX_SCOPE = 8  # words a negation cue reaches (fillers not counted)

# Maps a patient's word to the stem it is matched on (spelling correction lives in spelling.py).
StemResolver = Callable[[str], str]

_APOSTROPHES = re.compile("['’‘`´]")
_INNER_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_SENTENCE_END = re.compile(r"[!?;\n\r•]+|\.(?!\d)")
_TOKEN = re.compile(r"\d+(?:[./]\d+)*|[^\W\d_]+|[,:()/\-–—&+]")

PUNCT = "<p>"  # the stem of every punctuation marker
_CLAUSE_PUNCT = frozenset({":", "(", ")", "-", "–", "—", "/"})

# Single-word spellings of contractions people type without (or with odd) apostrophes.
_WORD_REWRITES: dict[str, tuple[str, ...]] = {
    "cannot": ("cant",), "couldnt": ("cant",), "cudnt": ("cant",), "cnt": ("cant",),
    "cannt": ("cant",), "dnt": ("dont",), "doesent": ("doesnt",), "dosent": ("doesnt",),
    "dosnt": ("doesnt",), "doesnot": ("doesnt",), "havnt": ("havent",), "hvnt": ("havent",),
    "didint": ("didnt",), "didn": ("didnt",), "wanna": ("want", "to"),
    "gonna": ("going", "to"), "cuz": ("because",), "coz": ("because",), "u": ("you",),
    "ur": ("your",), "w": ("with",), "&": ("and",), "+": ("and",), "nothin": ("nothing",),
    "aint": ("isnt",), "wont": ("wont",), "iam": ("im",),
}  # fmt: skip

# Multi-word rewrites, longest first at each position.
_PHRASE_REWRITES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("havent", "been", "able", "to"), ("cant",)),
    (("hasnt", "been", "able", "to"), ("cant",)),
    (("not", "been", "able", "to"), ("cant",)),
    (("never", "been", "able", "to"), ("cant",)),
    (("not", "able", "to"), ("cant",)),
    (("unable", "to"), ("cant",)),
    (("can", "not"), ("cant",)),
    (("could", "not"), ("cant",)),
    (("do", "not"), ("dont",)),
    (("does", "not"), ("doesnt",)),
    (("did", "not"), ("didnt",)),
    (("have", "not"), ("havent",)),
    (("has", "not"), ("hasnt",)),
    (("had", "not"), ("hadnt",)),
    (("is", "not"), ("isnt",)),
    (("are", "not"), ("arent",)),
    (("was", "not"), ("wasnt",)),
    (("were", "not"), ("werent",)),
    (("would", "not"), ("wouldnt",)),
    (("will", "not"), ("wont",)),
    (("i", "am"), ("im",)),
    (("i", "have"), ("ive",)),
)

_REWRITES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _pattern, _replacement in sorted(_PHRASE_REWRITES, key=lambda rule: -len(rule[0])):
    _REWRITES_BY_FIRST.setdefault(_pattern[0], []).append((_pattern, _replacement))

# Words that carry no meaning for matching: dropped from phrases and from the patient's text.
FILLERS = frozenset(
    {"a", "an", "the", "my", "your", "his", "her", "their", "our", "some", "any", "bit", "abit",
     "kind", "kinda", "sort", "sorta", "just", "literally", "actually", "slightly", "also",
     "too", "um", "uh", "erm"}
)  # fmt: skip
# Words that do not use up a negation scope ("no numbness, tingling or weakness in my legs").
_SCOPE_FREE = FILLERS | {"or", "nor", "and", "of", "in", "on", "to", "with", "at", "from", "for"}

NEGATION_CUES = frozenset(
    {"no", "not", "never", "without", "denies", "deny", "denied", "denying", "dont", "doesnt",
     "didnt", "havent", "hasnt", "hadnt", "isnt", "arent", "wasnt", "werent", "wouldnt",
     "neither", "nor", "none", "nothing", "nope", "nah", "nil"}
)  # fmt: skip
# Two-word cues.
_CUE_PAIRS = frozenset({("ruled", "out"), ("free", "of"), ("negative", "for"), ("absence", "of")})
# Cue-led expressions that do not deny what follows (stemmed below, after `stem`).
_PSEUDO_NEGATION_TEXTS: tuple[str, ...] = tuple(
    part
    for part in (
        "no long", "not only", "not just", "no idea", "not sure", "not certain", "dont know",
        "didnt know", "dont understand", "no doubt", "no matter", "nothing help", "nothing eas",
        "nothing work", "nothing reliev", "not help", "not improv", "not get better",
        "not go away", "doesnt go away", "isnt go away", "not stop", "doesnt stop",
        "doesnt help", "doesnt eas", "not eas", "not reliev", "no relief", "isnt get better",
        "not even sure", "no clue",
    )
)  # fmt: skip
# "no"/"nope" followed by one of these is an answer to a question, not a denial.
_ANSWER_FOLLOWERS = frozenset(
    {"i", "im", "ive", "id", "my", "it", "its", "the", "this", "that", "there", "theres", "but",
     "he", "she", "we", "they", "you", "well", "sorry", "actually", "thanks", "thank", "ok",
     "okay", "yes", "now", "and", "however", "though"}
)  # fmt: skip
# Words that end a negation scope.
_SCOPE_END_WORDS = frozenset(
    {"but", "however", "though", "tho", "although", "altho", "except", "apart", "aside", "yet",
     "whereas", "while", "still", "because", "since", "which", "who", "so", "then", "now",
     "until", "till", "instead", "otherwise", "anyway", "unless", "when", "whenever", "after",
     "before", "if", "today", "tonight", "yesterday", "suddenly"}
)  # fmt: skip
# A new subject starts a new clause ("no fever I feel crushed") unless the word before takes
# it as an object ("I haven't noticed my face drooping", "I don't think I have…").
_SUBJECTS = frozenset(
    {"i", "im", "ive", "id", "it", "its", "he", "she", "they", "we", "theres", "there", "my",
     "this", "that", "youre", "hes", "shes"}
)  # fmt: skip
_TAKES_OBJECT = frozenset(
    {"in", "on", "with", "of", "at", "to", "from", "about", "around", "between", "down", "into",
     "near", "under", "over", "through", "across", "behind", "up", "along", "for", "by",
     "inside", "think", "believe", "feel", "felt", "say", "know", "remember", "recall", "notice",
     "noticed", "had", "have", "has", "got", "lost", "lose", "losing", "affect", "affected",
     "affecting", "hurt", "hurting", "injured", "move", "moved", "use", "used", "seen", "see",
     "and", "or", "nor", "neither", "either", "no", "not", "never", "dont", "doesnt", "didnt",
     "havent", "hasnt", "hadnt", "isnt", "arent", "wasnt", "werent", "wouldnt", "without"}
)  # fmt: skip
# "no bladder and bowel problems": "and" keeps the scope when a shared head noun follows.
_SHARED_HEADS = frozenset(
    {"problem", "issu", "troubl", "chang", "symptom", "difficult", "concern", "complaint"}
)
_LIST_WORDS = frozenset({"or", "nor"})
# Grammar words the spelling corrector leaves alone ("though" is not a typo of "through").
FUNCTION_WORDS = (
    FILLERS | NEGATION_CUES | _SCOPE_END_WORDS | _SUBJECTS | _TAKES_OBJECT | _ANSWER_FOLLOWERS
)
# Checklist style "numbness: none", "chest pain - no".
_POST_CUES = frozenset({"no", "none", "nope", "nil", "negative", "absent", "denied", "nah"})

# Plurals that tell one side from both, and "needling" kept apart from "pins and needles".
_NO_STEM = frozenset(
    {"legs", "arms", "hands", "sides", "eyes", "feet", "both", "needle", "needles", "needling",
     "needled"}
)  # fmt: skip
_SUFFIXES = ("nesses", "ness", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly", "y", "e")


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light, deterministic stem: enough to join "numb/numbness/numbed", not a linguist."""
    if word in _NO_STEM or len(word) <= 3 or not word.isalpha():
        return word
    for _ in range(2):
        stripped = _strip_suffix(word)
        if stripped == word:
            break
        word = stripped
    if len(word) > 3 and word.endswith("i"):
        word = word[:-1]  # "dizzi(ness)" = "dizz(y)"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeioulsz":
        word = word[:-1]  # "slurr(ed)" = "slur", "dropp(ed)" = "drop"
    return word


def _strip_suffix(word: str) -> str:
    for suffix in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            continue
        if suffix == "ed" and word.endswith("eed"):
            continue
        return word[: -len(suffix)]
    return word


_PSEUDO_NEGATIONS: tuple[tuple[str, ...], ...] = tuple(
    tuple(stem(word) for word in text.split()) for text in _PSEUDO_NEGATION_TEXTS
)


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # normalised surface form ("cant", "numbness", ",")
    stem: str  # PUNCT for punctuation
    negated_by: int  # position (in the sentence's tokens) of the cue whose scope covers it; -1
    is_cue: bool  # a negation cue itself

    @property
    def negated(self) -> bool:
        return self.negated_by >= 0


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str  # as the patient typed it (stripped), for evidence
    tokens: tuple[Token, ...]  # fillers removed


def split_sentences(text: str) -> Iterator[str]:
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        piece = text[start : boundary.start()].strip()
        if piece:
            yield piece
        start = boundary.end()
    rest = text[start:].strip()
    if rest:
        yield rest


def words(text: str) -> list[str]:
    """Normalised words and punctuation markers of one sentence, rewrites applied."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _INNER_HYPHEN.sub(" ", _APOSTROPHES.sub("", text))
    raw: list[str] = []
    for token in _TOKEN.findall(text):
        raw.extend(_WORD_REWRITES.get(token, (token,)))
    return _rewrite_phrases(raw)


def _rewrite_phrases(raw: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(raw):
        for pattern, replacement in _REWRITES_BY_FIRST.get(raw[i], ()):
            if tuple(raw[i : i + len(pattern)]) == pattern:
                out.extend(replacement)
                i += len(pattern)
                break
        else:
            out.append(raw[i])
            i += 1
    return out


def is_punct(word: str) -> bool:
    return not word[0].isalnum()


def negation_scopes(tokens: list[str], stems: list[str]) -> tuple[list[int], list[bool]]:
    """For each token: the position of the negation cue before it whose scope covers it (-1 for
    none), and whether it is a cue itself."""
    covered_by = [-1] * len(tokens)
    cues = [False] * len(tokens)
    remaining = 0  # words left in the current scope; 0 = no scope open
    cue_at = -1
    for i, word in enumerate(tokens):
        if remaining and _ends_scope(tokens, stems, i):
            remaining = 0
        if remaining:
            covered_by[i] = cue_at
            if word not in _SCOPE_FREE and not is_punct(word):
                remaining -= 1
        if _is_cue(tokens, stems, i):
            cues[i] = True
            remaining = MAX_SCOPE
            cue_at = i
    return covered_by, cues


def _is_cue(tokens: list[str], stems: list[str], i: int) -> bool:
    word = tokens[i]
    if i + 1 < len(tokens) and (word, tokens[i + 1]) in _CUE_PAIRS:
        return True
    if word not in NEGATION_CUES:
        return False
    following = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word in ("no", "nope", "nah") and (not following or following in _ANSWER_FOLLOWERS):
        return False
    if following and is_punct(following) and word in ("no", "nope", "nah", "not"):
        return False  # "no, ..." / "not: ..."
    content = [s for w, s in zip(tokens[i:], stems[i:], strict=True) if w not in FILLERS]
    return not any(tuple(content[: len(p)]) == p for p in _PSEUDO_NEGATIONS)


def _ends_scope(tokens: list[str], stems: list[str], i: int) -> bool:
    word = tokens[i]
    before = tokens[i - 1] if i else ""
    if word in _SCOPE_END_WORDS or word in _CLAUSE_PUNCT:
        return True
    if word in _SUBJECTS:
        return before not in _TAKES_OBJECT and before not in FILLERS
    if word == ",":
        return not _list_continues(tokens, stems, i + 1)
    if word == "and":
        return not _shared_head_follows(tokens, stems, i + 1)
    return False


def _list_continues(tokens: list[str], stems: list[str], start: int) -> bool:
    """After a comma: "no numbness, tingling or weakness" keeps the scope, a new clause ends it."""
    if start >= len(tokens):
        return False
    following = tokens[start]
    if following in _LIST_WORDS:
        return True
    if following == "and":
        return _shared_head_follows(tokens, stems, start + 1)
    if following in _SUBJECTS or following in _SCOPE_END_WORDS or is_punct(following):
        return False
    for word in tokens[start:]:
        if word in _LIST_WORDS:
            return True
        if word in _SCOPE_END_WORDS or word in _CLAUSE_PUNCT or word == "and":
            return False
    return False


def _shared_head_follows(tokens: list[str], stems: list[str], start: int) -> bool:
    for word, word_stem in zip(tokens[start : start + 4], stems[start : start + 4], strict=True):
        if is_punct(word) or word in _SCOPE_END_WORDS:
            return False
        if word_stem in _SHARED_HEADS:
            return True
    return False


def post_negated(tokens: tuple[Token, ...], end: int) -> bool:
    """Checklist style: the match at tokens[..end] is followed by ": none" / "- no" and nothing
    else in the clause, or it "has been ruled out"."""
    if len(tokens) - end > 8:
        return False  # too much follows for a checklist answer
    rest = [t.word for t in tokens[end + 1 :]]
    while rest and is_punct(rest[0]):
        rest.pop(0)
    if not rest or any(is_punct(w) for w in rest):
        return False
    if len(rest) <= 2 and rest[-1] in _POST_CUES:
        return True
    return len(rest) <= 4 and (rest[-2:] == ["ruled", "out"] or rest[-1] == "excluded")


def analyse_sentence(sentence: str, tokens: list[str], resolve_stem: StemResolver) -> Sentence:
    """The sentence's tokens (from `words(sentence)`) with stems and negation scopes."""
    stems = [PUNCT if is_punct(w) else stem(w) for w in tokens]
    covered_by, cues = negation_scopes(tokens, stems)
    kept_position: dict[int, int] = {}
    kept: list[Token] = []
    for i, word in enumerate(tokens):
        if word in FILLERS:
            continue
        kept_position[i] = len(kept)
        cue = covered_by[i]
        kept.append(
            Token(
                word=word,
                stem=PUNCT if is_punct(word) else resolve_stem(word),
                negated_by=kept_position[cue] if cue >= 0 else -1,
                is_cue=cues[i],
            )
        )
    return Sentence(sentence, tuple(kept))


def phrase_stems(phrase: str) -> tuple[str, ...]:
    """The stems a rulebook phrase matches on (fillers and punctuation dropped)."""
    return tuple(stem(w) for w in words(phrase) if w not in FILLERS and not is_punct(w))


def phrase_words(phrases: Iterable[str]) -> set[str]:
    return {w for p in phrases for w in words(p) if w not in FILLERS and not is_punct(w)}
