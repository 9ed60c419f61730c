"""Annotate a whole site: only articles whose text changed, corrections kept, files written atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from tqdm import tqdm

from sitegen.annotate import ANNOTATOR_VERSION, annotate_doc, load_pipeline
from sitegen.annotate.dates import find_dates
from sitegen.annotate.gazetteer import place_names
from sitegen.annotate.given_names import usual_pronoun
from sitegen.annotate.store import from_yaml, merge_corrections, to_yaml
from sitegen.errors import ContentError
from sitegen.memo import Memo, file_hash
from sitegen.model import Annotations, Article, KnowledgeBase
from sitegen.storage import source_key, write_if_changed
from sitegen.text import article_text, text_sha256
from sitegen.workers import KeptWorker, init_worker


@dataclass
class AnnotateReport:
    """What `sitegen annotate` did."""

    written: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    words: int = 0
    annotations: dict[str, Annotations] = field(default_factory=dict)
    """Every article's current annotations (fresh ones read, stale ones just made)."""


def annotation_path(annotations_dir: Path, slug: str) -> Path:
    """Where an article's annotations live."""
    return annotations_dir / f"{slug}.yaml"


def read_annotations(path: Path, memo: Memo | None = None, key: FileKey | None = None) -> Annotations | None:
    """The annotation file at `path`, or None when there is none.

    With a memo (sitegen.memo), what the file parsed to is kept under the file's name and hash: a file
    an editor changed has a new hash, so it is parsed again. `key`: the file's key as it was read a
    moment ago (to decide whether its article is stale); what it parsed to then is taken from the memo
    without reading the file a second time.
    """
    if memo is not None and key is not None and (known := memo.get(key)) is not None:
        return cast(Annotations, known)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    key = _file_key(path, raw)
    if memo is not None and (known := memo.get(key)) is not None:
        return cast(Annotations, known)
    return _parse(path, raw, key, memo)


FileKey = tuple[str, bytes]


def _file_key(path: Path, raw: bytes) -> FileKey:
    """An annotation file's name and content hash: its key in the memo and, through `source_key`, the
    identity of what it parses to (also given to annotations just written, so both must agree)."""
    return path.name, hashlib.sha256(raw).digest()


def _parse(path: Path, raw: bytes, key: FileKey, memo: Memo | None) -> Annotations:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(path, line, "not UTF-8 text; save the file as UTF-8") from None
    annotations = replace(from_yaml(text, path), source_key=source_key(*key))
    if memo is not None:
        memo.put(key, annotations)
        memo.put(("made from", key), annotations.text_sha256)
    return annotations


@dataclass(frozen=True)
class _Stored:
    """What an article's annotation file holds, as far as deciding whether the article is stale needs."""

    made_from: str | None
    """The hash of the text the annotations were made from; None when there is no file."""
    parsed: Annotations | None = None
    """The file parsed, when it had to be (no memo, or not in it)."""
    key: FileKey | None = None
    """The file's key as read (see read_annotations)."""


def _stored(path: Path, memo: Memo | None) -> _Stored:
    """With a memo, the text hash alone is unpickled: deciding which articles are stale does not wait
    for 10,000 parsed files (nor, for a file known by its status, read it: sitegen.memo.file_hash)."""
    try:
        digest, raw = file_hash(path, memo)
    except FileNotFoundError:
        return _Stored(None)
    key = (path.name, digest)  # as _file_key makes it
    if memo is not None and (known := memo.get(("made from", key))) is not None:
        return _Stored(cast(str, known), key=key)
    if raw is None:  # known by its status, not parsed (it failed last time): read it now
        raw = path.read_bytes()
        key = _file_key(path, raw)
    annotations = _parse(path, raw, key, memo)
    return _Stored(annotations.text_sha256, annotations, key)


def annotate_site(articles: list[Article], kb: KnowledgeBase, annotations_dir: Path, *,
                  force: bool = False, memo: Memo | None = None, workers: int | None = None,
                  executor: Executor | None = None, kept: KeptAnnotator | None = None,
                  ahead: Ahead | None = None) -> AnnotateReport:
    """Annotate every article that is new or changed (all of them with `force`); `memo` keeps the parsed
    annotation files between builds. `kept`: the worker of a process that builds again and again, which
    annotates a few articles (one chunk); more are shared among `workers` new ones, or `executor`'s.
    `ahead`: articles handed to a worker before this was called; used when they are the stale ones.

    Which articles are stale is decided first; while they are annotated (elsewhere: on worker
    processes, which spend seconds loading the language model), the annotations of the others are read.
    """
    report = AnnotateReport()
    # Each with its annotation file's path, made once (pathlib: 0.06 s a time for 10,000 articles).
    todo: list[tuple[Article, Path, _Stored]] = []
    fresh: list[tuple[Article, Path, _Stored]] = []
    for article in articles:
        path = annotation_path(annotations_dir, article.slug)
        try:
            stored = _stored(path, memo)
        except ContentError as exc:
            report.errors.append(exc)
            continue
        if force or stored.made_from is None or stored.made_from != text_sha256(article_text(article)):
            todo.append((article, path, stored))
        else:
            fresh.append((article, path, stored))

    def read_fresh() -> None:
        for article, path, stored in fresh:
            try:
                annotations = stored.parsed or read_annotations(path, memo, stored.key)
            except ContentError as exc:  # changed since it was first read
                report.errors.append(exc)
                continue
            if annotations is not None:
                report.fresh.append(article.slug)
                report.annotations[article.slug] = annotations

    if not todo:
        read_fresh()
        return report
    stale = [article for article, _, _ in todo]
    machine = ahead.machine(stale, kb, meanwhile=read_fresh) if ahead is not None else None
    if machine is None:
        if kept is not None and len(todo) <= CHUNK:
            executor = kept.executor()
        machine = annotate_many(stale, kb, workers=workers, executor=executor,
                                meanwhile=None if ahead is not None and ahead.read else read_fresh)
    for (article, path, stored), made in zip(todo, machine, strict=True):
        text = article_text(article)
        try:
            # Read again unless it was parsed just now (no memo entry): corrections an editor saved
            # while the article was being annotated are merged, not overwritten.
            previous = stored.parsed or read_annotations(path, memo)
        except ContentError:  # unreadable: reported above, and not overwritten
            continue
        merged = merge_corrections(made, previous, text)
        written = to_yaml(merged, ANNOTATOR_VERSION)
        write_if_changed(path, written)
        # Keyed as if read from the file it was written to (it reads back as the same values; a property
        # test checks it): the next build reads that file, and its pages' fingerprints stay the same.
        report.annotations[article.slug] = replace(merged, source_key=source_key(*_file_key(path, written.encode())))
        report.written.append(article.slug)
        report.words += len(text.split())
    return report


CHUNK = 25


class Ahead:
    """A few articles handed to a kept worker before `annotate_site` has decided which articles are
    stale: in `sitegen serve`, those that changed since the last build, as soon as they are loaded.
    Deciding reads what 10,000 annotation files were made from (0.4 s on a slow machine), and the
    model annotates an article in about as long: the two now overlap. A guess: when the stale articles
    are other ones, the worker's annotations are not used."""

    def __init__(self, articles: list[Article], kb: KnowledgeBase, annotator: KeptAnnotator) -> None:
        self.articles, self.kb = articles, kb
        self.future = annotator.executor().submit(annotate_sent, _sendable(articles), kb)
        self.read = False
        """Whether `machine` called its `meanwhile`."""

    def machine(self, stale: list[Article], kb: KnowledgeBase,
                meanwhile: Callable[[], None]) -> list[Annotations] | None:
        """The machine annotations of `stale`, if they are the articles handed ahead, with the same
        knowledge base; else None. `meanwhile` is called first when they are."""
        if (kb is not self.kb or len(stale) != len(self.articles)
                or not all(map(operator.is_, stale, self.articles))):
            return None
        meanwhile()
        self.read = True
        try:
            return self.future.result()
        except Exception:  # the worker died (say): annotated again the usual way, which reports any error
            return None


def probably_stale(articles_dir: Path, annotations_dir: Path, since: int = -1) -> int:
    """How many articles look stale at a glance, before any file is read: an article file newer than its
    annotation file, or without one (what editing or adding an article does), and changed after `since`
    (the last build's time in ns: a change outside the text, such as the outlet, leaves the annotation
    file as it was, and the article would otherwise look stale to every build after). A guess, for
    starting the annotation workers early (`warm_pool`); which articles are stale is decided by their
    text hashes."""
    def modified(folder: Path, suffix: str) -> dict[str, int]:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return {}
        return {entry.name[: -len(suffix)]: entry.stat().st_mtime_ns for entry in entries
                if entry.name.endswith(suffix) and entry.is_file()}

    annotated = modified(annotations_dir, ".yaml")
    return sum(1 for slug, written in modified(articles_dir, ".md").items()
               if written > max(annotated.get(slug, -1), since))


def warm_pool(workers: int) -> ProcessPoolExecutor:
    """Annotation workers started now and loading the language model (1-1.5 s) while the caller does
    other work; hand the pool to `annotate_site` and shut it down after."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
    for _ in range(workers):
        pool.submit(warm_up)
    return pool


def warm_up() -> None:
    """Set up in this process what the first article annotated in it would: the model, GeoNames' place
    names, the date parser's tables (a first article took 0.36-0.43 s, the next ones 0.12-0.22 s) and
    the given names' table (0.2 s)."""
    load_pipeline()
    place_names()
    find_dates("The deal was signed on 7 March 2024.", dt.date(2024, 3, 8))
    usual_pronoun("Anna")


class KeptAnnotator(KeptWorker):
    """One annotation worker that a process building again and again (`sitegen serve`) keeps, with the
    language model loaded: an edited article is annotated at once, while the build reads the other
    annotations, and the model (with place names and date tables, 100 MB more of a process at its peak)
    stays out of the server's own memory, which holds the whole digest."""

    def warm_up(self) -> None:
        """Start the worker loading the model, and return: it loads while the caller goes on."""
        self.executor().submit(warm_up)


def annotate_chunk(articles: list[Article], kb: KnowledgeBase) -> list[Annotations]:
    """Annotate a few articles in this process (the unit of work sent to a pool or a Dask cluster)."""
    nlp = load_pipeline()
    texts = [article_text(article) for article in articles]
    return [annotate_doc(article, text, doc, kb)
            for article, text, doc in zip(articles, texts, nlp.pipe(texts, batch_size=16), strict=True)]


def _sendable(articles: list[Article]) -> list[tuple[Article, bytes]]:
    """`articles` as a task hands them to a worker: each without its body, and the body as UTF-8 bytes.
    Tasks are pickled, and pickling a str that is not all ASCII (one curly quote will do) attaches a
    UTF-8 copy to it for the rest of its life: every body handed to a worker, 45 MB at 10,000 articles,
    stayed in the build's memory twice."""
    return [(replace(article, body=""), article.body.encode("utf-8", "surrogatepass")) for article in articles]


def annotate_sent(sent: list[tuple[Article, bytes]], kb: KnowledgeBase) -> list[Annotations]:
    """`annotate_chunk` of articles as `_sendable` made them."""
    return annotate_chunk([replace(article, body=body.decode("utf-8", "surrogatepass")) for article, body in sent], kb)


def annotate_many(articles: list[Article], kb: KnowledgeBase, *, workers: int | None = None,
                  executor: Executor | None = None, meanwhile: Callable[[], None] | None = None) -> list[Annotations]:
    """Machine annotations of `articles`, in order: in this process, on local cores, or on an executor
    such as a Dask cluster's. Each article is annotated on its own, so the result does not depend on where.
    `meanwhile` is called once the work is handed out (first, when it is done in this process)."""
    chunks = [articles[i:i + CHUNK] for i in range(0, len(articles), CHUNK)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, len(chunks))
    progress = tqdm(total=len(articles), desc="annotating", unit="article", disable=not sys.stderr.isatty())
    results: dict[int, list[Annotations]] = {}
    try:
        if executor is None and workers <= 1:
            if meanwhile is not None:
                meanwhile()
            for index, chunk in enumerate(chunks):
                results[index] = annotate_chunk(chunk, kb)
                progress.update(len(chunk))
        else:
            pool = executor or ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
            try:
                futures = {pool.submit(annotate_sent, _sendable(chunk), kb): index
                           for index, chunk in enumerate(chunks)}
                if meanwhile is not None:
                    meanwhile()
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    progress.update(len(chunks[futures[future]]))
            finally:
                if executor is None:
                    pool.shutdown()
    finally:
        progress.close()
    return [result for index in range(len(chunks)) for result in results[index]]
