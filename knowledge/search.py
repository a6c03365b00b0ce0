"""Finding entries in Chinese: a resident's way of asking must find the official wording.

Character n-grams (triage.text, the same helpers duplicate matching uses) need no dictionary and
survive typos; the synonym list (knowledge.models.Synonym, data kept in the admin) bridges words
that share no character with the official term (老人补贴 → 高龄津贴); syllable n-grams make a
homophone count as the word it stands for (高零津贴). Each query term is weighed by how rare it is
among the entries (a gram every entry has, 申请, says little), and a hit in the question or the
other ways of asking counts more than one in the answer.
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from triage import text as chinese

from .models import Entry, Synonym

_SEPARATORS = re.compile(r"[\s,,、;;/|]+")
# A hit in the question or its other ways of asking against one in the answer's body.
TITLE_WEIGHT = 1.0
BODY_WEIGHT = 0.35
# Syllables stand in for characters only at a discount: 高零 for 高龄, not 工龄 for 公龄.
SOUND_WEIGHT = 0.6
# Below this share of the query's weight an entry is not a result (a lone shared character).
MIN_SCORE = 0.12
MAX_QUERY = 100


def split_words(value: str | None) -> list[str]:
    """The words of a list typed one per line or separated by 、, or ;."""
    return [w for w in (part.strip() for part in _SEPARATORS.split(value or "")) if w]


def _grams(value: str) -> set[str]:
    # Bigrams and trigrams carry the meaning; single characters only where the text is one.
    grams = chinese.char_ngrams(value, (2, 3))
    return grams or chinese.char_ngrams(value, (1,))


def _sounds(value: str) -> set[str]:
    return chinese.sound_ngrams(value, (2, 3))


@dataclass(frozen=True)
class Indexed:
    entry: Entry
    title: frozenset[str]
    body: frozenset[str]
    title_sounds: frozenset[str]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


def _index(entry: Entry) -> Indexed:
    title = " ".join([entry.question, *entry.alias_list()])
    return Indexed(
        entry,
        frozenset(_grams(title)),
        frozenset(_grams(entry.answer)) | frozenset(_grams(entry.source)),
        frozenset(_sounds(title)),
    )


def synonym_groups() -> list[list[str]]:
    return [words for words in (s.word_list() for s in Synonym.objects.all()) if len(words) > 1]


def variants(query: str, groups: Iterable[list[str]]) -> list[str]:
    """The query as typed, and with each synonym it contains replaced by the others of its group."""
    normalised = chinese.normalise(query)
    found = [normalised]
    for words in groups:
        keys = [(w, chinese.normalise(w)) for w in words]
        for _word, key in keys:
            if key and key in normalised:
                for _other, other_key in keys:
                    if other_key and other_key != key:
                        found.append(normalised.replace(key, other_key))
                        # The official term alone as well: the rest of the sentence may dilute it.
                        found.append(other_key)
    return list(dict.fromkeys(v for v in found if v))


def _score(query_grams: set[str], query_sounds: set[str], item: Indexed, idf: dict[str, float]) -> float:
    total = sum(idf.get(g, idf[""]) for g in query_grams)
    if not total:
        return 0.0
    got = 0.0
    for gram in query_grams:
        weight = idf.get(gram, idf[""])
        if gram in item.title:
            got += weight * TITLE_WEIGHT
        elif gram in item.body:
            got += weight * BODY_WEIGHT
    sounds = query_sounds & item.title_sounds
    if sounds:
        got = max(got, SOUND_WEIGHT * total * len(sounds) / max(len(query_sounds), 1))
    return got / total


def rank(query: str, entries: Iterable[Entry], *, groups: list[list[str]] | None = None) -> list[Hit]:
    """The entries that answer `query`, best first (score from 0 to about 1)."""
    items = [_index(e) for e in entries]
    if not items:
        return []
    query = (query or "")[:MAX_QUERY]
    df: dict[str, int] = {}
    for item in items:
        for gram in item.title | item.body:
            df[gram] = df.get(gram, 0) + 1
    n = len(items)
    idf = {gram: math.log(1 + n / count) for gram, count in df.items()}
    idf[""] = math.log(1 + n)  # a gram no entry has: as rare as can be
    best: dict[int, float] = {}
    for variant in variants(query, synonym_groups() if groups is None else groups):
        grams, sounds = _grams(variant), _sounds(variant)
        for item in items:
            s = _score(grams, sounds, item, idf)
            if s > best.get(item.entry.pk, 0.0):
                best[item.entry.pk] = s
    by_pk = {item.entry.pk: item.entry for item in items}
    hits = [Hit(by_pk[pk], round(s, 4)) for pk, s in best.items() if s >= MIN_SCORE]
    hits.sort(key=lambda h: (-h.score, h.entry.question, h.entry.pk))
    return hits
