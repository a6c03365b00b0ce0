"""The trained part of category suggestion: a linear classifier over triage.features, fitted with
scikit-learn and kept as JSON in a TriageModel row.

Logistic regression rather than naive Bayes: its probabilities are calibrated well enough to be
compared between categories and with suggest.CONFIDENT, and its coefficients say which n-grams
decided a suggestion (the reasons shown to staff).
"""

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from . import features

# Terms kept per block: enough for a sub-district's vocabulary, small enough that a model row is a
# few megabytes of JSON at most.
MAX_TERMS = 20000
# A term seen in one case only says nothing about a category.
MIN_CASES_PER_TERM = 2
# Inverse regularisation strength; chosen on the training half of triage/eval (make eval-triage).
C = 10.0


def _vocabulary(documents: list[list[str]]) -> tuple[dict[str, int], list[float]]:
    """The terms in at least MIN_CASES_PER_TERM documents (the MAX_TERMS most frequent), with their
    smoothed IDF as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    df = Counter(term for doc in documents for term in set(doc))
    kept = sorted((t for t, c in df.items() if c >= MIN_CASES_PER_TERM), key=lambda t: (-df[t], t))
    kept = sorted(kept[:MAX_TERMS])
    n = len(documents)
    return {t: i for i, t in enumerate(kept)}, [math.log((1 + n) / (1 + df[t])) + 1 for t in kept]


@dataclass
class Fitted:
    """A usable model: the vocabularies and the classifier's weights as arrays."""

    classes: list[str]
    char_vocabulary: dict[str, int]
    char_idf: list[float]
    sound_vocabulary: dict[str, int]
    sound_idf: list[float]
    coef: np.ndarray  # (classes, char terms + sound terms)
    intercept: np.ndarray  # (classes,)

    def vector(self, description: str) -> dict[int, float]:
        """The sparse feature vector of a description: index → value."""
        chars = features.weigh(features.char_terms(description), self.char_vocabulary, self.char_idf)
        sounds = features.weigh(features.sound_terms(description), self.sound_vocabulary, self.sound_idf)
        offset = len(self.char_vocabulary)
        return {**chars, **{offset + i: v for i, v in sounds.items()}}

    def probabilities(self, vector: dict[int, float]) -> np.ndarray:
        """P(category | description) for each class (softmax of the linear scores)."""
        scores = self.intercept.copy()
        if vector:
            index = np.fromiter(vector.keys(), dtype=np.int64)
            values = np.fromiter(vector.values(), dtype=np.float64)
            scores = scores + self.coef[:, index] @ values
        scores = scores - scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def contributions(self, vector: dict[int, float], klass: int) -> dict[int, float]:
        """How much each feature pushed the description towards class `klass`."""
        return {i: v * float(self.coef[klass, i]) for i, v in vector.items()}

    def char_term(self, index: int) -> str | None:
        """The character n-gram of a feature index (None for a syllable feature)."""
        if not hasattr(self, "_char_terms"):
            self._char_terms = {i: t for t, i in self.char_vocabulary.items()}
        return self._char_terms.get(index)

    def to_json(self) -> dict:
        return {
            "format": 1,
            "char_vocabulary": self.char_vocabulary,
            "char_idf": [round(v, 6) for v in self.char_idf],
            "sound_vocabulary": self.sound_vocabulary,
            "sound_idf": [round(v, 6) for v in self.sound_idf],
            "coef": [[round(float(v), 5) for v in row] for row in self.coef],
            "intercept": [round(float(v), 5) for v in self.intercept],
        }

    @classmethod
    def from_json(cls, classes: list[str], data: dict) -> "Fitted":
        """Rebuild a stored model; raise ValueError when the row is not one we wrote."""
        try:
            if data.get("format") != 1:
                raise ValueError("unknown model format")
            char_vocabulary = {str(k): int(v) for k, v in data["char_vocabulary"].items()}
            sound_vocabulary = {str(k): int(v) for k, v in data["sound_vocabulary"].items()}
            coef = np.asarray(data["coef"], dtype=np.float64)
            intercept = np.asarray(data["intercept"], dtype=np.float64)
            width = len(char_vocabulary) + len(sound_vocabulary)
            if coef.shape != (len(classes), width) or intercept.shape != (len(classes),):
                raise ValueError("model arrays do not fit its vocabulary")
            return cls(
                classes=[str(c) for c in classes],
                char_vocabulary=char_vocabulary,
                char_idf=[float(v) for v in data["char_idf"]],
                sound_vocabulary=sound_vocabulary,
                sound_idf=[float(v) for v in data["sound_idf"]],
                coef=coef,
                intercept=intercept,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a triage model: {exc}") from exc


def fit(descriptions: list[str], labels: list[str]) -> Fitted:
    """Fit a model on descriptions and their category codes (at least two categories)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("training needs cases of at least two categories")
    char_docs = [features.char_terms(d) for d in descriptions]
    sound_docs = [features.sound_terms(d) for d in descriptions]
    char_vocabulary, char_idf = _vocabulary(char_docs)
    sound_vocabulary, sound_idf = _vocabulary(sound_docs)
    offset = len(char_vocabulary)
    rows, cols, values = [], [], []
    for row, (chars, sounds) in enumerate(zip(char_docs, sound_docs, strict=True)):
        vector = features.weigh(chars, char_vocabulary, char_idf)
        vector.update({offset + i: v for i, v in features.weigh(sounds, sound_vocabulary, sound_idf).items()})
        for col, value in vector.items():
            rows.append(row)
            cols.append(col)
            values.append(value)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(descriptions), offset + len(sound_vocabulary)))
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(matrix, labels)
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:
        # Two classes: scikit-learn keeps one row (the second class against the first); as two
        # rows, [0, w], the softmax above gives the same probabilities.
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    return Fitted(
        classes=[str(c) for c in model.classes_],
        char_vocabulary=char_vocabulary,
        char_idf=char_idf,
        sound_vocabulary=sound_vocabulary,
        sound_idf=sound_idf,
        coef=np.asarray(coef, dtype=np.float64),
        intercept=np.asarray(intercept, dtype=np.float64),
    )
