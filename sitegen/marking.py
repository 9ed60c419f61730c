"""Marking: an article's text as HTML with what its annotations found marked inline (people,
organizations and places linked to their pages, quotes with their speaker, dates with the day they
name), every piece of the article's own text escaped and its links kept only when they are safe."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable, Mapping

from markupsafe import Markup

from sitegen.annotate.anchors import locate
from sitegen.model import Annotations, Article
from sitegen.text import Block, article_text, blocks, inline_pieces

Span = tuple[int, int, str, str]
"""(start, end, opening tag, closing tag) in the article's text."""
SAFE_URL = re.compile(r"^(https?:|mailto:|#|/|\./|\.\./|[\w-]+(/|\.html|$))", re.IGNORECASE)


def _spans(annotations: Annotations, text: str, entity_links: Mapping[tuple[str, str], str],
           href_of: Callable[[str], str]) -> list[Span]:
    """(start, end, opening tag, closing tag) of every annotation in the article, nested or left out."""
    spans: list[Span] = []
    for index, quote in enumerate(annotations.quotes):
        where = locate(text, quote.anchor)
        if where:
            who = html.escape(quote.speaker or "unattributed", quote=True)
            spans.append((where[0], where[1], f'<q class="quote {quote.kind}" id="q{index}" data-speaker="{who}" '
                                              f'title="{who}">', "</q>"))
    for date in annotations.dates:
        where = locate(text, date.anchor)
        if where:
            value = html.escape(date.value, quote=True)
            spans.append((where[0], where[1], f'<time datetime="{value}" title="{value}">', "</time>"))
    links: dict[str, str] = {}
    for entity in annotations.entities:
        key = entity_links.get((entity.kind, entity.name))
        if key:
            href = html.escape(href_of(key), quote=True)
            for form in entity.mentions:
                links.setdefault(form, f'<a class="entity {entity.kind}" href="{href}">')
    for start, end in mentions(text, links):
        spans.append((start, end, links[text[start:end]], "</a>"))
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[Span] = []
    open_spans: list[Span] = []  # kept spans that may still contain the next one
    for span in spans:
        open_spans = [k for k in open_spans if k[1] > span[0]]
        crossing = any(k[1] < span[1] or (k[0] == span[0] and k[1] == span[1]) for k in open_spans)
        inside_link = any(k[2].startswith("<a") for k in open_spans)
        if not crossing and not (inside_link and span[2].startswith("<a")):
            kept.append(span)
            open_spans.append(span)
    return kept


def mentions(text: str, forms: Iterable[str]) -> list[tuple[int, int]]:
    """Where the forms occur as whole words, leftmost first and the longest form at each place, never
    overlapping: what the regular expression `(?<!\\w)(?:longest|...|shortest)(?!\\w)` finds, without
    compiling a new expression for every article (a third of the time of drawing an article page)."""
    found: list[tuple[int, int]] = []
    for form in forms:
        if not form:
            continue
        start = text.find(form)
        while start != -1:
            end = start + len(form)
            if not (start and _is_word(text[start - 1])) and not (end < len(text) and _is_word(text[end])):
                found.append((start, end))
            start = text.find(form, start + 1)
    found.sort(key=lambda m: (m[0], -m[1]))
    kept: list[tuple[int, int]] = []
    for start, end in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches in a str pattern


def _annotated_text(piece: str, start: int, spans: list[Span]) -> str:
    """Escaped text of one piece with the annotation tags that fall in it (closed at its end)."""
    end = start + len(piece)
    inside = [s for s in spans if s[0] < end and s[1] > start]
    cuts = sorted({start, end} | {max(start, min(end, p)) for s in inside for p in (s[0], s[1])})
    out: list[str] = []
    open_now: list[tuple[int, int, str, str]] = []
    for a, b in itertools.pairwise(cuts):
        wanted = [s for s in inside if s[0] <= a and s[1] >= b]
        while open_now and open_now[-1] not in wanted:
            out.append(open_now.pop()[3])
        for span in wanted:
            if span not in open_now:
                out.append(span[2])
                open_now.append(span)
        out.append(html.escape(piece[a - start:b - start]))
    out.extend(span[3] for span in reversed(open_now))
    return "".join(out)


def _inline_html(block: Block, spans: list[Span]) -> str:
    if block.inline is None:
        return _annotated_text(block.text, block.start, spans)
    children = block.inline.children or []
    offsets = {}
    position = block.start
    for piece, index in inline_pieces(block.inline):
        offsets[index] = position
        position += len(piece)
    out = []
    for index, child in enumerate(children):
        if child.type in ("text", "code_inline"):
            text = _annotated_text(child.content, offsets[index], spans)
            out.append(f"<code>{text}</code>" if child.type == "code_inline" else text)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n" if child.type == "softbreak" else "<br>\n")
        elif child.type in ("em_open", "em_close", "strong_open", "strong_close"):
            out.append(f"<{'/' if child.nesting < 0 else ''}{child.tag}>")
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            safe = href if SAFE_URL.match(href) else "#"
            out.append(f'<a href="{html.escape(safe, quote=True)}" rel="nofollow noopener">')
        elif child.type == "link_close":
            out.append("</a>")
    return "".join(out)


def article_html(article: Article, annotations: Annotations, entity_links: Mapping[tuple[str, str], str],
                 href_of: Callable[[str], str]) -> tuple[Markup, Markup]:
    """The article body as HTML with people, places, organizations, quotes and dates marked inline, and
    its headline with the quotes marked (entities are not linked inside the h1). `entity_links`: the
    page ("person/jane-doe") of each entity the article names, by kind and name; `href_of`: the link to a page
    from the article's."""
    text = article_text(article)
    spans = _spans(annotations, text, entity_links, href_of)
    parts = []
    headline = Markup("")
    for block in blocks(article):
        end = block.start + len(block.text)
        if block.kind == "title":
            headline = Markup(_annotated_text(block.text, block.start, [
                s for s in spans if not s[2].startswith("<a") and s[1] <= end]))
            continue
        if block.kind == "dateline":
            continue
        inner = _inline_html(block, [s for s in spans if block.start <= s[0] < end])
        tag = block.kind if re.fullmatch(r"h[1-6]|p", block.kind) else "p"
        tag = "h3" if tag in ("h1", "h2") else tag  # the page's h1 is the headline
        parts.append(f"<{tag}>{inner}</{tag}>")
    return Markup("\n".join(parts)), headline
