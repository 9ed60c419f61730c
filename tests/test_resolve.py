"""Linking: which articles resolve into one story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.model import Anchor, Annotations, Article, Entity, KnowledgeBase, Quote
from sitegen.resolve import link

WORDS = "we will reopen the harbour before the storm season begins"


def _article(slug: str, day: int, others: tuple[str, ...], speaker: str | None) -> tuple[Article, Annotations]:
    body = f'Port director Ines Moreau and {" and ".join(others)} met. "{WORDS.capitalize()}," someone said.'
    article = Article(slug=slug, path=Path(f"{slug}.md"), title=f"Harbour {slug}", published=dt.date(2025, 3, day),
                      body=body, body_line=1)
    people = tuple(Entity(name=name, kind="person", mentions=(name,)) for name in ("Ines Moreau", *others))
    quote = Quote(anchor=Anchor(exact=WORDS.capitalize()), speaker=speaker, kind="full")
    return article, Annotations(article=slug, text_sha256="x", entities=people, quotes=(quote,))


@pytest.mark.parametrize(("first_speaker", "second_speaker", "one_story"), [
    ("Ines Moreau", "Ines Moreau", True),  # the same words from the same person
    (None, None, True),  # the same words, unattributed in both
    ("Ines Moreau", "Tom Reed", False),  # the same words from different people: a coincidence
    ("Ines Moreau", None, False),
])
def test_articles_sharing_one_entity_are_one_story_only_when_they_share_a_quote_and_its_speaker(
        first_speaker: str | None, second_speaker: str | None, one_story: bool) -> None:
    # Two people in common is under the threshold for entities alone; the shared quote decides.
    first = _article("a", 1, ("Ann Lee",), first_speaker)
    second = _article("b", 2, ("Tom Reed",), second_speaker)
    digest = link([first[0], second[0]], [first[1], second[1]], KnowledgeBase(), story_window_days=3)
    assert (len(digest.stories) == 1) is one_story
