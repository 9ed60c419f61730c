"""The annotator on small written-for-purpose cases (fixture files), and its floors on the seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sitegen.annotate import annotate
from sitegen.annotate.dates import find_dates
from sitegen.model import Article, KnowledgeBase

from .conftest import GOLD, ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "annotator"


def cases(name: str) -> list[dict]:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def article_from(text: str, published: dt.date) -> Article:
    title, _, body = text.strip().partition("\n\n")
    return Article(slug="case", path=Path("case.md"), title=title, published=published, body=body, body_line=1)


@pytest.mark.parametrize("case", cases("quotes.yaml"), ids=lambda c: c["name"])
def test_quote_cases(case: dict, nlp) -> None:
    annotations = annotate(article_from(case["text"], case["published"]), KnowledgeBase(), nlp)
    got = [{"text": q.anchor.exact, "speaker": q.speaker, "kind": q.kind} for q in annotations.quotes]
    assert got == case["quotes"]


@pytest.mark.parametrize("case", cases("dates.yaml"), ids=lambda c: c["name"])
def test_date_cases(case: dict) -> None:
    found = find_dates(case["text"], case["published"])
    assert [[case["text"][d.start:d.end], d.value] for d in found] == case["dates"]


@pytest.mark.parametrize("case", cases("entities.yaml"), ids=lambda c: c["name"])
def test_entity_cases(case: dict, nlp) -> None:
    annotations = annotate(article_from(case["text"], case["published"]), KnowledgeBase(), nlp)
    named = {kind: {e.name: e for e in annotations.entities if e.kind == kind}
             for kind in ("person", "organization", "place")}
    assert {name: named["person"][name].role if name in named["person"] else "(missing)"
            for name in case.get("people", {})} == case.get("people", {})
    assert set(case.get("organizations", [])) <= set(named["organization"])
    assert set(case.get("places", [])) <= set(named["place"])
    every_name = {name for names in named.values() for name in names}
    assert not set(case.get("not_named", [])) & every_name
    assert not set(case.get("not_people", [])) & set(named["person"])
    assert not set(case.get("not_places", [])) & set(named["place"])
    assert not set(case.get("not_organizations", [])) & set(named["organization"])


def test_entities_one_person_across_mentions_and_places_from_a_list(nlp) -> None:
    text = ("Talks stall\n\nRussian President Vladimir Putin met officials in Kyiv and Lviv. "
            "Putin's aides said little. The United States and the US Senate were not invited.")
    annotations = annotate(article_from(text, dt.date(2024, 3, 7)), KnowledgeBase(), nlp)
    people = {e.name: e for e in annotations.entities if e.kind == "person"}
    assert set(people) == {"Vladimir Putin"}
    assert people["Vladimir Putin"].role == "Russian President"
    assert {"Putin", "Vladimir Putin"} <= set(people["Vladimir Putin"].mentions)
    places = {e.name for e in annotations.entities if e.kind == "place"}
    assert {"Kyiv", "Lviv"} <= places


def test_annotation_is_deterministic(nlp) -> None:
    from sitegen.annotate.store import to_yaml

    article = article_from(cases("quotes.yaml")[0]["text"], dt.date(2024, 3, 7))
    first = to_yaml(annotate(article, KnowledgeBase(), nlp), "v")
    assert to_yaml(annotate(article, KnowledgeBase(), nlp), "v") == first


FLOORS = {"people": 0.95, "organizations": 0.80, "places": 0.90, "quotes_full+speaker": 0.90,
          "quotes_all+speaker": 0.80, "dates": 0.85, "published": 1.0}
"""F1 floors; "published" is the importer's date (from the text, else the sidecar): never wrong."""


@pytest.mark.skipif(not GOLD.exists(), reason="shared gold files not present")
def test_eval_on_seeds_meets_the_floors(nlp) -> None:
    from sitegen.evaluate import evaluate

    result = evaluate(GOLD, ROOT / "seeds", None)
    below = {c: result[c]["f1"] for c, floor in FLOORS.items() if result[c]["f1"] < floor}
    assert not below, below


@pytest.mark.skipif(not GOLD.exists(), reason="shared gold files (and their scorer) not present")
def test_eval_on_hand_annotated_articles_meets_the_floors(nlp) -> None:
    """Articles of other outlets and beats, annotated by hand before the annotator ran on them (each batch
    scored once before any rule was made on it; see README, "The annotator"): held to the seeds' floors."""
    from sitegen.evaluate import evaluate

    hand = FIXTURES.parent / "hand_annotated"
    result = evaluate(hand / "gold", hand / "raw", None, GOLD / "score.py")
    below = {c: result[c]["f1"] for c, floor in FLOORS.items() if result[c]["f1"] < floor}
    assert not below, below
