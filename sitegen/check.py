"""`sitegen check`: every problem in content, annotations and the built site, as `path:line: message`."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen.annotate.anchors import locate
from sitegen.annotate.run import annotation_path, read_annotations
from sitegen.content import load_articles
from sitegen.errors import ContentError
from sitegen.model import DateRef, Quote, Site
from sitegen.text import article_text, text_sha256


def _line_of(path: Path, needle: str) -> int:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if needle in line:
                return number
    except OSError:
        pass
    return 1


def check_content(site: Site) -> list[str]:
    """Problems in articles and their annotations."""
    articles, errors = load_articles(site)
    problems = [str(e) for e in errors]
    seen_sources: dict[str, Path] = {}
    for article in articles:
        if article.source_sha256:
            if article.source_sha256 in seen_sources:
                first = seen_sources[article.source_sha256]
                problems.append(f"{article.path}:1: imported from the same raw file as {first}")
            seen_sources.setdefault(article.source_sha256, article.path)
        path = annotation_path(site.annotations_dir, article.slug)
        try:
            annotations = read_annotations(path)
        except ContentError as exc:
            problems.append(str(exc))
            continue
        if annotations is None:
            problems.append(f"{path}:1: missing; run `sitegen annotate`")
            continue
        text = article_text(article)
        if annotations.text_sha256 != text_sha256(text):
            problems.append(f"{path}:{_line_of(path, 'text_sha256')}: stale: {article.path.name} changed since it "
                            "was annotated; run `sitegen annotate`")
        names = {e.name for e in annotations.entities}
        anchored: list[Quote | DateRef] = [*annotations.quotes, *annotations.dates]
        for entry in anchored:
            if locate(text, entry.anchor) is None:
                who = "editor correction" if entry.by == "editor" else "annotation"
                problems.append(f"{path}:{_line_of(path, entry.anchor.exact[:40])}: {who} anchor "
                                f"{entry.anchor.exact[:60]!r} no longer occurs in {article.path.name}")
        for quote in annotations.quotes:
            if quote.speaker and quote.speaker not in names:
                problems.append(f"{path}:{_line_of(path, 'speaker: ' + quote.speaker)}: speaker {quote.speaker!r} "
                                "is not an entity of this article; add it under people/organizations or fix the name")
    return problems


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def broken_links(out: Path) -> list[str]:
    """Every internal link or anchor in the built site that does not resolve."""
    parsed: dict[Path, _Links] = {}
    for page in sorted(out.rglob("*.html")):
        links = _Links()
        links.feed(page.read_text(encoding="utf-8"))
        parsed[page] = links
    problems = []
    for page, links in parsed.items():
        if page.name == "404.html":
            continue  # it links through <base href> from any depth
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not target.exists():
                problems.append(f"{page.relative_to(out)}: broken link {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed.get(target)
                if ids is not None and parts.fragment not in ids.ids:
                    problems.append(f"{page.relative_to(out)}: missing anchor {link}")
            elif target.is_dir():
                problems.append(f"{page.relative_to(out)}: link to a folder {link} (breaks under file://)")
    return problems


def check(site: Site, include_site: bool = False) -> list[str]:
    """All problems, sorted so the output is stable."""
    problems = check_content(site)
    if include_site and site.out.exists():
        problems += [f"{site.out.name}/{p}" for p in broken_links(site.out)]
    return sorted(problems, key=lambda p: (re.sub(r":\d+:.*", "", p), p))
