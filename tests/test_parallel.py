"""Annotation on local processes and on a Dask cluster writes exactly what a one-process run writes;
work done in the background of a build."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from sitegen.annotate.run import annotate_site, probably_stale
from sitegen.config import load_config
from sitegen.content import load_articles, load_knowledge_base
from sitegen.model import Site

from .conftest import make_site, tree


def annotated_files(root: Path, **options: object) -> dict[str, bytes]:
    site = load_config(root)
    articles, _ = load_articles(site)
    folder = site.annotations_dir
    for path in folder.glob("*.yaml"):
        path.unlink()
    report = annotate_site(articles, load_knowledge_base(site), folder, **options)  # type: ignore[arg-type]
    assert len(report.written) == len(articles)
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def test_processes_and_dask_give_the_same_bytes_as_one_process(tmp_path: Path, nlp, monkeypatch) -> None:
    from distributed import Client, LocalCluster

    from sitegen.annotate import run
    from sitegen.cli import main

    monkeypatch.setattr(run, "CHUNK", 2)  # several chunks, so results must come back in order
    root = make_site(tmp_path)  # the five seeds
    local = annotated_files(root, workers=1)
    assert len(local) == 5
    assert annotated_files(root, workers=2) == local
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert annotated_files(root, executor=client.get_executor()) == local
        for path in (root / "content" / "annotations").glob("*.yaml"):
            path.unlink()
        assert main(["--root", str(root), "annotate", "--dask-scheduler", cluster.scheduler_address]) == 0
        written = {p.name: p.read_bytes() for p in sorted((root / "content" / "annotations").glob("*.yaml"))}
        assert written == local


def _model_asked() -> tuple[int, int]:
    """How often this process asked for the language model, and loaded it."""
    from sitegen.annotate import load_pipeline

    info = load_pipeline.cache_info()
    return info.hits + info.misses, info.misses


def test_a_build_annotates_in_workers_and_a_kept_annotator_keeps_its_model(tmp_path: Path, nlp) -> None:
    from sitegen.annotate.run import KeptAnnotator
    from sitegen.build import build

    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "port.md"
    article.write_text("---\ntitle: Port reopens\npublished: 2024-03-07\n---\n\n"
                       "Port director Ines Moreau said on Friday: \"We are open again.\"\n")
    used_here = _model_asked()
    report = build(load_config(root))
    assert report.annotated and report.annotated.written == ["port"]
    assert _model_asked() == used_here  # in a worker
    annotator = KeptAnnotator()  # as `sitegen serve` builds
    try:
        annotator.warm_up()
        worker = annotator.executor().submit(os.getpid).result()
        assert worker != os.getpid()
        asked_before = annotator.executor().submit(_model_asked).result()[0]
        for day in ("Monday", "Tuesday"):
            article.write_text(re.sub(r"on \w+day", f"on {day}", article.read_text()))
            report = build(load_config(root), annotator=annotator)
            assert report.annotated and report.annotated.written == ["port"]
            assert day in (root / "content" / "annotations" / "port.yaml").read_text()
            assert _model_asked() == used_here  # not here
            # ... but in the kept worker, the same process each time, with the model loaded once
            assert annotator.executor().submit(os.getpid).result() == worker
            asked, loaded = annotator.executor().submit(_model_asked).result()
            assert asked > asked_before and loaded == 1
            asked_before = asked
        os.kill(worker, signal.SIGKILL)  # killed (out of memory, say): the next edit has a new worker
        article.write_text(re.sub(r"on \w+day", "on Sunday", article.read_text()))
        report = build(load_config(root), annotator=annotator)
        assert report.annotated and report.annotated.written == ["port"] and not report.errors
        assert annotator.executor().submit(os.getpid).result() not in (worker, os.getpid())
    finally:
        annotator.close()


def test_articles_newer_than_their_annotations_look_stale_at_a_glance(tmp_path: Path) -> None:
    articles, annotations = tmp_path / "articles", tmp_path / "annotations"
    articles.mkdir()
    assert probably_stale(articles, annotations) == 0  # no annotations folder yet
    annotations.mkdir()
    for slug, article_time, annotation_time in (("fresh", 100, 200), ("edited", 300, 200), ("new", 100, None)):
        (articles / f"{slug}.md").write_text("text")
        os.utime(articles / f"{slug}.md", ns=(article_time * 10**9, article_time * 10**9))
        if annotation_time is not None:
            (annotations / f"{slug}.yaml").write_text("text")
            os.utime(annotations / f"{slug}.yaml", ns=(annotation_time * 10**9, annotation_time * 10**9))
    (annotations / "orphan.yaml").write_text("an annotation file without its article")
    assert probably_stale(articles, annotations) == 2
    # Built at 250 s: the article edited at 300 s is still news, the one added at 100 s was seen by that
    # build (and found fresh, or it would have an annotation file of that build's time).
    assert probably_stale(articles, annotations, since=250 * 10**9) == 1


def test_a_build_starts_the_annotation_workers_before_loading_when_an_article_changed(tmp_path: Path, nlp,
                                                                                     monkeypatch) -> None:
    import sitegen.build
    from sitegen.build import build

    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "port.md"
    article.write_text("---\ntitle: Port reopens\npublished: 2024-03-07\n---\n\n"
                       "Port director Ines Moreau said on Friday: \"We are open again.\"\n")
    started: list[int] = []
    real_warm_pool = sitegen.build.warm_pool
    monkeypatch.setattr(sitegen.build, "warm_pool", lambda workers: (started.append(workers),
                                                                      real_warm_pool(workers))[1])
    report = build(load_config(root))
    assert started == [1] and report.annotated and report.annotated.written == ["port"]
    annotation = root / "content" / "annotations" / "port.yaml"
    annotation.write_text(annotation.read_text().replace("kind: full", "kind: partial\n    by: editor", 1))
    report = build(load_config(root))  # an editor's correction: nothing to annotate, no workers
    assert started == [1] and report.annotated and not report.annotated.written and not report.errors
    # A change outside the text (the outlet) leaves the annotation file as it was: the article file is
    # newer than it from now on, yet only the next build guesses wrong, not every build after.
    article.write_text(article.read_text().replace("title: Port reopens\n", "title: Port reopens\noutlet: Gazette\n"))
    report = build(load_config(root))
    assert started == [1, 1] and report.annotated and not report.annotated.written and not report.errors
    config = root / "sitegen.yaml"
    config.write_text(config.read_text() + "front_page_stories: 20\n")
    report = build(load_config(root))
    assert not report.up_to_date and started == [1, 1]


def test_fresh_annotations_are_read_while_stale_articles_are_annotated(tmp_path: Path, nlp, monkeypatch) -> None:
    """Workers spend seconds loading the model: the build reads the other articles' files meanwhile."""
    import dataclasses
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sitegen.annotate import run
    from sitegen.memo import Memo

    site, articles, kb = annotated_site_and_memo(tmp_path)
    edited = dataclasses.replace(articles[0], body=articles[0].body + "\n\nShe said nothing more.")
    reads: list[Path] = []
    reads_when_annotating: list[int] = []
    real_read, real_chunk = run.read_annotations, run.annotate_chunk

    def counted_read(path: Path, memo: Memo | None = None, key=None):  # type: ignore[no-untyped-def]
        reads.append(path)
        return real_read(path, memo, key)

    def slow_chunk(chunk, kb):  # type: ignore[no-untyped-def]
        time.sleep(1)  # a worker loading the model
        reads_when_annotating.append(len(reads))
        return real_chunk(chunk, kb)

    monkeypatch.setattr(run, "read_annotations", counted_read)
    monkeypatch.setattr(run, "annotate_chunk", slow_chunk)
    with ThreadPoolExecutor(1) as pool:
        report = annotate_site([edited, *articles[1:]], kb, site.annotations_dir,
                               memo=Memo(tmp_path / "memo.pickle"), executor=pool)
    assert report.written == [edited.slug]
    assert sorted(report.fresh) == sorted(a.slug for a in articles[1:])
    # The four fresh files were read while the stale article waited to be annotated, not before its
    # work was handed out (it would be 5: every file read first) nor after (0).
    assert reads_when_annotating == [len(articles) - 1]


def test_each_annotation_file_is_read_once_when_its_article_is_fresh(tmp_path: Path, nlp, monkeypatch) -> None:
    """Deciding staleness reads every annotation file; with a memo, its parsed value comes from there
    under the key of that read, not from a second read of the file."""
    from sitegen.memo import Memo

    site, articles, kb = annotated_site_and_memo(tmp_path)
    reads: list[str] = []
    real_read_bytes = Path.read_bytes

    def counted_read_bytes(path: Path) -> bytes:
        if path.suffix == ".yaml":
            reads.append(path.name)
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted_read_bytes)
    report = annotate_site(articles, kb, site.annotations_dir, memo=Memo(tmp_path / "memo.pickle"))
    assert not report.written and len(report.annotations) == len(articles)
    assert sorted(reads) == sorted(f"{a.slug}.yaml" for a in articles)


def annotated_site_and_memo(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A site annotated, and `memo.pickle` in tmp_path as a previous build leaves it."""
    from sitegen.annotate.run import read_annotations
    from sitegen.memo import Memo

    site = load_config(make_site(tmp_path))
    articles, _ = load_articles(site)
    kb = load_knowledge_base(site)
    annotate_site(articles, kb, site.annotations_dir)
    memo = Memo(tmp_path / "memo.pickle")
    for path in site.annotations_dir.glob("*.yaml"):
        read_annotations(path, memo)
    memo.save()
    return site, articles, kb


def _write_when_there(target: Path, flag: Path) -> None:
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    target.write_text(f"{'after the flag' if flag.exists() else 'no flag'} {os.getpid()}")


def test_background_work_runs_in_another_process_while_the_body_runs(tmp_path: Path) -> None:
    from sitegen.workers import in_background

    target, flag = tmp_path / "made", tmp_path / "flag"
    with in_background(_write_when_there, target, flag):
        flag.touch()  # the work waits for this: run before or after the body, it would not see it
    said, pid = target.read_text().rsplit(" ", 1)  # and it is done when the block ends
    assert said == "after the flag" and int(pid) != os.getpid()


@pytest.mark.parametrize("background_fails", [False, True])
def test_a_shard_to_index_again_is_indexed_beside_rendering_or_else_after_it(
        tmp_path: Path, nlp, monkeypatch, capfd, background_fails: bool) -> None:
    from sitegen import build as build_module
    from sitegen import search

    monkeypatch.setattr(os, "cpu_count", lambda: 4)  # more cores than index files to build, on any machine
    root = make_site(tmp_path)
    site = load_config(root)
    build_module.build(site)
    article = sorted((root / "content" / "articles").glob("*.md"))[0]
    article.write_text(article.read_text() + "\nNothing more was added.\n")  # its full-text shard only
    indexed_here: list[int] = []  # the background process's calls are made in its own memory, not here
    compact_json = search._compact_json
    monkeypatch.setattr(search, "_compact_json",
                        lambda f, d, c=None: indexed_here.append(len(d)) or compact_json(f, d, c))
    if background_fails:
        def failing(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the background process broke")

        monkeypatch.setattr(build_module, "fill_cache", failing)
    leftover = site.cache_dir / "search" / ".0123abcd.js.x1y2.tmp"  # a write cut short by an earlier build
    leftover.write_text("window.SITEGEN_FULLTEXT")
    capfd.readouterr()
    report = build_module.build(site)
    assert not report.errors and report.annotated and report.annotated.written == [article.stem]
    assert not leftover.exists()
    assert len(indexed_here) == (1 if background_fails else 0)
    assert "Traceback" not in capfd.readouterr().err  # a failure there is not shown: nothing was lost
    incremental = tree(root / "site")
    monkeypatch.undo()
    build_module.build(site, force=True)
    assert tree(root / "site") == incremental


def _sigterm_handler() -> str:
    return "default" if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else "another"


def test_workers_forked_from_the_server_end_silently_on_sigterm() -> None:
    """`sitegen serve` turns SIGTERM into a clean stop; its pools' workers, forked from it, must not (a pool
    ends its workers with SIGTERM, and each printed a traceback)."""
    import multiprocessing as mp

    from sitegen.serve import _interrupt
    from sitegen.workers import init_worker

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with mp.get_context("fork").Pool(1, initializer=init_worker) as pool:
            assert pool.apply(_sigterm_handler) == "default"
    finally:
        signal.signal(signal.SIGTERM, previous)


def _start_worker_after(parent_ends: bool, survived: Path) -> None:
    """Start a worker process that runs `init_worker` only once this process has ended (or, not ending,
    has waited as long), then notes that it lived on."""
    import multiprocessing as mp

    def worker() -> None:
        time.sleep(0.5)
        init_worker()
        survived.write_text("lived on")

    from sitegen.workers import init_worker

    mp.get_context("fork").Process(target=worker).start()
    if parent_ends:
        os._exit(0)  # before the worker's init_worker: its parent-death signal comes too late
    time.sleep(2)


@pytest.mark.parametrize("parent_ends", [False, True])
def test_a_worker_whose_parent_ended_before_it_started_ends_too(tmp_path: Path, parent_ends: bool) -> None:
    import multiprocessing as mp

    survived = tmp_path / "survived"
    parent = mp.get_context("fork").Process(target=_start_worker_after, args=(parent_ends, survived))
    parent.start()
    parent.join()
    time.sleep(1.5)  # the worker, if it lived on, has written by now
    assert survived.exists() is not parent_ends


def _note_priority_and_wait(target: Path) -> None:
    target.write_text(f"{os.getpid()} {os.getpriority(os.PRIO_PROCESS, 0)}")
    time.sleep(60)


def test_work_on_an_idle_core_runs_at_the_lowest_priority_until_stopped(tmp_path: Path) -> None:
    from sitegen.workers import on_idle_core

    target = tmp_path / "noted"
    with on_idle_core(_note_priority_and_wait, target) as stop:
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        stop()  # long before the work's minute is over
        pid, priority = map(int, target.read_text().split())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended and reaped
    assert pid != os.getpid() and priority == min(os.getpriority(os.PRIO_PROCESS, 0) + 19, 19)


def _built_seeds(root: Path) -> tuple[Site, dict[str, bytes]]:
    """The seeds' site built in `root` (made here), and the files of its output folder."""
    from sitegen.build import build

    root.mkdir(exist_ok=True)
    site = load_config(make_site(root))
    build(site)
    return site, tree(site.out)


def test_a_forced_build_counts_search_terms_on_an_idle_core_and_draws_the_same_site(tmp_path: Path, nlp,
                                                                                      monkeypatch) -> None:
    import tempfile

    from sitegen import build as build_module
    from sitegen import search

    site, built = _built_seeds(tmp_path / "site")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    loaded = tmp_path / "loaded"  # what index workers (other processes) found counted
    load_counted = search._load_counted

    def noted(path: Path | None) -> dict[str, object]:
        counted = load_counted(path)
        with loaded.open("a") as log:
            log.write(f"{len(counted)}\n")
        return counted  # type: ignore[return-value]

    monkeypatch.setattr(search, "_load_counted", noted)
    render_site = build_module.render_site

    def once_counted(*args: object, **kwargs: object) -> object:
        """Rendering the seeds can be over before the counting process has started: here it waits for it."""
        deadline = time.monotonic() + 30
        while not list(scratch.glob("sitegen-counted-*/*.pickle")) and time.monotonic() < deadline:
            time.sleep(0.01)
        return render_site(*args, **kwargs)

    monkeypatch.setattr(build_module, "render_site", once_counted)
    build_module.build(site, force=True)
    assert tree(site.out) == built
    assert max(map(int, loaded.read_text().split())) > 0  # a full-text shard was built from the counts
    assert list(scratch.iterdir()) == []  # the folder of counts went with the build


def test_a_forced_build_without_a_temporary_folder_counts_its_search_terms_itself(tmp_path: Path, nlp,
                                                                                   monkeypatch) -> None:
    import tempfile

    from sitegen import build as build_module

    site, built = _built_seeds(tmp_path)

    def no_folder(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(tempfile, "mkdtemp", no_folder)
    report = build_module.build(site, force=True)
    assert not report.errors and tree(site.out) == built


def test_articles_handed_to_workers_keep_no_utf8_copy_of_their_bodies(tmp_path: Path, nlp, monkeypatch) -> None:
    """Pickling a string that is not all ASCII leaves a UTF-8 copy of it attached to the string for its
    life (CPython): handed to annotation workers as they were, articles made every body the build holds
    that much larger. Each goes as the article without its body, and the body as bytes."""
    import sys

    from sitegen.annotate import run

    monkeypatch.setattr(run, "CHUNK", 2)
    site = load_config(make_site(tmp_path))
    articles, _ = load_articles(site)
    kb = load_knowledge_base(site)
    sizes = [sys.getsizeof(article.body) for article in articles]
    in_workers = run.annotate_many(articles, kb, workers=2)
    assert not all(article.body.isascii() for article in articles)
    assert [sys.getsizeof(article.body) for article in articles] == sizes
    assert in_workers == run.annotate_many(articles, kb, workers=1)


def test_articles_handed_ahead_to_the_kept_annotator_are_used_only_when_they_are_the_stale_ones(
        tmp_path: Path, nlp, monkeypatch) -> None:
    import dataclasses

    from sitegen.annotate import run
    from sitegen.memo import Memo

    site, articles, kb = annotated_site_and_memo(tmp_path)
    edited = dataclasses.replace(articles[0], body=articles[0].body.replace(".", ", said the mayor on Friday.", 1))
    expected = annotate_site([edited, *articles[1:]], kb, tmp_path / "expected", memo=Memo(None))
    annotator = run.KeptAnnotator()
    try:
        # The stale article handed ahead: its annotations come from there, and nothing is annotated here.
        ahead = run.Ahead([edited], kb, annotator)
        real_many = run.annotate_many
        monkeypatch.setattr(run, "annotate_many", lambda *args, **kwargs: pytest.fail("annotated again"))
        report = annotate_site([edited, *articles[1:]], kb, site.annotations_dir,
                               memo=Memo(tmp_path / "memo.pickle"), ahead=ahead)
        assert report.written == [edited.slug] and len(report.fresh) == len(articles) - 1
        path = f"{edited.slug}.yaml"
        assert (site.annotations_dir / path).read_bytes() == (tmp_path / "expected" / path).read_bytes()
        assert report.annotations[edited.slug] == expected.annotations[edited.slug]
        # Another article handed ahead (a guess gone wrong), or the same with another knowledge base:
        # the stale one is annotated the usual way.
        monkeypatch.setattr(run, "annotate_many", real_many)
        for n, wrong_kb in enumerate((kb, dataclasses.replace(kb, topics=()))):
            again = dataclasses.replace(edited, body=edited.body + f"\n\nShe said nothing more ({n}).")
            wrong = run.Ahead([articles[1]] if wrong_kb is kb else [again], wrong_kb, annotator)
            report = annotate_site([again, *articles[1:]], kb, site.annotations_dir,
                                   memo=Memo(tmp_path / "memo.pickle"), ahead=wrong)
            assert report.written == [again.slug] and len(report.fresh) == len(articles) - 1
            alone = annotate_site([again], kb, tmp_path / f"alone-{n}")
            assert report.annotations[again.slug] == alone.annotations[again.slug]
    finally:
        annotator.close()


def test_a_session_hands_an_edited_article_to_the_kept_annotator_as_it_is_loaded(tmp_path: Path, nlp,
                                                                               monkeypatch) -> None:
    import shutil

    from sitegen.annotate import run
    from sitegen.build import Session, build

    (tmp_path / "one").mkdir()
    root = make_site(tmp_path / "one")
    site = load_config(root)
    session, annotator = Session.start(site), run.KeptAnnotator()
    try:
        build(site, session=session, annotator=annotator)
        article = sorted(site.articles_dir.glob("*.md"))[0]
        article.write_text(article.read_text().replace("\n\n", "\n\nThe mayor spoke on Friday.\n\n", 1))
        handed: list[list[str]] = []
        real_ahead = run.Ahead.__init__

        def recorded(self, articles, kb, kept):  # type: ignore[no-untyped-def]
            handed.append([a.slug for a in articles])
            real_ahead(self, articles, kb, kept)

        monkeypatch.setattr(run.Ahead, "__init__", recorded)
        monkeypatch.setattr(run, "annotate_many", lambda *args, **kwargs: pytest.fail("annotated again"))
        report = build(site, session=session, annotator=annotator)
        assert handed == [[article.stem]] and report.annotated and report.annotated.written == [article.stem]
        assert not report.errors
    finally:
        annotator.close()
    monkeypatch.undo()
    alone = tmp_path / "alone"  # the same edit built in a process of its own
    shutil.copytree(root, alone, symlinks=True, ignore=shutil.ignore_patterns("site", ".sitegen-cache"))
    (alone / "content" / "annotations" / f"{article.stem}.yaml").unlink()
    build(load_config(alone), force=True)
    assert tree(root / "content") == tree(alone / "content") and tree(root / "site") == tree(alone / "site")
