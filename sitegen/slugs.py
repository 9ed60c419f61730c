"""URL names for articles, stories, entities and topics."""

from __future__ import annotations

import re

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
