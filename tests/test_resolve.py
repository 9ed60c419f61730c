"""Linking: which articles resolve into one story."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.linking import Linking
from sitegen.merge import SpellingSets, _spelling
from sitegen.model import Anchor, Annotations, Article, DateRef, Entity, KnowledgeBase, KnownEntity, Quote
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


def _stories(*articles: tuple[Article, Annotations], window: int = 3) -> list[list[str]]:
    digest = link([a for a, _ in articles], [n for _, n in articles], KnowledgeBase(), story_window_days=window)
    return sorted(sorted(story.articles) for story in digest.stories)


def test_three_people_in_common_group_articles_within_the_window_and_coverage_never_spans_twice_its_length(
        ) -> None:
    def article(slug: str, day: int, *people: str) -> tuple[Article, Annotations]:
        with_quote, annotations = _article(slug, day, people, speaker=None)
        return with_quote, dataclasses.replace(annotations, quotes=())  # no shared words: people alone decide

    # Three people in common (Ines Moreau and two more) within 3 days: one story.
    assert _stories(article("a", 1, "Ann Lee", "Tom Reed"), article("b", 4, "Ann Lee", "Tom Reed")) == [["a", "b"]]
    # The same three people four days apart: not the same development.
    assert _stories(article("a", 1, "Ann Lee", "Tom Reed"), article("b", 5, "Ann Lee", "Tom Reed")) == [["a"], ["b"]]
    # Two in common, and a third person each that the other does not name: two stories.
    assert _stories(article("a", 1, "Ann Lee", "Tom Reed"), article("b", 2, "Ann Lee", "Kim Park")) == [["a"], ["b"]]
    # An article between two others links both, and a story may span twice the window (days 1-7);
    # the next one, linked to the last by its people, would stretch it to 9 days and starts a story of its own.
    assert _stories(article("a", 1, "Ann Lee", "Tom Reed"), article("b", 4, "Ann Lee", "Tom Reed", "Kim Park"),
                    article("c", 7, "Tom Reed", "Kim Park"), article("d", 9, "Tom Reed", "Kim Park"),
                    article("e", 20, "Ann Lee", "Tom Reed")) == [["a", "b", "c"], ["d"], ["e"]]


def test_a_persons_page_shows_the_eight_people_most_often_mentioned_with_them_ties_by_name() -> None:
    from sitegen.model import Site
    from sitegen.render import Linker, pages

    others = [f"Person {letter}{letter}" for letter in "ZYXWVUTSRQ"]  # ten, named against the alphabet
    # Person ZZ and Person YY share three articles with Ines Moreau, the rest one each.
    articles = [_article(f"a{n}", 1 + n, (others[0], others[1]), speaker=None) for n in range(3)]
    articles += [_article(f"b{n}", 10 + n, (name,), speaker=None) for n, name in enumerate(others[2:])]
    digest = link([a for a, _ in articles], [n for _, n in articles], KnowledgeBase(), story_window_days=0)
    shown = next(page.context["co_mentions"] for page in pages(digest, Site(root=Path(".")), Linker(digest))
                 if page.path == "people/ines-moreau.html")
    assert shown == [("person-yy", 3), ("person-zz", 3), ("person-qq", 1), ("person-rr", 1), ("person-ss", 1),
                     ("person-tt", 1), ("person-uu", 1), ("person-vv", 1)]


PEOPLE = ("Ann Lee", "Tom Reed", "Kim Park", "Ines Moreau", "Volodymyr Zelensky", "Volodymyr Zelenskyy")
PLACES = ("Kyiv", "Harbour", "Lyon")


@st.composite
def _archive_article(draw: st.DrawFn, slug: str) -> tuple[Article, Annotations]:
    people = draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=4))
    places = draw(st.lists(st.sampled_from(PLACES), unique=True, max_size=2))
    day = draw(st.integers(1, 12))
    words = draw(st.sampled_from([WORDS, "nothing new was said about the harbour today", "no comment"]))
    speaker = draw(st.sampled_from([None, *people]))
    lead = draw(st.sampled_from(["", "Nothing new was said.\n\n", "An update.\n\n"]))
    who, where = " and ".join(people) or "Nobody", " and ".join(places) or "town"
    body = f'{lead}{who} met on Monday in {where}. "{words}," they said.'
    article = Article(slug=slug, path=Path(f"{slug}.md"), title=draw(st.sampled_from(["Harbour", f"News {slug}"])),
                      published=dt.date(2025, 3, day), body=body, body_line=1,
                      story=draw(st.sampled_from([None, None, None, "harbour-talks"])))
    entities = tuple(sorted([Entity(name=p, kind="person", mentions=(p,)) for p in people]
                            + [Entity(name=p, kind="place", mentions=(p,)) for p in places],
                            key=lambda e: (e.kind, e.name)))
    quotes = (Quote(anchor=Anchor(exact=words), speaker=speaker, kind="full"),)
    dates = (DateRef(anchor=Anchor(exact="on Monday"), value=f"2025-03-{day:02}", granularity="day"),)
    return article, Annotations(article=slug, text_sha256="x", entities=entities, quotes=quotes, dates=dates)


@st.composite
def _archives(draw: st.DrawFn) -> list[list[tuple[Article, Annotations]]]:
    """An archive, then the same archive after each of a few edits: articles edited, added or removed."""
    slugs = [f"a{n}" for n in range(draw(st.integers(1, 8)))]
    archive = {slug: draw(_archive_article(slug)) for slug in slugs}
    versions = [list(archive.values())]
    for _ in range(draw(st.integers(1, 6))):
        slug = draw(st.sampled_from([*archive, f"a{len(archive) + 10}"]))
        change = draw(st.sampled_from(["remove", "story", "rewrite"])) if slug in archive else "rewrite"
        if change == "remove" and len(archive) > 1:
            del archive[slug]
        elif change == "story":  # only the editor's grouping changes
            article, annotations = archive[slug]
            archive[slug] = dataclasses.replace(article, story=None if article.story else "harbour-talks"), annotations
        else:
            archive[slug] = draw(_archive_article(slug))
        versions.append(list(archive.values()))
    return versions


@settings(max_examples=150, deadline=None)
@given(_archives())
def test_linking_again_with_the_memory_of_earlier_links_makes_the_digest_linking_afresh_makes(
        versions: list[list[tuple[Article, Annotations]]]) -> None:
    memory = Linking()
    kb = KnowledgeBase()
    for version in versions:
        articles, annotations = [a for a, _ in version], [n for _, n in version]
        assert link(articles, annotations, kb, memory=memory) == link(articles, annotations, kb)


SPELLINGS = (  # (kind, name, mentions): spellings that merge by a shared form, a transliteration, an alias
    ("person", "Volodymyr Zelensky", ("Volodymyr Zelensky", "Zelensky")),
    ("person", "Volodymyr Zelenskyy", ("Zelenskyy",)), ("person", "Ann Lee", ("Ann Lee",)),
    ("person", "Ann Lee", ("A. Lee", "Ann Lee")), ("person", "A. Lee", ("A. Lee",)), ("person", "Lee", ("Lee",)),
    ("person", "Kim Park", ("Park",)), ("organization", "Kim Park", ("Kim Park",)),
    ("organization", "United Nations", ("UN", "United Nations")), ("organization", "UN", ("UN",)),
    ("organization", "U.N.", ("U.N.",)), ("place", "Kyiv", ("Kyiv",)), ("place", "Kiev", ("Kiev",)),
    ("place", "Kramatorsk", ("Kramatorsk",)),  # between Kiev and Kyiv: the entity's first name places its page
    # Full names whose own form has no space (so they share no form), one a transliteration of another.
    ("person", "Ann ...", ("Ann Smith",)), ("person", "Ann ...", ("Ann Jones",)),
    ("person", "Ann ....", ("Ann Brown",)),
)
ALIASES = KnowledgeBase(entities=(KnownEntity(name="Kyiv", kind="place", aliases=("Kiev",), description="A city."),
                                  KnownEntity(name="United Nations", kind="organization", aliases=("UN", "U.N."))))


@st.composite
def _spelled_article(draw: st.DrawFn, slug: str) -> tuple[Article, Annotations]:
    # Two entries of one name with other forms (the same entity, as one article may give it) included.
    named = draw(st.lists(st.sampled_from(SPELLINGS), max_size=5))
    article = Article(slug=slug, path=Path(f"{slug}.md"), title=f"News {slug}", body="Words.", body_line=1,
                      published=dt.date(2025, 3, draw(st.integers(1, 4))))
    entities = tuple(Entity(name=name, kind=kind, mentions=mentions,  # type: ignore[arg-type]
                            role=draw(st.sampled_from([None, "President", "Minister"])))  # ties: the first wins
                     for kind, name, mentions in named)
    quotes = tuple(Quote(anchor=Anchor(exact="Words."), speaker=name, kind="full") for _, name, _ in named[:1])
    return article, Annotations(article=slug, text_sha256="x", entities=entities, quotes=quotes)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_entities_merged_again_with_the_memory_of_earlier_links_are_the_entities_merged_afresh(
        data: st.DataObject) -> None:
    # Edits that add, drop and respell names, move an article in time, change the editor's aliases:
    # a session applies each change to the sets of spellings of last time (or starts again when a set
    # may split), and must end where merging every spelling afresh ends.
    archive = {f"a{n}": data.draw(_spelled_article(f"a{n}")) for n in range(data.draw(st.integers(1, 12)))}
    kb = data.draw(st.sampled_from([KnowledgeBase(), ALIASES]))
    memory = Linking()
    for edit in range(data.draw(st.integers(1, 8)) + 1):
        articles, annotations = [a for a, _ in archive.values()], [n for _, n in archive.values()]
        assert link(articles, annotations, kb, memory=memory) == link(articles, annotations, kb), edit
        change = data.draw(st.sampled_from(["rewrite", "rewrite", "add", "remove", "date", "aliases"]))
        slug = data.draw(st.sampled_from(sorted(archive)))
        if change == "add":
            slug = f"b{len(archive)}"
        if change in ("rewrite", "add"):
            archive[slug] = data.draw(_spelled_article(slug))
        elif change == "remove" and len(archive) > 1:
            del archive[slug]
        elif change == "date":
            article, annotations_of = archive[slug]
            moved = dataclasses.replace(article, published=article.published + dt.timedelta(days=1))
            archive[slug] = moved, annotations_of
        elif change == "aliases":
            kb = KnowledgeBase() if kb == ALIASES else ALIASES


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SPELLINGS), unique=True, min_size=1), st.randoms(use_true_random=False),
       st.sampled_from([KnowledgeBase(), ALIASES]))
def test_the_sets_of_spellings_and_their_roots_do_not_depend_on_the_order_spellings_come_in(
        spellings: list[tuple[str, str, tuple[str, ...]]], rng: random.Random, kb: KnowledgeBase) -> None:
    # What lets a session add an edit's spellings to last time's sets: the same sets as afresh.
    keys = [_spelling(Entity(name=name, kind=kind, mentions=mentions))  # type: ignore[arg-type]
            for kind, name, mentions in spellings]
    shuffled = keys[:]
    rng.shuffle(shuffled)
    in_order, out_of_order = SpellingSets(kb), SpellingSets(kb)
    for key in keys:
        in_order.add(key)
    for key in shuffled:
        out_of_order.add(key)
    assert {key: in_order.root(key) for key in keys} == {key: out_of_order.root(key) for key in keys}
    roots = {in_order.root(key) for key in keys}
    assert all(root == min(key for key in keys if in_order.root(key) == root) for root in roots)


def test_an_edit_of_one_article_leaves_every_other_part_of_the_digest_the_same_object() -> None:
    first, second, third = _article("a", 1, ("Ann Lee",), "Ines Moreau"), _article("b", 2, ("Ann Lee",), None), \
        _article("c", 20, ("Tom Reed",), "Tom Reed")
    memory = Linking()
    before = link([first[0], second[0], third[0]], [first[1], second[1], third[1]], KnowledgeBase(), memory=memory)
    edited = dataclasses.replace(third[0], body="An update.\n\n" + third[0].body)
    after = link([first[0], second[0], edited], [first[1], second[1], third[1]], KnowledgeBase(), memory=memory)
    assert after == link([first[0], second[0], edited], [first[1], second[1], third[1]], KnowledgeBase())
    stories = {story.articles: story for story in before.stories}
    assert [story is stories.get(story.articles) for story in after.stories] == [
        story.articles != ("c",) for story in after.stories]  # only the edited article's story is new
    assert all(x is y for x, y in zip(after.entities, before.entities, strict=True))
    assert all(x is y for x, y in zip(after.quotes, before.quotes, strict=True))


def test_the_memory_of_links_forgets_the_parts_of_removed_articles() -> None:
    first, second = _article("a", 1, ("Ann Lee",), "Ines Moreau"), _article("b", 20, ("Tom Reed",), None)
    memory = Linking()
    link([first[0], second[0]], [first[1], second[1]], KnowledgeBase(), memory=memory)
    link([first[0]], [first[1]], KnowledgeBase(), memory=memory)
    assert set(memory._each["quotes"]) == {"a"} and set(memory._each["story"]) == {("a",)}


def test_a_name_tagged_as_two_kinds_in_one_article_links_each_kind_to_its_own_page() -> None:
    # An annotator (or an editor) may call one name an organization and a person in the same article;
    # each mention links to the page of its own kind, never to the other kind's page.
    from sitegen.marking import article_html
    from sitegen.render import page_url

    article = Article(slug="a", path=Path("a.md"), title="Moslavar", published=dt.date(2025, 3, 1),
                      body="Moslavar said so. The Moslavar group agreed.", body_line=1)
    annotations = Annotations(article="a", text_sha256="x", entities=(
        Entity(name="Moslavar", kind="organization", mentions=("Moslavar",)),
        Entity(name="Moslavar", kind="person", mentions=("Moslavar",))))
    digest = link([article], [annotations], KnowledgeBase())
    links = digest.entity_links["a"]
    assert links == {("organization", "Moslavar"): "organization/moslavar", ("person", "Moslavar"): "person/moslavar"}
    body, _ = article_html(article, annotations, links, lambda key: page_url(*key.split("/", 1)))
    assert 'class="entity organization" href="organizations/moslavar.html"' in body
    assert 'href="people/moslavar.html"' not in body  # the first annotation's kind wins for the shared form


@pytest.mark.parametrize("seed", range(6))
def test_story_grouping_resumed_after_edits_of_a_larger_archive_groups_as_afresh(seed: int) -> None:
    # Story grouping with a memory resumes from the last step an edit cannot have changed; the small
    # archives of the property test above have at most eight articles, so this one walks 150 articles
    # over two months through edits anywhere in them (people, dates, quotes, additions, removals).
    import random

    rng = random.Random(seed)
    people = [f"{first} {last}" for first in ("Ann", "Tom", "Kim", "Ines") for last in ("Lee", "Reed", "Park")]

    def article(slug: str) -> tuple[Article, Annotations]:
        named = tuple(rng.sample(people, rng.randint(0, 5)))
        day = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randint(0, 60))
        words = rng.choice([WORDS, "no comment", "we will not reopen the harbour before the storm"])
        body = f'{" and ".join(named) or "Nobody"} met. "{words.capitalize()}," someone said.'
        speaker = rng.choice([None, *named])
        return (Article(slug=slug, path=Path(f"{slug}.md"), title=f"Harbour {slug}", published=day, body=body,
                        body_line=1, story=rng.choice([None] * 9 + ["harbour-talks"])),
                Annotations(article=slug, text_sha256="x",
                            entities=tuple(Entity(name=n, kind="person", mentions=(n,)) for n in sorted(named)),
                            quotes=(Quote(anchor=Anchor(exact=words.capitalize()), speaker=speaker, kind="full"),)))

    archive = {f"a{n:03}": article(f"a{n:03}") for n in range(150)}
    memory = Linking()
    for edit in range(12):
        articles, annotations = [a for a, _ in archive.values()], [n for _, n in archive.values()]
        assert link(articles, annotations, KnowledgeBase(), memory=memory) == link(articles, annotations,
                                                                                    KnowledgeBase()), edit
        slug = rng.choice(sorted(archive))
        change = rng.choice(["rewrite", "remove", "add", "date", "someone new"])
        if change == "someone new":  # most likely joins no story: grouping stops once the sets are as before
            old, annotations_of = archive[slug]
            newcomer = Entity(name=f"Newcomer {edit}", kind="person", mentions=(f"Newcomer {edit}",))
            archive[slug] = old, dataclasses.replace(annotations_of, entities=(*annotations_of.entities, newcomer))
        elif change == "remove":
            del archive[slug]
        elif change == "add":
            archive[f"b{edit:03}"] = article(f"b{edit:03}")
        elif change == "date":
            old, annotations_of = archive[slug]
            archive[slug] = dataclasses.replace(old, published=old.published + dt.timedelta(days=5)), annotations_of
        else:
            archive[slug] = article(slug)
