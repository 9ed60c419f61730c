"""The plain-text fast path gives exactly what markdown-it gives, text and rendered HTML alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.model import Article
from sitegen.text import _plain_blocks, blocks

PIECES = st.sampled_from(["Putin said", " ", "\n", "\n\n", "## ", "#", "*", "_", "`", "[x](y)", "<b>", "&amp;",
                          "\\", "!", "> ", "- ", "1. ", "    ", "\t", "word", "“quoted”", "Zelenskyy's", ".", "==",
                          "~~~", "|", "2014", "\n\n\n"])
BODY = st.lists(PIECES, max_size=40).map("".join)


def article(body: str) -> Article:
    return Article(slug="a", path=Path("a.md"), title="T", published=dt.date(2025, 1, 1), body=body.strip("\n"),
                   body_line=1)


@settings(max_examples=400, deadline=None)
@given(BODY)
def test_fast_path_equals_markdown_it(body: str) -> None:
    item = article(body)
    fast = [(b.kind, b.start, b.text) for b in blocks(item)]
    slow = [(b.kind, b.start, b.text) for b in blocks(item, fast=False)]
    assert fast == slow


@settings(max_examples=150, deadline=None)
@given(BODY)
def test_fast_path_renders_the_same_html(body: str) -> None:
    from sitegen.marking import _inline_html

    item = article(body)
    fast = [_inline_html(b, []) for b in blocks(item) if b.kind not in ("title",)]
    slow = [_inline_html(b, []) for b in blocks(item, fast=False) if b.kind not in ("title",)]
    assert fast == slow


WORDS = st.sampled_from(["Putin", "said", "on", "Thursday:", "“We", "see", "this.”", "2014", "Zelenskyy's", "—",
                         "(AP)", "50%", "$3", "e-mail", "#1", "it’s", "U.S.", "“nothing,”"])
LINE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join).filter(
    lambda line: not (line[0].isdigit() or line[0] in "#-"))
PARAGRAPH = st.lists(LINE, min_size=1, max_size=3).map("\n".join)
HEADING = st.lists(WORDS.filter(lambda w: "#" not in w), min_size=1, max_size=4).map(lambda w: "## " + " ".join(w))
PLAIN_BODY = st.lists(st.one_of(PARAGRAPH, HEADING), min_size=1, max_size=6).map("\n\n".join)


@settings(max_examples=200, deadline=None)
@given(PLAIN_BODY)
def test_plain_bodies_take_the_fast_path_and_agree(body: str) -> None:
    item = article(body)
    assert _plain_blocks(item.body) is not None
    assert [(b.kind, b.text) for b in blocks(item)] == [(b.kind, b.text) for b in blocks(item, fast=False)]


def test_plain_news_takes_the_fast_path() -> None:
    body = "Russian President Vladimir Putin said on Thursday: “We see this.”\n\n## Why It Matters\n\nMore text."
    assert _plain_blocks(body) == [("p", body.split("\n\n")[0]), ("h2", "Why It Matters"), ("p", "More text.")]


def test_the_lead_paragraph_is_the_first_that_is_not_a_heading() -> None:
    from sitegen.text import lead_paragraph

    assert lead_paragraph("## Kyiv\n\nTalks resumed.\n\nMore.") == "Talks resumed."
    assert lead_paragraph("\n\nFirst.") == "First."  # an empty paragraph is skipped
    assert lead_paragraph("One line only") == "One line only"
    assert lead_paragraph("# Only a heading") is None and lead_paragraph("") is None
