"""The documented template contexts (docs/templates.md) match what the code passes, and overrides work."""

from __future__ import annotations

import re
from pathlib import Path

from sitegen.build import build
from sitegen.config import load_config
from sitegen.render import Linker, pages, render_page

from .conftest import ROOT

DOC = ROOT / "docs" / "templates.md"


def documented() -> tuple[set[str], dict[str, set[str]]]:
    text = DOC.read_text(encoding="utf-8")
    common_part, types_part = text.split("## Page types")
    common = set(re.findall(r"^- `(\w+)`", common_part, re.MULTILINE))
    types = {}
    for template, names in re.findall(r"^- `([\w.]+\.html)`: (.*)$", types_part, re.MULTILINE):
        types[template] = set(re.findall(r"`(\w+)`", names))
    return common, types


def test_documented_contexts_match_the_code(built_site: Path) -> None:
    common, types = documented()
    site = load_config(built_site)
    from sitegen.annotate.run import annotation_path, read_annotations
    from sitegen.content import load_articles, load_knowledge_base
    from sitegen.resolve import link

    articles, _ = load_articles(site)
    annotations = [read_annotations(annotation_path(site.annotations_dir, a.slug)) for a in articles]
    digest = link(articles, [a for a in annotations if a], load_knowledge_base(site))
    seen: dict[str, set[str]] = {}
    for page in pages(digest, site):
        seen.setdefault(page.template, set()).update(page.context, page.computed)
    assert seen == types
    captured = {}

    class Spy:
        def get_template(self, name):
            class T:
                def render(self, context):
                    captured.update(context)
                    return ""
            return T()

    first = next(iter(pages(digest, site)))
    render_page(Spy(), first, site, Linker(digest))  # type: ignore[arg-type]
    assert set(captured) - set(first.context) == common


def test_site_template_overrides_and_extends_the_default(built_site: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "site-root"
    shutil.copytree(built_site, root, symlinks=True, ignore=shutil.ignore_patterns("site", "replaced"))
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "story.html").write_text(
        '{% extends "default:story.html" %}{% block title %}OVERRIDDEN {{ story.title }}{% endblock %}')
    build(load_config(root))
    story = next((root / "site" / "stories").glob("*.html")).read_text()
    assert "<title>OVERRIDDEN " in story and 'class="coverage"' in story


def test_template_error_names_the_file_and_line(built_site: Path, tmp_path: Path) -> None:
    import shutil

    import pytest

    from sitegen.errors import SitegenError

    root = tmp_path / "broken-root"
    shutil.copytree(built_site, root, symlinks=True, ignore=shutil.ignore_patterns("site", "replaced"))
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "topic.html").write_text("line one\n{% if %}\n")
    with pytest.raises(SitegenError, match=r"topic.html:2: template error"):
        build(load_config(root))
