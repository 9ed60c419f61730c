"""No script from content ever runs: payloads everywhere, every page opened in Chromium, searches run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config

from .browser import CHROMIUM, FLAGS, require_chromium
from .conftest import make_site

PAYLOADS = [
    "<script>window.__pwned('script')</script>",
    "<img src=x onerror=\"window.__pwned('img')\">",
    "<svg onload=window.__pwned('svg')><script>window.__pwned('svg2')</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned('math')>",
    "\"><script>window.__pwned('break')</script>",
    "'><img src=x onerror=window.__pwned('single')>",
    "`><img src=x onerror=window.__pwned('backtick')>",
    "</script><script>window.__pwned('close')</script>",
    "<a href=\"javascript:window.__pwned('jslink')\">click</a>",
    "[md link](javascript:window.__pwned('md'))",
    "[data link](data:text/html,<script>window.__pwned('data')</script>)",
    "<iframe src=\"javascript:window.__pwned('iframe')\"></iframe>",
    "xsspayload",
]
HOOK = """
window.__calls = [];
window.__pwned = (name) => window.__calls.push(name);
for (const name of ['alert', 'confirm', 'prompt']) { window[name] = () => window.__calls.push(name); }
"""


def hostile_site(root: Path) -> Path:
    site = make_site(root, with_seeds=False)
    joined = " ".join(PAYLOADS)
    articles = site / "content" / "articles"
    for index, payload in enumerate(PAYLOADS):
        front = (f"title: {json.dumps(payload + ' headline xsspayload')}\npublished: 2024-03-0{1 + index % 9}\n"
                 f"outlet: {json.dumps(payload)}\nstory: hostile-{index}\ntopics: [{json.dumps(payload)}]\n"
                 f"dateline: {json.dumps(payload)}\n")
        body = (f"Mayor Anna Lindqvist said: \"{payload} xsspayload\" on Tuesday.\n\n"
                f"{payload}\n\nCouncillor {payload} Berg told reporters \"{joined}\".\n")
        (articles / f"hostile-{index}.md").write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    (site / "content" / "entities.yaml").write_text(
        "entities:\n  - name: Anna Lindqvist\n    kind: person\n    description: " + json.dumps(joined) + "\n"
        "    role: " + json.dumps(PAYLOADS[1]) + "\n", encoding="utf-8")
    (site / "content" / "topics.yaml").write_text(
        "topics:\n  - name: " + json.dumps(PAYLOADS[0] + " xsspayload") + "\n    description: " + json.dumps(joined) +
        "\n    terms: [xsspayload]\n", encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, nlp) -> Path:
    root = hostile_site(tmp_path_factory.mktemp("hostile"))
    report = build(load_config(root))
    assert not report.errors, report.errors
    return root / "site"


def test_no_page_runs_a_payload(hostile: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    pages = sorted(hostile.rglob("*.html"))
    assert len(pages) > 10
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        context.add_init_script(HOOK)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in pages:
            url = path.as_uri()
            page.goto(url)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__calls") == [], path
            for link in page.locator("a[href^='javascript:'], a[href^='data:'], iframe, object, embed").all():
                pytest.fail(f"{path}: dangerous element {link.evaluate('e => e.outerHTML')[:80]}")
            assert page.url == url, f"{path} navigated to {page.url}"
        page.goto((hostile / "search.html").as_uri())
        for query in ["xsspayload", "script", "onerror", "pwned", "img"]:
            page.fill("#q", query)
            page.wait_for_timeout(100)
            assert page.evaluate("window.__calls") == []
        page.check("#fulltext")
        page.fill("#q", "xsspayload")
        page.wait_for_timeout(300)
        assert page.locator("#search-results li").count() > 0
        assert page.evaluate("window.__calls") == [] and dialogs == []
        browser.close()
