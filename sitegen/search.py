"""Search: lunr.py indexes built at build time, read by lunr.js in the browser, online and from disk.

Two tiers keep what a reader downloads small: a default index over what readers search most
(headline, lead, people, organizations, places, topics, outlet), loaded with every page, and a
full-text index of article bodies, loaded only when the reader asks for it. Both are JavaScript
files loaded with <script> (browsers refuse fetch() of local files under file://), with short refs
and no positional metadata; the documents shown in results live in a third, minimal file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from lunr import lunr

from sitegen.model import Digest
from sitegen.render import json_for_script, page_url

DEFAULT_FIELDS = [
    {"field_name": "title", "boost": 10},
    {"field_name": "person", "boost": 6},
    {"field_name": "organization", "boost": 4},
    {"field_name": "place", "boost": 4},
    {"field_name": "topic", "boost": 3},
    {"field_name": "outlet", "boost": 2},
    {"field_name": "lead", "boost": 1},
]
SNIPPET_CHARS = 240


def search_documents(digest: Digest) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """(result documents, default-index records, full-text records), with short refs."""
    forms_of = {f"{e.kind}/{e.slug}": " ".join(sorted({e.name, *e.forms})) for e in digest.entities}
    article_entities: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for slug, _, key in digest.entity_of:
        article_entities[slug][key.split("/", 1)[0]].append(forms_of[key])
    topics_of: dict[str, list[str]] = defaultdict(list)
    for topic in digest.topics:
        for slug in topic.articles:
            topics_of[slug].append(topic.topic.name)
    docs: list[dict[str, str]] = []
    records: list[dict[str, str]] = []
    bodies: list[dict[str, str]] = []

    def add(kind: str, title: str, url: str, date: str, outlet: str, snippet: str, **fields: str) -> str:
        ref = format(len(docs), "x")
        docs.append({"r": ref, "k": kind, "t": title, "u": url, "d": date, "o": outlet,
                     "s": snippet[:SNIPPET_CHARS]})
        records.append({"id": ref, "title": title, "outlet": outlet, **fields})
        return ref

    for story in digest.stories:
        people = [forms_of[f"person/{p}"] for p in story.people]
        add("story", story.title, f"stories/{story.slug}.html", story.published.isoformat(), "",
            story.summary, lead=story.summary, person=" ".join(people))
    for article in digest.articles:
        entities = article_entities[article.slug]
        lead = next((p for p in article.body.split("\n\n") if p and not p.startswith("#")), "")
        ref = add("article", article.title, f"articles/{article.slug}.html", article.published.isoformat(),
                  article.outlet or "", lead, lead=lead, person=" ".join(entities["person"]),
                  organization=" ".join(entities["organization"]), place=" ".join(entities["place"]),
                  topic=" ".join(topics_of[article.slug]))
        bodies.append({"id": ref, "body": article.body})
    for entity in digest.entities:
        field = {"person": "person", "organization": "organization", "place": "place"}[entity.kind]
        add(entity.kind, entity.name, page_url(entity.kind, entity.slug), "", "",
            ", ".join(entity.roles) or f"{len(entity.articles)} article(s)", **{field: forms_of[
                f"{entity.kind}/{entity.slug}"]}, lead=" ".join(entity.roles))
    for topic in digest.topics:
        add("topic", topic.topic.name, f"topics/{topic.topic.slug}.html", "", "", topic.topic.description,
            topic=topic.topic.name + " " + " ".join(topic.topic.terms), lead=topic.topic.description)
    return docs, records, bodies


def build_index(digest: Digest) -> dict[str, str]:
    """The search files of the site: {path: JavaScript text}."""
    docs, records, bodies = search_documents(digest)
    for record in records:
        for field in DEFAULT_FIELDS:
            record.setdefault(str(field["field_name"]), "")
    # lunr cannot index nothing; an empty digest gets null indexes, which the page reports.
    default = lunr(ref="id", fields=DEFAULT_FIELDS, documents=records).serialize() if records else None
    fulltext = lunr(ref="id", fields=["body"], documents=bodies).serialize() if bodies else None
    return {
        "assets/search-docs.js": _script("SITEGEN_DOCS", docs),
        "assets/search-index.js": _script("SITEGEN_INDEX", default),
        "assets/search-fulltext.js": _script("SITEGEN_FULLTEXT", fulltext),
    }


def _script(name: str, value: Any) -> str:
    return f"window.{name} = {json_for_script(_stable(value))};\n"


def _stable(value: Any) -> Any:
    """Round-trip through JSON so key order and floats are the same on every build."""
    return json.loads(json.dumps(value, sort_keys=True))
