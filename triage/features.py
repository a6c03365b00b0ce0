"""The classifier's features, the same at training and at suggestion time: TF-IDF of character
n-grams (1–3) and of syllable n-grams (1–2), each block scaled to unit length.

Written out here rather than left to scikit-learn's vectorizer so that a stored model (plain JSON:
vocabulary, idf) is rebuilt into exactly the numbers it was trained with, whatever the installed
scikit-learn version, and without unpickling anything.
"""

import math
from collections import Counter

from . import text

CHAR_SIZES = (1, 2, 3)
SOUND_SIZES = (1, 2)


def _grams(items: list[str], sizes, joiner: str) -> list[str]:
    return [joiner.join(items[i : i + n]) for n in sizes for i in range(len(items) - n + 1)]


def char_terms(description: str) -> list[str]:
    """Character n-grams, repeated as often as they occur (the TF of TF-IDF)."""
    return _grams(list(text.normalise(description)), CHAR_SIZES, "")


def sound_terms(description: str) -> list[str]:
    """Syllable n-grams: what lets a transcript's 漏到 count as 楼道."""
    return _grams(text.syllables(description), SOUND_SIZES, " ")


def weigh(terms: list[str], vocabulary: dict[str, int], idf: list[float]) -> dict[int, float]:
    """Sublinear TF × IDF of the terms in `vocabulary`, scaled to unit length (sparse: index → value)."""
    counts = Counter(term for term in terms if term in vocabulary)
    values = {vocabulary[t]: (1 + math.log(c)) * idf[vocabulary[t]] for t, c in counts.items()}
    length = math.sqrt(sum(v * v for v in values.values()))
    return {i: v / length for i, v in values.items()} if length else {}
