"""Tolerance for typos in longer words ("numbnes", "tinglling", "bladdar", "warferin").

A patient's word that is not itself a rulebook word is corrected to a rulebook word when both
are long enough (six letters typed, five in the rulebook word), start with the same letter, and are one edit apart (two for words of
nine letters or more; an edit is an insertion, deletion, substitution or swap of neighbours).
Real words that sit one edit from a rulebook word ("healed"/"headed") are listed in the
rulebook's `spelling.never_correct`; function words are never corrected. Shorter and stranger
misspellings ("fevor", "dubble vision") are written into the rulebook as phrases. Lookup uses a deletion index (the SymSpell idea), so a correction costs
a few dictionary lookups, and results are memoised per word.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.triage.text import FUNCTION_WORDS, stem

MIN_LENGTH = 6  # shorter words are too often another real word ("thick"/"think", "locks"/"looks")
LONG_WORD = 9  # from this length two edits are allowed
_MEMO_LIMIT = 50_000


def _max_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


class SpellingCorrector:
    """Word → stem, with typo correction towards the rulebook's own vocabulary."""

    def __init__(self, vocabulary: Iterable[str], never_correct: Iterable[str] = ()) -> None:
        self._known_stems = set()
        self._index: dict[str, set[str]] = {}
        for word in vocabulary:
            self._known_stems.add(stem(word))
            if len(word) >= MIN_LENGTH - 1 and word.isalpha():  # "chesst" is a typo of "chest"
                for deletion in _deletions(word, _max_edits(word)):
                    self._index.setdefault(deletion, set()).add(word)
        self._never = frozenset(never_correct) | FUNCTION_WORDS
        self._memo: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        found = self._memo.get(word)
        if found is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[word] = self._resolve(word)
        return found

    def correction(self, word: str) -> str | None:
        """The rulebook word this word is taken for, or None when it is used as typed."""
        own = stem(word)
        if own in self._known_stems or word in self._never or len(word) < MIN_LENGTH:
            return None
        if not word.isalpha():
            return None
        best: tuple[int, str] | None = None
        for deletion in _deletions(word, _max_edits(word)):
            for candidate in self._index.get(deletion, ()):
                if candidate[0] != word[0]:
                    continue
                distance = edit_distance(word, candidate)
                if distance > min(_max_edits(word), _max_edits(candidate)):
                    continue
                if best is None or (distance, candidate) < best:
                    best = (distance, candidate)
        return best[1] if best else None

    def _resolve(self, word: str) -> str:
        corrected = self.correction(word)
        return stem(corrected if corrected else word)
