"""The keyword lexicon as a matcher: which CategoryKeyword words a description contains, by their
characters or by their sound. Used by category suggestion (the words are evidence for a category)
and by duplicate matching (two reports naming the same thing, 电梯 and 店梯, are about one topic)."""

from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Max

from . import text
from .models import CategoryKeyword

# A word found only by its sound (a homophone) counts this much of its weight.
SOUND_FACTOR = 0.8


@dataclass(frozen=True)
class Found:
    word: str
    category_id: int
    weight: float  # as counted: the keyword's weight, less for a match by sound only
    by_sound: bool


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key, one object per version
class Lexicon:
    # (category id, written word, normalised characters, syllables, weight), longest first.
    entries: tuple[tuple[int, str, str, tuple[str, ...], float], ...]

    def find(self, description: str) -> tuple[Found, ...]:
        """The keywords in a description. Longer words first; a word found only inside a longer
        one already found (灯不亮 inside 路灯不亮) does not count again."""
        return _find(self, text.normalise(description))


@lru_cache(maxsize=8192)
def _find(lexicon: Lexicon, normalised: str) -> tuple[Found, ...]:
    chars = normalised
    sounds = tuple(text.syllables(normalised))  # one syllable per character: the same positions
    taken: list[tuple[int, int]] = []
    found = []
    for category_id, word, written, sound, weight in lexicon.entries:
        n = len(written)
        starts = [i for i in range(len(chars) - n + 1) if chars.startswith(written, i)]
        by_sound = False
        if not starts:
            starts = [i for i in range(len(sounds) - n + 1) if sounds[i : i + n] == sound]
            by_sound = True
        fresh = [s for s in starts if not any(a <= s and s + n <= b for a, b in taken)]
        if not fresh:
            continue
        taken.extend((s, s + n) for s in fresh)
        found.append(Found(word, category_id, weight * (SOUND_FACTOR if by_sound else 1.0), by_sound))
    return tuple(found)


_cache: dict[tuple, Lexicon] = {}


def current() -> Lexicon:
    """The active keywords, rebuilt when one is added, changed or removed (one small query)."""
    active = CategoryKeyword.objects.filter(is_active=True, category__is_active=True)
    version = tuple(active.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id")).values())
    if version not in _cache:
        entries = []
        for category_id, word, weight in active.values_list("category_id", "word", "weight"):
            written = text.normalise(word)
            if written and weight > 0:
                entries.append((category_id, word, written, tuple(text.syllables(written)), float(weight)))
        entries.sort(key=lambda e: (-len(e[2]), -e[4], e[1]))
        _cache.clear()
        _cache[version] = Lexicon(tuple(entries))
    return _cache[version]
