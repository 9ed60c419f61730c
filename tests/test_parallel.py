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
