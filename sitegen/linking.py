"""The memory of linking (`resolve.link`) from one build to the next in the same process: each part of
the digest with the inputs it was made from, so that a part is made again only when they change, and a
part equal to last time's is last time's object."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from sitegen.merge import EntityMerge

NodeKey = tuple[str, str, str]
"""(article slug, entity kind, the entity's name in that article)."""

_Made = TypeVar("_Made")


class Linking:
    """What `resolve.link` made last time, with what it was made from (see `resolve.link`)."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[Any, Any]] = {}
        self._each: dict[str, dict[Any, tuple[Any, Any]]] = defaultdict(dict)
        self._same: dict[str, dict[Any, Any]] = defaultdict(dict)
        self._asked: dict[str, set[Any]] = defaultdict(set)  # keys of each part asked for by this call
        self.co_mentions = CoMentions()
        self.merging: EntityMerge | None = None
        """Entities and links as merged last time, to apply the next changes to (sitegen.merge)."""
        self.grouping: GroupingRun | None = None
        """Story grouping as it ran last time, to resume from (sitegen.resolve)."""

    def begin(self) -> None:
        """A call of `link` begins."""
        self._asked.clear()

    def end(self) -> None:
        """A call of `link` ends: what it did not ask for (parts of articles since removed, stories since
        regrouped) is forgotten, so that a server's memory does not grow with every edit. A part it did
        not make at all (entity pages it reused) is kept whole."""
        for part, asked in self._asked.items():
            table: dict[Any, Any] = self._each[part] if part in self._each else self._same[part]
            for key in [key for key in table if key not in asked]:
                del table[key]

    def made(self, part: str, inputs: Any, make: Callable[[], _Made]) -> _Made:
        """`make()`, or what it made last time from inputs equal to these. Inputs are compared with `==`,
        which takes an object as equal to itself without asking it: inputs reused from last time cost next
        to nothing to compare, however large."""
        known = self._made.get(part)
        if known is not None and (known[0] is inputs or known[0] == inputs):
            return cast(_Made, known[1])
        made = make()
        self._made[part] = (inputs, made)
        return made

    def each(self, part: str, key: Any, inputs: Any, make: Callable[[], _Made]) -> _Made:
        """As `made`, for one of many (one article's quotes): a result equal to last time's is last time's."""
        self._asked[part].add(key)
        known = self._each[part].get(key)
        if known is not None and known[0] == inputs:
            return cast(_Made, known[1])
        made = make()
        if known is not None and known[1] == made:
            made = known[1]
        self._each[part][key] = (inputs, made)
        return made

    def same(self, part: str, key: Any, value: _Made) -> _Made:
        """`value`, or the equal value given last time under `key` (so that it is the same object)."""
        self._asked[part].add(key)
        known = self._same[part].get(key)
        if known is not None and known == value:
            return cast(_Made, known)
        self._same[part][key] = value
        return value


@dataclass
class GroupingRun:
    """Story grouping as it ran: what it read of each article (in the order it walked them) and the
    state of its sets before some of its steps, so that the next run starts at the last such step its
    changes cannot have affected."""

    rows: list[tuple[Any, ...]]
    """(slug, date, entity pages, long quotes) of each article walked."""
    checkpoints: list[tuple[int, dict[str, str], dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    """(step, the union-find's parents, the spans of the sets) before that step."""
    final: tuple[dict[str, str], dict[str, tuple[Any, Any]]] | None = None
    """(The union-find's parents, the spans of the sets) after the last step."""


CoMentioned = dict[str, tuple[tuple[str, int], ...]]
"""Person slug -> (other person slug, articles naming both), both in sorted order."""


class CoMentions:
    """How often each two people are named by one article, counted article by article and kept: after an
    edit, only the articles whose entities changed are counted again, and only the people they name (or
    named) are sorted again (at 10,000 articles, 468,000 pairs of 5,000 people were counted and sorted
    anew after any edit that changed an entity). Each person's list is the same object while it is equal."""

    def __init__(self) -> None:
        self._people: dict[str, tuple[set[str], tuple[str, ...]]] = {}
        """Article -> (its entity pages as last counted, the people among them)."""
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._shown: CoMentioned = {}

    def update(self, entity_sets: Mapping[str, set[str]]) -> CoMentioned:
        """The co-mentions of articles with these entity pages (article -> "kind/slug" pages)."""
        touched: set[str] = set()
        counted: dict[str, tuple[set[str], tuple[str, ...]]] = {}
        for article, pages in entity_sets.items():
            known = self._people.get(article)
            if known is not None and known[0] is pages:
                counted[article] = known
                continue
            people = tuple(sorted(page.split("/", 1)[1] for page in pages if page.startswith("person/")))
            counted[article] = (pages, people)
            if known is not None and known[1] == people:
                continue
            if known is not None:
                self._count(known[1], -1)
                touched.update(known[1])
            self._count(people, 1)
            touched.update(people)
        for article in self._people.keys() - counted.keys():  # removed since
            gone = self._people[article][1]
            self._count(gone, -1)
            touched.update(gone)
        self._people = counted
        for person in touched:
            counts = self._counts[person]
            for other in [other for other, n in counts.items() if not n]:
                del counts[other]
            others = tuple(sorted(counts.items()))
            if others:
                if self._shown.get(person) != others:
                    self._shown[person] = others
            else:
                self._shown.pop(person, None)
                del self._counts[person]
        return {person: self._shown[person] for person in sorted(self._shown)}

    def _count(self, people: tuple[str, ...], step: int) -> None:
        for person in people:
            counts = self._counts[person]
            for other in people:
                if other != person:
                    counts[other] += step
