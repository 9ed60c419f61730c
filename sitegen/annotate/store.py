"""Annotation files: the reviewable YAML record, and editor corrections that survive re-annotation.

An editor marks an entry they wrote or changed with `by: editor`; to delete a machine entry they
keep it and add `rejected: true` (with `by: editor`). On re-annotation every editor entry is kept:
it replaces the machine entry at the same anchor (quotes, dates) or of the same name (entities), a
rejected one suppresses it, and one whose anchor no longer occurs in the text is kept and listed
under `orphans` for `sitegen check` to report, never dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any, TypeVar, cast

from sitegen.annotate.anchors import locate
from sitegen.errors import ContentError
from sitegen.model import (
    ENTITY_KINDS,
    Anchor,
    Annotations,
    DateRef,
    Entity,
    Granularity,
    Origin,
    Quote,
    TopicMatch,
)
from sitegen.yamlio import dump_yaml, key_line, load_yaml, scalar_text

GROUPS = {"person": "people", "organization": "organizations", "place": "places"}
ORIGINS: tuple[Origin, ...] = ("machine", "editor")
_Choice = TypeVar("_Choice", bound=str)


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
    """Annotations from the file's parsed data (also what the build cache keeps, as JSON). The file is
    one people edit: a field of the wrong kind (a list where a name goes, `2025-02-30` as a date) is an
    error naming the entry's line, not a value for later stages to trip on."""
    if not isinstance(data, dict):
        raise ContentError(path, 1, "an annotation file must be a mapping (article:, text_sha256:, people: ...)")
    top = _Entry(data, path, lines)
    entities = []
    for kind in ENTITY_KINDS:
        for item in _entries(data, GROUPS[kind], path, lines):
            entities.append(Entity(name=item.text("name"), kind=kind, mentions=item.texts("mentions"),
                                   role=item.optional_text("role"), by=item.by(), rejected=item.flag("rejected")))
    quotes = [Quote(anchor=item.anchor(), speaker=item.optional_text("speaker"),
                    kind=item.choice("kind", ("full", "partial")), cue=item.optional_text("cue"),
                    said_on=item.day("said_on"), by=item.by(), rejected=item.flag("rejected"))
              for item in _entries(data, "quotes", path, lines)]
    dates = []
    for item in _entries(data, "dates", path, lines):
        granularity = item.choice("granularity", GRANULARITIES)
        dates.append(DateRef(anchor=item.anchor(), value=item.calendar_value("value", granularity),
                             granularity=granularity, by=item.by(), rejected=item.flag("rejected")))
    topics = [TopicMatch(name=item.text("name"), score=item.number("score"), by=item.by())
              for item in _entries(data, "topics", path, lines)]
    # In memory, entities are in the order the annotator and merge_corrections give them (kind, name),
    # however the file groups them, so an article's annotations are the same object whichever made them.
    entities.sort(key=lambda e: (e.kind, e.name))
    return Annotations(article=top.optional_text("article") or path.stem,
                       text_sha256=top.optional_text("text_sha256") or "",
                       entities=tuple(entities), quotes=tuple(quotes), dates=tuple(dates), topics=tuple(topics),
                       orphans=top.texts("orphans"))


GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month", "year")
_CALENDAR_FORMS = {granularity: (form, re.compile(re.sub("[YMD]", r"\\d", form))) for granularity, form in
                   (("day", "YYYY-MM-DD"), ("week", "YYYY-MM-DD"), ("month", "YYYY-MM"), ("year", "YYYY"))}
"""How each granularity's value is written (a week as its Monday), and a pattern of its digits."""


def _entries(data: dict[str, Any], group: str, path: Path, lines: list[str]) -> list[_Entry]:
    items = data.get(group) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        line = key_line(lines, group)
        raise ContentError(path, line, f"`{group}:` must be a list of entries", lines[line - 1])
    return [_Entry(item, path, lines, group, index) for index, item in enumerate(items)]


def _entry_lines(lines: list[str], group: str) -> list[tuple[int, int]]:
    """The first and last line of each entry of the top-level list `group:`, as sitegen writes the file
    and as people usually keep it (`- ` items at one indentation); [] where it is not there."""
    start = key_line(lines, group)
    if not lines[start - 1].startswith(f"{group}:"):
        return []
    firsts: list[int] = []
    indent: int | None = None
    last = len(lines)
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line and not line[0].isspace() and not line.startswith(("-", "#")):
            last = number - 1  # the next top-level key
            break
        item = re.match(r"(\s*)- ", line)
        if item and (indent is None or len(item.group(1)) == indent):
            indent = len(item.group(1))
            firsts.append(number)
    return [(first, (firsts[n + 1] - 1) if n + 1 < len(firsts) else last) for n, first in enumerate(firsts)]


class _Entry:
    """One entry of an annotation file (or its top level, `group` ""), read field by field: a field of
    the wrong kind is a ContentError naming the field's line, as far as the file's layout tells."""

    def __init__(self, item: dict[str, Any], path: Path, lines: list[str], group: str = "", index: int = 0) -> None:
        self.item, self.path, self.lines, self.group, self.index = item, path, lines, group, index

    def fail(self, key: str, message: str) -> ContentError:
        # Found only now: the lines of entries cost a scan of the file, and most files have no error.
        where = ""
        if self.group:
            line, where = key_line(self.lines, self.group), f"entry {self.index + 1} of `{self.group}:`: "
            spans = _entry_lines(self.lines, self.group)
            if self.index < len(spans):
                first, last = spans[self.index]
                line = next((n for n in range(first, last + 1)
                             if re.match(rf"\s*(- )?{re.escape(key)}:", self.lines[n - 1])), first)
        else:
            line = key_line(self.lines, key)
        return ContentError(self.path, line, f"{where}`{key}:` {message}", self.lines[line - 1])

    def optional_text(self, key: str) -> str | None:
        value = self.item.get(key)
        if type(value) is str:  # nearly always (this runs for every field of 10,000 files)
            return value or None
        try:
            return scalar_text(value)
        except TypeError:
            raise self.fail(key, "must be text" + (" (in quotes)" if isinstance(value, bool) else "")) from None

    def text(self, key: str) -> str:
        value = self.optional_text(key)
        if value is None:
            raise self.fail(key, "is missing: every entry needs one")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.item.get(key)
        if values is None:
            return ()
        if not isinstance(values, list):
            raise self.fail(key, "must be a list (one `- ` line each)")
        if all(type(value) is str and value for value in values):  # nearly always
            return tuple(values)
        try:
            texts = tuple(scalar_text(value) for value in values)
        except TypeError:
            raise self.fail(key, "must be a list of texts") from None
        if None in texts:
            raise self.fail(key, "has an empty item")
        return cast(tuple[str, ...], texts)

    def anchor(self) -> Anchor:
        return Anchor(exact=self.text("text"), prefix=self.optional_text("prefix") or "",
                      suffix=self.optional_text("suffix") or "")

    def choice(self, key: str, options: tuple[_Choice, ...]) -> _Choice:
        value = self.item.get(key)
        if value is None:
            return options[0]
        if value not in options:
            raise self.fail(key, f"must be one of {', '.join(options)}")
        return cast(_Choice, value)

    def by(self) -> Origin:
        return self.choice("by", ORIGINS)

    def flag(self, key: str) -> bool:
        value = self.item.get(key, False)
        if value is not False and value is not True:
            raise self.fail(key, "must be true or false")
        return value

    def number(self, key: str) -> float:
        value = self.item.get(key) or 0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(key, "must be a number")
        return float(value)

    def day(self, key: str) -> str | None:
        return None if self.item.get(key) is None else self.calendar_value(key, "day")

    def calendar_value(self, key: str, granularity: Granularity) -> str:
        """An ISO value of the granularity (a week is written as a day): later stages read it as such."""
        form, digits = _CALENDAR_FORMS[granularity]
        value = self.optional_text(key) or ""
        try:  # the digits of the form exactly (strptime takes 2024-5-1), and a day of the calendar
            if not digits.fullmatch(value):
                raise ValueError(value)
            dt.date.fromisoformat((value + "-01-01")[:10])
        except ValueError:
            raise self.fail(key, f"must be a {granularity} written {form}") from None
        return value


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
