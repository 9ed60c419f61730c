"""Merging: the entities that articles name become one entity each across every spelling.

Entities merge by general rules: a shared surface form (dots and case aside), a person's full name that
is a transliteration variant of another's (Zelensky / Zelenskyy: same first name, near-identical
surname), and the editor's aliases in the knowledge base. Each entity gets one page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import lru_cache, partial
from operator import attrgetter, itemgetter
from typing import Any

from rapidfuzz import fuzz
from unidecode import unidecode

from sitegen.linking import Linking, NodeKey
from sitegen.model import Annotations, Entity, EntityKind, EntityPage, KnowledgeBase, KnownEntity
from sitegen.slugs import slugify


class UnionFind:
    """Disjoint sets over comparable keys (tuples of strings, strings or ints, one kind per instance)."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, item: Any) -> Any:
        parent = self.parent
        above = parent.get(item)
        if above is None:
            parent[item] = item
            return item
        while above != item:  # path halving
            parent[item] = parent[above]
            item, above = parent[item], parent[parent[item]]
        return item

    def union(self, a: Any, b: Any) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # The smaller key becomes the root, so the result does not depend on the order of unions.
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


@lru_cache(maxsize=200_000)
def _form(text: str) -> str:
    return re.sub(r"['’]s$", "", text.replace(".", "")).casefold().strip()


@lru_cache(maxsize=100_000)
def _translit(name: str) -> str:
    """A spelling key that folds common transliteration variants (yy/iy/y, ii/i, kh/h)."""
    key = unidecode(name).lower()
    for pattern, repl in ((r"(yy|iy|ij|yi)\b", "y"), (r"ii\b", "i"), ("kh", "h"), ("ou", "u"), ("j", "y")):
        key = re.sub(pattern, repl, key)
    return key


def _same_person(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2:
        return False
    return _translit(wa[0]) == _translit(wb[0]) and fuzz.ratio(_translit(wa[-1]), _translit(wb[-1])) >= 85


Spelling = tuple[str, str, tuple[str, ...]]
"""How an article writes an entity: (kind, name, the forms it uses)."""


def mention_keys(annotation: Annotations) -> tuple[tuple[NodeKey, ...], tuple[Spelling, ...],
                                                   tuple[tuple[Spelling, Spelling], ...]]:
    """An article's entities as merging reads them: each one's node (article, kind, name) and spelling,
    and the pairs of spellings the article gives one entity (a name written with other forms elsewhere
    in the same article)."""
    nodes = tuple((annotation.article, entity.kind, entity.name) for entity in annotation.entities)
    spellings = tuple((entity.kind, entity.name, entity.mentions) for entity in annotation.entities)
    first: dict[NodeKey, Spelling] = {}
    same = []
    for node, spelling in zip(nodes, spellings, strict=True):
        known = first.setdefault(node, spelling)
        if known != spelling:
            same.append((known, spelling))
    return nodes, spellings, tuple(same)


def merge_entities(spelling_of: list[Spelling], same: list[tuple[Spelling, Spelling]], kb: KnowledgeBase) -> list[int]:
    """For each mention's spelling (`spelling_of`), a number shared by every spelling of one entity;
    `same`: pairs of spellings that one article gives one entity."""
    # Most articles write an entity as others do: at 10,000 articles, 273,000 mentions carry 13,000
    # distinct spellings (kind, name, forms). The sets are made over those, and each article's entity
    # joins the set of its spelling. Spellings are numbered in sorted order and the smallest number is
    # the root of its set, so the result does not depend on the order of the articles.
    spellings = sorted(set(spelling_of))
    number = {spelling: i for i, spelling in enumerate(spellings)}
    uf = UnionFind()
    by_form: dict[tuple[str, str], int] = {}
    full_names: dict[str, int] = {}
    for i, (kind, name, mentions) in enumerate(spellings):
        uf.find(i)
        forms = {_form(f) for f in (name, *mentions)}
        if kind == "person":
            forms = {f for f in forms if " " in f} or forms  # surnames alone do not merge people
            full_names.setdefault(name, i)
        for form in forms:
            key = (kind, form)
            if key in by_form:
                uf.union(i, by_form[key])
            else:
                by_form[key] = i
    for spelling, other in same:  # an article naming one entity twice, with different forms
        uf.union(number[spelling], number[other])
    by_first: dict[str, list[str]] = defaultdict(list)  # only names with the same first name can match
    for name in sorted(full_names):
        if " " in name:
            by_first[_translit(name.split()[0])].append(name)
    for names in by_first.values():
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if _same_person(a, b):
                    uf.union(full_names[a], full_names[b])
    for known in kb.entities:
        aliased = [by_form[(known.kind or "", _form(f))] for f in (known.name, *known.aliases)
                   if (known.kind or "", _form(f)) in by_form]
        for number_of_alias in aliased[1:]:
            uf.union(aliased[0], number_of_alias)
    root = [uf.find(spelling) for spelling in range(len(spellings))]  # found once per spelling, not per mention
    return list(map(root.__getitem__, map(number.__getitem__, spelling_of)))


def entity_pages(rank: dict[str, int], published: Mapping[str, dt.date], annotations: list[Annotations],
                 kb: KnowledgeBase, memory: Linking) -> tuple[tuple[EntityPage, ...], dict[NodeKey, str]]:
    """One page per entity; `rank` is each article's place newest first (publication date, then slug),
    `published` its date."""
    # Each article's nodes and spellings are made once while its entities are the same (at 10,000
    # articles, 273,000 of each were made again after any change of an entity).
    keys = [memory.each("mention keys", a.article, a.entities, partial(mention_keys, a)) for a in annotations]
    pairs = [(a.article, e) for a in annotations for e in a.entities]
    roots = merge_entities(list(itertools.chain.from_iterable(k[1] for k in keys)),
                           list(itertools.chain.from_iterable(k[2] for k in keys)), kb)
    groups: dict[int, list[tuple[str, Entity]]] = defaultdict(list)
    for root, pair in zip(roots, pairs, strict=True):
        groups[root].append(pair)
    known = {k.name: k for k in kb.entities}
    same_kb = memory.made("knowledge base of entity facts", kb, object)  # the same object while kb is equal
    pages: list[EntityPage] = []
    page_of_root: dict[int, str] = {}
    used: set[tuple[str, str]] = set()
    for root, members in sorted(groups.items(), key=lambda group: (group[1][0][1].kind, group[1][0][1].name)):
        # What an entity's page says follows from its mentions, the dates of the articles that make them
        # (which order its articles) and the knowledge base: in a session, an edit that names someone new
        # finds the facts of the other 7,800 entities of 10,000 articles as they were.
        first = members[0][1]
        dates = tuple(map(published.__getitem__, map(_FIRST, members)))
        name, kind, slug, roles, mentioned, forms = memory.each(
            "entity facts", (first.kind, first.name), (members, dates, same_kb),
            partial(_entity_facts, members, rank, known))
        while (kind, slug) in used:
            slug += "-2"
        used.add((kind, slug))
        pages.append(memory.same("entity page", (kind, slug), EntityPage(
            slug=slug, name=name, kind=kind, forms=forms, roles=roles, articles=mentioned,
            description=known[name].description if name in known else None)))
        page_of_root[root] = f"{kind}/{slug}"
    page_of: dict[NodeKey, str] = dict(zip(itertools.chain.from_iterable(k[0] for k in keys),
                                           map(page_of_root.__getitem__, roots), strict=True))
    return tuple(pages), page_of


_Facts = tuple[str, EntityKind, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""An entity's name, kind, slug (before telling it apart from another entity's), roles, articles and forms."""


def _entity_facts(members: list[tuple[str, Entity]], rank: dict[str, int], known: dict[str, KnownEntity]) -> _Facts:
    # Each pass over an entity's mentions is a map in C rather than a generator expression (273,000
    # mentions at 10,000 articles, six passes: entity pages 0.96 -> 0.89 s).
    entities = list(map(_SECOND, members))
    names = Counter(map(_NAME, entities))
    kb_name = next((n for n in names if n in known), None)
    name = kb_name or max(names, key=lambda n: (names[n], len(n.split()), len(n), n))
    kind = Counter(map(_KIND, entities)).most_common(1)[0][0]
    roles = Counter(filter(None, map(_ROLE, entities)))
    # Sorting by rank, an integer, orders as (published, slug) newest first does, at a fraction of the cost.
    mentioned = sorted(set(map(_FIRST, members)), key=rank.__getitem__)
    forms = sorted({*names, *itertools.chain.from_iterable(map(_MENTIONS, entities))})
    return (name, kind, slugify(name), tuple(r for r, _ in roles.most_common()), tuple(mentioned), tuple(forms))


_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_NAME, _KIND, _ROLE, _MENTIONS = attrgetter("name"), attrgetter("kind"), attrgetter("role"), attrgetter("mentions")
