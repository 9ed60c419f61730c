"""Annotate a whole site: only articles whose text changed, corrections kept, files written atomically."""

from __future__ import annotations

import hashlib
import os
import sys
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from tqdm import tqdm

from sitegen.annotate import ANNOTATOR_VERSION, annotate_doc, load_pipeline
from sitegen.annotate.store import from_yaml, merge_corrections, to_yaml
from sitegen.errors import ContentError
from sitegen.memo import Memo
from sitegen.model import Annotations, Article, KnowledgeBase
from sitegen.storage import write_if_changed
from sitegen.text import article_text, text_sha256
from sitegen.workers import die_with_parent


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


def read_annotations(path: Path, memo: Memo | None = None) -> Annotations | None:
    """The annotation file at `path`, or None when there is none.

    With a memo (sitegen.memo), what the file parsed to is kept under the file's name and hash: a file
    an editor changed has a new hash, so it is parsed again.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    key = (path.name, hashlib.sha256(raw).digest()) if memo is not None else None
    if memo is not None and (known := memo.get(key)) is not None:
        return cast(Annotations, known)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(path, line, "not UTF-8 text; save the file as UTF-8") from None
    annotations = from_yaml(text, path)
    if memo is not None:
        memo.put(key, annotations)
    return annotations


def is_stale(article: Article, previous: Annotations | None) -> bool:
    """True when the article's text differs from what its annotation file was made from."""
    return previous is None or previous.text_sha256 != text_sha256(article_text(article))


def annotate_site(articles: list[Article], kb: KnowledgeBase, annotations_dir: Path, *,
                  force: bool = False, memo: Memo | None = None, workers: int | None = None,
                  executor: Executor | None = None) -> AnnotateReport:
    """Annotate every article that is new or changed (all of them with `force`); `memo` keeps the parsed
    annotation files between builds."""
    report = AnnotateReport()
    todo: list[tuple[Article, Annotations | None]] = []
    for article in articles:
        path = annotation_path(annotations_dir, article.slug)
        try:
            previous = read_annotations(path, memo)
        except ContentError as exc:
            report.errors.append(exc)
            continue
        if force or previous is None or is_stale(article, previous):
            todo.append((article, previous))
        else:
            report.fresh.append(article.slug)
            report.annotations[article.slug] = previous
    if not todo:
        return report
    machine = annotate_many([article for article, _ in todo], kb, workers=workers, executor=executor)
    for (article, previous), fresh in zip(todo, machine, strict=True):
        text = article_text(article)
        merged = merge_corrections(fresh, previous, text)
        write_if_changed(annotation_path(annotations_dir, article.slug), to_yaml(merged, ANNOTATOR_VERSION))
        report.annotations[article.slug] = merged
        report.written.append(article.slug)
        report.words += len(text.split())
    return report


CHUNK = 25


def annotate_chunk(articles: list[Article], kb: KnowledgeBase) -> list[Annotations]:
    """Annotate a few articles in this process (the unit of work sent to a pool or a Dask cluster)."""
    nlp = load_pipeline()
    texts = [article_text(article) for article in articles]
    return [annotate_doc(article, text, doc, kb)
            for article, text, doc in zip(articles, texts, nlp.pipe(texts, batch_size=16), strict=True)]


def annotate_many(articles: list[Article], kb: KnowledgeBase, *, workers: int | None = None,
                  executor: Executor | None = None) -> list[Annotations]:
    """Machine annotations of `articles`, in order: in this process, on local cores, or on an executor
    such as a Dask cluster's. Each article is annotated on its own, so the result does not depend on where."""
    chunks = [articles[i:i + CHUNK] for i in range(0, len(articles), CHUNK)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, len(chunks))
    progress = tqdm(total=len(articles), desc="annotating", unit="article", disable=not sys.stderr.isatty())
    results: dict[int, list[Annotations]] = {}
    try:
        if executor is None and workers <= 1:
            for index, chunk in enumerate(chunks):
                results[index] = annotate_chunk(chunk, kb)
                progress.update(len(chunk))
        else:
            pool = executor or ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent)
            try:
                futures = {pool.submit(annotate_chunk, chunk, kb): index for index, chunk in enumerate(chunks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    progress.update(len(chunks[futures[future]]))
            finally:
                if executor is None:
                    pool.shutdown()
    finally:
        progress.close()
    return [result for index in range(len(chunks)) for result in results[index]]
