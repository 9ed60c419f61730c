"""The benchmark runs end to end at 100 articles (a smoke test: no timing goals here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_bench_smoke_run(tmp_path: Path, nlp) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--sizes", "100", "--quick",
                             "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = json.loads((tmp_path / "bench.json").read_text())
    measures = {(corpus, measure) for corpus, measure, _ in rows}
    for expected in [("seeds", "full build, cold"), ("100", "full build, cold"), ("100", "full build, --force"),
                     ("100", "fresh checkout, cache folder restored"), ("100", "search index"),
                     ("100", "no-op rebuild"), ("100", "one article edited, first re-annotation"),
                     ("100", "one article edited"), ("100", "one annotation corrected"),
                     ("100", "one article added"), ("100", "the newest article added"),
                     ("100", "edits under sitegen serve")]:
        assert expected in measures
    assert "targets:" in result.stdout
    results = {(c, m): r for c, m, r in rows}
    for edit in ("one article edited, first re-annotation", "one article edited"):
        assert "annotated 1 articles" in results[("100", edit)]
    # The server's memory is read until it has stopped (its session is saved on the way out); the language
    # model is in its annotation worker, measured apart, as is its search index worker.
    assert re.search(r"server's peak memory [1-9][\d,]* MB \(its whole run, stopping included\), its kept "
                     r"workers' [1-9][\d,]* MB \(annotation: the language model\) and [1-9][\d,]* MB \(search "
                     r"indexes\)", results[("100", "edits under sitegen serve")])


def test_reference_sites_carry_each_articles_people_and_topics(built_site: Path, tmp_path: Path) -> None:
    """The Hugo and Pelican sites the bench builds for its reference figures hold the same articles,
    with the people and topics of their annotation files as taxonomies."""
    import tomllib

    import yaml

    sys.path.insert(0, str(ROOT / "scripts"))
    import reference

    reference.export(built_site, tmp_path / "hugo", tmp_path / "pelican")
    articles = sorted((built_site / "content" / "articles").glob("*.md"))
    assert tomllib.loads(reference.HUGO_CONFIG)["taxonomies"] == {"person": "people", "topic": "topics"}
    for article in articles:
        annotation = yaml.safe_load((built_site / "content" / "annotations" / f"{article.stem}.yaml").read_text())
        people = sorted({p["name"] for p in annotation.get("people") or [] if not p.get("rejected")})
        topics = [t["name"] for t in annotation.get("topics") or []]
        hugo = (tmp_path / "hugo" / "content" / "articles" / article.name).read_text()
        front = tomllib.loads(hugo.split("+++\n")[1])
        assert (front["slug"], front["people"], front["topics"]) == (article.stem, people, topics)
        assert people and topics
        pelican = (tmp_path / "pelican" / "content" / article.name).read_text().split("\n\n", 1)[0]
        meta = dict(line.split(": ", 1) for line in pelican.splitlines())
        assert meta["Slug"] == article.stem
        assert meta["Tags"].split(", ") == [*people, *topics]
    assert {p.name for p in (tmp_path / "hugo" / "layouts").iterdir()} == {"baseof.html", "single.html", "list.html"}
