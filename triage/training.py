"""Training the category classifier on this installation's own closed cases.

`manage.py train_triage` trains now; the worker calls retrain_if_due() every hour, which trains
at most once a day and only when cases were closed since the last model. A closed case is one
whose category survived intake, dispatch and the resident's rating: the best label there is.
"""

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Attachment, Case, State

from . import classifier, text
from .matching import VOICE_ONLY
from .models import TriageModel

# Fewer closed cases than this teach nothing the lexicon does not already say.
MIN_CASES = 30
# The newest closed cases trained on: enough for the vocabulary of a sub-district, and it bounds
# the training time at a million cases.
MAX_CASES = 20000
RETRAIN_EVERY = timedelta(days=1)
# Older models are deleted; suggestions keep their scores, their link to the model becomes empty.
KEEP_MODELS = 3


def training_set(limit: int = MAX_CASES) -> tuple[list[str], list[str]]:
    """The newest closed cases' descriptions (a voice note's transcript in place of the
    placeholder) and their category codes, each distinct description once."""
    rows = list(
        Case.objects.filter(state=State.CLOSED)
        .order_by("-submitted_at", "-id")
        .values_list("id", "description", "category__code")[:limit]
    )
    voice_only = [pk for pk, description, _ in rows if not description.replace(VOICE_ONLY, "").strip()]
    transcripts = dict(
        Attachment.objects.filter(
            case_id__in=voice_only, kind=Attachment.Kind.VOICE, transcript__gt=""
        ).values_list("case_id", "transcript")
    )
    descriptions, labels = [], []
    seen = set()
    for pk, description, code in rows:
        description = transcripts.get(pk) or description.replace(VOICE_ONLY, "")
        # The same words twice teach one thing: a copied or templated description (a generated
        # population has a dozen sentences) would otherwise outweigh every real one.
        key = (text.normalise(description), code)
        if text.has_meaning(description) and key not in seen:
            seen.add(key)
            descriptions.append(description)
            labels.append(code)
    return descriptions, labels


def train(*, now: datetime | None = None, limit: int = MAX_CASES) -> TriageModel | None:
    """Train on the closed cases and store the model; None when there are too few of them (or of
    only one category), in which case the lexicon alone keeps answering."""
    started = time.monotonic()
    descriptions, labels = training_set(limit)
    if len(descriptions) < MIN_CASES or len(set(labels)) < 2:
        return None
    fitted = classifier.fit(descriptions, labels)
    with transaction.atomic():
        model = TriageModel.objects.create(
            created_at=now or timezone.now(),
            trained_on=len(descriptions),
            classes=fitted.classes,
            parameters=fitted.to_json(),
            seconds=round(time.monotonic() - started, 3),
        )
        old = TriageModel.objects.order_by("-created_at", "-id").values_list("id", flat=True)[KEEP_MODELS:]
        TriageModel.objects.filter(pk__in=list(old)).delete()
    return model


def retrain_if_due(*, now: datetime | None = None) -> TriageModel | None:
    """Train when the latest model is older than RETRAIN_EVERY and cases were closed since; cheap
    (one query) when it is not due. Two workers doing it at once only make two models."""
    now = now or timezone.now()
    latest = TriageModel.objects.order_by("-created_at", "-id").first()
    if latest is not None and now - latest.created_at < RETRAIN_EVERY:
        return None
    closed_since = Case.objects.filter(state=State.CLOSED)
    if latest is not None:
        closed_since = closed_since.filter(updated_at__gt=latest.created_at)
    if not closed_since.exists():
        return None
    return train(now=now)
