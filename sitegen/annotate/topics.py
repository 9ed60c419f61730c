"""Topics: which of the editor's taxonomy an article matches, by its terms."""

from __future__ import annotations

import itertools
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


STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with", "as",
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "that", "this", "these", "those", "it",
    "its", "he", "she", "they", "his", "her", "their", "we", "our", "you", "your", "i", "not", "no", "said",
    "says", "say", "will", "would", "could", "should", "may", "might", "can", "also", "more", "than",
    "after", "before", "over", "about", "into", "out", "up", "down", "one", "two", "three", "new", "last",
    "first", "year", "years", "week", "month", "day", "told"
})


def suggest_topics(texts: list[str], topics: tuple[Topic, ...], limit: int = 5) -> list[str]:
    """Two-word phrases that recur across articles and that no topic's terms cover: ideas for the editor."""
    covered = {term for topic in topics for term in topic.terms}
    seen_in: dict[str, int] = {}
    for text in texts:
        words = re.findall(r"[a-z][a-z'-]+", text.lower())
        pairs = {f"{a} {b}" for a, b in itertools.pairwise(words)
                 if a not in STOPWORDS and b not in STOPWORDS}
        for pair in pairs:
            seen_in[pair] = seen_in.get(pair, 0) + 1
    candidates = [(n, p) for p, n in seen_in.items() if n >= 2 and not any(p in c or c in p for c in covered)]
    return [f"{phrase} ({count} articles)" for count, phrase in sorted(candidates, key=lambda x: (-x[0], x[1]))[:limit]]
