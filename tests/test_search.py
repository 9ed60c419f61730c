"""The fast index builder gives exactly lunr.py's index; the tiers split as designed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import pytest
from lunr import lunr

from sitegen import search_index
from sitegen.search import DEFAULT_FIELDS, FULLTEXT_FIELDS, search_documents


def _digest(root: Path):
    from sitegen.annotate.run import annotation_path, read_annotations
    from sitegen.config import load_config
    from sitegen.content import load_articles, load_knowledge_base
    from sitegen.resolve import link

    site = load_config(root)
    articles, _ = load_articles(site)
    annotations = [read_annotations(annotation_path(site.annotations_dir, a.slug)) for a in articles]
    return link(articles, [a for a in annotations if a], load_knowledge_base(site))


def test_fast_builder_output_is_identical_to_lunr(built_site: Path) -> None:
    digest = _digest(built_site)
    _, records, bodies = search_documents(digest)
    for fields, documents in ((DEFAULT_FIELDS, records), (FULLTEXT_FIELDS, bodies)):
        for document in documents:
            for field in fields:
                document.setdefault(field["field_name"], "")
        expected = lunr(ref="id", fields=fields, documents=documents).serialize()
        # lunr.js never reads the vector of an empty field (no postings lead to it), so they are left out.
        expected["fieldVectors"] = [pair for pair in expected["fieldVectors"] if pair[1]]
        assert json.dumps(search_index.build(fields, documents), sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_compact_form_expands_to_the_same_index() -> None:
    import copy

    documents = [{"id": "a", "title": "Ceasefire talks", "body": "Talks in Istanbul"}, {"id": "b", "title": "x"}]
    fields = [{"field_name": "title", "boost": 1}, {"field_name": "body", "boost": 1}]
    built = search_index.build(fields, documents)
    compact = search_index.compact(copy.deepcopy(built))
    assert len(json.dumps(compact)) < len(json.dumps(built))
    assert search_index.expand(compact) == built


def test_empty_fields_and_stop_words() -> None:
    documents = [{"id": "a", "title": "The and of", "body": ""}, {"id": "b", "title": "Ceasefire talks", "body": ""}]
    fields = [{"field_name": "title", "boost": 1}, {"field_name": "body", "boost": 1}]
    built = search_index.build(fields, documents)
    assert [term for term, _ in built["invertedIndex"]] == ["ceasefir", "talk"]
    counted = search_index.term_counts("Zelenskyy's well-advanced talks: the talks")
    assert list(counted.items()) == [("zelenskyy'", 1), ("well", 1), ("advanc", 1), ("talk", 2)]


def test_cached_shards_are_reused_only_while_their_articles_are_unchanged(built_site: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    import dataclasses

    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)  # the seeds make several shards
    made: list[int] = []
    compact_json = search._compact_json
    monkeypatch.setattr(search, "_compact_json", lambda f, d, c=None: made.append(len(d)) or compact_json(f, d, c))

    def files(made_files: Iterable[tuple[str, str | Path]]) -> dict[str, str]:
        """What each file holds, whether given as text or as a file of the cache."""
        return {path: made if isinstance(made, str) else made.read_text(encoding="utf-8") for path, made in made_files}

    digest = _digest(built_site)
    cache = tmp_path / "cache"
    first = files(search.build_index(digest, workers=1, cache=cache))
    parts = len(made)
    assert parts >= 3 and files(search.build_index(digest, workers=1, cache=cache)) == first and len(made) == parts
    assert first == files(search.build_index(digest, workers=1))  # the same files as without a cache

    last = digest.articles[-1]
    edited = dataclasses.replace(digest, articles=(*digest.articles[:-1],
                                                   dataclasses.replace(last, body=last.body + "\n\nA new line.")))
    made.clear()
    from_cache = files(search.build_index(edited, workers=1, cache=cache))
    assert len(made) == 1  # one shard indexed again; the default index and others reused
    assert from_cache == files(search.build_index(edited, workers=1))
    assert from_cache != first

    # A new article, the newest (how a digest grows): the shards of the older articles are reused.
    newest = edited.articles[0]
    added = dataclasses.replace(edited, articles=(dataclasses.replace(
        newest, slug="harbour-reopens", title="Harbour reopens", published=newest.published + dt.timedelta(days=1),
        body="Port director Ines Moreau said the harbour was open again."), *edited.articles))
    made.clear()
    after = files(search.build_index(added, workers=1, cache=cache))
    indexes = [path for path in after if path != "assets/search-docs.js"]
    older_shards = len(edited.articles) // search.SHARD_SIZE
    assert older_shards >= 2 and len(made) == len(indexes) - older_shards
    assert after == files(search.build_index(added, workers=1))


def test_work_left_to_index_is_counted_in_the_largest_files(built_site: Path, tmp_path: Path, monkeypatch) -> None:
    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    plan = search.plan_index(_digest(built_site))
    cache = tmp_path / "cache"
    assert search.stale_work(plan, cache) == pytest.approx(sum(plan.sizes) / max(plan.sizes))
    search.fill_cache(plan, cache, workers=1)
    assert search.stale_work(plan, cache) == 0 and search.stale_work(plan, cache, reuse=False) > 1
    smallest = min(range(len(plan.parts)), key=plan.sizes.__getitem__)
    (cache / f"{plan.keys[smallest]}.js").unlink()
    assert search.stale_work(plan, cache) == pytest.approx(plan.sizes[smallest] / max(plan.sizes))
    assert plan.sizes[smallest] < max(plan.sizes)  # so it weighs less than one file


def test_a_part_is_cached_under_a_key_that_any_change_of_its_documents_changes() -> None:
    from sitegen.search import Part, _key

    def key(*documents: dict[str, str]) -> str:
        return _key(Part("assets/x.js", "window.X = ", FULLTEXT_FIELDS, list(documents)))[0]

    base = key({"id": "0", "body": "ab"}, {"id": "1", "body": "c"})
    assert key({"id": "0", "body": "ab"}, {"id": "1", "body": "c"}) == base
    assert len({base,
                key({"id": "0", "body": "a"}, {"id": "1", "body": "bc"}),  # the same text, split elsewhere
                key({"id": "0", "body": "ab", "lead": ""}, {"id": "1", "body": "c"}),  # one more field
                key({"id": "0", "body": "ab"}, {"id": "1", "lead": "c"}),  # the text in another field
                key({"id": "0", "body": "abc"}),  # one document fewer
                key({"id": "0", "body": "ab"}, {"id": "1", "body": "d"})}) == 6
    assert _key(Part("assets/y.js", "window.X = ", FULLTEXT_FIELDS, [{"id": "0"}]))[0] != \
        _key(Part("assets/x.js", "window.X = ", FULLTEXT_FIELDS, [{"id": "0"}]))[0]


def test_compact_json_is_the_standard_librarys_text() -> None:
    from sitegen.jsontext import compact_json

    def standard(value: object) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    value = {"é": [1, 2.5, 0.1 + 0.2, -0.0, 0.001, 12.345, 10**15], "": [],
             "a": {"z": None, "b": True, "Zelenskyy’s": "“quote”"}, "B": "</script>\u2028\t\"\\"}
    assert compact_json(value) == standard(value)
    tiny = [1e-7]  # written 1e-7, not 1e-07: the same number to any JSON reader
    assert compact_json(tiny) != standard(tiny) and json.loads(compact_json(tiny)) == tiny
    odd = {"path": "caf\udce9.md"}  # a lone surrogate (a file name read with surrogateescape): orjson refuses it
    assert compact_json(odd) == standard(odd)


def test_scores_are_rounded_as_python_rounds_them() -> None:
    import random

    import numpy as np

    from sitegen.search_index import round_3

    rng = random.Random(3)
    values = [rng.uniform(0, 50) for _ in range(20_000)]
    # Near halves, where scaling by 1000 first can round the other way: k + 0.5 thousandths, and the
    # doubles right beside them.
    for k in range(0, 5000, 7):
        half = (k + 0.5) / 1000
        values += [half, np.nextafter(half, 0.0), np.nextafter(half, 1e9)]
    values += [0.0015, 1.0005, 2.0625, 2.675, 0.0005, 1e-9]
    assert round_3(np.array(values, dtype=np.float64)).tolist() == [round(float(v), 3) for v in values]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_caller_is_told_once_when_indexing_leaves_a_core_free(built_site: Path, tmp_path: Path,
                                                                   monkeypatch, workers: int) -> None:
    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    plan = search.plan_index(_digest(built_site))
    cache = tmp_path / "cache"
    for reuse in (False, True):  # every file built, then every file from the cache
        calls: list[bool] = []
        files = search.index_files(plan, workers=workers, cache=cache, reuse=reuse, idle=partial(calls.append, True))
        assert len(list(files)) == len(plan.parts) + 1 and calls == [True]


def test_the_idle_call_comes_while_the_last_index_is_still_being_built() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sitegen import search

    idle_called = threading.Event()

    def last_index() -> str:  # finishes only once the caller was told a worker is free (or after 10 s)
        return "told while building" if idle_called.wait(10) else "told afterwards"

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(last_index), pool.submit(str, "quick")]
        results = list(search._results(futures, 2, search._Once(idle_called.set)))
    assert results == ["told while building", "quick"]


def test_terms_counted_ahead_are_each_shards_own_and_index_the_same(built_site: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    import pickle

    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)  # the seeds make several shards
    digest = _digest(built_site)
    plan = search.plan_index(digest)
    folder = tmp_path / "counted"
    search.count_fulltext_ahead(list(digest.articles), folder)  # in another order than the plan's
    shards = [part for part in plan.parts if part.path != search.DEFAULT_INDEX]
    assert len(shards) >= 3 and len(list(folder.iterdir())) == len(shards)
    for part in shards:  # each file holds what its shard indexes, counted as the shard would count it
        counted = pickle.loads((folder / search._counted_name(part.path)).read_bytes())
        # (An article's document has a body; a story's, only its summary as a lead.)
        texts = {text for d in part.documents if "body" in d for text in (d["lead"], d["body"]) if text}
        assert texts and texts <= counted.keys()
        assert all(counted[text] == search_index.term_counts(text) for text in texts)

    def files(counted: Path | None) -> dict[str, str]:
        return {path: made for path, made in search.index_files(plan, workers=1, counted=counted)}

    assert files(folder) == files(None) == files(tmp_path / "nothing counted")
    # The indexes are made of what the files hold: a term only the file has is found in the index.
    first = folder / search._counted_name(shards[0].path)
    counted = pickle.loads(first.read_bytes())
    counted[next(iter(counted))]["onlyinthefile"] = 1
    first.write_bytes(pickle.dumps(counted))
    assert "onlyinthefile" in files(folder)[shards[0].path] and "onlyinthefile" not in files(None)[shards[0].path]


def test_with_a_cache_each_index_is_written_by_the_process_that_built_it(built_site: Path, tmp_path: Path,
                                                                         monkeypatch) -> None:
    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    plan = search.plan_index(_digest(built_site))
    came_back: list[object] = []  # what the build's own process received from the index workers
    results = search._results
    monkeypatch.setattr(search, "_results", lambda *args: (came_back.append(r) or r for r in results(*args)))
    files = search.index_files(plan, workers=2, cache=tmp_path / "cache", reuse=False)
    indexes = {path: made.read_text(encoding="utf-8") for path, made in files if isinstance(made, Path)}
    assert len(came_back) == len(indexes) == len(plan.parts) and set(came_back) == {None}  # no index text
    assert indexes == {path: made for path, made in search.index_files(plan, workers=2) if path in indexes}


def test_index_workers_are_handed_no_document_to_pickle(built_site: Path, monkeypatch) -> None:
    """Pickling a string that is not all ASCII leaves a UTF-8 copy of it attached to the string (CPython
    keeps it for the string's life): handed to index workers by pickle, every article body held by the
    build grew by that much. Forked workers read the documents from their own copy of the process."""
    import sys

    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    plan = search.plan_index(_digest(built_site))
    bodies = [d["body"] for part in plan.parts for d in part.documents if not d.get("body", "").isascii()]
    sizes = [sys.getsizeof(body) for body in bodies]
    made = dict(search.index_files(plan, workers=2))
    assert len(bodies) >= 3 and [sys.getsizeof(body) for body in bodies] == sizes
    assert made == dict(search.index_files(plan, workers=1))


def _kept_texts() -> set[str]:
    """In a kept index worker: the texts whose terms it keeps counted."""
    from sitegen import search

    return set(search._KEPT.counts)


def test_a_kept_indexer_fills_the_cache_as_index_files_would_and_keeps_the_counts(built_site: Path, tmp_path: Path,
                                                                                 monkeypatch) -> None:
    import sys

    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)  # the seeds make several shards
    plan = search.plan_index(_digest(built_site))
    bodies = [d["body"] for part in plan.parts for d in part.documents if not d.get("body", "").isascii()]
    sizes = [sys.getsizeof(body) for body in bodies]
    cache = tmp_path / "cache"
    indexer = search.KeptIndexer()
    try:
        indexer.warm_up()
        with indexer.filling(plan, cache, reuse=False):
            pass
        made = {path: made.read_text(encoding="utf-8") for path, made in search.index_files(plan, cache=cache)
                if isinstance(made, Path)}
        assert len(made) == len(plan.parts) and made == {
            path: text for path, text in search.index_files(plan, workers=1) if path in made}
        assert len(bodies) >= 3 and [sys.getsizeof(body) for body in bodies] == sizes  # sent as bytes, not pickled
        kept = indexer.executor().submit(_kept_texts).result()
        assert set(bodies) <= kept
        indexer.count_ahead(["Harbour pilots went back to work."])
        assert "Harbour pilots went back to work." in indexer.executor().submit(_kept_texts).result()
    finally:
        indexer.close()


def test_the_texts_an_edit_makes_stale_are_guessed_from_the_last_plan(built_site: Path, monkeypatch) -> None:
    import dataclasses

    from sitegen import search

    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    digest = _digest(built_site)
    memory = search.SearchMemory()
    plan = search.plan_index(digest, memory)
    articles = list(digest.articles)  # newest first
    shard_texts = {part.path: {text for d in part.documents for name, text in d.items() if name != "id"}
                   for part in plan.parts}
    assert search.likely_stale_texts([], memory) == []  # nothing changed
    oldest = articles[-1]  # the first document of the first shard
    edited = dataclasses.replace(oldest, body=oldest.body + "\n\nA new line.")
    texts = set(search.likely_stale_texts([edited], memory))
    assert edited.body in texts and shard_texts[search._fulltext_path(0)] <= texts
    assert not texts & (shard_texts[search._fulltext_path(1)] - shard_texts[search._fulltext_path(0)])
    new = dataclasses.replace(oldest, slug="harbour-reopens", body="Port director Ines Moreau spoke.")
    newest_shard = search._fulltext_path(len(articles) // search.SHARD_SIZE)
    assert set(search.likely_stale_texts([new], memory)) == {new.body} | shard_texts.get(newest_shard, set())
    many = [dataclasses.replace(article, body=article.body + " More.") for article in articles]
    assert -(-len(articles) // search.SHARD_SIZE) > search.MOST_SHARDS_AHEAD  # the shards of every article
    assert search.likely_stale_texts(many, memory) == []  # more than an edit: left to the index pool
    assert search.likely_stale_texts([edited], search.SearchMemory()) == []  # nothing indexed before


def test_a_kept_indexer_keeps_a_bounded_number_of_counted_terms(monkeypatch) -> None:
    from sitegen import search

    monkeypatch.setattr(search, "MOST_KEPT_TERMS", 5)
    kept = search._KeptCounts()
    kept.count(["ports reopened today", "pilots went back"])
    assert kept.counts.keys() == {"ports reopened today", "pilots went back"} and kept.terms == 6
    kept.count(["pilots went back", "ships sailed"])  # past the bound: only these are kept
    assert kept.counts.keys() == {"pilots went back", "ships sailed"}
    assert kept.counts["ships sailed"] == search_index.term_counts("ships sailed") and kept.terms == 5


def test_a_session_makes_the_search_documents_of_changed_articles_only(built_site: Path) -> None:
    import dataclasses

    from sitegen import search

    digest = _digest(built_site)
    memory = search.SearchMemory()
    first = search.search_documents(digest, memory)
    again = search.search_documents(digest, memory)
    assert again == first == search.search_documents(digest)
    assert all(a is b for a, b in zip(again[2], first[2], strict=True) if "body" in a)  # kept: the same objects
    oldest = digest.articles[-1]  # the first documents
    edited = dataclasses.replace(digest, articles=(*digest.articles[:-1], dataclasses.replace(
        oldest, title="Ports reopen", body=oldest.body + "\n\nA new line.")))
    after = search.search_documents(edited, memory)
    assert after == search.search_documents(edited)  # as made afresh
    assert after[1][0]["title"] == "Ports reopen" and after[2][0]["body"].endswith("A new line.")
    assert after[2][0] is not first[2][0] and after[2][1] is first[2][1]
