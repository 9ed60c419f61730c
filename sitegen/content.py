"""Load `content/`: articles with front matter, and the editor's knowledge base."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from sitegen.errors import ContentError
from sitegen.memo import Memo, file_hash
from sitegen.model import ENTITY_KINDS, Article, KnowledgeBase, KnownEntity, Site, Topic
from sitegen.slugs import slugify
from sitegen.storage import source_key
from sitegen.yamlio import load_yaml, scalar_text

FRONT_MATTER_KEYS = {"title", "published", "outlet", "source", "source_sha256", "story", "topics",
                     "title_derived", "dateline"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
MAX_ARTICLE_BYTES = 20_000_000


def parse_article(path: Path, raw: bytes | None = None) -> Article:
    """One Markdown file with YAML front matter (its bytes, when read already); every problem names
    the file and line."""
    raw = path.read_bytes() if raw is None else raw
    if len(raw) > MAX_ARTICLE_BYTES:
        raise ContentError(path, 1, f"the file is {len(raw):,} bytes; articles over "
                                    f"{MAX_ARTICLE_BYTES:,} bytes are refused")
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(path, line, "not UTF-8 text; save the file as UTF-8") from None
    if not text.strip():
        raise ContentError(path, 1, "the file is empty; an article needs front matter and a body")
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise ContentError(path, 1, "no front matter: the file must start with a line `---`", lines[0])
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise ContentError(path, 1, "front matter is not closed: add a line `---` after it", lines[0])
    data = load_yaml("\n".join(lines[1:end]), path, first_line=2)
    if not isinstance(data, dict):
        raise ContentError(path, 2, "front matter must be a mapping of key: value", lines[1] if end > 1 else "")
    slug = path.stem
    if not SLUG.match(slug):
        raise ContentError(path, 1, f"file name {path.name!r} is not a valid slug: use lowercase letters, "
                                    "digits and hyphens")
    fields = _front_matter(data, path, lines, end)
    body = "\n".join(lines[end + 1:]).strip("\n")
    return Article(slug=slug, path=path, body=body, body_line=end + 2, **fields)


def _line_of(key: str, lines: list[str], end: int) -> tuple[int, str]:
    for number in range(1, end):
        if lines[number].startswith(f"{key}:"):
            return number + 1, lines[number]
    return 1, lines[0]


def _front_matter(data: dict[Any, Any], path: Path, lines: list[str], end: int) -> dict[str, Any]:
    def fail(key: str, message: str) -> ContentError:
        line, source = _line_of(key, lines, end)
        return ContentError(path, line, message, source)

    unknown = sorted(str(k) for k in data if k not in FRONT_MATTER_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown front matter key {unknown[0]!r} "
                               f"(known: {', '.join(sorted(FRONT_MATTER_KEYS))})")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "missing title: add `title: Your headline` to the front matter")
    published = data.get("published")
    if isinstance(published, str):
        try:
            published = dt.date.fromisoformat(published)
        except ValueError:
            raise fail("published", f"published: {published!r} is not a date; use YYYY-MM-DD") from None
    if isinstance(published, dt.datetime):
        published = published.date()
    if not isinstance(published, dt.date):
        raise fail("published", "missing published date: add `published: YYYY-MM-DD`")
    story = data.get("story")
    if story is not None and (not isinstance(story, str) or not SLUG.match(story)):
        raise fail("story", f"story: {story!r} must be a slug (lowercase letters, digits, hyphens)")
    topics = data.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise fail("topics", "topics must be a list of topic names")
    optional = {}
    for key in ("outlet", "source", "source_sha256", "dateline"):
        value = data.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise fail(key, f"{key} must be text")
        optional[key] = None if value is None else str(value)
    return dict(title=title.strip(), published=published, story=story, topics=tuple(topics),
                title_derived=bool(data.get("title_derived", False)), **optional)


def load_articles(site: Site, memo: Memo | None = None) -> tuple[list[Article], list[ContentError]]:
    """Every article that parses, sorted by slug, and the errors of those that do not. With a memo
    (sitegen.memo), an article is parsed only when its file's bytes are new."""
    articles, errors = [], []
    for path in sorted(site.articles_dir.glob("*.md"), key=lambda path: path.name):  # one folder: names order them
        digest, raw = file_hash(path, memo)
        # Keyed by the file's name, as annotation files are: `--root /abs/site` and `--root .` read the
        # same files, and with the path as given, switching between them parsed every article again and
        # drew every page again (their fingerprints follow the key).
        key = (path.name, digest)
        article = memo.get(key) if memo is not None else None
        if article is not None and article.path != path:
            article = replace(article, path=path)  # error messages name the file as this build was given it
            if memo is not None and memo.resident:  # the next build in this process gets this very object
                memo.put(key, article)
        if article is None:
            if raw is None:  # known by its status, not parsed (it failed last time): read it now
                raw = path.read_bytes()
                key = (path.name, hashlib.sha256(raw).digest())
            try:
                article = replace(parse_article(path, raw), source_key=source_key(*key))
            except ContentError as exc:
                errors.append(exc)
                continue
            if memo is not None:
                memo.put(key, article)
        articles.append(article)
    return articles, errors


def load_knowledge_base(site: Site) -> KnowledgeBase:
    """`entities.yaml` and `topics.yaml` from the content folder (both optional)."""
    folder = site.root / site.content_dir
    return KnowledgeBase(entities=_known_entities(folder / "entities.yaml"),
                         topics=_topics(folder / "topics.yaml"))


def _read_list(path: Path, key: str) -> list[tuple[int, dict[str, Any]]]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text, path) or {}
    # A list of entries without the `key:` above it, or the key misspelt, would otherwise be read as no
    # entries at all: the editor's aliases and descriptions silently missing from the site.
    if not isinstance(data, dict):
        raise ContentError(path, 1, f"expected `{key}:` at the top of the file, followed by its list of entries")
    if key not in data and data:
        raise ContentError(path, 1, f"expected `{key}:` at the top of the file (found {', '.join(map(repr, data))})")
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ContentError(path, 1, f"`{key}:` must be a list of entries")
    result = []
    text_lines = text.split("\n")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ContentError(path, _nth_entry_line(text_lines, index),
                               f"entry {index + 1} of `{key}:` needs a `name:`")
        result.append((_nth_entry_line(text_lines, index), item))
    return result


def _nth_entry_line(lines: list[str], index: int) -> int:
    starts = [n for n, line in enumerate(lines, start=1) if re.match(r"^\s*- ", line)]
    return starts[index] if index < len(starts) else 1


def _known_entities(path: Path) -> tuple[KnownEntity, ...]:
    entities = []
    for line, item in _read_list(path, "entities"):
        kind = item.get("kind")
        not_entity = item.get("not_entity", False)
        if not isinstance(not_entity, bool):  # bool("false") is True: the name would be silenced
            raise ContentError(path, line, f"{item['name']}: not_entity must be true or false")
        if not not_entity and kind not in ENTITY_KINDS:
            raise ContentError(path, line, f"{item['name']}: kind must be one of {', '.join(ENTITY_KINDS)} "
                                           "(or set `not_entity: true`)")
        aliases = _texts(item.get("aliases") or [])
        if aliases is None:
            raise ContentError(path, line, f"{item['name']}: aliases must be a list of names")
        role, description = (_optional_text(item, key, path, line) for key in ("role", "description"))
        entities.append(KnownEntity(name=item["name"], kind=None if not_entity else kind, aliases=aliases,
                                    role=role, description=description, not_entity=not_entity))
    return tuple(entities)


def _texts(values: object) -> tuple[str, ...] | None:
    """The texts of a list of scalars (as annotation files read them: sitegen.yamlio.scalar_text); None
    when it is not a list, or an item is empty or no text."""
    if not isinstance(values, list):
        return None
    try:
        texts = tuple(scalar_text(value) for value in values)
    except TypeError:
        return None
    return None if None in texts else cast(tuple[str, ...], texts)


def _optional_text(item: dict[str, Any], key: str, path: Path, line: int) -> str | None:
    try:
        return scalar_text(item.get(key))
    except TypeError:
        raise ContentError(path, line, f"{item['name']}: {key} must be text") from None


def _topics(path: Path) -> tuple[Topic, ...]:
    topics = []
    for line, item in _read_list(path, "topics"):
        terms = _texts(item.get("terms") or [])
        if not terms:
            raise ContentError(path, line, f"{item['name']}: `terms:` must be a non-empty list of words")
        topics.append(Topic(name=item["name"], slug=slugify(item["name"]),
                            description=_optional_text(item, "description", path, line) or "",
                            terms=tuple(term.lower() for term in terms)))
    return tuple(topics)
