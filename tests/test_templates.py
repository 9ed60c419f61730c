"""The documented template contexts (docs/templates.md) match what the code passes, and overrides work."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.errors import SitegenError
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


def _with_template(built_site: Path, tmp_path: Path, name: str, text: str) -> Path:
    """A copy of the built site's root with `templates/<name>` of its own."""
    root = tmp_path / "site-root"
    shutil.copytree(built_site, root, symlinks=True, ignore=shutil.ignore_patterns("site", "replaced"))
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(text)
    return root


def test_site_template_overrides_and_extends_the_default(built_site: Path, tmp_path: Path) -> None:
    override = '{% extends "default:story.html" %}{% block title %}OVERRIDDEN {{ story.title }}{% endblock %}'
    root = _with_template(built_site, tmp_path, "story.html", override)
    build(load_config(root))
    story = next((root / "site" / "stories").glob("*.html")).read_text()
    assert "<title>OVERRIDDEN " in story and 'class="coverage"' in story


@pytest.mark.parametrize("name, text, message", [
    ("topic.html", "line one\n{% if %}\n", r"topic.html:2: template error"),
    # Not a Jinja error but the expression's own (a TypeError): it was a traceback from inside Jinja.
    ("story.html", '{% extends "default:story.html" %}{% block title %}\n\n{{ story.title / 2 }}{% endblock %}',
     r"^\S*templates/story.html:3: template error while rendering stories/\S+\.html: TypeError: unsupported operand"),
])
def test_template_error_names_the_file_and_line(built_site: Path, tmp_path: Path, name: str, text: str,
                                                message: str) -> None:
    with pytest.raises(SitegenError, match=message):
        build(load_config(_with_template(built_site, tmp_path, name, text)))


def _digest(site):  # type: ignore[no-untyped-def]
    from sitegen.annotate.run import annotation_path, read_annotations
    from sitegen.content import load_articles, load_knowledge_base
    from sitegen.resolve import link

    articles, _ = load_articles(site)
    annotations = [read_annotations(annotation_path(site.annotations_dir, a.slug)) for a in articles]
    return link(articles, [a for a in annotations if a], load_knowledge_base(site))


def test_every_page_is_what_jinjas_own_escaping_draws(built_site: Path, tmp_path: Path) -> None:
    import shutil

    import jinja2

    from sitegen.render import environment

    # A site template with what Jinja escapes in other ways: a block set, a macro, a filter block, an
    # autoescape block decided at run time, markup from the code.
    root = tmp_path / "site-root"
    shutil.copytree(built_site, root, symlinks=True, ignore=shutil.ignore_patterns("site", "replaced"))
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "story.html").write_text(
        '{% extends "default:story.html" %}{% block title %}{% set t %}<{{ story.title }}>{% endset %}'
        '{% macro m(x) %}[{{ x }}]{% endmacro %}{{ t }}{{ m("<&\'\\"") }}{% filter upper %}{{ "<i>" }}{% endfilter %}'
        '{% autoescape false %}{{ "<b>" }}{% endautoescape %}{{ 3 }}{{ story.published }}{% endblock %}')
    site = load_config(root)
    digest = _digest(site)
    ours, jinjas = environment(root / "templates"), environment(root / "templates", jinja2.Environment)
    assert type(ours) is not jinja2.Environment
    drawn = 0
    for page in pages(digest, site):
        drawn_here = render_page(ours, page, site, Linker(digest))
        assert drawn_here == render_page(jinjas, page, site, Linker(digest)), page.path
        drawn += 1
    assert drawn > 90
    story = next(p for p in pages(digest, site) if p.template == "story.html")
    title = render_page(ours, story, site, Linker(digest)).split("<title>")[1].split("</title>")[0]
    assert "[&lt;&amp;&#39;&#34;]" in title and "&LT;I&GT;" in title and "<b>" in title


def test_output_escape_gives_markupsafes_text() -> None:
    import datetime as dt

    import jinja2
    import pytest
    from markupsafe import Markup, escape

    from sitegen.escaping import output_escape

    class Html:
        def __html__(self) -> str:
            return "<em>kept</em>"

    for value in ["<script>alert('x') & \"y\"</script>", "", "plain", Markup("<b>safe</b>"), 42, 3.5, None,
                  dt.date(2025, 3, 1), Html(), "\u2028<\u00e9>"]:
        assert output_escape(value) == str(escape(value)), value
        assert type(output_escape(value)) is str
    with pytest.raises(jinja2.UndefinedError):
        output_escape(jinja2.StrictUndefined(name="missing"))
