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
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import count, repeat
from operator import attrgetter, itemgetter
from typing import Any, TypeVar, cast

from rapidfuzz import fuzz

from sitegen.linking import Linking, NodeKey
from sitegen.model import Annotations, Entity, EntityKind, EntityPage, KnowledgeBase, KnownEntity
from sitegen.slugs import slugify, spelling_key


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


def _same_person(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2:
        return False
    return spelling_key(wa[0]) == spelling_key(wb[0]) and \
        fuzz.ratio(spelling_key(wa[-1]), spelling_key(wb[-1])) >= 85


Spelling = str
"""How an article writes an entity: its kind, name and the forms it uses, joined by NUL characters. A
string, because Python keeps a string's hash: merging hashes the spellings of all 273,000 mentions of
10,000 articles several times, and a tuple's hash is made again each time (0.1 s a pass)."""


def _spelling(entity: Entity) -> Spelling:
    fields = (entity.kind, entity.name, *entity.mentions)
    joined = "\0".join(fields)
    if joined.count("\0") != len(fields) - 1:  # a NUL in a name (never in news): each field stays whole
        joined = "\0".join(f.replace("\0", "\ufffd") for f in fields)
    return joined


def _parts(spelling: Spelling) -> tuple[str, str, tuple[str, ...]]:
    """(kind, name, forms) of a spelling."""
    kind, name, *mentions = spelling.split("\0")
    return kind, name, tuple(mentions)


def mention_keys(annotation: Annotations) -> tuple[tuple[NodeKey, ...], tuple[Spelling, ...],
                                                   tuple[tuple[Spelling, Spelling], ...]]:
    """An article's entities as merging reads them: each one's node (article, kind, name) and spelling,
    and the pairs of spellings the article gives one entity (a name written with other forms elsewhere
    in the same article)."""
    nodes = tuple((annotation.article, entity.kind, entity.name) for entity in annotation.entities)
    spellings = tuple(map(_spelling, annotation.entities))
    first: dict[NodeKey, Spelling] = {}
    same = []
    for node, spelling in zip(nodes, spellings, strict=True):
        known = first.setdefault(node, spelling)
        if known != spelling:
            same.append((known, spelling))
    return nodes, spellings, tuple(same)


class SpellingSets:
    """The sets of spellings that name one entity, grown a spelling at a time. A spelling joins every set
    it shares a form with (dots and case aside; a person's surname alone shares nothing), a person's full
    name joins the names that are transliteration variants of it, and the editor's aliases join the
    spellings that use them. The least spelling of a set is its root, so the sets and their roots do not
    depend on the order the spellings came in: a session adds the spellings an edit brings to the sets
    of last time, and gets what merging every spelling afresh gets."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.uf = UnionFind()
        self.size: dict[Spelling, int] = {}
        """Root -> how many spellings its set holds."""
        self.absorbed: list[Spelling] = []
        """Roots that stopped being roots (their set joined another) since the caller last emptied it."""
        self.by_form: dict[tuple[str, str], Spelling] = {}
        self.full_names: dict[str, Spelling] = {}
        self.by_first: dict[str, list[str]] = defaultdict(list)  # only names with the same first name can match
        self.aliases: dict[tuple[str, str], list[int]] = defaultdict(list)
        """(kind, form) -> the knowledge base's entries with that name or alias."""
        self.alias_seen: dict[int, Spelling] = {}
        """A knowledge base entry -> a spelling that uses one of its names."""
        for number, known in enumerate(kb.entities):
            for form in {_form(f) for f in (known.name, *known.aliases)}:
                self.aliases[(known.kind or "", form)].append(number)

    def root(self, spelling: Spelling) -> Spelling:
        return cast(Spelling, self.uf.find(spelling))

    def join(self, a: Spelling, b: Spelling) -> None:
        root_a, root_b = self.root(a), self.root(b)
        if root_a != root_b:
            self.uf.union(root_a, root_b)
            kept, gone = min(root_a, root_b), max(root_a, root_b)
            self.size[kept] += self.size.pop(gone)
            self.absorbed.append(gone)

    def add(self, spelling: Spelling) -> None:
        """A spelling new to the sets joins those it names one entity with."""
        kind, name, _ = _parts(spelling)
        self.uf.find(spelling)
        self.size[spelling] = 1
        for key in _keys(spelling):
            known = self.by_form.get(key)
            if known is not None:
                self.join(spelling, known)
                continue
            self.by_form[key] = spelling
            for number in self.aliases.get(key, ()):
                if number in self.alias_seen:
                    self.join(spelling, self.alias_seen[number])
                else:
                    self.alias_seen[number] = spelling
        if kind == "person" and " " in name:
            if name in self.full_names:
                self.join(spelling, self.full_names[name])
                return
            self.full_names[name] = spelling
            names = self.by_first[spelling_key(name.split()[0])]
            for other in names:
                if _same_person(min(name, other), max(name, other)):
                    self.join(spelling, self.full_names[other])
            names.append(name)

    def remove(self, spelling: Spelling) -> bool:
        """Take out a spelling that is a set of its own (nothing joined it to another: taking it out
        changes no other set); False, and nothing done, for any other."""
        if self.root(spelling) != spelling or self.size[spelling] != 1:
            return False
        del self.uf.parent[spelling], self.size[spelling]
        for key in _keys(spelling):
            del self.by_form[key]  # a set of its own: no other spelling has its forms
            for number in self.aliases.get(key, ()):
                if self.alias_seen.get(number) == spelling:
                    del self.alias_seen[number]
        name = _parts(spelling)[1]
        if self.full_names.get(name) == spelling:
            del self.full_names[name]
            self.by_first[spelling_key(name.split()[0])].remove(name)
        return True


def _keys(spelling: Spelling) -> set[tuple[str, str]]:
    """The (kind, form) keys a spelling shares with the others of its entity."""
    kind, name, mentions = _parts(spelling)
    forms = {_form(f) for f in (name, *mentions)}
    if kind == "person":
        forms = {f for f in forms if " " in f} or forms  # surnames alone do not merge people
    return {(kind, form) for form in forms}


Links = dict[tuple[str, str], str]
"""An article's entity links: (kind, name as the article gives it) -> the entity's page key ("person/x")."""
_Member = tuple[str, Entity, int]
"""One mention of an entity: (article, the article's entity, its place among the article's entities)."""


@dataclass
class EntityMerge:
    """What `entity_pages` made last time and from what, so that an edit's changes to the entities are
    applied to it: only the sets of spellings, entities and article links that the changed articles
    touch are made again. At 10,000 articles, merging 13,000 spellings, grouping 273,000 mentions and
    linking them afresh took 0.67 s of every edit that named someone or dropped a name; now 0.07 s."""

    kb: KnowledgeBase
    sets: SpellingSets
    keys: dict[str, MentionKeys] = field(default_factory=dict)
    published: dict[str, dt.date] = field(default_factory=dict)
    entities: dict[str, tuple[Entity, ...]] = field(default_factory=dict)
    mentions: Counter[Spelling] = field(default_factory=Counter)
    """How many mentions have each spelling."""
    same: Counter[tuple[Spelling, Spelling]] = field(default_factory=Counter)
    groups: dict[Spelling, list[_Member]] = field(default_factory=dict)
    """Root spelling -> the mentions of its entity, in article order."""
    order: dict[Spelling, tuple[str, str, Spelling]] = field(default_factory=dict)
    """Root -> what orders its page among all: the kind and name of its first mention, and the root."""
    facts: dict[Spelling, _Facts] = field(default_factory=dict)
    page_key: dict[Spelling, str] = field(default_factory=dict)
    pages: dict[tuple[str, str], EntityPage] = field(default_factory=dict)
    """(kind, slug) -> its page."""
    links: dict[str, Links] = field(default_factory=dict)


MentionKeys = tuple[tuple[NodeKey, ...], tuple[Spelling, ...], tuple[tuple[Spelling, Spelling], ...]]

# More changed articles than this share of all (and a few): merged afresh (one pass over all is faster).
MOST_CHANGED = 0.25


def entity_pages(rank: dict[str, int], published: Mapping[str, dt.date], annotations: list[Annotations],
                 kb: KnowledgeBase, memory: Linking) -> tuple[tuple[EntityPage, ...], dict[str, Links]]:
    """One page per entity, and each article's entity links (articles naming no entity left out, the
    rest in sorted order); `annotations` are in article order, `rank` is each article's place in it
    (publication date, then slug, newest first), `published` its date. In a session (`memory` of
    earlier calls), the changes since last time are applied to what was made then."""
    # Each article's nodes and spellings are made once while its entities are the same.
    keys = {a.article: memory.each("mention keys", a.article, a.entities, partial(mention_keys, a))
            for a in annotations}
    dates = {slug: published[slug] for slug in keys}
    last, memory.merging = memory.merging, None  # until made: a call that fails leaves nothing half changed
    entities = {a.article: a.entities for a in annotations}
    # An article whose entities are equal may still have other roles (the same mention keys).
    changed = [] if last is None else [
        slug for slug, made in keys.items() if last.keys.get(slug) is not made or last.published[slug] != dates[slug]
        or last.entities[slug] != entities[slug]]
    removed = [] if last is None else [slug for slug in last.keys if slug not in keys]
    if last is None or last.kb != kb or len(changed) + len(removed) > 8 + MOST_CHANGED * len(keys) or \
            not _apply_changes(last, keys, changed, removed):
        last = EntityMerge(kb, SpellingSets(kb))
        changed, removed = list(keys), []
        _apply_changes(last, keys, changed, removed)
    made = _pages_and_links(last, keys, entities, changed, removed, rank, kb)
    last.published, last.entities = dates, entities
    memory.merging = last
    return made


def _apply_changes(merge: EntityMerge, keys: dict[str, MentionKeys], changed: list[str], removed: list[str]) -> bool:
    """Bring the sets of spellings up to date with the changed and removed articles' mentions; False
    when that cannot be done by adding (a spelling that leaves a set of several, a pair of spellings
    one article gave one entity and none does now: the sets may split), with `merge` then unusable."""
    sets = merge.sets
    for slug in [*changed, *removed]:
        before = merge.keys.get(slug)
        if before is not None:
            merge.mentions.subtract(before[1])
            merge.same.subtract(before[2])
    spellings = list(itertools.chain.from_iterable(keys[slug][1] for slug in changed))
    merge.mentions.update(spellings)  # counted in C (each spelling is hashed in full: one pass only)
    merge.same.update(itertools.chain.from_iterable(keys[slug][2] for slug in changed))
    gone = sorted(spelling for spelling, count in merge.mentions.items() if count <= 0)
    if any(count <= 0 for count in merge.same.values()):
        return False
    for spelling in gone:
        if not sets.remove(spelling):
            return False
        del merge.mentions[spelling]
    sets.absorbed = []
    for spelling in sorted(set(spellings).difference(sets.uf.parent)):
        sets.add(spelling)
    for a, b in sorted({pair for slug in changed for pair in keys[slug][2]}):
        sets.join(a, b)
    return True


def _pages_and_links(merge: EntityMerge, keys: dict[str, MentionKeys], entities: Mapping[str, tuple[Entity, ...]],
                     changed: list[str], removed: list[str], rank: dict[str, int], kb: KnowledgeBase
                     ) -> tuple[tuple[EntityPage, ...], dict[str, Links]]:
    """The entities' pages and the articles' links, made again where the changed and removed articles
    (whose mentions the sets of spellings hold already) touch them; `merge` becomes this call's."""
    sets = merge.sets
    root_of = {spelling: sets.root(spelling) for spelling in sets.uf.parent}
    gone = set(changed).union(removed)
    # The entities whose mentions change: those the changed articles name now or named last time, and
    # those whose sets joined another's.
    touched = set(map(root_of.__getitem__, itertools.chain.from_iterable(keys[slug][1] for slug in changed)))
    parts: dict[Spelling, list[Spelling]] = defaultdict(list)  # entity -> the entities of last time it holds
    for slug in gone:
        before = merge.keys.get(slug)
        for spelling in before[1] if before else ():
            if spelling in root_of:
                touched.add(root_of[spelling])
            elif spelling in merge.groups:  # a spelling no article uses any more: its entity is gone
                merge.groups.pop(spelling)
                del merge.order[spelling], merge.facts[spelling]
    for root in sets.absorbed:
        touched.add(root_of[root])
        parts[root_of[root]].append(root)
    mentioned: dict[Spelling, list[_Member]] = defaultdict(list)  # the changed articles' mentions, in article order
    for slug in changed:
        numbered = zip(repeat(slug), entities[slug], count())  # (article, entity, its place among the article's)
        for root, member in zip(map(root_of.__getitem__, keys[slug][1]), numbered, strict=False):
            mentioned[root].append(member)
    known = {k.name: k for k in kb.entities}
    for root in touched:
        kept = [[m for m in merge.groups.pop(old, ()) if m[0] not in gone] for old in (root, *parts[root])]
        members = [*itertools.chain.from_iterable(kept), *mentioned.get(root, ())]
        if sum(map(bool, kept)) + (root in mentioned) > 1:  # mentions of last time and of now, interleaved
            members.sort(key=lambda m: (rank[m[0]], m[2]))
        for old in (root, *parts[root]):
            merge.order.pop(old, None)
            merge.facts.pop(old, None)
        if not members:  # no article names it any more
            continue
        first = members[0][1]
        merge.groups[root], merge.order[root] = members, (first.kind, first.name, root)
        merge.facts[root] = _entity_facts(members, rank, known)
    pages: list[EntityPage] = []
    page_key: dict[Spelling, str] = {}
    made: dict[tuple[str, str], EntityPage] = {}
    for root in sorted(merge.groups, key=merge.order.__getitem__):
        name, kind, slug, roles, articles, forms = merge.facts[root]
        while (kind, slug) in made:
            slug += "-2"
        key = page_key[root] = f"{kind}/{slug}"
        page = merge.pages.get((kind, slug))
        if root in touched or page is None or merge.page_key.get(root) != key:
            page = _same_or(page, EntityPage(slug=slug, name=name, kind=kind, forms=forms, roles=roles,
                                             articles=articles,
                                             description=known[name].description if name in known else None))
        pages.append(page)
        made[(kind, slug)] = page
    # Articles whose links change: the changed ones, and those naming an entity whose page moved (its
    # name or slug changed, or its set joined another).
    relink = [slug for slug in changed if keys[slug][0]]
    for root, key in merge.page_key.items():
        if root in root_of and page_key[root_of[root]] != key:
            relink += (m[0] for m in merge.groups[root_of[root]])
    for slug in [*removed, *(slug for slug in changed if not keys[slug][0])]:  # no links (any more)
        merge.links.pop(slug, None)
    for slug in set(relink):
        nodes, spellings, _ = keys[slug]
        page_of = dict(zip(nodes, map(page_key.__getitem__, map(root_of.__getitem__, spellings)), strict=True))
        ordered = sorted(page_of)  # each node once, in order
        merge.links[slug] = _same_or(merge.links.get(slug), dict(zip(map(_KIND_NAME, ordered),
                                                                     map(page_of.__getitem__, ordered), strict=True)))
    merge.keys, merge.page_key, merge.pages = keys, page_key, made
    return tuple(pages), {slug: merge.links[slug] for slug in sorted(merge.links)}


_Same = TypeVar("_Same")


def _same_or(old: _Same | None, new: _Same) -> _Same:
    """The old value when equal to the new one (so that what did not change is the same object)."""
    return old if old is not None and old == new else new


_Facts = tuple[str, EntityKind, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""An entity's name, kind, slug (before telling it apart from another entity's), roles, articles and forms."""


def _entity_facts(members: list[_Member], rank: dict[str, int], known: dict[str, KnownEntity]) -> _Facts:
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


_FIRST, _SECOND, _KIND_NAME = itemgetter(0), itemgetter(1), itemgetter(1, 2)
_NAME, _KIND, _ROLE, _MENTIONS = attrgetter("name"), attrgetter("kind"), attrgetter("role"), attrgetter("mentions")
