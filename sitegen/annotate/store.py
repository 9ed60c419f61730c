"""Annotation files: the reviewable YAML record, and editor corrections that survive re-annotation.

An editor marks an entry they wrote or changed with `by: editor`; to delete a machine entry they
keep it and add `rejected: true` (with `by: editor`). On re-annotation every editor entry is kept:
it replaces the machine entry at the same anchor (quotes, dates) or of the same name (entities), a
rejected one suppresses it, and one whose anchor no longer occurs in the text is kept and listed
under `orphans` for `sitegen check` to report, never dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sitegen.annotate.anchors import locate
from sitegen.errors import ContentError
from sitegen.model import (
    ENTITY_KINDS,
    Anchor,
    Annotations,
    DateRef,
    Entity,
    Quote,
    TopicMatch,
)
from sitegen.yamlio import dump_yaml, load_yaml

GROUPS = {"person": "people", "organization": "organizations", "place": "places"}


def to_yaml(annotations: Annotations, annotator: str) -> str:
    """The annotation file's text: fixed key order, one block per entry, no timestamps."""
    data: dict[str, Any] = {"article": annotations.article, "text_sha256": annotations.text_sha256,
                            "annotator": annotator}
    for kind in ENTITY_KINDS:
        data[GROUPS[kind]] = [_entity(e) for e in annotations.entities if e.kind == kind]
    data["quotes"] = [_quote(q) for q in annotations.quotes]
    data["dates"] = [_date(d) for d in annotations.dates]
    data["topics"] = [_marked({"name": t.name, "score": t.score}, t.by, False) for t in annotations.topics]
    if annotations.orphans:
        data["orphans"] = list(annotations.orphans)
    return dump_yaml(data)


def _marked(item: dict[str, Any], by: str, rejected: bool) -> dict[str, Any]:
    if by != "machine":
        item["by"] = by
    if rejected:
        item["rejected"] = True
    return item


def _anchor(anchor: Anchor) -> dict[str, str]:
    return {"text": anchor.exact, "prefix": anchor.prefix, "suffix": anchor.suffix}


def _entity(entity: Entity) -> dict[str, Any]:
    item: dict[str, Any] = {"name": entity.name}
    if entity.kind == "person":
        item["role"] = entity.role
    item["mentions"] = list(entity.mentions)
    return _marked(item, entity.by, entity.rejected)


def _quote(quote: Quote) -> dict[str, Any]:
    item = {**_anchor(quote.anchor), "speaker": quote.speaker, "kind": quote.kind, "cue": quote.cue,
            "said_on": quote.said_on}
    return _marked(item, quote.by, quote.rejected)


def _date(date: DateRef) -> dict[str, Any]:
    item: dict[str, Any] = {**_anchor(date.anchor), "value": date.value, "granularity": date.granularity}
    return _marked(item, date.by, date.rejected)


def from_yaml(text: str, path: Path) -> Annotations:
    """Parse an annotation file; schema problems name the file and the entry's line."""
    return from_data(load_yaml(text, path), path, text.split("\n"))


def from_data(data: Any, path: Path, lines: list[str]) -> Annotations:
    """Annotations from the file's parsed data (also what the build cache keeps, as JSON)."""
    if not isinstance(data, dict):
        raise ContentError(path, 1, "an annotation file must be a mapping (article:, text_sha256:, people: ...)")
    entities = []
    for kind in ENTITY_KINDS:
        for item in _list(data, GROUPS[kind], path, lines):
            entities.append(Entity(name=_text(item, "name", path, lines), kind=kind,
                                   mentions=tuple(str(m) for m in item.get("mentions") or []),
                                   role=item.get("role"), by=_by(item), rejected=bool(item.get("rejected"))))
    quotes = [Quote(anchor=_read_anchor(item, path, lines), speaker=item.get("speaker"),
                    kind="partial" if item.get("kind") == "partial" else "full", cue=item.get("cue"),
                    said_on=None if item.get("said_on") is None else str(item.get("said_on")),
                    by=_by(item), rejected=bool(item.get("rejected")))
              for item in _list(data, "quotes", path, lines)]
    dates = [DateRef(anchor=_read_anchor(item, path, lines), value=str(item.get("value")),
                     granularity=item.get("granularity", "day"), by=_by(item), rejected=bool(item.get("rejected")))
             for item in _list(data, "dates", path, lines)]
    topics = [TopicMatch(name=_text(item, "name", path, lines), score=float(item.get("score") or 0),
                         by=_by(item)) for item in _list(data, "topics", path, lines)]
    # In memory, entities are in the order the annotator and merge_corrections give them (kind, name),
    # however the file groups them, so an article's annotations are the same object whichever made them.
    entities.sort(key=lambda e: (e.kind, e.name))
    return Annotations(article=str(data.get("article") or path.stem), text_sha256=str(data.get("text_sha256") or ""),
                       entities=tuple(entities), quotes=tuple(quotes), dates=tuple(dates), topics=tuple(topics),
                       orphans=tuple(str(o) for o in data.get("orphans") or []))


def _list(data: dict[str, Any], key: str, path: Path, lines: list[str]) -> list[dict[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ContentError(path, _key_line(lines, key), f"`{key}:` must be a list of entries")
    return items


def _key_line(lines: list[str], key: str, value: str | None = None) -> int:
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:") or (value is not None and value in line):
            return number
    return 1


def _text(item: dict[str, Any], key: str, path: Path, lines: list[str]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ContentError(path, _key_line(lines, "-", str(item)[:20]), f"an entry has no `{key}:`")
    return value


def _read_anchor(item: dict[str, Any], path: Path, lines: list[str]) -> Anchor:
    return Anchor(exact=_text(item, "text", path, lines), prefix=str(item.get("prefix") or ""),
                  suffix=str(item.get("suffix") or ""))


def _by(item: dict[str, Any]) -> Any:
    return "editor" if item.get("by") == "editor" else "machine"


def merge_corrections(machine: Annotations, previous: Annotations | None, text: str) -> Annotations:
    """Fresh machine annotations with every editor entry of the previous file laid over them."""
    if previous is None:
        return machine
    orphans: list[str] = []

    def anchored(entries: tuple[Any, ...], fresh: tuple[Any, ...], label: str) -> tuple[Any, ...]:
        edits = [e for e in entries if e.by == "editor"]
        if not edits:
            return fresh  # nothing to lay over: the machine's document order, exactly as a first run
        kept_edits, positions = [], set()
        for edit in edits:
            where = locate(text, edit.anchor)
            if where is None:
                orphans.append(f"{label} {edit.anchor.exact!r}: its text no longer occurs in the article")
            else:
                positions.add(where)
            kept_edits.append((where, edit))
        merged = [(w, f) for w, f in zip(_in_order(text, fresh), fresh, strict=True) if w not in positions]
        everything = merged + kept_edits
        everything.sort(key=lambda pair: (pair[0] is None, pair[0] or (0, 0)))  # stable: ties keep their order
        return tuple(entry for _, entry in everything)

    edited_entities = {(e.kind, e.name): e for e in previous.entities if e.by == "editor"}
    entities = [e for e in machine.entities if (e.kind, e.name) not in edited_entities]
    entities += edited_entities.values()
    edited_topics = {t.name: t for t in previous.topics if t.by == "editor"}
    topics = [t for t in machine.topics if t.name not in edited_topics] + list(edited_topics.values())
    return Annotations(
        article=machine.article, text_sha256=machine.text_sha256,
        entities=tuple(sorted(entities, key=lambda e: (e.kind, e.name))),
        quotes=anchored(previous.quotes, machine.quotes, "quote"),
        dates=anchored(previous.dates, machine.dates, "date"),
        topics=tuple(sorted(topics, key=lambda t: (-t.score, t.name))),
        orphans=tuple(orphans),
    )


def _in_order(text: str, entries: tuple[Any, ...]) -> list[tuple[int, int] | None]:
    """Positions of entries listed in document order: the same words twice (a repeated paragraph)
    are two occurrences, the first entry at the first one."""
    positions: list[tuple[int, int] | None] = []
    cursor = 0
    for entry in entries:
        exact = entry.anchor.exact
        start = text.find(exact, cursor)
        while start != -1 and not (text[max(0, start - len(entry.anchor.prefix)):start].endswith(entry.anchor.prefix)
                                   and text[start + len(exact):].startswith(entry.anchor.suffix)):
            start = text.find(exact, start + 1)
        where = (start, start + len(exact)) if start != -1 else locate(text, entry.anchor)
        positions.append(where)
        if where is not None:
            cursor = where[0]
    return positions


def visible(annotations: Annotations) -> Annotations:
    """What readers see: rejected entries and the machine entries they reject left out."""
    return Annotations(
        article=annotations.article, text_sha256=annotations.text_sha256,
        entities=tuple(e for e in annotations.entities if not e.rejected),
        quotes=tuple(q for q in annotations.quotes if not q.rejected),
        dates=tuple(d for d in annotations.dates if not d.rejected),
        topics=annotations.topics, orphans=annotations.orphans,
        source_key=annotations.source_key,  # what readers see follows from the file alone
    )
