"""Render: the digest becomes HTML pages, every link relative so the site works at a domain root,
under a GitHub Pages project path and from disk (file://)."""

from __future__ import annotations

import heapq
import multiprocessing as mp
import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup

from sitegen.charts import co_mention_svg, timeline_svg
from sitegen.errors import SitegenError
from sitegen.escaping import OutputEscapingEnvironment
from sitegen.jsontext import json_for_script
from sitegen.marking import article_html
from sitegen.model import Annotations, Article, Digest, EntityPage, Site, Story
from sitegen.pagecache import (
    ALL,
    SEPARATOR,
    Bodies,
    Fingerprints,
    ObjectTokens,
    Record,
    Recorded,
    Watched,
    base_fingerprint,
)
from sitegen.workers import init_worker

KIND_FOLDER = {"person": "people", "organization": "organizations", "place": "places"}
KIND_TITLE = {"person": "People", "organization": "Organizations", "place": "Places"}
_SECOND = itemgetter(1)


def environment(site_templates: Path | None,
                environment_class: type[jinja2.Environment] = OutputEscapingEnvironment) -> jinja2.Environment:
    """The site's own templates in front of the defaults; `default:x.html` is always the default.
    (`environment_class`: Jinja's own `jinja2.Environment` draws the same pages, more slowly; see
    sitegen.escaping.)"""
    package = jinja2.PackageLoader("sitegen", "templates")
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"default": package}, delimiter=":")]
    if site_templates and site_templates.is_dir():
        loaders.insert(0, jinja2.FileSystemLoader(str(site_templates)))
    loaders.append(package)
    # auto_reload off: every build makes its own environment, and checking each template file for
    # changes on every page drawn cost 110,000 stat calls at 10,000 articles.
    env = environment_class(loader=jinja2.ChoiceLoader(loaders), autoescape=True, auto_reload=False,
                            undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["json_script"] = json_for_script
    return env


@dataclass(frozen=True)
class Page:
    """One output file: its path in the site and the template that draws it."""

    path: str
    template: str
    context: dict[str, Any]
    computed: tuple[str, ...] = ()
    """Context names filled in at render time (expensive, so done where the page is rendered)."""


def page_url(kind: str, slug: str) -> str:
    """Site-relative path of an entity page."""
    return f"{KIND_FOLDER[kind]}/{slug}.html"


def relative(from_path: str, to_path: str) -> str:
    """A link from one page to another that works under any base path and from disk.

    Both are paths from the site root; climbing to the root and down again is always right and
    much cheaper than posixpath.relpath, which the build would call a million times.
    """
    return "../" * from_path.count("/") + to_path


class Linker:
    """Lookups the templates need: where each article, story and entity lives."""

    def __init__(self, digest: Digest) -> None:
        self.digest: Digest | Watched = digest
        self.articles: Mapping[str, Article] = {a.slug: a for a in digest.articles}
        self.entities: Mapping[str, EntityPage] = {f"{e.kind}/{e.slug}": e for e in digest.entities}
        # Where each article's entities link, one table per article: an article page depends on it as a
        # whole. Looked up name by name, the 273,000 links of 10,000 articles were most of the lookups
        # every build fingerprints (sitegen.pagecache), each used by one page.
        self.entity_links: Mapping[str, Mapping[tuple[str, str], str]] = digest.entity_links
        self.story_of: Mapping[str, str] = {a: s.slug for s in digest.stories for a in s.articles}
        self.stories: Mapping[str, Story] = {s.slug: s for s in digest.stories}
        # An entity's name and main role on their own: a page that shows only those does not depend on
        # the rest of the entity (its articles change with every article that mentions it, and a story
        # naming a much-quoted person was drawn again after any edit to any article about them).
        self.names: Mapping[str, str] = {key: e.name for key, e in self.entities.items()}
        self.roles: Mapping[str, str] = {key: e.roles[0] if e.roles else "" for key, e in self.entities.items()}
        # Each entity's page, by key: a subscript in a template costs a fifth of a call through Jinja (the
        # packaged templates look up 316,000 entity links and 350,000 names and roles at 10,000 articles).
        # Not recorded: a page's path follows from its key alone.
        self.paths: Mapping[str, str] = {key: page_url(e.kind, e.slug) for key, e in self.entities.items()}

    def tables(self) -> dict[str, Mapping[Any, Any]]:
        """The lookup tables, by name (as page records name them)."""
        return {"articles": self.articles, "entities": self.entities, "entity_links": self.entity_links,
                "story_of": self.story_of, "stories": self.stories, "names": self.names, "roles": self.roles}

    def recording(self, log: set[str]) -> Linker:
        """The same lookups, noting in `log` what is read through them (see sitegen.pagecache)."""
        view = object.__new__(Linker)  # not __init__: the tables are shared, not built again
        view.digest = Watched(self.digest, log) if isinstance(self.digest, Digest) else self.digest
        for name, table in self.tables().items():
            setattr(view, name, Recorded(name, table, log))
        view.paths = self.paths
        return view

    def entity(self, key: str) -> EntityPage:
        return self.entities[key]

    def person(self, slug: str) -> EntityPage:
        return self.entities[f"person/{slug}"]

    def name(self, key: str) -> str:
        """The name of the entity with the page `key` ("person/vladimir-putin")."""
        return self.names[key]

    def role(self, key: str) -> str:
        """The entity's most frequent role ("" when it has none)."""
        return self.roles[key]

    def entity_path(self, key: str) -> str:
        kind, slug = key.split("/", 1)
        return page_url(kind, slug)


def _top(co_mentioned: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The eight people most often mentioned with one, ties by name: co-mentions come sorted by name,
    and nlargest keeps that order among equal counts (sorting each person's whole list by a Python
    key took 0.2 s of listing the pages at 10,000 articles)."""
    return heapq.nlargest(8, co_mentioned, key=_SECOND)


def _by_story(quotes: list[Any], stories: list[str]) -> list[tuple[str, list[Any]]]:
    """`quotes` grouped by their `stories` (the story of each), in the order of the stories' slugs."""
    by_story: dict[str, list[Any]] = defaultdict(list)
    for quote, story in zip(quotes, stories, strict=True):
        by_story[story].append(quote)
    return sorted(by_story.items(), key=itemgetter(0))


def pages(digest: Digest, site: Site, linker: Linker | None = None,
          memory: RenderMemory | None = None) -> Iterator[Page]:
    """Every page of the site with its template and context (`linker`: the digest's, when made already)."""
    linker = linker or Linker(digest)
    annotations = {a.article: a for a in digest.annotations}
    # The front page shows the newest stories and the months; each month has a page of its stories. One
    # page of every story was 9 MB at 10,000 articles, and drawn again after any edit anywhere.
    by_month: dict[str, list[Story]] = defaultdict(list)
    for story in digest.stories:  # newest first, so months are too
        by_month[story.published.isoformat()[:7]].append(story)  # strftime's %Y writes the year 24 as "24"
    labels = {month: f"{stories[0].published:%B} {stories[0].published.year}" for month, stories in by_month.items()}
    yield Page("index.html", "index.html", {
        "stories": digest.stories[:site.front_page_stories],
        "months": [(month, labels[month], len(stories)) for month, stories in by_month.items()]})
    months = list(by_month)
    for n, month in enumerate(months):
        newer, older = months[n - 1] if n else None, months[n + 1] if n + 1 < len(months) else None
        yield Page(f"archive/{month}.html", "archive.html", {
            "label": labels[month], "stories": tuple(by_month[month]),
            "newer": newer and (newer, labels[newer]), "older": older and (older, labels[older])})
    for story in digest.stories:
        yield Page(f"stories/{story.slug}.html", "story.html", {"story": story})
    for article in digest.articles:
        path = f"articles/{article.slug}.html"
        ann = annotations.get(article.slug) or Annotations(article=article.slug, text_sha256="")
        yield Page(path, "article.html", {
            "article": article, "annotations": ann,
            "story": linker.stories.get(linker.story_of.get(article.slug, "")),
        }, computed=("body", "headline", "entities", "entities_by_kind"))
    quotes_by_speaker: dict[str, list[Any]] = defaultdict(list)
    for quote in digest.quotes:
        if quote.speaker:
            quotes_by_speaker[quote.speaker].append(quote)
    co, story_of = digest.co_mentions, linker.story_of
    for entity in digest.entities:
        path = page_url(entity.kind, entity.slug)
        key = f"{entity.kind}/{entity.slug}"
        mentioned_with = co.get(entity.slug) if entity.kind == "person" else None
        others = ([] if not mentioned_with else
                  memory.top(entity.slug, mentioned_with) if memory else _top(mentioned_with))
        quotes = quotes_by_speaker.get(key, [])
        stories = [story_of[quote.article] for quote in quotes]
        yield Page(path, "entity.html", {"entity": entity, "kind_title": KIND_TITLE[entity.kind],
                                         "quotes_by_story": memory.by_story(key, quotes, stories) if memory
                                         else _by_story(quotes, stories),
                                         "co_mentions": others}, computed=("chart",))
    for kind in ("person", "organization", "place"):
        members = [e for e in digest.entities if e.kind == kind]
        yield Page(f"{KIND_FOLDER[kind]}.html", "list.html", {"heading": KIND_TITLE[kind], "kind": kind,
                                                               "entities": members})
    for topic in digest.topics:
        yield Page(f"topics/{topic.topic.slug}.html", "topic.html", {"topic": topic})
    yield Page("topics.html", "topics.html", {"topics": digest.topics})
    days: dict[str, list[Any]] = defaultdict(list)
    for event in digest.events:
        days[event.value].append(event)
    yield Page("timeline.html", "timeline.html", {
        "days": sorted(days.items()), "chart": timeline_svg([(d, len(e)) for d, e in sorted(days.items())])})
    yield Page("search.html", "search.html", {})
    yield Page("404.html", "404.html", {})


class ArticleRows:
    """`article_rows(slugs)` in templates: the rows of `article_row.html` for these articles.

    An entity page lists every article that mentions it (thousands, for someone much named), and
    drawing those rows in the page was 45% of drawing entity pages. Each article's row is drawn once
    per render and depth of page, from the article alone; the page still depends on each article it
    lists (it is looked up through the page's recording linker)."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.drawn: dict[tuple[str, str], str] = {}
        """(root, article slug) -> its row."""

    def __call__(self, linker: Linker, root: str, slugs: Iterable[str]) -> Markup:
        drawn, articles, rows = self.drawn, linker.articles, []
        for slug in slugs:
            article = articles[slug]
            row = drawn.get((root, slug))
            if row is None:  # its final newline dropped: rows follow each other as a loop in the page would put them
                row = self.env.get_template("article_row.html").render(article=article, root=root).removesuffix("\n")
                drawn[(root, slug)] = row
            rows.append(row)
        return Markup("".join(rows))


def render_page(env: jinja2.Environment, page: Page, site: Site, linker: Linker,
                computed: dict[str, Any] | None = None, rows: ArticleRows | None = None) -> str:
    """One page's HTML (`computed`: its expensive parts, when the caller has them already; `rows`: the
    article rows drawn for other pages of this render)."""
    root = relative(page.path, "index.html")[: -len("index.html")]
    if computed is None and page.computed:
        computed = _computed_parts(page, linker, None)[0]
    computed = computed or {}
    context = {**page.context, **computed, "site": site, "digest": linker.digest, "linker": linker,
               "page_path": page.path, "root": root, "KIND_FOLDER": KIND_FOLDER,
               "url": lambda target: relative(page.path, target),
               "article_rows": partial(rows or ArticleRows(env), linker, root)}
    try:
        return env.get_template(page.template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise SitegenError(f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise SitegenError(f"{page.template}: template error while rendering {page.path}: {exc}") from None
    except Exception as exc:  # a template's own expression failing (`{{ title / 2 }}`): its line, not a traceback
        where = _template_line(exc) or page.template
        raise SitegenError(f"{where}: template error while rendering {page.path}: {type(exc).__name__}: {exc}") \
            from None


def _template_line(error: BaseException) -> str | None:
    """`file:line` of the innermost template in the error's traceback: Jinja puts frames of the
    template's own file and lines there (anything not Python source is one)."""
    where = None
    trace = error.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if not code.co_filename.endswith(".py") and not code.co_filename.startswith("<"):
            where = f"{code.co_filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return where


_WORK: dict[str, Any] = {}  # what forked render workers inherit from the parent process
PARALLEL_FROM = 400  # pages; below this, starting processes costs more than it saves


def write_page(out_dir: Path, relative_path: str, html_text: str, *, make_folder: bool = True) -> None:
    """Write one page below `out_dir` (a fresh staging folder: nobody else writes there); `make_folder`
    False when the caller has made the page's folder already."""
    target = out_dir / relative_path
    if make_folder:
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html_text, encoding="utf-8", newline="\n")


class SiteOnDisk(NamedTuple):
    """The site a build updates, and the files it has (paths relative to it, "/" between folders)."""

    folder: Path
    files: frozenset[str]


def site_files(folder: str | Path, prefix: str = "") -> Iterator[str]:
    """Every file under `folder`, as a path relative to it (a link to a folder is not followed). With
    os.scandir: 32,600 files of 10,000 articles in 0.05 s."""
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            yield from site_files(entry.path, f"{prefix}{entry.name}/")
        else:
            yield prefix + entry.name


@dataclass(frozen=True)
class _RenderJob:
    env: jinja2.Environment
    site: Site
    linker: Linker
    out_dir: Path
    """Where the pages that differ from the site on disk are written (a fresh staging folder)."""
    record: Record
    """What each page of the site on disk read (empty when it may not be trusted: --force)."""
    fingerprints: Fingerprints
    bodies: Bodies | None
    unchanged: frozenset[str] = frozenset()
    """Pages known to be as in the site on disk without their fingerprints (see RenderMemory)."""
    rows: ArticleRows | None = None
    on_disk: SiteOnDisk | None = None
    """The site on disk (with --force too): a page it has with the very bytes drawn is not written."""

    def run(self, todo: list[Page]) -> list[tuple[str, tuple[str, list[str], str] | None]]:
        """Draw each page, unless the site on disk has it and its inputs are unchanged; write those that
        differ from the site on disk; what each drawn page read (None for one not drawn: its entry in the
        record stands)."""
        done: list[tuple[str, tuple[str, list[str], str] | None]] = []
        made: set[str] = set()  # folders of `out_dir` made so far
        existing = self.on_disk.files if self.on_disk is not None else frozenset()
        if self.on_disk is None:  # a site from nothing: every page is written, their few folders made once
            made = {os.path.dirname(page.path) for page in todo}
            for folder in sorted(made):
                (self.out_dir / folder).mkdir(parents=True, exist_ok=True)
        # Paths as strings: for the 27,500 pages of an edit, pathlib took 0.3 s.
        on_disk = f"{self.on_disk.folder if self.on_disk else ''}/"
        for page in todo:
            here = page.path in existing
            if here:
                if page.path in self.unchanged:
                    done.append((page.path, None))
                    continue
                known = self.record.get(page.path)
                if known is not None and known[0] == self.fingerprints.of(page.path, page.template,
                                                                          page.context, known[1]):
                    done.append((page.path, None))  # not sent back: the parent has the record already
                    continue
            log: set[str] = set()
            linker = self.linker.recording(log)
            computed, body_key = None, ""
            if page.computed:
                computed, body_key = _computed_parts(page, linker, self.bodies)
            html = render_page(self.env, page, self.site, linker, computed, self.rows)
            if not (here and holds(on_disk + page.path, html.encode("utf-8"))):
                folder = os.path.dirname(page.path)
                if folder not in made:
                    (self.out_dir / folder).mkdir(parents=True, exist_ok=True)
                    made.add(folder)
                write_page(self.out_dir, page.path, html, make_folder=False)
            dependencies = sorted(log)
            fingerprint = self.fingerprints.of(page.path, page.template, page.context, dependencies)
            done.append((page.path, (fingerprint, dependencies, body_key)))
        return done


def _computed_parts(page: Page, linker: Linker, bodies: Bodies | None) -> tuple[dict[str, Any], str]:
    """The parts of a page made only where it is drawn (see Page.computed), and the key of its cached
    article body ("" when it has none)."""
    if "chart" in page.computed:
        return {"chart": _co_mention_chart(page, linker)}, ""
    return _article_parts(page, linker, bodies)


def _co_mention_chart(page: Page, linker: Linker) -> Markup:
    """An entity page's chart of the people mentioned with it, drawn from its `co_mentions` with names
    looked up through the (recording) linker: made for every entity before any page was drawn, the
    charts were a third of listing the pages (0.5 of 1.5 s at 10,000 articles), for the few drawn."""
    return co_mention_svg(page.context["entity"].name, [
        (linker.name(f"person/{other}"), relative(page.path, page_url("person", other)), n)
        for other, n in page.context["co_mentions"]])


def _article_parts(page: Page, linker: Linker, bodies: Bodies | None) -> tuple[dict[str, Any], str]:
    """What an article page computes where it is drawn: its body and headline (from the body cache when
    drawn before), and its entities with the page each links to; the body's cache key ("" without one).

    The entities are made here rather than put in the page's context: their links are looked up
    through the (recording) linker, so the page depends on them, and the context, hashed for every page
    of every build, stays small (hashing every entity of every article again took 4.5 s of one process at
    10,000 articles)."""
    article, annotations = page.context["article"], page.context["annotations"]
    entity_links = linker.entity_links.get(article.slug, {})
    links = [entity_links.get((entity.kind, entity.name)) for entity in annotations.entities]
    entities = list(zip(annotations.entities, links, strict=True))
    # Grouped here: filtering the list by kind in the template (selectattr) was a fifth of drawing the page.
    by_kind: dict[str, list[tuple[Any, str | None]]] = {kind: [] for kind in KIND_FOLDER}
    for entity, link in entities:
        by_kind.setdefault(entity.kind, []).append((entity, link))
    key, cached = "", None
    if bodies is not None:
        key = bodies.key(article, annotations, links, page.path)
        cached = bodies.get(key)
    if cached is None:
        body, headline = article_html(article, annotations, entity_links,
                                      lambda key: relative(page.path, linker.entity_path(key)))
        if bodies is not None:
            bodies.put(key, body, headline)
        cached = (str(body), str(headline))
    return {"body": Markup(cached[0]), "headline": Markup(cached[1]), "entities": entities,
            "entities_by_kind": by_kind}, key


def _render_chunk(bounds: tuple[int, int]) -> list[tuple[str, tuple[str, list[str], str] | None]]:
    job: _RenderJob = _WORK["job"]
    return job.run(_WORK["pages"][bounds[0]:bounds[1]])


def holds(path: str, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data` (False when there is none).

    Most pages of a --force build, and of an edit most feeds and pages drawn again, come out as the
    site on disk has them. Written anew, the 27,500 files of a --force build (350 MB at 10,000
    articles) cost kernel time that the file system's state moves by seconds from run to run, and the
    disk their writing back; reading the old files (mostly still in memory) is steadier. Side by side at
    10,000 articles (--force, ten runs each, the equal files linked from the old site into a new one):
    system time 2.4-6.3 -> 2.2-2.7 s, render stage 5.0-7.3 -> 4.7-5.3 s, the build 10.49-12.86 ->
    10.17-10.78 s."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except OSError:
        return False


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """`source` (a file nobody changes in place: a new version is a new file) at `target` in a fresh
    staging folder whose folder exists: linked, or copied where links are not possible (another file
    system)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@dataclass
class RenderMemory:
    """What `render_site` keeps for the next build in the same process (`sitegen serve`): the digest's
    lookup tables and every page's template and context as they were.

    Linking with a memory (sitegen.resolve.link) gives the objects that did not change as the very same
    objects. So a page is as it was, without computing its fingerprint, when its template and context
    are equal to last time's and nothing it looked up is another object now: after an edit at 10,000
    articles, checking the fingerprints of 27,500 pages took 1.6 s of CPU. Pages that fail this test
    are checked by their fingerprints as in any build (a new object may still be equal), then drawn."""

    base: str = ""
    digest: Digest | None = None
    tables: dict[str, Mapping[Any, Any]] = field(default_factory=dict)
    pages: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """Page path -> (template, context)."""
    tops: dict[str, tuple[Sequence[tuple[str, int]], list[tuple[str, int]]]] = field(default_factory=dict)
    """Person -> (the people mentioned with them, the eight shown)."""
    quotes: dict[str, tuple[list[Any], list[str], list[tuple[str, list[Any]]]]] = field(default_factory=dict)
    """Speaker -> (their quotes, the story of each, the quotes grouped by story)."""
    env: jinja2.Environment | None = None
    """The templates, compiled, for the base fingerprint of `base`."""

    def top(self, person: str, co_mentioned: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
        """`_top(co_mentioned)`, as last time for the same list (the same while the co-mentions are)."""
        known = self.tops.get(person)
        if known is None or known[0] is not co_mentioned:
            known = self.tops[person] = (co_mentioned, _top(co_mentioned))
        return known[1]

    def by_story(self, speaker: str, quotes: list[Any], stories: list[str]) -> list[tuple[str, list[Any]]]:
        """`_by_story(quotes, stories)`, the very list of last time for the same quotes in the same stories.
        Grouping the 130,000 quotes of 10,000 articles by story for every speaker's page was half of
        listing the pages after an edit (0.25 of 0.43 s); the same list again also makes the page's
        context quick to compare with last time's (`unchanged`)."""
        known = self.quotes.get(speaker)
        if known is None or known[0] != quotes or known[1] != stories:
            known = self.quotes[speaker] = (quotes, stories, _by_story(quotes, stories))
        return known[2]

    def unchanged(self, base: str, digest: Digest, tables: dict[str, Mapping[Any, Any]], all_pages: list[Page],
                  record: Record) -> frozenset[str]:
        """The pages that would be drawn as they were last time."""
        if self.digest is None or base != self.base:
            return frozenset()
        changed = {"digest" + SEPARATOR + ALL} if digest != self.digest else set()
        missing = object()
        for name, table in tables.items():
            old = self.tables.get(name, {})
            # Equal values count as the same too: an article's table of entity links is made anew each build.
            keys = [key for key, value in table.items()
                    if (was := old.get(key, missing)) is not value and was != value]
            keys += old.keys() - table.keys()
            if keys:
                changed.add(name + SEPARATOR + ALL)
                changed.update(name + SEPARATOR + (SEPARATOR.join(k) if isinstance(k, tuple) else str(k))
                               for k in keys)
        same = set()
        for page in all_pages:
            known, before = record.get(page.path), self.pages.get(page.path)
            if (known is not None and before is not None and before[0] == page.template
                    and before[1] == page.context and changed.isdisjoint(known[1])):
                same.add(page.path)
        return frozenset(same)

    def keep(self, base: str, digest: Digest, tables: dict[str, Mapping[Any, Any]], all_pages: list[Page]) -> None:
        self.base, self.digest, self.tables = base, digest, tables
        self.pages = {page.path: (page.template, page.context) for page in all_pages}


def render_site(digest: Digest, site: Site, out_dir: Path, workers: int | None = None,
                record: Record | None = None, bodies: Path | None = None,
                memory: RenderMemory | None = None, meanwhile: Callable[[], object] | None = None,
                tokens: ObjectTokens | None = None, on_disk: SiteOnDisk | None = None) -> Record:
    """Render every page, on all local cores for large sites, writing into `out_dir` those that differ
    from the site `on_disk` (every one without it); the record of what each read. `meanwhile` is called
    while the workers draw the pages (after them, when there are none).

    With the `record` of the site on disk (sitegen.pagecache), a page it has whose inputs did not change
    is not drawn; with a `bodies` folder, article bodies drawn before are reused; with
    the `memory` of the last render in this process, unchanged pages are known without checking;
    `tokens` are fingerprint tokens of the digest's objects made before (sitegen.linkcache).
    Workers are forked, so they share the digest with this process and write their pages themselves:
    no page crosses a process boundary or waits in memory.
    """
    folders = [site.root / site.templates_dir, Path(__file__).parent / "templates"]
    base = base_fingerprint(site, folders)
    # In a session, the templates as the last build compiled them while nothing they are made from changed
    # (the base fingerprint hashes every template, the code and the settings): 0.05 s of every edit.
    env = (memory.env if memory is not None and memory.env is not None and memory.base == base
           else environment(site.root / site.templates_dir))
    linker = Linker(digest)
    all_pages = list(pages(digest, site, linker, memory))
    tables = linker.tables()
    fingerprints = Fingerprints(base, tables, digest, tokens)
    body_cache = Bodies(bodies, fingerprints) if bodies is not None else None
    old_record = record or {}
    unchanged = memory.unchanged(base, digest, tables, all_pages, old_record) if memory and old_record else frozenset()
    job = _RenderJob(env, site, linker, out_dir, old_record, fingerprints, body_cache, unchanged,
                     ArticleRows(env), on_disk)
    workers = workers or os.cpu_count() or 1
    if (workers == 1 or len(all_pages) - len(unchanged) < PARALLEL_FROM
            or "fork" not in mp.get_all_start_methods()):
        done = job.run(all_pages)
        if meanwhile is not None:
            meanwhile()
    else:
        _WORK.update(pages=all_pages, job=job)
        # Small chunks handed out one at a time: pages differ a hundredfold in cost (an entity quoted in a
        # thousand articles against a linked page), and with 16 chunks sent two by two, one of two
        # workers took 5.8 s and the other 3.9 s after an edit at 10,000 articles.
        size = max(50, len(all_pages) // (workers * 32))
        chunks = [(i, min(i + size, len(all_pages))) for i in range(0, len(all_pages), size)]
        try:
            with mp.get_context("fork").Pool(workers, initializer=init_worker) as pool:
                drawing = pool.map_async(_render_chunk, chunks, chunksize=1)
                if meanwhile is not None:
                    meanwhile()
                done = [entry for chunk in drawing.get() for entry in chunk]
        finally:
            _WORK.clear()
    new_record = {path: entry if entry is not None else old_record[path] for path, entry in done}
    if memory is not None:
        memory.keep(base, digest, tables, all_pages)
        memory.env = env
    if body_cache is not None:
        body_cache.prune({body for _, _, body in new_record.values() if body})
    return new_record
