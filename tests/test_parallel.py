"""Annotation on local processes and on a Dask cluster writes exactly what a one-process run writes."""

from __future__ import annotations

from pathlib import Path

from sitegen.annotate.run import annotate_site
from sitegen.config import load_config
from sitegen.content import load_articles, load_knowledge_base

from .conftest import make_site


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


def test_a_build_annotates_in_workers_unless_it_keeps_the_model(tmp_path: Path, nlp) -> None:
    from sitegen.annotate import load_pipeline
    from sitegen.build import build

    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "port.md"
    article.write_text("---\ntitle: Port reopens\npublished: 2024-03-07\n---\n\n"
                       "Port director Ines Moreau said on Friday: \"We are open again.\"\n")
    used_here = load_pipeline.cache_info().hits + load_pipeline.cache_info().misses
    report = build(load_config(root))
    assert report.annotated and report.annotated.written == ["port"]
    assert load_pipeline.cache_info().hits + load_pipeline.cache_info().misses == used_here  # in a worker
    article.write_text(article.read_text().replace("Friday", "Monday"))
    report = build(load_config(root), keep_model=True)  # as `sitegen serve` builds
    assert report.annotated and report.annotated.written == ["port"]
    assert load_pipeline.cache_info().hits + load_pipeline.cache_info().misses > used_here  # here
