"""Resolve: per-article annotations become one cross-linked digest.

Entities merge across articles into one page each (sitegen.merge). Articles group into stories when
published within a few days of each other and sharing people and places, or a quote; an editor's
`story:` always wins.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from operator import attrgetter
from typing import Any

from rapidfuzz import fuzz

from sitegen.linking import GroupingRun, Linking
from sitegen.merge import UnionFind, entity_pages
from sitegen.model import (
    Annotations,
    Article,
    DatedEvent,
    Digest,
    KnowledgeBase,
    QuoteRef,
    Story,
    TopicPage,
    Utterance,
)
from sitegen.slugs import slugify
from sitegen.text import article_text, lead_paragraph

SUMMARY_WORDS = 60
MIN_SHARED_ENTITIES = 3
VARIANT_SCORE = 80
PUBLICATION_ORDER = attrgetter("published", "slug")
"""How articles are ordered: by publication date, then slug (the digest's newest first, reversed)."""


def _speaker_page(name: str | None, links: Mapping[tuple[str, str], str]) -> str | None:
    if not name:
        return None
    for kind in ("person", "organization", "place"):
        if (kind, name) in links:
            return links[(kind, name)]
    return None


def _quotes(articles: dict[str, Article], annotation: Annotations, links: Mapping[tuple[str, str], str]
            ) -> list[QuoteRef]:
    """An article's quotes; `links`: its entity links."""
    article = articles[annotation.article]
    return [QuoteRef(article=article.slug, text=quote.anchor.exact, speaker=_speaker_page(quote.speaker, links),
                     speaker_name=quote.speaker, kind=quote.kind, said_on=quote.said_on,
                     published=article.published, outlet=article.outlet) for quote in annotation.quotes]


def _utterances(quotes: list[QuoteRef]) -> list[Utterance]:
    """Group the same words reported by different articles (wording may differ a little)."""
    # From one article, every quote is an utterance of its own (most stories have one article).
    groups = _same_words(quotes) if len({quote.article for quote in quotes}) > 1 else [[quote] for quote in quotes]
    result = [Utterance(speaker=g[0].speaker, speaker_name=g[0].speaker_name, variants=_one_per_article(g))
              for g in groups]
    return sorted(result, key=lambda u: (-len(u.variants), u.speaker_name or "~", u.variants[0].text))


def _same_words(quotes: list[QuoteRef]) -> list[list[QuoteRef]]:
    """The quotes grouped by utterance: one speaker's words in two articles, near enough in wording."""
    uf = UnionFind()
    by_speaker: dict[str | None, list[int]] = defaultdict(list)
    for i, quote in enumerate(quotes):
        uf.find(i)
        if len(quote.text.split()) >= 5:
            by_speaker[quote.speaker].append(i)
    for members in by_speaker.values():  # only one speaker's quotes can be the same utterance
        folded = {i: quotes[i].text.casefold() for i in members}
        for position, i in enumerate(members):
            for j in members[position + 1:]:
                if quotes[i].article != quotes[j].article and fuzz.partial_ratio(folded[i], folded[j]) >= VARIANT_SCORE:
                    uf.union(i, j)
    groups: dict[object, list[QuoteRef]] = defaultdict(list)
    for i, quote in enumerate(quotes):
        groups[uf.find(i)].append(quote)
    return list(groups.values())


def _one_per_article(group: list[QuoteRef]) -> tuple[QuoteRef, ...]:
    """Each article's fullest wording of the utterance, side by side."""
    if len(group) == 1:
        return (group[0],)  # most utterances are reported once
    best: dict[str, QuoteRef] = {}
    for quote in group:
        if quote.article not in best or len(quote.text) > len(best[quote.article].text):
            best[quote.article] = quote
    return tuple(sorted(best.values(), key=lambda q: (q.article, q.text)))


def _story_groups(articles: list[Article], entity_sets: dict[str, set[str]], quotes: list[QuoteRef],
                  window: int, memory: Linking | None = None) -> list[list[Article]]:
    """Articles grouped into stories: an editor's `story:` first, then the others walked by date, each
    joined with later ones of its window that share entities or a quote. With a `memory`, the walk
    resumes from the last step an edit cannot have changed (an edit of a recent article, or an added
    one, redoes the last few days rather than the whole archive)."""
    editor = UnionFind()
    by_story: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        if article.story:
            by_story[article.story].append(article.slug)
    for slugs in by_story.values():
        for other in slugs[1:]:
            editor.union(slugs[0], other)
    free = sorted((a for a in articles if not a.story), key=PUBLICATION_ORDER)
    long_quotes: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    for quote in quotes:
        if len(quote.text.split()) >= 5:
            long_quotes[quote.article][quote.speaker].append(quote.text.casefold())
    day = [a.published.toordinal() for a in free]
    mentions = [entity_sets.get(a.slug) or set() for a in free]
    # What each step reads of an article: a step reads the articles of its window only, so the steps
    # before the first changed article's window are as last time.
    rows = [(a.slug, a.published, mentions[n], long_quotes.get(a.slug)) for n, a in enumerate(free)]
    previous = memory.grouping if memory else None
    uf, span, start = _resume(previous, rows, day, window)
    # The states before this run's start are the previous run's; later ones are taken as it walks.
    run = GroupingRun(rows, [c for c in previous.checkpoints if c[0] < start] if previous else [])
    every = max(1, len(free) // 32)
    # Only articles sharing an entity can group, so each article is compared with those found through
    # its entities' postings (positions in `free`, ascending) rather than with every article of its
    # window: at 10,000 articles, 490,000 pairs in a window and 69,000 sharing an entity (0.47 -> 0.35 s).
    postings: dict[str, list[int]] = defaultdict(list)
    for position in range(start, len(free)):  # the steps to walk look at later articles only
        for page in mentions[position]:
            postings[page].append(position)
    # Steps from `settled` on read only articles as they were, so once the sets are as they were before
    # such a step, the rest of the walk is last time's: an edit that joins or parts no story (one naming
    # someone new, say) stops there instead of walking the rest of the archive (at 10,000 articles,
    # about a second on a slow machine for an edit in the middle).
    last_final = previous.final if previous is not None else None
    settled = _unchanged_tail(previous.rows, rows) if previous is not None and last_final is not None else None
    before = {c[0]: c for c in previous.checkpoints} if previous is not None and settled is not None else {}
    for i in range(start, len(free)):
        if i % every == 0:
            checkpoint = (i, dict(uf.parent), dict(span))
            if last_final is not None and settled is not None and i >= settled and before.get(i) == checkpoint:
                run.checkpoints += [c for step, c in before.items() if step >= i]
                uf.parent, span = dict(last_final[0]), dict(last_final[1])
                break
            run.checkpoints.append(checkpoint)
        a = free[i]
        end = bisect.bisect_right(day, day[i] + window)  # sorted by date: the first one outside the window
        near: list[int] = []
        for page in mentions[i]:
            positions = postings[page]
            near += positions[bisect.bisect_right(positions, i):bisect.bisect_left(positions, end)]
        shared_with = Counter(near)
        for j in sorted(shared_with):  # in the order the window would be walked
            b = free[j]
            if shared_with[j] < MIN_SHARED_ENTITIES and not _share_quote(long_quotes[a.slug], long_quotes[b.slug]):
                continue
            root_a, root_b = uf.find(a.slug), uf.find(b.slug)
            first = min(span[str(root_a)][0], span[str(root_b)][0])
            last = max(span[str(root_a)][1], span[str(root_b)][1])
            if root_a != root_b and (last - first).days <= 2 * window:
                uf.union(a.slug, b.slug)
                span[str(uf.find(a.slug))] = (first, last)
    run.final = (dict(uf.parent), dict(span))
    if memory is not None:
        memory.grouping = run
    groups: dict[object, list[Article]] = defaultdict(list)
    for article in articles:
        key = ("story", editor.find(article.slug)) if article.story else ("free", uf.find(article.slug))
        groups[key].append(article)
    return list(groups.values())


def _resume(last: GroupingRun | None, rows: list[tuple[Any, ...]], day: list[int], window: int
            ) -> tuple[UnionFind, dict[str, tuple[dt.date, dt.date]], int]:
    """The sets of articles and their spans before the first step to walk again, and that step."""
    uf = UnionFind()
    # A story covers one development: groups never span more than twice the window, however the
    # links between their articles chain (continuing coverage becomes the next story).
    span = {row[0]: (row[1], row[1]) for row in rows}
    if last is None:
        return uf, span, 0
    # The first article that differs from last time (or was added or removed there).
    changed = next((n for n, (old, new) in enumerate(zip(last.rows, rows, strict=False)) if old != new),
                   min(len(last.rows), len(rows)))
    # A step reads the articles dated up to `window` days after its own, so the steps dated more than
    # `window` days before that article (as it is now, and as the one there was last time) read only
    # articles that are as they were, and left the sets as they did last time.
    dates = [walked[changed][1].toordinal() for walked in (rows, last.rows) if changed < len(walked)]
    first_affected = bisect.bisect_left(day, min(dates) - window) if dates else changed
    usable = [checkpoint for checkpoint in last.checkpoints if checkpoint[0] <= first_affected]
    if not usable:
        return uf, span, 0
    step, parents, spans = usable[-1]
    # Those steps joined articles before the changed one only: their sets and spans are last time's.
    uf.parent = dict(parents)
    for row in rows[:changed]:
        if row[0] in spans:
            span[row[0]] = spans[row[0]]
    return uf, span, step


def _unchanged_tail(last: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> int | None:
    """The first position from which `rows` are as `last` were, to the end (None when their numbers
    differ: every later article moved)."""
    if len(last) != len(rows):
        return None
    n = len(rows)
    while n and rows[n - 1] == last[n - 1]:
        n -= 1
    return n


def _share_quote(mine: dict[str | None, list[str]], theirs: dict[str | None, list[str]]) -> bool:
    """The same words from the same speaker (or both unattributed) in both articles. Quotes are
    grouped by speaker, so only quotes of a speaker both articles quote are compared: pairing every
    quote with every other cost a quarter of story grouping at 10,000 articles."""
    return any(fuzz.partial_ratio(x, y) >= VARIANT_SCORE
               for who in mine.keys() & theirs.keys() for x in mine[who] for y in theirs[who])


def _summary(article: Article) -> str:
    lede = lead_paragraph(article.body) or article.title
    words = lede.replace("\\", "").split()
    return " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")


def _article_events(article: Article, annotation: Annotations) -> list[DatedEvent]:
    """The days one article mentions, each sentence once, by day."""
    text = article_text(article)
    events = []
    for date in annotation.dates:
        if date.granularity != "day":
            continue
        sentence = _sentence_around(text, date.anchor.prefix + date.anchor.exact)
        events.append(DatedEvent(value=date.value, article=article.slug, expression=date.anchor.exact,
                                 sentence=sentence))
    unique = {(e.value, e.article, e.sentence): e for e in events}
    return sorted(unique.values(), key=_EVENT_ORDER)


def _unique_events(per_article: Iterable[list[DatedEvent]]) -> tuple[DatedEvent, ...]:
    """Every article's events, by day (an event is one article's, so each is once already)."""
    return tuple(sorted(itertools.chain.from_iterable(per_article), key=_EVENT_ORDER))


_EVENT_ORDER = attrgetter("value", "article", "sentence")


def _sentence_around(text: str, needle: str) -> str:
    position = max(text.find(needle), 0)
    start = max(text.rfind(". ", 0, position) + 2, text.rfind("\n", 0, position) + 1, 0)
    end_candidates = [i for i in (text.find(". ", position), text.find("\n", position)) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    sentence = text[start:end].strip()
    return sentence if len(sentence) <= 300 else sentence[:297] + "…"


def link(articles: list[Article], annotations: list[Annotations], kb: KnowledgeBase,
         story_window_days: int = 3, memory: Linking | None = None) -> Digest:
    """Cross-link articles and annotations into the digest the renderer shows.

    With the `memory` of earlier calls (`sitegen serve` keeps one between builds), each part is made
    again only when what it is made from changed, and every part equal to the one made before is that
    same object: an edited article's text is linked again without merging 273,000 mentions anew, and
    what did not change can be told by identity (sitegen.render). The digest is the same either way.
    """
    memory = memory if memory is not None else Linking()
    memory.begin()
    by_slug = {a.slug: a for a in articles}
    ordered = sorted(articles, key=PUBLICATION_ORDER, reverse=True)
    position = {a.slug: index for index, a in enumerate(ordered)}
    annotations = sorted((a for a in annotations if a.article in by_slug), key=lambda a: position[a.article])
    # Entity pages follow from the mentions, the order of the articles and the knowledge base only.
    entity_inputs = (tuple(position), tuple(a.article for a in annotations), tuple(a.entities for a in annotations), kb)
    published = {slug: article.published for slug, article in by_slug.items()}
    pages, per_article = memory.made("entities", entity_inputs,
                                     lambda: entity_pages(position, published, annotations, kb, memory))
    quotes_of = {a.article: memory.each("quotes", a.article, (by_slug[a.article], a.quotes, per_article.get(a.article)),
                                        partial(_quotes, by_slug, a, per_article.get(a.article, {})))
                 for a in annotations}
    events_of = {a.article: memory.each("events", a.article, (by_slug[a.article], a.dates),
                                        partial(_article_events, by_slug[a.article], a)) for a in annotations}
    quotes = [quote for a in annotations for quote in quotes_of[a.article]]
    entity_sets = {slug: memory.each("entity set", slug, links, partial(_pages, links))
                   for slug, links in per_article.items()}
    events = memory.made("all events", tuple(events_of.values()), lambda: _unique_events(events_of.values()))
    by_article = _ByArticle(
        quotes=quotes_of, events=events_of, entity_sets=entity_sets,
        people={slug: memory.each("people", slug, links, partial(_people, links))
                for slug, links in per_article.items()})
    grouping_inputs = (tuple((a.slug, a.published, a.story) for a in ordered),
                       tuple(entity_sets.get(a.slug) for a in ordered),
                       tuple(quotes_of.get(a.slug) for a in ordered), story_window_days)
    groups = memory.made("story groups", grouping_inputs, lambda: [
        tuple(a.slug for a in group) for group in _story_groups(ordered, entity_sets, quotes,
                                                                  story_window_days, memory)])
    stories = []
    for group in groups:
        members = [by_slug[slug] for slug in group]
        inputs = tuple((a, quotes_of.get(a.slug), events_of.get(a.slug), by_article.people.get(a.slug),
                        entity_sets.get(a.slug)) for a in members)
        stories.append(memory.each("story", group, inputs, partial(_story, members, by_article)))
    stories = _unique_story_slugs(sorted(stories, key=lambda s: (s.published, s.slug), reverse=True), memory)
    story_of = {article: story.slug for story in stories for article in story.articles}
    topics = [memory.same("topic", topic.topic.slug, topic)
              for topic in _topic_pages(ordered, annotations, kb, story_of)]
    digest = Digest(
        articles=tuple(ordered), annotations=tuple(annotations), entities=pages, entity_links=per_article,
        stories=tuple(stories), topics=tuple(topics), quotes=tuple(quotes), events=events,
        co_mentions=memory.co_mentions.update(entity_sets),
    )
    memory.end()
    return digest


def _pages(links: dict[tuple[str, str], str]) -> set[str]:
    """The pages an article's entities link to."""
    return set(links.values())


def _people(links: dict[tuple[str, str], str]) -> list[str]:
    """The pages of the people an article names, in the order of its entities."""
    return [page for (kind, _), page in links.items() if kind == "person"]


@dataclass(frozen=True)
class _ByArticle:
    """What the story builder needs of each article, looked up once."""

    quotes: dict[str, list[QuoteRef]]
    events: dict[str, list[DatedEvent]]
    people: dict[str, list[str]]
    entity_sets: dict[str, set[str]]


def _story(group: list[Article], by_article: _ByArticle) -> Story:
    oldest_first = sorted(group, key=PUBLICATION_ORDER)
    lead = max(group, key=lambda a: (len(by_article.entity_sets.get(a.slug, ())), -a.published.toordinal(), a.slug))
    editor_slug = next((a.story for a in group if a.story), None)
    people = Counter(page for a in group for page in by_article.people.get(a.slug, ()))
    story_quotes = [q for a in oldest_first for q in by_article.quotes.get(a.slug, ())]
    events = sorted((e for a in group for e in by_article.events.get(a.slug, ())), key=_EVENT_ORDER)
    return Story(slug=editor_slug or slugify(lead.title), title=lead.title, summary=_summary(lead),
                 published=max(a.published for a in group), articles=tuple(a.slug for a in oldest_first),
                 people=tuple(p.split("/", 1)[1] for p, _ in sorted(people.items(), key=lambda i: (-i[1], i[0]))),
                 utterances=tuple(_utterances(story_quotes)), events=tuple(events), editor_set=bool(editor_slug))


def _unique_story_slugs(stories: list[Story], memory: Linking) -> list[Story]:
    seen: Counter[str] = Counter()
    result = []
    for story in stories:
        seen[story.slug] += 1
        if seen[story.slug] > 1:
            slug = f"{story.slug}-{seen[story.slug]}"
            story = memory.same("renamed story", slug, replace(story, slug=slug))
        result.append(story)
    return result


def _topic_pages(ordered: list[Article], annotations: list[Annotations], kb: KnowledgeBase,
                 story_of: dict[str, str]) -> list[TopicPage]:
    matched: dict[str, set[str]] = defaultdict(set)
    for annotation in annotations:
        for match in annotation.topics:
            matched[match.name].add(annotation.article)
    for article in ordered:
        for name in article.topics:
            matched[name].add(article.slug)
    pages = []
    for topic in kb.topics:
        slugs = tuple(a.slug for a in ordered if a.slug in matched[topic.name])
        stories = tuple(dict.fromkeys(story_of[s] for s in slugs))
        pages.append(TopicPage(topic=topic, articles=slugs, stories=stories))
    return pages
