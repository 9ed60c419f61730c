"""`sitegen review` in a throwaway git repository, and the W3C export."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from sitegen.annotate.run import annotate_site
from sitegen.config import load_config
from sitegen.content import load_articles, load_knowledge_base
from sitegen.review import review, to_markdown

from .conftest import make_site
from .test_corrections import ARTICLE

OTHER = """---
title: Harbour reopens
published: 2024-03-08
---

The harbour reopened on Friday, said port director Ines Moreau.
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args], cwd=root,
                   check=True, capture_output=True)


def annotate(root: Path) -> None:
    site = load_config(root)
    articles, errors = load_articles(site)
    assert not errors
    annotate_site(articles, load_knowledge_base(site), site.annotations_dir)


def test_review_shows_speaker_change_and_added_quote_only_for_changed_articles(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    articles = root / "content" / "articles"
    (articles / "budget.md").write_text(ARTICLE)
    (articles / "harbour.md").write_text(OTHER)
    annotate(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "site")
    # An editor adds a paragraph to one article and re-attributes one quote.
    (articles / "budget.md").write_text(ARTICLE + '\nCouncillor Tom Berg later said: "We will vote against it."\n')
    path = root / "content" / "annotations" / "budget.yaml"
    data = yaml.safe_load(path.read_text())
    quote = next(q for q in data["quotes"] if q["text"] == "It is a disaster,")
    quote.update(speaker="Anna Lindqvist", by="editor")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    annotate(root)
    changes = review(load_config(root), "HEAD")
    assert to_markdown(changes) == """## Annotation review

1 article(s) with annotation changes.

| change | count |
|---|---|
| Quotes whose speaker changed | 1 |
| Quotes added | 1 |

### budget

**Quotes whose speaker changed**

- “It is a disaster,”: Tom Berg → Anna Lindqvist

**Quotes added**

- “We will vote against it.” (Tom Berg)
"""
    assert review(load_config(root), "HEAD") == changes  # stable on re-run


def test_w3c_export_has_the_required_fields(built_site: Path) -> None:
    from sitegen.cli import main

    out = built_site / "annotations.jsonld"
    assert main(["--root", str(built_site), "export", "--format", "w3c", "--out", str(out)]) == 0
    collection = json.loads(out.read_text())
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    items = collection["first"]["items"]
    assert items and collection["total"] == len(items)
    for item in items:
        assert item["@context"] == "http://www.w3.org/ns/anno.jsonld" and item["type"] == "Annotation"
        assert item["target"]["source"].startswith("articles/")
        assert item["target"]["selector"]["type"] == "TextQuoteSelector" and item["target"]["selector"]["exact"]
        assert " " not in item["id"]
    quotes = [i for i in items if ":quote:" in i["id"]]
    assert any(b["value"] == "Vladimir Putin" for i in quotes for b in i["body"])
