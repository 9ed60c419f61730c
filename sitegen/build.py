"""Build: the orchestrator. Load content, annotate what is stale, link, render, index, then put the
new site in place of the old one in one step. (`make site` imports the seeds first when content/ is empty.)"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from sitegen.annotate.run import (
    CHUNK,
    Ahead,
    AnnotateReport,
    KeptAnnotator,
    annotate_site,
    annotation_path,
    probably_stale,
    warm_pool,
)
from sitegen.annotate.store import visible
from sitegen.content import load_articles, load_knowledge_base
from sitegen.errors import ContentError, SitegenError
from sitegen.linkcache import linked
from sitegen.linking import Linking
from sitegen.memo import Memo, collector_paused
from sitegen.model import Annotations, Article, Digest, Site
from sitegen.pagecache import ObjectTokens, Record, load_record, pack_record, save_record
from sitegen.render import RenderMemory, SiteOnDisk, holds, link_or_copy, render_site, site_files, write_page
from sitegen.resolve import link
from sitegen.search import (
    KeptIndexer,
    SearchMemory,
    count_default_ahead,
    count_fulltext_ahead,
    fill_cache,
    index_files,
    likely_stale_texts,
    plan_index,
    stale_work,
)
from sitegen.text import recall_texts
from sitegen.workers import in_background, on_idle_core

MARKER = ".sitegen-site"
# What turns a file into what the build uses: results kept between builds (sitegen.memo) are valid while
# this code is unchanged.
ARTICLE_CODE = ("model.py", "yamlio.py", "content.py", "slugs.py")
TEXT_CODE = ("text.py",)
ANNOTATION_FILE_CODE = ("model.py", "yamlio.py", "annotate/store.py", "annotate/run.py")
STATIC = Path(__file__).parent / "static"
LUNR_JS = Path("node_modules/lunr/lunr.js")


@dataclass
class BuildReport:
    """What the build did and what went wrong (the site is still built from the good articles)."""

    pages: int = 0
    up_to_date: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage, for `sitegen build --timings` and the benchmark."""
    annotated: AnnotateReport | None = None
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Session:
    """What a process that builds again and again (`sitegen serve`) keeps from one build to the next:
    the parsed files, what linking made and the pages' inputs, so that an edit is linked, checked and
    drawn again for what it changed (at 10,000 articles, linking 2.8 -> 0.13 s). A build that fails
    leaves its session unusable: the caller starts a new one."""

    site: Site
    articles: Memo
    texts: Memo
    annotations: Memo
    linking: Linking = field(default_factory=Linking)
    rendering: RenderMemory = field(default_factory=RenderMemory)
    search: SearchMemory = field(default_factory=SearchMemory)
    record: Record | None = None
    """The page record of the site on disk, as saved."""
    shown: dict[str, tuple[Annotations, Annotations]] = field(default_factory=dict)
    """Article -> (its annotations, what readers see of them), as last time."""
    feeds: dict[str, Any] = field(default_factory=dict)
    """Feed path -> what it was made from, as last time (its text is in the site on disk)."""
    built: dict[str, Article] = field(default_factory=dict)
    """The articles of its last build, by slug."""

    @classmethod
    def start(cls, site: Site) -> Session:
        return cls(site, *_memos(site, resident=True))

    def save(self) -> None:
        """Save what the next process will find in the cache folder: the memos and the page record (the
        session goes on). Until then a build in another process finds an older memo (and parses again
        what changed since) and no page record (and draws every page)."""
        for memo in (self.articles, self.texts, self.annotations):
            memo.save()
        if self.record is not None:
            save_record(self.site.cache_dir / "pages.pickle", pack_record(self.record))

    def end(self) -> None:
        """Save (see `save`) as the session ends, having first let go of what only its next build would
        use. Pickling the memos' values attaches a UTF-8 copy to each of their strings that is not all
        ASCII (CPython keeps it with the string): at 10,000 articles, 100 MB more, which fits in the room
        the digest and the memories of linking and rendering leave."""
        self.linking, self.rendering, self.search = Linking(), RenderMemory(), SearchMemory()
        self.shown, self.feeds, self.built = {}, {}, {}
        gc.unfreeze()  # a session's build froze what it kept (see `build`)
        gc.collect()
        self.save()

    def visible(self, annotations: Annotations) -> Annotations:
        """`visible(annotations)`, the same object as last time for the same annotations."""
        known = self.shown.get(annotations.article)
        # The same file (its key) holds the same annotations, whether read again or written just now.
        if known is not None and (known[0] is annotations or (annotations.source_key != ""
                                  and known[0].source_key == annotations.source_key)):
            return known[1]
        shown = visible(annotations)
        self.shown[annotations.article] = (annotations, shown)
        return shown


def _memos(site: Site, resident: bool = False) -> tuple[Memo, Memo, Memo]:
    """What a build keeps between builds in the cache folder: parsed articles, their texts, parsed
    annotation files."""
    return (_articles_memo(site, resident),
            Memo(site.cache_dir / "texts.pickle", made_by=TEXT_CODE, resident=resident),
            Memo(site.cache_dir / "annotations.pickle", made_by=ANNOTATION_FILE_CODE, resident=resident))


def _articles_memo(site: Site, resident: bool = False) -> Memo:
    return Memo(site.cache_dir / "articles.pickle", made_by=ARTICLE_CODE, resident=resident)


def find_lunr(site: Site) -> Path:
    """lunr.js as installed by `npm ci` (pinned in package.json)."""
    for base in (site.root, Path.cwd(), Path(__file__).resolve().parent.parent):
        candidate = base / LUNR_JS
        if candidate.exists():
            return candidate
    raise SitegenError(f"{LUNR_JS} is missing: run `npm ci` in the project folder (lunr.js 2.3.9 is pinned "
                       "in package.json), or `make site`, which does it for you")


def input_fingerprint(site: Site, lunr_js: Path, entries: list[str] | None = None) -> str:
    """A hash of every input's name, size and modification time (`entries`, when taken already): equal
    means nothing to do."""
    entries = input_entries(site, lunr_js) if entries is None else entries
    return hashlib.sha256("\n".join([*entries, repr(site)]).encode()).hexdigest()


def _entry(path: str | Path, status: os.stat_result) -> str:
    """One input's entry: its path, size and modification time."""
    return f"{path}\0{status.st_size}\0{status.st_mtime_ns}"


def input_entries(site: Site, lunr_js: Path) -> list[str]:
    """"path, size, time" of every input file, in order: under content/, templates/ and sitegen's code,
    the config and lunr.js."""
    entries: list[str] = []
    for folder in (site.root / site.content_dir, site.root / site.templates_dir, Path(__file__).parent):
        entries += _file_stats(str(folder))
    for path in (site.root / "sitegen.yaml", lunr_js):
        if path.exists():
            entries.append(_entry(path, path.stat()))
    return sorted(entries)


def _with_written(before: list[str], site: Site, slugs: list[str]) -> list[str]:
    """The inputs as a build that wrote the annotation files of `slugs` leaves them: those as they are
    now, every other one as it was `before` the build read anything. A file someone saved meanwhile
    keeps its old entry, so the next build is not taken for up to date: this one may not have read the
    save. (The written files are looked at on their own: walking every input again took 0.24 s of an
    edit at 10,000 articles.)"""
    written = {str(annotation_path(site.annotations_dir, slug)) for slug in slugs}
    merged = [entry for entry in before if entry.split("\0", 1)[0] not in written]
    # As the walk sees them: not at all in a linked folder, which it does not enter.
    if not site.annotations_dir.is_symlink():
        for path in written:
            with contextlib.suppress(OSError):
                merged.append(_entry(path, os.stat(path)))
    return sorted(merged)


def _file_stats(folder: str) -> Iterator[str]:
    """"path, size, time" of every file under `folder` (none if it is missing). os.scandir, not
    Path.rglob: this walk decides whether a build has anything to do, and over the 20,000 files of
    10,000 articles rglob took 0.5-0.8 s, most of a build with nothing to do; scandir takes 0.1 s."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):  # as rglob: a link to a folder is not followed (no loops)
            if entry.name != "__pycache__":
                yield from _file_stats(entry.path)
        elif entry.is_file():
            yield _entry(entry.path, entry.stat())


def _manifest(site: Site) -> Path:
    """Where a build without errors or warnings records the input fingerprint it was made from."""
    return site.cache_dir / "build.json"


def _last_built(site: Site) -> int:
    """When the last build without errors or warnings ended, in ns since the epoch; -1 if none did."""
    try:
        return _manifest(site).stat().st_mtime_ns
    except OSError:
        return -1


def _up_to_date(site: Site, fingerprint: str) -> bool:
    manifest = _manifest(site)
    if not (site.out / MARKER).exists() or not manifest.exists():
        return False
    try:
        return bool(json.loads(manifest.read_text()).get("inputs") == fingerprint)
    except ValueError:
        return False


def up_to_date(site: Site) -> bool:
    """Whether the site on disk was built from the inputs as they are now (what `build` checks first)."""
    lunr_js = find_lunr(site)
    return _up_to_date(site, input_fingerprint(site, lunr_js))


def build(site: Site, *, force: bool = False, session: Session | None = None,
          annotator: KeptAnnotator | None = None, indexer: KeptIndexer | None = None) -> BuildReport:
    """Build `site/` from `content/`; bad articles are reported and left out, the rest still build.

    When no input changed since the last build (names, sizes and times of every file under content/,
    templates/, the config and sitegen itself), the site on disk is already the result: nothing is done.
    Articles are annotated in worker processes, so that the language model (a quarter of a gigabyte)
    never joins the build's own memory, which holds the whole digest; an `annotator` (kept by `sitegen
    serve`, which builds again after every edit) annotates a few articles with its model loaded already;
    an `indexer`, kept likewise, builds the few search indexes an edit makes stale, with the terms of
    most of their texts counted already. A `session` (for this site) keeps what the next build can reuse.
    """
    report = BuildReport()
    lunr_js = find_lunr(site)
    _check_output_folder(site.out)
    inputs = input_entries(site, lunr_js)
    fingerprint = input_fingerprint(site, lunr_js, inputs)
    # A session's first build runs even when nothing changed: it learns what the next ones reuse (else the
    # first edit under `sitegen serve` would link and check everything: 10.2 s against 2.5 s at 10,000).
    if not force and (session is None or session.record is not None) and _up_to_date(site, fingerprint):
        report.up_to_date = True
        return report
    try:
        with contextlib.ExitStack() as ahead:
            _build(site, report, lunr_js, force, inputs, session, (annotator, indexer), ahead)
    finally:
        # What the build kept can go. In a session it stays frozen: it is kept for the next build, and
        # the garbage collector need not walk it again and again.
        if session is None:
            gc.unfreeze()
    return report


def _build(site: Site, report: BuildReport, lunr_js: Path, force: bool, inputs: list[str],
           session: Session | None, kept_workers: tuple[KeptAnnotator | None, KeptIndexer | None],
           ahead: contextlib.ExitStack) -> None:
    """The build itself; `inputs` are the input entries taken before anything was read; `kept_workers`,
    the workers kept by the caller; work done ahead for a later stage ends with `ahead`."""
    clock = _Clock(report.timings)
    annotator, indexer = kept_workers
    # An edited or new article is annotated by a worker process that spends 1-1.5 s loading the language
    # model before it can start: started now, it does that while the articles are loaded and checked
    # (at 10,000 articles, 0.8 s). A wrong guess costs a core a second of work nobody waits for. (A kept
    # annotator has the model loaded already.)
    stale = 0 if annotator is not None else probably_stale(site.articles_dir, site.annotations_dir,
                                                           since=_last_built(site))
    annotation_workers = max(2, os.cpu_count() or 1)
    early = warm_pool(min(annotation_workers, math.ceil(stale / CHUNK))) if stale else None
    search_cache = site.cache_dir / "search"
    # Every search index to build and nothing to annotate: the terms of the full-text shards are counted
    # by a process of its own on the core that loading and linking leave idle (see `_count_ahead`).
    every_index = force or not any(search_cache.glob("*.js"))
    counting = _counting(ahead, site) if every_index and session is None and not stale else None
    # Loading, reading annotations and linking make millions of small objects that stay, and no garbage
    # cycles: the collector, run again and again over them as they are made, took a quarter of these
    # stages at 10,000 articles (1.6 of 6.4 s reading annotations, 3 of 10 s linking). Each lap freezes them.
    with collector_paused():
        parsed_articles, texts, parsed_annotations = (
            (session.articles, session.texts, session.annotations) if session else _memos(site))
        articles, report.errors = load_articles(site, parsed_articles)
        if session is None:  # a session's memos are saved when it ends (Session.save)
            parsed_articles.save()
        _check_duplicate_titles(articles, report)
        kb = load_knowledge_base(site)
        # Unchanged articles are the very objects of the session's last build; the few that changed are
        # most likely the stale ones, handed to the kept workers now: to the annotator (see `Ahead`), and
        # the texts of their search shard to the indexer, which counts them while the build goes on.
        changed = [] if session is None else [a for a in articles if session.built.get(a.slug) is not a]
        few = 0 < len(changed) <= CHUNK
        if session is not None:
            session.built = {article.slug: article for article in articles}
            if indexer is not None and few:
                indexer.count_ahead(likely_stale_texts(changed, session.search))
        ahead_annotation = Ahead(changed, kb, annotator) if annotator is not None and few else None
        clock.lap("load", collect=False)
        recall_texts(articles, texts)
        if session is None:
            texts.save()
        try:
            report.annotated = annotate_site(articles, kb, site.annotations_dir, memo=parsed_annotations,
                                             workers=annotation_workers, executor=early, kept=annotator,
                                             ahead=ahead_annotation)
        finally:
            if early is not None:  # a worker still warming up for nothing ends when it is done
                early.shutdown(wait=False, cancel_futures=True)
        if session is None:
            parsed_annotations.save()
        report.errors += report.annotated.errors
        shown = session.visible if session else visible
        annotations = [shown(a) for _, a in sorted(report.annotated.annotations.items())]
        clock.lap("annotate", collect=False)
        tokens: ObjectTokens = {}  # the fingerprint tokens of its records, kept with a linked digest
        if session is not None:  # linked for what changed since its last build (its `Linking`)
            digest = link(articles, annotations, kb, site.story_window_days, session.linking)
        else:  # the same inputs as the last build: its digest (at 10,000 articles 0.4 s against 2.6 s)
            digest, tokens = linked(site.cache_dir / "digest.pickle", articles, annotations, kb,
                                    site.story_window_days, link)
        clock.lap("resolve", collect=False)
    staging = _staging(site.out, site.cache_dir / "replaced")
    # The site on disk is updated in place: what differs from it is written into `staging`, then moved
    # there (`_commit`). Unless forced, pages whose inputs did not change are not drawn (sitegen.pagecache).
    on_disk = SiteOnDisk(site.out, frozenset(site_files(site.out))) if site.out.is_dir() else None
    record_path = site.cache_dir / "pages.pickle"
    extras: dict[str, Any] = {}  # what this process makes while the pages render (see `meanwhile`)

    def search_plan() -> None:
        extras["plan"] = plan_index(digest, session.search if session else None)

    def meanwhile() -> None:
        """Work of this process that needs no page, done while the render workers draw them (it would
        otherwise wait for them): the feeds, and with --force the search plan, which nothing decides on
        before the pages are drawn (at 10,000 articles, 0.3 and 0.37 s)."""
        if "plan" not in extras:
            search_plan()
        extras["files"] = _extras(digest, site, session.feeds if session else None)

    if not force or session is not None:
        search_plan()
        clock.lap("search plan")
    # A few search indexes to build (after an edit, a full-text shard and perhaps the default index) are
    # built into their cache by a process of their own while the pages render. Built afterwards, their
    # few tasks left cores idle: at 10,000 articles, one article edited, render and search took 13-15 s
    # one after the other, 9.5-12.7 s side by side. Much work (--force: 12 files) is left for a pool
    # after rendering: beside it, twice as many processes as cores cost a tenth more CPU in all, and more
    # time. "A few" is at most one large file's work per core, whatever the number of small files.
    beside = "plan" in extras and 0 < stale_work(extras["plan"], search_cache, reuse=not force) <= (os.cpu_count() or 1)
    background: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if beside and indexer is not None:  # the kept worker, which has most of their texts counted
        background = indexer.filling(extras["plan"], search_cache, reuse=not force)
    else:
        if session is not None:  # what the processes forked to index (now or after the pages) read
            count_default_ahead(extras["plan"])
        if beside:
            background = in_background(fill_cache, extras["plan"], search_cache, reuse=not force)
    with background:
        old_record = {} if on_disk is None or force else (
            session.record if session and session.record is not None else load_record(record_path))
        record = render_site(digest, site, staging, record=old_record,
                             bodies=site.cache_dir / "bodies", memory=session.rendering if session else None,
                             meanwhile=meanwhile, tokens=tokens, on_disk=on_disk)
        clock.lap("render")
    if counting is not None:  # what it has not counted by now, the index workers count
        counting[1]()
    files = extras["files"]
    packed: list[bytes] = []
    kept = set(record)  # every file of the new site

    def finishing() -> None:
        """The rest of the site (feeds, assets) and the page record's bytes, while a core is free of indexing."""
        kept.update(_write_files(staging, files, lunr_js, on_disk))
        if session is None:
            packed.append(pack_record(record))

    # What the background process built is in the cache now; anything else is built here.
    for path, made in index_files(extras["plan"], cache=search_cache, reuse=beside or not force, idle=finishing,
                                  counted=counting[0] if counting else None):
        kept.add(path)
        if isinstance(made, Path):  # an index file in the cache, shared with the site
            if on_disk is None or not _same_file(made, site.out / path):
                (staging / path).parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(made, staging / path)
        elif on_disk is None or not holds(f"{site.out}/{path}", made.encode("utf-8")):
            write_page(staging, path, made)  # written as made: together they are hundreds of megabytes
    clock.lap("search")
    # The record and the fingerprint of the inputs describe the site they were made with: gone before the
    # site changes, the new ones written after, so an interrupted build can only lose them (the next one
    # runs, drawing every page), never pair them with another site.
    record_path.unlink(missing_ok=True)
    if on_disk is None:
        staging.rename(site.out)
    else:
        with contextlib.suppress(FileNotFoundError):
            _manifest(site).unlink()
        _commit(on_disk, staging, kept)
    if session is None:
        save_record(record_path, packed[0])
    else:  # saved when the session ends: a session stopped short of that leaves no record (every page drawn next time)
        session.record = record
    clock.lap("write")
    report.pages = len(record)
    if not report.errors and not report.warnings:  # otherwise redone next time, so they are shown again
        site.cache_dir.mkdir(parents=True, exist_ok=True)
        # The annotation files this build wrote are taken as they are now; every other input as it was
        # before anything was read (a file changed meanwhile makes the next build run).
        if report.annotated is not None and report.annotated.written:
            inputs = _with_written(inputs, site, report.annotated.written)
        _manifest(site).write_text(json.dumps({"inputs": input_fingerprint(site, lunr_js, inputs)}))


def _counting(ahead: contextlib.ExitStack, site: Site) -> tuple[Path, Callable[[], None]] | None:
    """A temporary folder that a process on an idle core counts the terms of the full-text search
    shards into (`count_fulltext_ahead`), and the function that stops it; both end with `ahead`. None
    where no temporary folder can be made: the index workers count everything, as they can."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="sitegen-counted-"))
    except OSError:
        return None
    ahead.callback(shutil.rmtree, folder, ignore_errors=True)
    return folder, ahead.enter_context(on_idle_core(_count_ahead, site, folder))


def _count_ahead(site: Site, folder: Path) -> None:
    """At 10,000 articles, one --force build: the build's own process reads annotations and links from
    0.4 to 1.9 s while the other core waits for the render workers; this process has counted the 11
    shards (0.2 s each) by 2.3-3.3 s, and the search stage takes 0.4-0.7 s less."""
    # It loads the articles itself (from the kept parsed articles, which it does not write): forked
    # after the build had loaded them, it cost the build 0.24 s of copy-on-write faults while it went on.
    articles, _ = load_articles(site, _articles_memo(site))
    count_fulltext_ahead(articles, folder)


class _Clock:
    def __init__(self, laps: dict[str, float]) -> None:
        self.laps = laps
        self.last = time.perf_counter()

    def lap(self, name: str, collect: bool = True) -> None:
        # What a stage made and kept lives until the build ends. Frozen, it is no longer walked by every
        # run of the cyclic garbage collector, which cost a tenth of a build of 10,000 articles for
        # nothing. The stage's own garbage is collected first, or it would be kept frozen too; stages
        # that make no garbage cycles skip that (`collect` False: at 10,000 articles, collecting after
        # loading, annotating and linking found nothing, in 0.8 s).
        if collect:
            gc.collect()
        gc.freeze()
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now


def _check_duplicate_titles(articles: list[Article], report: BuildReport) -> None:
    seen: dict[str, Path] = {}
    for article in articles:
        key = article.title.casefold()
        if key in seen:
            report.warnings.append(f"{article.path}:1: same headline as {seen[key]}; is it a duplicate?")
        seen.setdefault(key, article.path)


def _atom(title: str, feed_id: str, entries: list[tuple[str, str, str, str]]) -> str:
    """An Atom feed; entries are (title, link, ISO date, summary), newest first."""
    updated = max((date for _, _, date, _ in entries), default="1970-01-01")
    items = "".join(
        f"<entry><title>{escape(t)}</title><link href={quoteattr(link)}/><id>{escape(link)}</id>"
        f"<updated>{date}T00:00:00Z</updated><summary>{escape(summary)}</summary></entry>"
        for t, link, date, summary in entries)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>{escape(feed_id)}</id><updated>{updated}T00:00:00Z</updated>"
            f"{items}</feed>\n")


def _extras(digest: Digest, site: Site, feeds: dict[str, Any] | None = None) -> dict[str, str | Callable[[], str]]:
    """Feeds (the digest's, one per person and per topic), sitemap, .nojekyll, robots.txt; `feeds`: a
    session's feeds of last time, by path (what each was made from). A feed made from the same as last
    time is not made again: its value is the call that would make it (see `_write_files`)."""
    files: dict[str, str | Callable[[], str]] = {".nojekyll": "", "robots.txt": "User-agent: *\nAllow: /\n"}
    # Feeds live at the site root or one level down; links in them are absolute when base_url is set.
    base = site.base_url.rstrip("/") + "/" if site.base_url else ""
    articles = {a.slug: a for a in digest.articles}
    story_entries = [(s.title, f"{base}stories/{s.slug}.html", s.published.isoformat(), s.summary)
                     for s in digest.stories]
    files["feed.xml"] = _atom(site.title, base or "urn:sitegen:digest", story_entries)
    nested = base or "../../"  # links in feeds/people/x.xml are relative to that file when offline

    def article_entries(slugs: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
        return [(articles[a].title, f"{nested}articles/{a}.html", articles[a].published.isoformat(),
                 articles[a].outlet or "") for a in slugs]

    def feed(path: str, title: str, feed_id: str, slugs: tuple[str, ...]) -> None:
        # In a session, a feed whose entity and articles are the objects of last time is as the site on
        # disk has it (5,000 feeds at 10,000 articles: 0.3 s to make again). Only what it was made from
        # is kept: their texts, kept too, were 52 MB of the server's memory.
        inputs = (title, feed_id, slugs, [articles[a] for a in slugs])
        if feeds is not None and feeds.get(path) == inputs:
            files[path] = lambda: _atom(title, feed_id, article_entries(slugs))
            return
        files[path] = _atom(title, feed_id, article_entries(slugs))
        if feeds is not None:
            feeds[path] = inputs

    for entity in digest.entities:
        if entity.kind == "person":
            feed(f"feeds/people/{entity.slug}.xml", f"{entity.name} · {site.title}",
                 f"{base or 'urn:sitegen:'}people/{entity.slug}", entity.articles)
    for topic in digest.topics:
        feed(f"feeds/topics/{topic.topic.slug}.xml", f"{topic.topic.name} · {site.title}",
             f"{base or 'urn:sitegen:'}topics/{topic.topic.slug}", topic.articles)
    if base:
        urls = [f"{base}index.html"] + [f"{base}stories/{s.slug}.html" for s in digest.stories] + \
               [f"{base}articles/{a.slug}.html" for a in digest.articles]
        files["sitemap.xml"] = ('<?xml version="1.0" encoding="utf-8"?>\n'
                                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                + "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls) + "</urlset>\n")
    return files


def _check_output_folder(out: Path) -> None:
    """Never write into a folder a person made: only one with sitegen's marker file, or an empty one."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SitegenError(f"{out} exists and was not made by sitegen (no {MARKER} file in it); "
                           "refusing to write into it. Move it away or choose another output_dir.")


def _staging(out: Path, replaced: Path) -> Path:
    """A fresh folder for what a build changes of the site `out`, moved there when the build has
    succeeded (`_commit`): beside the site's folder (beside the folder it links to, if it is a link),
    so on the same file system."""
    _check_output_folder(out)
    real = Path(os.path.realpath(out))
    staging = real.with_name(f".{real.name}.building")
    if staging.exists():
        shutil.rmtree(staging)
    # Sites replaced whole by earlier versions of sitegen, whose removal was cut short (the machine
    # stopped): deleted in the background (here, 27,500 pages took seconds).
    if replaced.is_dir():
        for leftover in replaced.iterdir():
            _remove_in_background(leftover)
    staging.mkdir(parents=True)
    return staging


def _write_files(staging: Path, files: dict[str, str | Callable[[], str]], lunr_js: Path,
                 on_disk: SiteOnDisk | None) -> set[str]:
    """Write the files that are not pages (feeds) and the assets into `staging`, those that differ from
    the site `on_disk`; their paths. A file given as the call that makes it is as the site on disk has
    it (see `_extras`): made only when the site has lost it."""
    existing = on_disk.files if on_disk is not None else frozenset()
    old_site = f"{on_disk.folder if on_disk else ''}/"
    made: set[str] = set()  # folders of `staging` made so far
    written: dict[str, str | bytes | Callable[[], str]] = {
        **files, **{f"assets/{name}": (STATIC / name).read_bytes() for name in ("style.css", "search.js")},
        "assets/lunr.js": lunr_js.read_bytes(),
        MARKER: b"This folder is generated by sitegen; it is updated on every build.\n"}
    for relative_path, text in sorted(written.items()):
        here = relative_path in existing
        if callable(text):
            if here:
                continue
            text = text()
        data = text.encode("utf-8") if isinstance(text, str) else text
        # Most of the 5,000 feeds of 10,000 articles have the same bytes after an edit: written again,
        # they took 0.67 s of the write stage in consecutive edits.
        if not (here and holds(old_site + relative_path, data)):
            folder = os.path.dirname(relative_path)
            if folder not in made:
                (staging / folder).mkdir(parents=True, exist_ok=True)
                made.add(folder)
            (staging / relative_path).write_bytes(data)
    return set(written)


def _same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are links to one file."""
    try:
        return os.path.samestat(os.stat(a), os.stat(b))
    except OSError:
        return False


def _commit(on_disk: SiteOnDisk, staging: Path, kept: set[str]) -> None:
    """Move the files of `staging` into the site on disk, each by a rename (a page served meanwhile is
    the old one or the new one, never half written), then delete the files the site no longer has, and
    folders they leave empty.

    A site is updated in place rather than replaced by a new folder of links to the unchanged files:
    after an edit at 10,000 articles that was 32,600 links (0.4 s of kernel time, in a loop of Python
    around it) and as many unlinks for the replaced site, on the other core, for the tens of pages
    that change. A build that fails before this point leaves the site as it was."""
    out = f"{on_disk.folder}/"
    for relative_path in sorted(site_files(staging)):
        target = out + relative_path
        try:
            os.replace(f"{staging}/{relative_path}", target)
        except FileNotFoundError:  # a new folder
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(f"{staging}/{relative_path}", target)
    emptied = set()
    for relative_path in sorted(on_disk.files - kept):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out + relative_path)
        emptied.add(os.path.dirname(relative_path))
    for folder in sorted(emptied, key=len, reverse=True):  # the deepest first
        while folder:
            try:
                os.rmdir(out + folder)
            except OSError:  # not empty
                break
            folder = os.path.dirname(folder)
    shutil.rmtree(staging)


def _remove_in_background(folder: Path) -> None:
    """Delete a replaced site (see `_staging`) without making the build wait: freeing half a gigabyte
    of pages takes seconds. A removal cut short is finished by the next build."""
    try:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                          str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
