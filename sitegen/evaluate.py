"""`sitegen eval`: score annotations against gold files with the shared scorer's own rules."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from sitegen.annotate import annotate, load_pipeline
from sitegen.content import parse_article
from sitegen.errors import ContentError, SitegenError
from sitegen.ingest import import_file
from sitegen.model import Annotations, Article, KnowledgeBase
from sitegen.storage import atomic_write_text
from sitegen.yamlio import dump_yaml, load_yaml

CATEGORIES = ("published", "people", "organizations", "places", "quotes_all", "quotes_all+speaker", "quotes_full",
              "quotes_full+speaker", "dates")
GROUP_OF_KIND = {"person": "people", "organization": "organizations", "place": "places"}


def load_scorer(gold_dir: Path, scorer: Path | None = None) -> ModuleType:
    """The scorer that ships beside the gold files (`score.py`), or another gold set's, used as is."""
    path = scorer or gold_dir / "score.py"
    if not path.exists():
        raise SitegenError(f"{path}: no scorer beside the gold files; eval uses the gold set's own score.py "
                           "(or the one --scorer names)")
    spec = importlib.util.spec_from_file_location("gold_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_gold_schema(article: Article, annotations: Annotations, source_name: str) -> dict[str, Any]:
    """One article's annotations in the schema of the gold files (GUIDELINES.md)."""
    groups: dict[str, list[dict[str, Any]]] = {"people": [], "organizations": [], "places": []}
    for entity in annotations.entities:
        if entity.rejected:
            continue
        item: dict[str, Any] = {"name": entity.name, "mentions": list(entity.mentions)}
        if entity.kind == "person":
            item["role"] = entity.role
        groups[GROUP_OF_KIND[entity.kind]].append(item)
    dates, seen = [], set()
    for date in annotations.dates:
        key = (date.anchor.exact.casefold(), date.value)
        if key not in seen and not date.rejected:
            seen.add(key)
            dates.append({"text": date.anchor.exact, "value": date.value})
    quotes = [{"speaker": q.speaker, "text": q.anchor.exact, "kind": q.kind}
              for q in annotations.quotes if not q.rejected]
    return {"article": source_name, "title": None if article.title_derived else article.title,
            "published": article.published.isoformat(), **groups, "quotes": quotes, "dates": dates}


def predict(raw_dir: Path, gold_dir: Path, out_dir: Path, undated: list[str] | None = None) -> list[Path]:
    """Import and annotate every raw `.txt` in a throwaway site. An article the importer finds no date in
    (as `sitegen import` would refuse it) takes `published` from its gold file, and is listed in `undated`:
    the date it is read from is then the gold's, and so is the date its relative dates count from."""
    nlp = load_pipeline()
    written = []
    with tempfile.TemporaryDirectory(prefix="sitegen-eval-") as tmp:
        articles_dir = Path(tmp) / "content" / "articles"
        for raw in sorted(raw_dir.glob("*.txt")):
            try:
                result = import_file(raw, articles_dir, Path(tmp), force=True, taken={})
            except ContentError:
                gold_path = gold_dir / f"{raw.stem}.yaml"
                if not gold_path.exists():
                    raise
                gold = load_yaml(gold_path.read_text(encoding="utf-8"), gold_path) or {}
                if undated is not None:
                    undated.append(raw.name)
                result = import_file(raw, articles_dir, Path(tmp), published=gold.get("published"), force=True,
                                     taken={})
            article = parse_article(articles_dir / f"{result.slug}.md")
            annotations = annotate(article, KnowledgeBase(), nlp)
            target = out_dir / f"{raw.stem}.yaml"
            atomic_write_text(target, dump_yaml(to_gold_schema(article, annotations, raw.name)))
            written.append(target)
    return written


def evaluate(gold_dir: Path, raw_dir: Path | None, predictions_dir: Path | None,
             scorer_path: Path | None = None) -> dict[str, Any]:
    """Scores per category; with `raw_dir`, annotates those articles first."""
    scorer = load_scorer(gold_dir, scorer_path)
    if raw_dir is None:
        if predictions_dir is None:
            raise SitegenError("eval needs --articles RAW_DIR (to annotate) or --predictions DIR (to score)")
        return dict(scorer.score(gold_dir, predictions_dir))
    undated: list[str] = []
    if predictions_dir is not None:
        predict(raw_dir, gold_dir, predictions_dir, undated)
        return {**scorer.score(gold_dir, predictions_dir), "undated": undated}
    with tempfile.TemporaryDirectory(prefix="sitegen-pred-") as tmp:
        predict(raw_dir, gold_dir, Path(tmp), undated)
        return {**scorer.score(gold_dir, Path(tmp)), "undated": undated}


def format_table(result: dict[str, Any]) -> str:
    """One line per category: precision, recall, F1 and counts."""
    lines = []
    for category in CATEGORIES:
        row = result.get(category)
        if row:
            lines.append(f"{category:22} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  "
                         f"({row['tp']} right of {row['pred']} predicted, {row['gold']} in gold)")
    if result.get("undated"):
        lines.append("no date found by import (published taken from gold): " + ", ".join(result["undated"]))
    if result.get("missing_predictions"):
        lines.append("missing predictions: " + ", ".join(result["missing_predictions"]))
    return "\n".join(lines)
