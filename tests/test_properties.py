"""Property-based tests: for arbitrary text, import and annotate never raise; anchors occur in the text;
annotating twice gives identical files; building twice gives byte-identical sites."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import math
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitegen.annotate import annotate
from sitegen.annotate.anchors import locate
from sitegen.annotate.store import from_yaml, to_yaml
from sitegen.errors import ContentError
from sitegen.ingest import parse_raw
from sitegen.model import Annotations, Article, KnowledgeBase
from sitegen.text import article_text

NEWSY = st.sampled_from(["Putin", "said", "“", "”", "\"", "'", "‘", "’", "on Thursday", "last week", "2014",
                         "President", "Zelenskyy", "Зеленський", "\n", "\n\n", ".", ",", ":", "<script>", "*", "#",
                         "[x](javascript:y)", "Mr", "he", "told", "MOSCOW:", "February 12", "ago", "three years"])
TEXT = st.lists(st.one_of(NEWSY, st.text(min_size=1, max_size=12)), max_size=60).map(" ".join)
PUBLISHED = dt.date(2025, 2, 27)


@settings(max_examples=80, deadline=None)
@given(TEXT)
def test_import_never_raises_anything_but_a_content_error(text: str) -> None:
    with contextlib.suppress(ContentError):  # a clear message is fine; any other exception is a bug
        parse_raw(Path("x.txt"), text.encode("utf-8", "surrogatepass"), PUBLISHED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, body=TEXT)
def test_annotate_never_raises_anchors_occur_and_output_is_stable(nlp, title: str, body: str) -> None:
    article = Article(slug="p", path=Path("p.md"), title=title.strip() or "T", published=PUBLISHED, body=body,
                      body_line=1)
    first = annotate(article, KnowledgeBase(), nlp)
    text = article_text(article)
    for entry in (*first.quotes, *first.dates):
        assert locate(text, entry.anchor) is not None
    yaml_text = to_yaml(first, "v")
    assert to_yaml(annotate(article, KnowledgeBase(), nlp), "v") == yaml_text
    # What is written reads back as the same values: a build uses annotations it just made as if read
    # from their file (sitegen.annotate.run keys them by the file's hash).
    assert from_yaml(yaml_text, Path("p.yaml")) == first
    assert to_yaml(from_yaml(yaml_text, Path("p.yaml")), "v") == yaml_text


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=TEXT)
def test_building_twice_gives_identical_sites(tmp_path_factory, nlp, body: str) -> None:
    from sitegen.build import build
    from sitegen.config import load_config

    from .conftest import make_site, tree

    root = make_site(tmp_path_factory.mktemp("prop"), with_seeds=False)
    text = body.replace("---", "- - -") or "x"
    (root / "content" / "articles" / "p.md").write_text(f"---\ntitle: T\npublished: 2025-02-27\n---\n\n{text}\n")
    build(load_config(root))
    first = tree(root / "site")
    build(load_config(root), force=True)
    assert tree(root / "site") == first


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_annotation_yaml_round_trips_any_text(value: str) -> None:
    from sitegen.yamlio import dump_yaml, load_yaml

    data = {"text": value, "items": [{"prefix": value, "suffix": value[::-1]}]}
    assert load_yaml(dump_yaml(data), Path("x.yaml")) == data


ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.dates()
    | st.sampled_from(["2024-02-30", "2024-05", "2024", "editor", "partial", "week", "month"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=2), max_leaves=5)
ANNOTATION_FILE = {
    "article": "a", "text_sha256": "",
    "people": [{"name": "Anna Lindqvist", "role": "Mayor", "mentions": ["Anna Lindqvist", "Lindqvist"]}],
    "organizations": [{"name": "City Council", "mentions": ["City Council"], "by": "editor"}],
    "quotes": [{"text": "it is fair", "prefix": "said ", "suffix": " to", "speaker": "Anna Lindqvist",
                "kind": "full", "cue": "said", "said_on": "2024-03-05"}],
    "dates": [{"text": "Tuesday", "prefix": "on ", "suffix": " after", "value": "2024-03-05", "granularity": "day",
               "rejected": True, "by": "editor"}],
    "topics": [{"name": "Politics", "score": 0.5}],
    "orphans": ["quote 'x': its text no longer occurs in the article"],
}


def _conforms(value: Any, hint: Any) -> bool:
    """Whether `value` is of the type `hint` (as the model's annotations write them), all the way down."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Literal:
        return value in args
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_conforms(value, arg) for arg in args)
    if typing.get_origin(hint) is tuple:
        return isinstance(value, tuple) and all(_conforms(item, args[0]) for item in value)
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return type(value) is hint and all(_conforms(getattr(value, f.name), hints[f.name])
                                           for f in dataclasses.fields(hint))
    if hint is float:
        return type(value) is float and math.isfinite(value)
    return type(value) is (type(None) if hint is None else hint)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_any_value_in_an_annotation_file_is_read_as_the_model_types_it_or_refused(data: st.DataObject) -> None:
    # Annotation files are edited by hand; whatever is in them, the stages after reading get what the
    # model says they get (a list for a speaker, a float for a date reached the pages' code before).
    document = copy.deepcopy(ANNOTATION_FILE)
    places = [(key,) for key in document] + [(key, 0, field) for key, entries in document.items()
                                             if isinstance(entries, list) and isinstance(entries[0], dict)
                                             for field in entries[0]]
    for place in data.draw(st.lists(st.sampled_from(places), min_size=1, max_size=3)):
        *within, key = place
        target: Any = document
        with contextlib.suppress(LookupError, TypeError):  # an entry whose group was replaced before
            for step in within:
                target = target[step]
            target[key] = data.draw(ANY_VALUE)
    try:
        annotations = from_yaml(yaml.safe_dump(document, allow_unicode=True), Path("a.yaml"))
    except ContentError:
        return  # a clear message is fine (its wording is tested in test_hostile)
    assert _conforms(annotations, Annotations)
    for date in annotations.dates:  # and a date's value is a calendar value of its granularity
        length = {"day": 10, "week": 10, "month": 7, "year": 4}[date.granularity]
        assert len(date.value) == length and dt.date.fromisoformat((date.value + "-01-01")[:10])
    for quote in annotations.quotes:
        assert quote.said_on is None or dt.date.fromisoformat(quote.said_on).isoformat() == quote.said_on


@functools.lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import spacy

    return spacy.blank("en").make_doc


BLANKS = st.lists(st.sampled_from(["word", "Putin.", "\n", "\n\n", "\n\n\n", " ", "  ", "“", "”", "a\n\nb", "\t"]),
                  max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(BLANKS)
def test_blank_lines_start_sentences_exactly_where_a_token_holds_one(text: str) -> None:
    from sitegen.annotate import _block_boundaries

    doc = _block_boundaries(_tokenizer()(text))
    starts = [t.i for t in doc[1:] if t.is_sent_start]
    # The definition, token by token: the token after one whose text (or trailing space) has a blank line.
    assert starts == [t.i for t in doc[1:] if "\n\n" in doc[t.i - 1].text_with_ws]


WORDY = st.lists(st.sampled_from(["Kyiv", "Kyiv Oblast", "Oblast", "ab", "a", "b", "_", " ", "-", "é", "Ω", "1",
                                  "Kyivan", ".", "\n", "U.S."]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(WORDY, st.lists(st.sampled_from(["Kyiv", "Kyiv Oblast", "Oblast", "ab", "a", "b", "é", "1", "_a", "a.", ".b",
                                        "U.S."]), max_size=5))
@example("a..b", ["a.", ".b"])  # matches that touch
def test_mentions_are_what_the_alternation_regex_finds(text: str, forms: list[str]) -> None:
    import re

    from sitegen.marking import mentions

    pattern = "|".join(re.escape(f) for f in sorted(set(forms), key=lambda f: (-len(f), f)))
    expected = [m.span() for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", text)] if forms else []
    assert mentions(text, set(forms)) == expected


@settings(max_examples=300, deadline=None)
@given(WORDY, st.data())
def test_locate_picks_the_occurrence_whose_context_agrees_most(text: str, data: st.DataObject) -> None:
    import itertools

    from sitegen.annotate.anchors import make_anchor

    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    anchor = make_anchor(text, start, end)
    other = data.draw(WORDY)  # the anchor is looked up in an edited text
    edited = other + text if data.draw(st.booleans()) else text + other

    def common(a: str, b: str) -> int:  # characters the two strings share from their start
        return sum(1 for _ in itertools.takewhile(lambda pair: pair[0] == pair[1], zip(a, b, strict=False)))

    def agreement(i: int) -> int:
        return common(edited[:i][::-1], anchor.prefix[::-1]) + common(edited[i + len(anchor.exact):], anchor.suffix)

    places = [i for i in range(len(edited)) if edited.startswith(anchor.exact, i)]
    best = max(places, key=lambda i: (agreement(i), -i))
    assert locate(edited, anchor) == (best, best + len(anchor.exact))


WORDS = st.one_of(st.sampled_from(["talks", "talk", "the", "and", "Kyiv's", "well-advanced", "ceasefire", "a-b",
                                   "\xa0", "--", "naïve", "2014", "’", "'quoted'", "ends."]),
                  st.text(min_size=1, max_size=8))
FIELD_TEXT = st.lists(WORDS, max_size=30).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(FIELD_TEXT, FIELD_TEXT), min_size=1, max_size=6),
       st.tuples(st.integers(1, 10), st.integers(1, 10)), st.integers(0, 40))
def test_the_fast_index_builder_gives_lunrs_own_index(texts: list[tuple[str, str]], boosts: tuple[int, int],
                                                      most_words: int) -> None:
    # However small the table of words met before (emptied whenever it would outgrow `most_words`).
    import json

    from lunr import lunr

    from sitegen import search_index

    fields = [{"field_name": "title", "boost": boosts[0]}, {"field_name": "body", "boost": boosts[1]}]
    documents = [{"id": str(n), "title": title, "body": body} for n, (title, body) in enumerate(texts)]
    expected = lunr(ref="id", fields=fields, documents=documents).serialize()
    # lunr.js never reads the vector of an empty field (no postings lead to it), so they are left out.
    expected["fieldVectors"] = [pair for pair in expected["fieldVectors"] if pair[1]]
    saved = search_index._MOST_WORDS
    search_index._MOST_WORDS = most_words
    try:
        built = search_index.build(fields, documents)
    finally:
        search_index._MOST_WORDS = saved
    assert json.dumps(built, sort_keys=True) == json.dumps(expected, sort_keys=True)
