"""Chinese text as the matcher and the classifier compare it: normalised characters, character
n-grams and tone-less pinyin.

Nothing here segments words: residents type without punctuation, with typos and dialect words, and
voice transcripts put homophones where the words were (漏到 for 楼道), so a segmenter's word
boundaries are often wrong exactly where it matters. Character n-grams need no dictionary, and the
same n-grams over pinyin syllables make a homophone look like the word it stands for.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# How much of a text is looked at. A description may have 4,000 characters (emoji, pasted chat);
# what the problem is is said at the start, and this bounds the cost of every comparison.
MAX_CHARS = 300

# Kept: CJK ideographs (the basic block and extension A), ASCII letters and digits. Everything else
# (punctuation in both widths, spaces, emoji, symbols) separates nothing a resident meant and only
# adds noise; NFKC has already turned full-width letters and digits into ASCII ones.
_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Characters that carry no meaning on their own: as single-character n-grams they make any two
# sentences look alike (的, 了, 我 …). Their bigrams and trigrams still count.
FILLER = frozenset("的了是我在有就都也很还吗呢啊吧呀哦嘛么个这那一不")

# 模糊音: sounds that southwestern Mandarin speakers (夔北街道 is in Chongqing) and speech
# recognisers confuse; both sides are mapped to one spelling before syllables are compared.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"))


def normalise(text: str | None) -> str:
    """Full-width to half-width, lower case, and only ideographs, letters and digits kept."""
    if not text:
        return ""
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    # Look at a bounded prefix before normalising: 4,000 emoji cost no more than 300 characters.
    folded = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4]).lower()
    return _DROP.sub("", folded)[:MAX_CHARS]


def has_meaning(text: str | None) -> bool:
    """Whether a text has anything to compare: at least one ideograph, letter or digit."""
    return bool(normalise(text))


def ngrams(items: Sequence[str], sizes: Sequence[int] = (1, 2, 3), *, skip: frozenset = FILLER) -> set[str]:
    """The set of n-grams of `items` (characters or syllables) for each n in `sizes`; single
    items in `skip` are left out. Syllable n-grams are joined with spaces."""
    joiner = "" if all(len(item) == 1 for item in items) else " "
    found: set[str] = set()
    for n in sizes:
        for i in range(len(items) - n + 1):
            gram = items[i : i + n]
            if n == 1 and gram[0] in skip:
                continue
            found.add(joiner.join(gram))
    return found


def char_ngrams(text: str, sizes: Sequence[int] = (1, 2, 3)) -> set[str]:
    """Character n-grams of the normalised text."""
    return ngrams(list(normalise(text)), sizes)


@lru_cache(maxsize=65536)
def _sound(char: str) -> str:
    """The fuzzy, tone-less syllable of one character (itself when it is not Chinese).

    Character by character rather than with pypinyin's phrase dictionary: the same character then
    always has the same syllable in both texts compared, whatever its neighbours (a transcript's
    neighbours are often wrong), and the cost is a dictionary lookup per character.
    """
    if not _CJK.match(char):
        return char
    syllable = lazy_pinyin(char, style=Style.NORMAL)[0]
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


def syllables(text: str) -> list[str]:
    """The normalised text as fuzzy tone-less syllables: 楼道灯 and 漏到灯 both give lou dao den.

    Digits and letters stay as they are, one per item, so 3栋 is ["3", "don"].
    """
    return [_sound(char) for char in normalise(text)]


def pinyin(text: str) -> str:
    """Readable tone-less pinyin of the text (pypinyin with its phrase dictionary), for people:
    the admin shows a keyword's reading with it. Matching uses syllables()."""
    return " ".join(lazy_pinyin(normalise(text), style=Style.NORMAL))


def sound_ngrams(text: str, sizes: Sequence[int] = (1, 2, 3)) -> set[str]:
    """Syllable n-grams of the text (the filler characters' single syllables left out)."""
    chars = normalise(text)
    sounds = [_sound(c) for c in chars]
    skip = frozenset(_sound(c) for c in FILLER)
    return ngrams(sounds, sizes, skip=skip) if sounds else set()


def dice(a: set[str], b: set[str]) -> float:
    """Dice's coefficient of two sets: 1 for the same, 0 for nothing in common."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class Similarity:
    chars: float  # by character n-grams
    sounds: float  # by syllable n-grams: a homophone counts as the character it stands for

    @property
    def best(self) -> float:
        return max(self.chars, self.sounds)


@dataclass(frozen=True)
class Signature:
    """What comparisons need of one text, worked out once."""

    chars: frozenset[str]
    sounds: frozenset[str]

    def similarity(self, other: "Signature") -> Similarity:
        return Similarity(dice(self.chars, other.chars), dice(self.sounds, other.sounds))


@lru_cache(maxsize=8192)
def signature(text: str) -> Signature:
    """The n-grams of a text (cached: the open cases of a community are compared again and again)."""
    return Signature(frozenset(char_ngrams(text)), frozenset(sound_ngrams(text)))


def similarity(a: str, b: str) -> Similarity:
    """How alike two texts are, by characters and by sound, each from 0 to 1."""
    return signature(a).similarity(signature(b))
