"""`sitegen export --format w3c`: annotations as W3C Web Annotation JSON-LD (TextQuoteSelector targets)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote as iri_escape

from sitegen.model import Anchor, Annotations, Site

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def _target(source: str, anchor: Anchor) -> dict[str, Any]:
    selector = {"type": "TextQuoteSelector", "exact": anchor.exact}
    if anchor.prefix:
        selector["prefix"] = anchor.prefix
    if anchor.suffix:
        selector["suffix"] = anchor.suffix
    return {"source": source, "selector": selector}


def _body(value: str, purpose: str) -> dict[str, str]:
    return {"type": "TextualBody", "purpose": purpose, "value": value}


def w3c_annotations(annotations: list[Annotations], site: Site) -> dict[str, Any]:
    """An AnnotationCollection holding one Annotation per entity mention form, quote and date."""
    base = site.base_url.rstrip("/") + "/" if site.base_url else ""
    items: list[dict[str, Any]] = []
    for article in sorted(annotations, key=lambda a: a.article):
        source = f"{base}articles/{article.article}.html"
        urn = f"urn:sitegen:{article.article}"
        for entity in article.entities:
            if entity.rejected:
                continue
            for form in entity.mentions:
                items.append({"id": f"{urn}:{entity.kind}:{iri_escape(entity.name)}:{iri_escape(form)}",
                              "type": "Annotation",
                              "motivation": "identifying",
                              "body": [_body(entity.name, "identifying"), _body(entity.kind, "classifying")],
                              "target": _target(source, Anchor(exact=form))})
        for index, quote in enumerate(q for q in article.quotes if not q.rejected):
            body = [_body(quote.kind + " quote", "classifying")]
            if quote.speaker:
                body.insert(0, _body(quote.speaker, "identifying"))
            items.append({"id": f"{urn}:quote:{index}", "type": "Annotation", "motivation": "identifying",
                          "body": body, "target": _target(source, quote.anchor)})
        for index, date in enumerate(d for d in article.dates if not d.rejected):
            items.append({"id": f"{urn}:date:{index}", "type": "Annotation", "motivation": "describing",
                          "body": [_body(date.value, "describing")], "target": _target(source, date.anchor)})
    for item in items:
        item["@context"] = CONTEXT
    return {"@context": CONTEXT, "type": "AnnotationCollection", "label": site.title, "total": len(items),
            "first": {"type": "AnnotationPage", "items": items}}


def to_json(collection: dict[str, Any]) -> str:
    """Stable JSON text."""
    return json.dumps(collection, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
