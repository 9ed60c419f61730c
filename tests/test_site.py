"""The built site: links resolve at any base, pages cross-link, output is deterministic and escaped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sitegen import search_index
from sitegen.build import build
from sitegen.check import broken_links
from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.jsontext import json_for_script

from .conftest import make_site, tree


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    assert broken_links(built_site / "site") == []
    assert (built_site / "site" / ".nojekyll").exists()


def test_links_are_relative(built_site: Path) -> None:
    for page in (built_site / "site").rglob("*.html"):
        if page.name == "404.html":
            continue
        hrefs = re.findall(r'(?:href|src)="([^"]+)"', page.read_text())
        assert not [h for h in hrefs if h.startswith("/")], page


def test_story_groups_the_three_february_articles_and_shows_the_shared_quote_once(built_site: Path) -> None:
    stories = list((built_site / "site" / "stories").glob("*.html"))
    grouped = [s for s in stories if s.read_text().count('class="coverage"') and
               len(re.findall(r"<li><a href=\"../articles/", s.read_text())) == 3]
    assert len(grouped) == 1
    html = grouped[0].read_text()
    variants = re.findall(r'<figure class="utterance variants">(.*?)</figure>', html, re.S)
    putin = [v for v in variants if "disrupt or compromise" in v or "disrupt or discredit" in v]
    assert len(putin) == 1 and "disrupt or discredit" in putin[0] and "disrupt or compromise" in putin[0]


@pytest.mark.parametrize("slug", ["vladimir-putin", "volodymyr-zelensky", "donald-trump", "keir-starmer",
                                  "sergei-lavrov", "maria-zakharova"])
def test_person_pages(built_site: Path, slug: str) -> None:
    assert (built_site / "site" / "people" / f"{slug}.html").exists()


def test_zelensky_spellings_are_one_person(built_site: Path) -> None:
    people = {p.name for p in (built_site / "site" / "people").glob("*zelensk*")}
    assert people == {"volodymyr-zelensky.html"}
    assert "Zelenskyy" in (built_site / "site" / "people" / "volodymyr-zelensky.html").read_text()


def test_two_builds_are_byte_identical(built_site: Path) -> None:
    first = tree(built_site / "site")
    report = build(load_config(built_site), force=True)  # force: a no-op build would prove nothing
    assert not report.up_to_date
    assert tree(built_site / "site") == first


def test_refuses_to_replace_a_folder_it_did_not_create(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (root / "site").mkdir()
    (root / "site" / "notes.txt").write_text("mine")
    with pytest.raises(SitegenError, match="was not made by sitegen"):
        build(load_config(root))
    assert (root / "site" / "notes.txt").read_text() == "mine"


def test_script_and_markup_in_articles_is_escaped(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    payload = '<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) </script>'
    (root / "content" / "articles" / "xss.md").write_text(
        f"---\ntitle: \"<svg onload=alert(4)>\"\npublished: 2024-03-07\noutlet: \"<b>Evil</b>\"\n---\n\n"
        f"Mayor Anna Lindqvist said: \"{payload}\"\n")
    build(load_config(root))
    page = (root / "site" / "articles" / "xss.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page and "<svg onload" not in page
    assert 'href="javascript:' not in page and "<b>Evil</b>" not in page
    index_js = (root / "site" / "assets" / "search-docs.js").read_text()
    assert "</script" not in index_js.lower() and "<script" not in index_js.lower()


def test_json_for_script_cannot_close_the_element() -> None:
    text = str(json_for_script({"a": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_index_answers_in_lunr_js_as_in_lunr_py(built_site: Path) -> None:
    from lunr.index import Index

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    assets = built_site / "site" / "assets"
    queries = ["ceasefire", "zelenskyy", "person:putin", "zelen*", "+talks -kursk"]
    script = f"""
      global.window = global; require('{assets / "search-index.js"}');
      const lunr = require('{Path.cwd() / "node_modules/lunr/lunr.js"}');
      const index = window.SITEGEN_INDEX;  // search.js's expandIndex, done here by hand
      index.invertedIndex.forEach(e => index.fields.forEach(f => {{ if (!e[1][f]) e[1][f] = {{}}; }}));
      const idx = lunr.Index.load(index);
      const out = {{}};
      for (const q of {json.dumps(queries)}) out[q] = idx.search(q).map(r => r.ref);
      console.log(JSON.stringify(out));
    """
    result = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    text = (assets / "search-index.js").read_text()
    literal = re.search(r"window\.SITEGEN_INDEX = JSON\.parse\((\".*\")\);\n", text).group(1)
    index = Index.load(search_index.expand(json.loads(json.loads(literal))))
    for query in queries:
        assert result[query] == [r["ref"] for r in index.search(query)], query
    assert result["zelen*"] and result["person:putin"]


def test_feeds_are_atom_and_their_links_resolve(built_site: Path) -> None:
    import xml.etree.ElementTree as ET

    site = built_site / "site"
    feeds = [site / "feed.xml", *sorted((site / "feeds").rglob("*.xml"))]
    assert any("people" in str(f) for f in feeds) and any("topics" in str(f) for f in feeds)
    atom = "{http://www.w3.org/2005/Atom}"
    for feed in feeds:
        root = ET.parse(feed).getroot()
        assert root.tag == f"{atom}feed" and root.find(f"{atom}title") is not None
        for link in root.iter(f"{atom}link"):
            assert (feed.parent / link.get("href")).resolve().exists(), (feed, link.get("href"))


def test_front_page_shows_the_newest_stories_and_each_month_has_a_page_of_all_of_its_own(
        tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path)
    with (root / "sitegen.yaml").open("a") as config:
        config.write("front_page_stories: 1\n")
    assert not build(load_config(root)).errors
    site = root / "site"

    def story_links(page: Path) -> list[str]:
        return re.findall(r'<h2><a href="(?:\.\./)?stories/([^"]+)\.html"', page.read_text())

    everything = sorted(p.stem for p in (site / "stories").glob("*.html"))
    months = sorted((site / "archive").glob("*.html"), reverse=True)
    assert len(everything) >= 2 and len(months) >= 2  # the seeds span months
    on_month_pages = [slug for page in months for slug in story_links(page)]
    assert sorted(on_month_pages) == everything  # every story once, on the page of its month
    front = (site / "index.html").read_text()
    assert story_links(site / "index.html") == story_links(months[0])[:1]  # the newest story
    assert [f"archive/{p.name}" for p in months] == re.findall(r'href="(archive/[\d-]+\.html)"', front)
    assert 'rel="next"' in months[0].read_text() and 'rel="prev"' not in months[0].read_text()
    assert broken_links(site) == []


def test_the_workflows_keep_the_folder_the_build_caches_in(tmp_path: Path) -> None:
    # The Pages workflow saves the cache folder between runs and the review workflow restores it: a
    # renamed cache folder would silently make every published build a cold one.
    folder = load_config(make_site(tmp_path, with_seeds=False)).cache_dir.name
    project = Path(__file__).resolve().parent.parent
    for workflow, action in (("pages.yml", "actions/cache@"), ("review.yml", "actions/cache/restore@")):
        jobs = yaml.safe_load((project / ".github" / "workflows" / workflow).read_text())["jobs"]
        cache_steps = [s for job in jobs.values() for s in job["steps"] if s.get("uses", "").startswith(action)]
        assert len(cache_steps) == 1, workflow
        assert cache_steps[0]["with"]["path"].split() == [folder, f"!{folder}/replaced"], workflow
