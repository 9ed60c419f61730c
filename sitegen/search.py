"""Search: lunr indexes built at build time, read by lunr.js in the browser, online and from disk.

Tiers keep what a reader downloads small. The default index covers what readers search most:
headlines, outlets and topics of articles (and of stories with several articles), and the pages of
people, organizations, places and topics under every spelling, with short refs and no positional
metadata. Full text (who and where each article mentions, its lead and body) is a second tier,
split into shards of documents that the page loads one after another only when the reader asks for
it. Every file is JavaScript loaded with a <script> tag, because browsers refuse fetch() of local
files under file://; the documents shown in results are a third, minimal file. A page loads them
when the reader starts searching; the results page names them in its HTML.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import pickle
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, TypeVar

from sitegen import search_index
from sitegen.jsontext import compact_json, json_parse_literal, json_parse_script
from sitegen.memo import code_version
from sitegen.model import Article, Digest, EntityPage
from sitegen.render import KIND_FOLDER
from sitegen.resolve import PUBLICATION_ORDER
from sitegen.storage import atomic_write_bytes, atomic_write_text
from sitegen.text import lead_paragraph
from sitegen.workers import KeptWorker, init_worker

DEFAULT_FIELDS: list[dict[str, Any]] = [
    {"field_name": "title", "boost": 10},
    {"field_name": "person", "boost": 6},
    {"field_name": "organization", "boost": 4},
    {"field_name": "place", "boost": 4},
    {"field_name": "topic", "boost": 3},
    {"field_name": "outlet", "boost": 2},
]
FULLTEXT_FIELDS: list[dict[str, Any]] = [
    {"field_name": "person", "boost": 3},
    {"field_name": "organization", "boost": 2},
    {"field_name": "place", "boost": 2},
    {"field_name": "lead", "boost": 2},
    {"field_name": "body", "boost": 1},
]
SNIPPET_CHARS = 160
FOLDER_OF_KIND = {"story": "stories", "article": "articles", "topic": "topics", **KIND_FOLDER}
SHARD_SIZE = 1000
DEFAULT_INDEX = "assets/search-index.js"
# The code that makes the index files and the code that writes them (storage.py, which sets their permissions):
# a change to either makes them again.
SEARCH_CODE = ("search.py", "search_index.py", "storage.py")
T = TypeVar("T")


class SearchMemory:
    """What `plan_index` keeps for the next build in the same process (`sitegen serve`): each entity's
    forms while it is the same object, each article's entity fields while its links and their forms are
    the same, and each index file's key while its documents are equal (at 10,000 articles, 0.2 and 0.2 s
    of each build; after an edit that changes an entity, the forms of all 273,000 links were gathered
    again)."""

    def __init__(self) -> None:
        self.forms: dict[str, tuple[EntityPage, str]] = {}
        """Entity page key -> (the entity, its forms as one text)."""
        self.fields: dict[str, tuple[Mapping[tuple[str, str], str], tuple[str, ...], dict[str, str]]] = {}
        """Article -> (its entity links, their forms, its entity fields), as last time."""
        self.made: tuple[Any, Any, tuple[dict[str, str], dict[str, dict[str, str]]]] | None = None
        """(The digest's entities, its entity links, what `_entity_forms` made of them) last time."""
        self.keys: dict[str, tuple[Part, tuple[str, int]]] = {}
        self.documents: dict[str, tuple[tuple[Article, str, dict[str, str], str], ArticleDocuments]] = {}
        """Article -> (what its documents were made of: the article, its ref, entity fields and topics;
        the documents), as last time, oldest first (as the full-text shards hold them)."""

    def key(self, part: Part) -> tuple[str, int]:
        known = self.keys.get(part.path)
        if known is not None and known[0] == part:
            return known[1]
        made = self.keys[part.path] = (part, _key(part))
        return made[1]


def _entity_forms(digest: Digest, memory: SearchMemory) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Each entity's forms as one text, by page key; the forms of each article's entities by kind, as one
    text per kind (its entity fields in the full-text index). In a session, what was made from the same
    objects is last time's."""
    if memory.made is not None and memory.made[0] is digest.entities and memory.made[1] is digest.entity_links:
        return memory.made[2]
    forms_of = {}
    for entity in digest.entities:
        key = f"{entity.kind}/{entity.slug}"
        known = memory.forms.get(key)
        if known is None or known[0] is not entity:
            known = memory.forms[key] = (entity, " ".join(sorted({entity.name, *entity.forms})))
        forms_of[key] = known[1]
    fields = {}
    for slug, links in digest.entity_links.items():
        forms = tuple(map(forms_of.__getitem__, links.values()))
        before = memory.fields.get(slug)
        if before is None or before[0] is not links or before[1] != forms:  # != compares the same strings first
            by_kind: dict[str, list[str]] = defaultdict(list)
            for key, text in zip(links.values(), forms, strict=True):
                by_kind[key.split("/", 1)[0]].append(text)
            before = memory.fields[slug] = (links, forms, {kind: " ".join(texts) for kind, texts in by_kind.items()})
        fields[slug] = before[2]
    for gone in memory.forms.keys() - forms_of.keys():  # entities and articles since removed
        del memory.forms[gone]
    for gone in memory.fields.keys() - fields.keys():
        del memory.fields[gone]
    memory.made = (digest.entities, digest.entity_links, (forms_of, fields))
    return forms_of, fields


def search_documents(digest: Digest, memory: SearchMemory | None = None
                     ) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """(result documents, default-index records, full-text records), with short refs."""
    forms_of, entity_fields = _entity_forms(digest, memory if memory is not None else SearchMemory())
    topics_of: dict[str, list[str]] = defaultdict(list)
    for topic in digest.topics:
        for slug in topic.articles:
            topics_of[slug].append(topic.topic.name)
    docs: list[dict[str, str]] = []
    records: list[dict[str, str]] = []
    bodies: list[dict[str, str]] = []

    def add(kind: str, title: str, slug: str, date: str, outlet: str, snippet: str, **fields: str) -> str:
        ref = format(len(docs), "x")
        docs.append({"r": ref, "k": kind, "t": title, "slug": slug, "d": date, "o": outlet,
                     "s": snippet[:SNIPPET_CHARS]})
        records.append({"id": ref, "title": title, "outlet": outlet, **fields})
        return ref

    # Oldest first, and before everything else: a new article (the usual change) is added at the end,
    # so the documents before it keep their refs and the full-text shards that hold them are reused.
    kept = memory.documents if memory is not None else {}
    made: dict[str, tuple[tuple[Article, str, dict[str, str], str], ArticleDocuments]] = {}
    for article in reversed(digest.articles):
        inputs = (article, format(len(docs), "x"), entity_fields.get(article.slug, {}),
                  " ".join(topics_of[article.slug]))
        known = kept.get(article.slug)
        # In a session, the same inputs (the very article and entity fields: compared in C) made the same
        # documents last time (at 10,000 articles, 0.1 s of every build to make them again).
        if known is None or known[0] != inputs:
            known = (inputs, _article_documents(*inputs))
        made[article.slug] = known
        doc, record, body = known[1]
        docs.append(doc)
        records.append(record)
        bodies.append(body)
    if memory is not None:
        memory.documents = made
    for story in digest.stories:
        if len(story.articles) < 2:
            continue  # a one-article story is found through its article
        ref = add("story", story.title, story.slug, story.published.isoformat(), "",
                  story.summary)
        bodies.append({"id": ref, "lead": story.summary})
    for entity in digest.entities:
        add(entity.kind, entity.name, entity.slug, "", "",
            ", ".join(entity.roles) or f"{len(entity.articles)} article(s)",
            **{entity.kind: forms_of[f"{entity.kind}/{entity.slug}"]})
    for topic in digest.topics:
        add("topic", topic.topic.name, topic.topic.slug, "", "", topic.topic.description,
            topic=topic.topic.name + " " + " ".join(topic.topic.terms))
    return docs, records, bodies


ArticleDocuments = tuple[dict[str, str], dict[str, str], dict[str, str]]
"""An article's result document, default-index record and full-text record."""


def _article_documents(article: Article, ref: str, entities: dict[str, str], topics: str) -> ArticleDocuments:
    # The default tier finds an article by headline, outlet and topic; who and where it mentions is
    # found through the entity's own page first, and in the full-text tier.
    lead = lead_paragraph(article.body) or ""
    outlet = article.outlet or ""
    return ({"r": ref, "k": "article", "t": article.title, "slug": article.slug, "d": article.published.isoformat(),
             "o": outlet, "s": lead[:SNIPPET_CHARS]},
            {"id": ref, "title": article.title, "outlet": outlet, "topic": topics},
            {"id": ref, "lead": lead, "body": article.body, "person": entities.get("person", ""),
             "organization": entities.get("organization", ""), "place": entities.get("place", "")})


def doc_table(docs: list[dict[str, str]]) -> dict[str, Any]:
    """What results show, as a table the browser parses fast: row i is the document with ref i (hex);
    kinds and outlets, few and repeated, are numbers into their lists; the page is the kind's folder
    and the slug. Rows of values parse markedly faster than objects with keys, and this file is read
    before the first results appear."""
    kinds = sorted({d["k"] for d in docs})
    outlets = sorted({d["o"] for d in docs})
    kind_number = {k: i for i, k in enumerate(kinds)}
    outlet_number = {o: i for i, o in enumerate(outlets)}
    return {
        "folders": {kind: FOLDER_OF_KIND[kind] for kind in kinds},
        "kinds": kinds,
        "outlets": outlets,
        "rows": [[kind_number[d["k"]], d["t"], d["slug"], d["d"], outlet_number[d["o"]], d["s"]] for d in docs],
    }


class Part(NamedTuple):
    """One index file: where it goes in the site, the JavaScript before the index, what it indexes."""

    path: str
    opening: str
    fields: list[dict[str, Any]]
    documents: list[dict[str, str]]


def _key(part: Part) -> tuple[str, int]:
    """The key a part is cached under, and the size of what it indexes (a measure of the work)."""
    # The search code itself is part of the key: a cached index made by other code is not reused.
    digest = hashlib.sha256(json.dumps([code_version(SEARCH_CODE), part.path, part.opening, part.fields],
                                       sort_keys=True).encode())
    size = 0
    # Each document's fields hashed as they are, each behind its length, so that different documents never
    # feed the hash the same bytes: serialising a large site's 56 MB of documents as JSON first took 0.3 s
    # of every build, three times this.
    for document in part.documents:
        digest.update(f"{len(document)}\0".encode())
        for name, value in sorted(document.items()):
            data = value.encode("utf-8", "surrogatepass")
            digest.update(f"{len(name)}\0{name}{len(data)}\0".encode())
            digest.update(data)
            size += len(data)
    return digest.hexdigest()[:32], size


class IndexPlan(NamedTuple):
    """The search files of a site before any index is built: the script of result documents, each
    index file to build with the key it is kept under in a cache and the size of its input, and the
    null default index that stands in when there is nothing to index."""

    docs_script: str
    parts: list[Part]
    keys: list[str]
    sizes: list[int]
    null_default: str | None


def plan_index(digest: Digest, memory: SearchMemory | None = None) -> IndexPlan:
    """What `index_files` makes, worked out (cheap next to indexing it)."""
    docs, records, bodies = search_documents(digest, memory)
    shards = [bodies[i:i + SHARD_SIZE] for i in range(0, len(bodies), SHARD_SIZE)]
    # The default index's file also tells how many full-text shards there are.
    default_opening = f"window.SITEGEN_SHARDS = {len(shards)};\nwindow.SITEGEN_INDEX = "
    parts = [Part(DEFAULT_INDEX, default_opening, DEFAULT_FIELDS, records)] if records else []
    parts += [Part(_fulltext_path(n), "window.SITEGEN_FULLTEXT = window.SITEGEN_FULLTEXT || [];\n"
                   f"window.SITEGEN_FULLTEXT[{n}] = ", FULLTEXT_FIELDS, shard) for n, shard in enumerate(shards)]
    null_default = None if records else f"{default_opening}null;\n"  # lunr cannot index nothing
    key = memory.key if memory else _key
    keys, sizes = zip(*map(key, parts), strict=True) if parts else ((), ())
    return IndexPlan(_script("SITEGEN_DOCS", doc_table(docs)), parts, list(keys), list(sizes), null_default)


def _fulltext_path(shard: int) -> str:
    return f"assets/search-fulltext-{shard}.js"


def _counted_name(path: str) -> str:
    """The file of `count_fulltext_ahead` for the index file at `path` (in the site)."""
    return f"{PurePosixPath(path).stem}.pickle"


def count_fulltext_ahead(articles: Sequence[Article], folder: Path) -> None:
    """Count the terms of the articles' leads and bodies into `folder`, one file per full-text shard as
    `plan_index` will cut them (text -> its `term_counts`), for a build that indexes every shard
    (`index_files(counted=folder)`). Articles alone decide them, so a process at the lowest priority
    counts them while the build reads annotations and links them, on a core that has nothing else to
    do then (the first 1.9 s of a --force build at 10,000 articles; counting is 0.3 of a full-text
    shard's 0.7 s). What it has not counted when the indexes are built is counted there."""
    oldest_first = sorted(articles, key=PUBLICATION_ORDER)  # the shards' order: the digest's, reversed
    for shard, start in enumerate(range(0, len(oldest_first), SHARD_SIZE)):
        counted: dict[str, Counter[str]] = {}
        for article in oldest_first[start:start + SHARD_SIZE]:
            for text in (lead_paragraph(article.body), article.body):
                if text and text not in counted:
                    counted[text] = search_index.term_counts(text)
        # Not synced: a file cut short fails to load and its shard is counted where it is indexed.
        atomic_write_bytes(folder / _counted_name(_fulltext_path(shard)),
                           pickle.dumps(counted, protocol=pickle.HIGHEST_PROTOCOL), durable=False)


def _load_counted(path: Path | None) -> dict[str, Counter[str]]:
    """What `count_fulltext_ahead` wrote to `path`, if it did (a file in the build's own temporary
    folder: see sitegen.memo for why a pickle there is safe); nothing if not."""
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            counted = pickle.load(handle)
    except Exception:  # not written (yet), or cut short
        return {}
    return counted if isinstance(counted, dict) else {}


def build_index(digest: Digest, workers: int | None = None, cache: Path | None = None,
                reuse: bool = True) -> Iterator[tuple[str, str | Path]]:
    """The search files of the site (see `index_files`)."""
    return index_files(plan_index(digest), workers, cache, reuse)


def index_files(plan: IndexPlan, workers: int | None = None, cache: Path | None = None,
                reuse: bool = True, idle: Callable[[], object] | None = None,
                counted: Path | None = None) -> Iterator[tuple[str, str | Path]]:
    """The search files of the site, one at a time: (path in the site, JavaScript text), or with a cache
    (path in the site, the cached file holding the text), for the caller to link or copy. Together they
    are a few hundred megabytes at 10,000 articles: each is made, written and let go.

    With a cache folder, each index file is kept under the hash of what went into it (documents, fields,
    its path, the JavaScript around it and this code), so a build reuses the full-text shards whose
    articles did not change: after an edit, one shard is indexed again instead of all of them, and the
    others are never read (`reuse=False` indexes everything and refreshes the cache). The folder is
    safe to delete. `fill_cache` builds the missing ones ahead, in another process if the caller likes.

    `idle` is called once: as soon as a core is left without indexing to do while the last indexes are
    built, or else after the last one. `counted` is a folder `count_fulltext_ahead` counts into.
    """
    yield "assets/search-docs.js", plan.docs_script
    yield from _index_files(plan.parts, plan.keys, workers, cache, reuse, idle, counted)
    if plan.null_default is not None:
        yield DEFAULT_INDEX, plan.null_default
    if cache is not None:
        _prune(cache, keep=set(plan.keys))


def count_default_ahead(plan: IndexPlan) -> None:
    """Count the terms of the default index's texts in this process (`search_index.count_ahead`)."""
    names = [str(f["field_name"]) for f in DEFAULT_FIELDS]
    search_index.count_ahead({text for part in plan.parts if part.path == DEFAULT_INDEX
                              for document in part.documents for name in names if (text := document.get(name))})


def fill_cache(plan: IndexPlan, cache: Path, workers: int | None = None, reuse: bool = True) -> None:
    """Build every index file of `plan` that `cache` does not hold yet (every one, without `reuse`)."""
    for _ in _index_files(plan.parts, plan.keys, workers, cache, reuse):
        pass


def stale_work(plan: IndexPlan, cache: Path | None, reuse: bool = True) -> float:
    """The work of indexing what `cache` does not hold yet (all of it without `reuse`), counted in
    the largest index files of `plan`: 2.0 is as much input as two of them. Files differ too much
    for a count of files to say it: after an edit, the default index, a full-text shard of 1,000
    articles and a shard of a few hundred story summaries (0.07 s to index against 2.2 s) are stale."""
    cached = _cached(plan.keys, cache, reuse)
    stale = sum(size for n, size in enumerate(plan.sizes) if n not in cached)
    return stale / max(plan.sizes) if stale else 0.0


def _cached(keys: list[str], cache: Path | None, reuse: bool) -> set[int]:
    return {n for n, key in enumerate(keys) if cache is not None and reuse and (cache / f"{key}.js").exists()}


def _index_files(parts: list[Part], keys: list[str], workers: int | None, cache: Path | None,
                 reuse: bool, idle: Callable[[], object] | None = None,
                 counted: Path | None = None) -> Iterator[tuple[str, str | Path]]:
    """Each index file in order: from the cache when there (and `reuse`), else built (on all local
    cores) and, with a cache, written there; `idle` and `counted` as `index_files` says."""
    cached = _cached(keys, cache, reuse)
    missing = [n for n in range(len(parts)) if n not in cached]
    workers = min(len(missing), workers or os.cpu_count() or 1)
    once = _Once(idle)
    if cache is not None and missing:
        cache.mkdir(parents=True, exist_ok=True)
    tasks = [(parts[n], counted / _counted_name(parts[n].path) if counted else None,
              cache / f"{keys[n]}.js" if cache else None) for n in missing]
    with contextlib.ExitStack() as stack:
        if workers > 1 and "fork" in mp.get_all_start_methods():
            # Forked workers find their tasks in their copy of this process. Handed to them, the tasks were
            # pickled here, and pickling a string that is not all ASCII (one curly quote will do) leaves a
            # UTF-8 copy of it attached to the string for good: every article's body, 45 MB at 10,000
            # articles, held for the rest of the build (or by `sitegen serve` for as long as it runs).
            _TASKS[:] = tasks
            stack.callback(_TASKS.clear)  # after the last result; every worker was forked at the first task
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                                                           initializer=init_worker))
            made = _results([pool.submit(_inherited_index_file, n) for n in range(len(tasks))], workers, once)
        elif workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers, initializer=init_worker))
            made = _results([pool.submit(_index_file, *task) for task in tasks], workers, once)
        else:
            made = (_index_file(*task) for task in tasks)
        for number, part in enumerate(parts):
            text = None if number in cached else next(made)  # None: in the cache (its worker wrote it there)
            if text is None:
                assert cache is not None
                yield part.path, cache / f"{keys[number]}.js"
            else:
                yield part.path, text
    once()  # unless a core was left free before


class _Once:
    """Calls `action` the first time it is called, and never again."""

    def __init__(self, action: Callable[[], object] | None) -> None:
        self.action = action

    def __call__(self) -> None:
        action, self.action = self.action, None
        if action is not None:
            action()


def _results(futures: list[Future[T]], workers: int, idle: _Once) -> Iterator[T]:
    """The results of `futures` in order, calling `idle` as soon as fewer of them are unfinished than
    there are workers. Indexes differ in size and cannot be split, so a core is often left with nothing
    to do while the other builds the last (at 10,000 articles, 0.45 s of the 4 s of indexing): the
    caller's work goes there, rather than after the indexes or beside them while every core is busy."""
    futures.reverse()  # popped from the end as their results go: each index let go once written
    while futures:
        while idle.action is not None and not futures[-1].done():
            unfinished = [f for f in futures if not f.done()]
            if len(unfinished) < workers:
                idle()
            else:
                wait(unfinished, return_when=FIRST_COMPLETED)
        yield futures.pop().result()


_TASKS: list[tuple[Part, Path | None, Path | None]] = []
"""The index files a pool of forked workers builds (see `_index_files`)."""


def _inherited_index_file(number: int) -> str | None:
    return _index_file(*_TASKS[number])


def _index_file(part: Part, counted: Path | None, target: Path | None,
                counts: Mapping[str, Counter[str]] | None = None) -> str | None:
    """The text of `part`'s file; with a `target` (its file in the cache), written there instead: by the
    process that built it, so the 80 MB of a large site's indexes do not pass through the build's own
    process (at 10,000 articles, its peak memory in a --force build 0.93 -> 0.89 GB). Its texts' term
    counts are in `counts`, or in the file `counted`, if counted ahead."""
    counted_ahead = counts if counts is not None else _load_counted(counted)
    text = f"{part.opening}{json_parse_literal(_compact_json(part.fields, part.documents, counted_ahead))};\n"
    if target is None:
        return text
    # Synced: the file goes into the site as it is, so a cut-short one must never be found.
    atomic_write_text(target, text)
    return None


def _compact_json(fields: list[dict[str, Any]], documents: list[dict[str, str]],
                  counted: Mapping[str, Counter[str]] | None = None) -> str:
    """One lunr index, compact, as JSON text (sorted keys: the same bytes every build); `counted`, the
    term counts of texts counted ahead."""
    index = search_index.compact(search_index.build(fields, documents, counted=counted))
    return compact_json(index)


class KeptIndexer(KeptWorker):
    """A search index worker that a process building again and again (`sitegen serve`) keeps, with the
    term counts of the texts it met lately (`_KeptCounts`). After an edit, the full-text shard indexed
    again holds the edited article and 999 others, all counted the last time that shard was indexed,
    and the edited article's new text is counted while the build reads and links everything else:
    what is left is building the index. Counting a shard is about a third of indexing it (at 10,000
    articles, on a slow machine, 0.5-0.6 of 1.5-1.8 s, in a process forked at the time)."""

    def warm_up(self) -> None:
        """Start the worker, and return: it imports the indexing code while the caller goes on."""
        self.executor().submit(_count_kept, [])  # a function of this module: the worker imports it

    def count_ahead(self, texts: Iterable[str]) -> None:
        """Count the terms of `texts` in the worker, for indexes it builds later (this build's or the next)."""
        self.executor().submit(_count_kept, _sendable_texts(texts))

    @contextlib.contextmanager
    def filling(self, plan: IndexPlan, cache: Path, reuse: bool = True) -> Iterator[None]:
        """`fill_cache(plan, cache, reuse=reuse)` in the worker while the body of the `with` runs; waits
        for it at the end. As with `sitegen.workers.in_background`, nothing comes back: what the worker
        failed to put in the cache, the caller makes (`index_files`) and reports the failure of."""
        cached = _cached(plan.keys, cache, reuse)
        cache.mkdir(parents=True, exist_ok=True)
        pool = self.executor()
        futures = [pool.submit(_index_kept, _sendable_part(part), cache / f"{key}.js")
                   for n, (part, key) in enumerate(zip(plan.parts, plan.keys, strict=True)) if n not in cached]
        try:
            yield
        except BaseException:
            for future in futures:  # a failed build leaves the rest undone; what is under way ends first
                future.cancel()
            raise
        finally:
            wait(futures)


def likely_stale_texts(changed: Sequence[Article], memory: SearchMemory) -> list[str]:
    """The texts of the full-text shards that the articles `changed` since the last build of a session
    (`memory`) will make stale, as far as is known before they are linked (the shards are cut after):
    what those shards held then, and the changed articles' new leads and bodies. A guess: an article's
    shard is the one it was in, a new article's the newest. Nothing when the articles are in many shards
    (their shards are indexed by a pool) or nothing was indexed before."""
    place = {slug: n for n, slug in enumerate(memory.documents)}
    shards = {place.get(article.slug, len(place)) // SHARD_SIZE for article in changed}
    if not place or not shards or len(shards) > MOST_SHARDS_AHEAD:
        return []
    texts = [text for article in changed for text in (lead_paragraph(article.body), article.body) if text]
    for shard in sorted(shards):
        before = memory.keys.get(_fulltext_path(shard))
        texts += (text for document in (before[0].documents if before else ())
                  for name, text in document.items() if name != "id")
    return texts


MOST_SHARDS_AHEAD = 2
"""The most full-text shards `likely_stale_texts` gives the texts of: more is more than an edit."""
MOST_KEPT_TERMS = 1_000_000
"""The most terms a kept index worker keeps counted (about 50 MB: two or three full-text shards)."""


class _KeptCounts:
    """In a kept index worker: the term counts of the texts it met lately, by text."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.terms = 0

    def count(self, texts: Iterable[str]) -> None:
        """Count each of `texts` not counted yet. Past `MOST_KEPT_TERMS`, only `texts` are kept."""
        texts = set(texts)
        texts.discard("")
        if self.terms > MOST_KEPT_TERMS:
            self.counts = {text: counted for text in texts if (counted := self.counts.get(text)) is not None}
            self.terms = sum(map(len, self.counts.values()))
        for text in texts.difference(self.counts):
            counted = self.counts[text] = search_index.term_counts(text)
            self.terms += len(counted)


_KEPT = _KeptCounts()


def _sendable_texts(texts: Iterable[str]) -> list[bytes]:
    """Texts as they are handed to a worker: as UTF-8 bytes. Pickled as they are, every str that is not
    all ASCII would keep a UTF-8 copy of itself for the rest of its life (see `_index_files`)."""
    return [text.encode("utf-8", "surrogatepass") for text in texts]


def _received_texts(sent: list[bytes]) -> list[str]:
    return [text.decode("utf-8", "surrogatepass") for text in sent]


SentPart = tuple[str, str, list[dict[str, Any]], list[list[bytes]]]


def _sendable_part(part: Part) -> SentPart:
    """A part as it is handed to a worker: each document as its field names and values, one after the
    other, as UTF-8 bytes (see `_sendable_texts`)."""
    return (part.path, part.opening, part.fields,
            [_sendable_texts(chain.from_iterable(document.items())) for document in part.documents])


def _count_kept(sent: list[bytes]) -> None:
    _KEPT.count(_received_texts(sent))


def _index_kept(sent: SentPart, target: Path) -> None:
    path, opening, fields, documents = sent
    part = Part(path, opening, fields, [dict(zip(values[0::2], values[1::2], strict=True))
                                        for values in map(_received_texts, documents)])
    names = [str(f["field_name"]) for f in fields]
    _KEPT.count(text for document in part.documents for name in names if (text := document.get(name)))
    _index_file(part, None, target, counts=_KEPT.counts)


def _prune(cache: Path, keep: set[str]) -> None:
    """Drop cached indexes no index of this site uses any more, and the temporary files of writes cut
    short (a background indexer stopped because the build failed)."""
    for old in [*cache.glob("*.js"), *cache.glob("*.json")]:  # .json: cached by earlier versions
        if old.stem not in keep:
            old.unlink(missing_ok=True)
    for unfinished in cache.glob(".*.tmp"):  # sitegen.storage's temporary names; no writer runs now
        unfinished.unlink(missing_ok=True)


def _script(name: str, value: Any) -> str:
    return f"window.{name} = {json_parse_script(value)};\n"  # sorted keys: the same bytes every build
