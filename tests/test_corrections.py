"""Editor corrections survive re-annotation; lost anchors are reported by `check`, never dropped."""

from __future__ import annotations

from pathlib import Path

import yaml

from sitegen.annotate.run import annotate_site, annotation_path, read_annotations
from sitegen.check import check
from sitegen.config import load_config
from sitegen.content import load_articles, load_knowledge_base

from .conftest import make_site

ARTICLE = """---
title: Council passes budget
published: 2024-03-07
---

Mayor Anna Lindqvist said on Tuesday that the budget was fair.

"This budget protects every school," Lindqvist said.

Councillor Tom Berg disagreed. "It is a disaster," he told reporters.
"""


def annotate_all(root: Path) -> dict:
    site = load_config(root)
    articles, errors = load_articles(site)
    assert not errors
    report = annotate_site(articles, load_knowledge_base(site), site.annotations_dir)
    assert not report.errors
    for slug, made in report.annotations.items():  # what the build uses is what the file says
        from_file = read_annotations(annotation_path(site.annotations_dir, slug))
        assert from_file is not None and made == from_file and made.source_key == from_file.source_key
    return yaml.safe_load((site.annotations_dir / "budget.yaml").read_text())


def test_correction_survives_text_edit_and_lost_anchor_is_reported(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "budget.md"
    article.write_text(ARTICLE)
    data = annotate_all(root)
    disaster = next(q for q in data["quotes"] if q["text"] == "It is a disaster,")
    assert disaster["speaker"] == "Tom Berg"
    # The editor re-attributes one quote and adds a date the machine did not mark.
    disaster.update(speaker="Anna Lindqvist", by="editor")
    data["dates"].append({"text": "budget was fair", "prefix": "that the ", "suffix": ".", "value": "2024-03",
                          "granularity": "month", "by": "editor"})
    annotations_file = root / "content" / "annotations" / "budget.yaml"
    annotations_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    # Someone edits the article elsewhere: the corrected quote's text stays, the date's anchor goes.
    article.write_text(ARTICLE.replace("Tuesday", "Wednesday").replace("the budget was fair",
                                                                       "the plan was fair"))
    data = annotate_all(root)
    disaster = next(q for q in data["quotes"] if q["text"] == "It is a disaster,")
    assert disaster["speaker"] == "Anna Lindqvist" and disaster["by"] == "editor"
    assert any(d["text"] == "budget was fair" and d.get("by") == "editor" for d in data["dates"])
    assert any("'budget was fair'" in orphan for orphan in data["orphans"])
    problems = check(load_config(root))
    assert any("editor correction anchor 'budget was fair' no longer occurs in budget.md" in p for p in problems)


def test_reannotation_without_corrections_writes_what_a_first_run_writes(tmp_path: Path, nlp) -> None:
    """Articles with a repeated paragraph have the same anchor twice: order must not depend on history."""
    from sitegen.annotate.run import annotation_path

    root = make_site(tmp_path)  # the seeds; one of them repeats its first paragraph
    site = load_config(root)
    articles, _ = load_articles(site)
    annotate_site(articles, load_knowledge_base(site), site.annotations_dir)
    first = {a.slug: annotation_path(site.annotations_dir, a.slug).read_text() for a in articles}
    annotate_site(articles, load_knowledge_base(site), site.annotations_dir, force=True)
    assert {a.slug: annotation_path(site.annotations_dir, a.slug).read_text() for a in articles} == first
