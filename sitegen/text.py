"""The plain text of an article that annotations anchor into, derived from its Markdown.

Annotation and rendering both walk the same markdown-it tokens through `blocks()`, so an
offset in the annotated text always maps back to the same characters on the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown_it
from markdown_it import MarkdownIt
from markdown_it.token import Token

from sitegen.memo import Memo
from sitegen.model import Article

BLOCK_SEPARATOR = "\n\n"


def lead_paragraph(body: str) -> str | None:
    """The first paragraph of a Markdown body that is not a heading, as written; None if there is none.
    (Found paragraph by paragraph: splitting the whole body copied it, for the first paragraph only.)"""
    start = 0
    while True:
        end = body.find(BLOCK_SEPARATOR, start)
        paragraph = body[start:] if end == -1 else body[start:end]
        if paragraph and not paragraph.startswith("#"):
            return paragraph
        if end == -1:
            return None
        start = end + len(BLOCK_SEPARATOR)


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """CommonMark without raw HTML: markup in scraped text is shown as text, never run."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@dataclass(frozen=True)
class Block:
    """One paragraph or heading: its tokens and where its text starts in the annotated text."""

    kind: str
    """"title", "dateline" or a markdown block tag (p, h2, ...)."""
    start: int
    """Offset of the block's text in the article text."""
    text: str
    """The block's plain text."""
    inline: Token | None
    """The markdown-it inline token (None for title and dateline)."""


def inline_text(token: Token) -> str:
    """The plain text of an inline token: text and code as is, line breaks as newlines."""
    return "".join(piece for piece, _ in inline_pieces(token))


def inline_pieces(token: Token) -> list[tuple[str, int]]:
    """(text, child index) for each child of an inline token that contributes text."""
    pieces = []
    for index, child in enumerate(token.children or []):
        if child.type in ("text", "code_inline"):
            pieces.append((child.content, index))
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(("\n", index))
    return pieces


# Markdown that is only plain paragraphs and "## " headings needs no parser: no character that
# could start inline markup, no line that could start a block construct, no stray spaces. Most
# imported news is like this; `tests/test_text.py` checks the fast path against markdown-it.
INLINE_MARKUP = re.compile(r"[\\`*_\[\]<>&!]")
BLOCK_START = re.compile(r"^(?:[#>+\-*=|~\d]| {4}|\t)")


def _plain_blocks(body: str) -> list[tuple[str, str]] | None:
    """(tag, text) of each block when the body is plain paragraphs and level-2 headings, else None."""
    result = []
    for chunk in body.split("\n\n"):
        if chunk.startswith("## ") and "\n" not in chunk:
            heading = chunk[3:]
            if heading != heading.strip() or not heading or "#" in heading or INLINE_MARKUP.search(heading):
                return None
            result.append(("h2", heading))
            continue
        lines = chunk.split("\n")
        for line in lines:
            if not line or line != line.strip() or BLOCK_START.match(line) or INLINE_MARKUP.search(line):
                return None
        result.append(("p", chunk))
    return result


def blocks(article: Article, fast: bool = True) -> Iterator[Block]:
    """Title, dateline and each text block of the body, with their offsets."""
    offset = 0
    heads = [("title", article.title)] + ([("dateline", article.dateline)] if article.dateline else [])
    for kind, text in heads:
        yield Block(kind, offset, text, None)
        offset += len(text) + len(BLOCK_SEPARATOR)
    plain = _plain_blocks(article.body) if fast and article.body else None
    if plain is not None:
        for tag, text in plain:
            yield Block(tag, offset, text, None)
            offset += len(text) + len(BLOCK_SEPARATOR)
        return
    tokens = markdown().parse(article.body)
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        text = inline_text(token)
        tag = tokens[index - 1].tag if index else "p"
        yield Block(tag, offset, text, token)
        offset += len(text) + len(BLOCK_SEPARATOR)


def article_text(article: Article) -> str:
    """Title, dateline and body as plain text, blocks separated by blank lines."""
    key = (article.title, article.dateline, article.body)
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= MAX_TEXTS:  # a long `sitegen serve` session sees many versions of articles
            _TEXTS.clear()
        text = _TEXTS[key] = _plain_text(*key)
    return text


MAX_TEXTS = 50_000
_TEXTS: dict[tuple[str, str | None, str], str] = {}
"""Every stage asks for an article's text; parsing its Markdown once per build is enough."""


def recall_texts(articles: list[Article], memo: Memo) -> None:
    """Take the articles' texts from the build's memo (made by an earlier build), or make them and keep
    them there: making them parses the Markdown of every article that is not plain paragraphs."""
    for article in articles:
        key = (article.title, article.dateline, article.body)
        digest = _SOURCES.get(key)
        if digest is None:
            if len(_SOURCES) >= MAX_TEXTS:
                _SOURCES.clear()
            source = "\0".join((markdown_it.__version__, article.title, article.dateline or "", article.body))
            digest = _SOURCES[key] = hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest()
        text = memo.get(digest)
        if text is None:
            text = _plain_text(*key)
            memo.put(digest, text)
        _TEXTS[key] = text


_SOURCES: dict[tuple[str, str | None, str], bytes] = {}
"""What `recall_texts` keeps each text under, by title, dateline and body: a process building again and
again (`sitegen serve`) hashed the 45 MB of 10,000 articles for it every build (0.1 s)."""


def _plain_text(title: str, dateline: str | None, body: str) -> str:
    probe = Article(slug="", path=Path(), title=title, published=dt.date.min, body=body, body_line=0,
                    dateline=dateline)
    return BLOCK_SEPARATOR.join(block.text for block in blocks(probe))


# A process building again and again (`sitegen serve`) asks for the same texts each time, mostly the very
# same strings, whose hash Python keeps: at 10,000 articles, 0.09 s of hashing per build.
@lru_cache(maxsize=50_000)
def text_sha256(text: str) -> str:
    """Hash recorded in the annotation file to tell when it is stale."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
