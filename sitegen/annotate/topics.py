"""Topics: which of the editor's taxonomy an article matches, by its terms."""

from __future__ import annotations

import re

from sitegen.model import Topic, TopicMatch

MIN_HITS = 2


def match_topics(text: str, topics: tuple[Topic, ...]) -> tuple[TopicMatch, ...]:
    """Topics whose terms occur at least twice (or once in the headline), best first."""
    lowered = text.lower()
    headline = lowered.split("\n\n", 1)[0]
    matches = []
    for topic in topics:
        hits = {term: len(re.findall(rf"\b{re.escape(term)}\b", lowered)) for term in topic.terms}
        total = sum(hits.values())
        distinct = sum(1 for count in hits.values() if count)
        in_headline = any(re.search(rf"\b{re.escape(term)}\b", headline) for term in topic.terms)
        if total >= MIN_HITS or in_headline:
            score = round(min(1.0, distinct / min(3, len(topic.terms)) * 0.7 + min(total, 10) * 0.03), 2)
            matches.append(TopicMatch(name=topic.name, score=score))
    return tuple(sorted(matches, key=lambda m: (-m.score, m.name)))
