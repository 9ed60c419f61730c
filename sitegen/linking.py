"""The memory of linking (`resolve.link`) from one build to the next in the same process: each part of
the digest with the inputs it was made from, so that a part is made again only when they change, and a
part equal to last time's is last time's object."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar, cast

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

    def per_article_links(self, page_of: dict[NodeKey, str]) -> dict[str, dict[tuple[str, str], str]]:
        """The pages of each article's entities, (kind, name) -> page, articles and their entities in sorted
        order (so that equal tables read out the same), each article's the same object as last time when
        they are the same."""
        def split() -> dict[str, dict[tuple[str, str], str]]:
            links: dict[str, list[tuple[tuple[str, str], str]]] = defaultdict(list)
            for (article, kind, name), page in page_of.items():
                links[article].append(((kind, name), page))
            return {slug: self.same("links", slug, dict(sorted(links[slug]))) for slug in sorted(links)}
        return self.made("per-article links", page_of, split)
