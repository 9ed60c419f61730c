"""URL names for articles, stories, entities and topics, and the spelling key that makes one name of
a name's transliterations."""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode


def slugify(text: str, max_length: int = 60) -> str:
    """A URL-safe ASCII name: lowercase words joined by hyphens, cut at a word boundary."""
    # Apostrophes (from transliteration too: Зеленський -> Zelens'kii) join, not split, a word.
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’`]", "", unidecode(text).lower()))
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or "untitled"


@lru_cache(maxsize=100_000)
def spelling_key(name: str) -> str:
    """A key that folds common transliteration variants (yy/iy/y, ii/i, kh/h): Zelensky and Zelenskyy
    share one."""
    key = unidecode(name).lower()
    for pattern, repl in ((r"(yy|iy|ij|yi)\b", "y"), (r"ii\b", "i"), ("kh", "h"), ("ou", "u"), ("j", "y")):
        key = re.sub(pattern, repl, key)
    return key
