"""智能分类: the categories a description most likely belongs to, each with a score and the words
that decided it.

Two sources, combined:
- the keyword lexicon (CategoryKeyword, edited in the admin), matched on the characters and on the
  sound of each word, so 漏到灯 in a transcript finds 楼道灯; it answers from the first day;
- the classifier trained on this installation's closed cases (triage.training), when there is one.

Scores are probabilities (0–1) over the categories, comparable between them. Callers show the
suggestions and pre-select the first only when its score is at least CONFIDENT (see preselect()):
below that a wrong pre-selection costs more than the tap it saves, because people leave a selected
answer as it is. A suggestion is never required to submit.
"""

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.models import Category, Community

from . import keywords, text
from .classifier import Fitted
from .models import TriageModel

# Pre-select the top suggestion only at or above this probability. Chosen on the training half of
# triage/eval/descriptions.jsonl (make eval-triage prints how often the top one is right above it).
CONFIDENT = 0.6

# The lexicon's "none of these" mass: one ordinary word (weight 1) alone gives its category 1/(1+2)
# = 0.33, a strong word (3) 0.6; words of several categories share what they found.
LEXICON_DOUBT = 2.0
# How far the trained model is trusted against the lexicon: its share grows with the cases it was
# trained on, n / (n + MODEL_TRUST_CASES).
MODEL_TRUST_CASES = 100
# Words shown as reasons, per suggestion.
MAX_REASONS = 3


@dataclass(frozen=True)
class CategorySuggestion:
    category: Category
    score: float
    # The words that decided it: lexicon words found, or the words the model weighed most.
    reasons: list[str] = field(default_factory=list)
    # The model that took part (None: the lexicon alone), for record_suggestion().
    model_id: int | None = None


def preselect(suggestions: list[CategorySuggestion]) -> Category | None:
    """The category a form may pre-select: the first suggestion when it is CONFIDENT, else none."""
    if suggestions and suggestions[0].score >= CONFIDENT:
        return suggestions[0].category
    return None


_fitted: dict[tuple, Fitted] = {}


@dataclass(frozen=True)
class LoadedModel:
    id: int
    fitted: Fitted
    trained_on: int

    @property
    def trust(self) -> float:
        """The model's share of the score, from how many cases it was trained on."""
        return self.trained_on / (self.trained_on + MODEL_TRUST_CASES)


def latest_model() -> LoadedModel | None:
    """The newest trained model, rebuilt once per process (and again when a newer one appears)."""
    row = (
        TriageModel.objects.order_by("-created_at", "-id")
        .values_list("id", "created_at", "trained_on")
        .first()
    )
    if row is None:
        return None
    if row not in _fitted:
        model = TriageModel.objects.get(pk=row[0])
        try:
            fitted = Fitted.from_json(model.classes, model.parameters)
        except ValueError:
            return None  # a row we did not write: answer from the lexicon
        _fitted.clear()
        _fitted[row] = fitted
    return LoadedModel(row[0], _fitted[row], row[2])


def _model_words(fitted: Fitted, description: str, vector: dict[int, float], klass: int) -> list[str]:
    """The words of the description that pushed most towards class `klass`: jieba's words, each
    weighed by the character n-grams inside it (segmentation only explains; it decides nothing)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs building its dictionary cache at INFO
    contributions = fitted.contributions(vector, klass)
    by_term = {fitted.char_term(i): v for i, v in contributions.items() if fitted.char_term(i)}
    normalised = text.normalise(description)
    words: dict[str, float] = {}
    for word in jieba.lcut(normalised, HMM=False):
        if len(word) < 2 or word in words:
            continue
        grams = {word[i : i + n] for n in (1, 2, 3) for i in range(len(word) - n + 1)}
        weight = sum(by_term.get(g, 0.0) for g in grams)
        if weight > 0.05:
            words[word] = weight
    return [w for w, _ in sorted(words.items(), key=lambda item: -item[1])][:MAX_REASONS]


def _community(community) -> Community | None:
    if community is None or isinstance(community, Community):
        return community
    if isinstance(community, str):
        return Community.objects.filter(code=community.strip(), is_active=True).first()
    raise ValueError("community must be a Community or its code")


def suggest_categories(description: str, *, community=None, limit: int = 3) -> list[CategorySuggestion]:
    """The `limit` most likely active categories for a description (or a voice transcript), best
    first. Empty when there is nothing to go on: no text, only emoji or punctuation, no keyword
    found and no model. `community` (a Community or its code) is accepted for the routing data to
    come; it does not change the answer yet. Raises ValueError for a description that is not text.
    """
    if description is not None and not isinstance(description, str):
        raise ValueError("description must be a string")
    _community(community)  # a wrong type is the caller's bug: say so now, not later
    if limit < 1 or not text.has_meaning(description):
        return []
    categories = {c.pk: c for c in Category.objects.filter(is_active=True)}
    if not categories:
        return []
    matches: dict[int, list[tuple[str, float]]] = {}
    for found in keywords.current().find(description):
        if found.category_id in categories:
            matches.setdefault(found.category_id, []).append((found.word, found.weight))
    found = {pk: sum(weight for _, weight in words) for pk, words in matches.items()}
    total = sum(found.values()) + LEXICON_DOUBT
    lexicon = {pk: value / total for pk, value in found.items()}
    doubt = LEXICON_DOUBT / total

    model = latest_model()
    by_code = {c.code: pk for pk, c in categories.items()}
    scores: dict[int, float] = dict(lexicon)
    model_words: dict[int, list[str]] = {}
    model_id = None
    if model is not None:
        model_id, fitted = model.id, model.fitted
        vector = fitted.vector(description)
        probabilities = fitted.probabilities(vector)
        known = [(i, by_code[code]) for i, code in enumerate(fitted.classes) if code in by_code]
        share = sum(float(probabilities[i]) for i, _ in known) or 1.0
        trust = model.trust
        for i, pk in known:
            p = float(probabilities[i]) / share  # categories retired since training drop out
            scores[pk] = trust * p + (1 - trust) * (lexicon.get(pk, 0.0) + doubt * p)
        if vector:
            ranked = sorted(known, key=lambda item: -probabilities[item[0]])[:limit]
            for i, pk in ranked:
                model_words[pk] = _model_words(fitted, description, vector, i)
        else:
            # Nothing of the text is in the model's vocabulary: its answer is only the prior.
            for _i, pk in known:
                scores[pk] = lexicon.get(pk, 0.0)
    ranked_pks = sorted((pk for pk, s in scores.items() if s > 0.005), key=lambda pk: (-scores[pk], pk))
    suggestions = []
    for pk in ranked_pks[:limit]:
        reasons = [word for word, _ in sorted(matches.get(pk, []), key=lambda m: -m[1])]
        for word in model_words.get(pk, []):
            if word not in reasons and not any(word in r or r in word for r in reasons):
                reasons.append(word)
        suggestions.append(
            CategorySuggestion(categories[pk], round(scores[pk], 3), reasons[:MAX_REASONS], model_id)
        )
    return suggestions


def describe(suggestion: CategorySuggestion) -> str:
    """One line for people: 基础设施维修(82%):楼道灯、灯不亮."""
    line = _("%(name)s(%(percent)d%%)") % {
        "name": suggestion.category.name,
        "percent": round(suggestion.score * 100),
    }
    if suggestion.reasons:
        line += ":" + "、".join(suggestion.reasons)
    return line
