"""What passes between the stages: frozen dataclasses, one per thing a reader or editor talks about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

EntityKind = Literal["person", "organization", "place"]
QuoteKind = Literal["full", "partial"]
Granularity = Literal["day", "week", "month", "year"]
Origin = Literal["machine", "editor"]

ENTITY_KINDS: tuple[EntityKind, ...] = ("person", "organization", "place")


class _Record:
    """What every model class is: a frozen dataclass with slots (no __dict__: the annotations of 10,000
    articles take 15% less memory), pickled as the call that makes it, which loads twice as fast as
    the default for frozen slots (a Python loop setting each field; see sitegen.memo)."""

    __slots__ = ()
    __match_args__: tuple[str, ...]  # the constructor's fields in order, set by @dataclass

    def __reduce__(self) -> tuple[type[_Record], tuple[Any, ...]]:
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)


@dataclass(frozen=True, slots=True)
class RawArticle(_Record):
    """A scraped article after import: furniture removed, ready to be written as Markdown."""

    source: Path
    """Path of the raw text file."""
    source_sha256: str
    """Hash of the raw file's bytes, to tell when the source changed."""
    title: str
    """The headline, or one derived from the first sentence."""
    title_derived: bool
    """True when the text had no headline and `title` was made from the first sentence."""
    published: dt.date
    """The date the article speaks from."""
    dateline: str | None
    """The dateline as it stands in the text ("Monday, May 12, 2025"), if there was one."""
    outlet: str | None
    """The outlet the text names (logo line, sign-off, "X has contacted"), else None."""
    paragraphs: tuple[str, ...]
    """Body paragraphs as Markdown blocks (subheads as `## ...`)."""
    removed: tuple[tuple[int, str, str], ...]
    """Lines dropped as site furniture: (line number, reason, text)."""


@dataclass(frozen=True, slots=True)
class Article(_Record):
    """An article in `content/articles/`, as the editor sees it."""

    slug: str
    """File name without `.md`; the article's URL name."""
    path: Path
    """The Markdown file."""
    title: str
    """Headline."""
    published: dt.date
    """Publication date; relative dates resolve against it."""
    body: str
    """The Markdown body."""
    body_line: int
    """Line of the file where the body starts, for error messages."""
    outlet: str | None = None
    """Outlet name, if known."""
    dateline: str | None = None
    """Dateline text, annotated with the body."""
    source: str | None = None
    """Path of the raw file it was imported from."""
    source_sha256: str | None = None
    """Hash of that raw file."""
    story: str | None = None
    """Editor's story slug; always wins over automatic grouping."""
    topics: tuple[str, ...] = ()
    """Editor's topics, added to the matched ones."""
    title_derived: bool = False
    """True when the headline was made from the first sentence."""
    source_key: str = field(default="", compare=False, repr=False)
    """A hash of the file this was read from ("" when made otherwise). Two objects with the same key
    hold the same values under the same code, so page fingerprints use it instead of hashing the values
    (sitegen.pagecache); it takes no part in comparisons."""


@dataclass(frozen=True, slots=True)
class Anchor(_Record):
    """Where an annotation sits: exact text plus a little context (a W3C TextQuoteSelector)."""

    exact: str
    """The annotated characters exactly."""
    prefix: str = ""
    """Up to 32 characters before it."""
    suffix: str = ""
    """Up to 32 characters after it."""


@dataclass(frozen=True, slots=True)
class Entity(_Record):
    """A person, organization or place as one article mentions it."""

    name: str
    """Canonical name within the article (the most formal mention)."""
    kind: EntityKind
    """person, organization or place."""
    mentions: tuple[str, ...]
    """Every distinct surface form in the text, sorted."""
    role: str | None = None
    """The title or job the article gives a person ("Russian President")."""
    by: Origin = "machine"
    """Who made this entry: editor entries survive re-annotation."""
    rejected: bool = False
    """An editor's "this is not an entity": suppresses the machine's entry."""


@dataclass(frozen=True, slots=True)
class Quote(_Record):
    """A span in quotation marks reproducing someone's words."""

    anchor: Anchor
    """Where the quoted words are (without the quotation marks)."""
    speaker: str | None
    """Canonical name of who said it, or None when the article does not say."""
    kind: QuoteKind
    """full: a sentence or clause; partial: a fragment woven into the writer's sentence."""
    cue: str | None = None
    """The speech verb that introduces it ("said", "warned")."""
    said_on: str | None = None
    """ISO date it was said, when the text says so."""
    by: Origin = "machine"
    """Who made this entry."""
    rejected: bool = False
    """An editor's "this is not a quote"."""


@dataclass(frozen=True, slots=True)
class DateRef(_Record):
    """An expression naming a day, week, month or year, resolved to a calendar value."""

    anchor: Anchor
    """The expression in the text."""
    value: str
    """ISO value: YYYY-MM-DD, YYYY-MM or YYYY (a week is its Monday)."""
    granularity: Granularity
    """day, week, month or year."""
    by: Origin = "machine"
    """Who made this entry."""
    rejected: bool = False
    """An editor's "this is not a date"."""


@dataclass(frozen=True, slots=True)
class TopicMatch(_Record):
    """A topic of the editor's taxonomy that an article matches."""

    name: str
    """Topic name from `content/topics.yaml`."""
    score: float
    """Share of the topic's terms found, weighted by frequency (0-1)."""
    by: Origin = "machine"
    """Who made this entry."""


@dataclass(frozen=True, slots=True)
class Annotations(_Record):
    """Everything the annotator (and editors) say about one article."""

    article: str
    """The article's slug."""
    text_sha256: str
    """Hash of the annotated text; a different hash means the file is stale."""
    entities: tuple[Entity, ...] = ()
    """People, organizations and places, sorted by kind and name."""
    quotes: tuple[Quote, ...] = ()
    """Quotes in document order."""
    dates: tuple[DateRef, ...] = ()
    """Dates in document order."""
    topics: tuple[TopicMatch, ...] = ()
    """Matched topics, best first."""
    orphans: tuple[str, ...] = ()
    """Editor corrections whose anchor no longer occurs in the text (reported, never dropped)."""
    source_key: str = field(default="", compare=False, repr=False)
    """As `Article.source_key`: the annotation file's."""


@dataclass(frozen=True, slots=True)
class KnownEntity(_Record):
    """An entry of the editor's knowledge base, `content/entities.yaml`."""

    name: str
    """Canonical name."""
    kind: EntityKind | None
    """person, organization or place; None for a "not an entity" entry."""
    aliases: tuple[str, ...] = ()
    """Other spellings and short forms."""
    role: str | None = None
    """Role to show when the article gives none."""
    description: str | None = None
    """A one-line description for the entity's page."""
    not_entity: bool = False
    """True: never annotate this name."""


@dataclass(frozen=True, slots=True)
class Topic(_Record):
    """A topic of the editor's taxonomy, `content/topics.yaml`."""

    name: str
    """Display name."""
    slug: str
    """URL name."""
    description: str
    """One line for the topic page."""
    terms: tuple[str, ...]
    """Words and phrases whose presence means the article is about this topic."""


@dataclass(frozen=True, slots=True)
class KnowledgeBase(_Record):
    """The editor's entities and topics."""

    entities: tuple[KnownEntity, ...] = ()
    """Entries of `content/entities.yaml`."""
    topics: tuple[Topic, ...] = ()
    """Entries of `content/topics.yaml`."""


@dataclass(frozen=True, slots=True)
class Site(_Record):
    """Validated `sitegen.yaml`."""

    root: Path
    """The site's folder (where `sitegen.yaml` is)."""
    title: str = "The Annotated Digest"
    """Shown in every page header."""
    base_url: str = ""
    """Public URL, for the feed, the sitemap and 404.html; empty for offline use."""
    content_dir: Path = Path("content")
    """Articles, annotations, entities.yaml, topics.yaml."""
    output_dir: Path = Path("site")
    """Build output."""
    templates_dir: Path = Path("templates")
    """The site's own templates, in front of the defaults."""
    seeds_dir: Path = Path("seeds")
    """Raw articles that `make site` imports when content/ lacks them."""
    story_window_days: int = 3
    """Articles further apart than this are never grouped into one story automatically."""
    front_page_stories: int = 30
    """How many of the newest stories the front page shows; every story is on its month's page."""
    keep_warm_minutes: int = field(default=0, repr=False, compare=False)
    """How long the build server `sitegen build` leaves running waits for the next build (0: none is left).
    Not part of what a site is built from (its repr and equality): changing it rebuilds nothing."""

    @property
    def articles_dir(self) -> Path:
        """Folder of article Markdown files."""
        return self.root / self.content_dir / "articles"

    @property
    def annotations_dir(self) -> Path:
        """Folder of annotation YAML files."""
        return self.root / self.content_dir / "annotations"

    @property
    def cache_dir(self) -> Path:
        """Content-hash caches that make rebuilds fast; safe to delete at any time."""
        return self.root / ".sitegen-cache"

    @property
    def out(self) -> Path:
        """Absolute output folder."""
        return self.root / self.output_dir


@dataclass(frozen=True, slots=True)
class EntityPage(_Record):
    """One real-world entity across the digest (Zelensky and Zelenskyy are one)."""

    slug: str
    """URL name within its kind's folder."""
    name: str
    """Canonical name: the spelling most articles use."""
    kind: EntityKind
    """person, organization or place."""
    forms: tuple[str, ...]
    """Every surface form in every article."""
    roles: tuple[str, ...]
    """Roles the articles give, most frequent first."""
    articles: tuple[str, ...]
    """Slugs of articles that mention it, newest first."""
    description: str | None = None
    """From the editor's knowledge base."""


@dataclass(frozen=True, slots=True)
class QuoteRef(_Record):
    """A quote as one article reports it."""

    article: str
    """Article slug."""
    text: str
    """The quoted words."""
    speaker: str | None
    """Slug of the speaker's entity page, if the speaker is a known entity."""
    speaker_name: str | None
    """Speaker as the annotation names them."""
    kind: QuoteKind
    """full or partial."""
    said_on: str | None
    """ISO date it was said, if known."""
    published: dt.date
    """The article's publication date."""
    outlet: str | None
    """The article's outlet."""


@dataclass(frozen=True, slots=True)
class Utterance(_Record):
    """One thing someone said, with each outlet's wording of it."""

    speaker: str | None
    """Speaker's entity slug."""
    speaker_name: str | None
    """Speaker's name."""
    variants: tuple[QuoteRef, ...]
    """The same words as reported by each article (one or more)."""


@dataclass(frozen=True, slots=True)
class DatedEvent(_Record):
    """A day some article mentions, with the sentence that mentions it."""

    value: str
    """ISO date."""
    article: str
    """Article slug."""
    expression: str
    """The date expression ("on Thursday")."""
    sentence: str
    """The sentence around it."""


@dataclass(frozen=True, slots=True)
class Story(_Record):
    """The coverage of one development, by one or more articles."""

    slug: str
    """URL name."""
    title: str
    """Headline of its lead article."""
    summary: str
    """The lead article's first paragraph, shortened."""
    published: dt.date
    """Date of its newest article."""
    articles: tuple[str, ...]
    """Article slugs, oldest first."""
    people: tuple[str, ...]
    """Person slugs, most mentioned first."""
    utterances: tuple[Utterance, ...]
    """Quotes, the same words from several outlets shown once."""
    events: tuple[DatedEvent, ...]
    """Dated events its articles mention, by day."""
    editor_set: bool
    """True when an editor grouped it with `story:`."""

    # Filtering in the template (selectattr on "variants.1") was a third of drawing a story page.
    @property
    def shared_utterances(self) -> list[Utterance]:
        """The utterances several articles report."""
        return [u for u in self.utterances if len(u.variants) > 1]

    @property
    def single_utterances(self) -> list[Utterance]:
        """The utterances one article reports."""
        return [u for u in self.utterances if len(u.variants) == 1]


@dataclass(frozen=True, slots=True)
class TopicPage(_Record):
    """A topic with the stories and articles that match it."""

    topic: Topic
    """The editor's topic."""
    articles: tuple[str, ...]
    """Matching article slugs, newest first."""
    stories: tuple[str, ...]
    """Stories containing them."""


@dataclass(frozen=True, slots=True)
class Digest(_Record):
    """Everything the renderer and the search index need, cross-linked."""

    articles: tuple[Article, ...]
    """All articles, newest first."""
    annotations: tuple[Annotations, ...]
    """Their annotations, in the same order."""
    entities: tuple[EntityPage, ...]
    """All entities, by kind and name."""
    entity_links: Mapping[str, Mapping[tuple[str, str], str]]
    """Article slug -> (kind, name in that article) -> "kind/slug" of the entity page, both in sorted order
    (articles without entities left out)."""
    stories: tuple[Story, ...]
    """Newest first."""
    topics: tuple[TopicPage, ...]
    """In taxonomy order."""
    quotes: tuple[QuoteRef, ...]
    """Every quote, newest article first."""
    events: tuple[DatedEvent, ...]
    """Every dated event, by day."""
    co_mentions: Mapping[str, tuple[tuple[str, int], ...]]
    """Person slug -> (other person slug, articles naming both), both in sorted order."""
