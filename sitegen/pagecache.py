"""Page-level incremental rendering: a page is drawn again only when something it read has changed.

While a page renders, every lookup it makes in the digest (an article, a story, an entity, the page
of a mention) is recorded. Its fingerprint hashes the code and templates, the site settings, the
page's own context and the current values of those lookups. The next build recomputes the
fingerprint over the lookups recorded last time: the same fingerprint means the same inputs, so the
page would come out byte for byte as it is, and the file of the previous site is linked into the new
one instead of being drawn. A template that reads `digest` itself depends on all of it.

The record lives in the cache folder (safe to delete: every page is then drawn again).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import pickle
import sys
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sitegen.memo import code_version, collector_paused
from sitegen.model import Digest, Site
from sitegen.storage import atomic_write_bytes, atomic_write_text

Dependency = str
"""What a page looked up: "<map>\\x1f<key>" (a tuple key joined by \\x1f), or "<map>\\x1f*" for all of it."""
ALL = "*"
SEPARATOR = "\x1f"
_PLAIN = frozenset({str, int, float, bool, type(None), dt.date})
"""Types whose repr is the whole of their value."""


class Recorded(Mapping[Any, Any]):
    """A read-only view of one lookup table that notes every key read through it."""

    def __init__(self, name: str, data: Mapping[Any, Any], log: set[Dependency]) -> None:
        self._name, self._data, self._log = name, data, log

    def _note(self, key: Any) -> None:
        self._log.add(self._name + SEPARATOR + (SEPARATOR.join(key) if isinstance(key, tuple) else str(key)))

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return self._data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return key in self._data

    def __iter__(self) -> Iterator[Any]:
        self._log.add(self._name + SEPARATOR + ALL)
        return iter(self._data)

    def __len__(self) -> int:
        self._log.add(self._name + SEPARATOR + ALL)
        return len(self._data)


class Watched:
    """The digest as templates see it: any use of it makes the page depend on all of it."""

    def __init__(self, digest: Digest, log: set[Dependency]) -> None:
        self._digest, self._log = digest, log

    def __getattr__(self, name: str) -> Any:
        self._log.add("digest" + SEPARATOR + ALL)
        return getattr(self._digest, name)


ObjectTokens = dict[int, tuple[object, str]]
"""Fingerprint tokens of objects by identity: id -> (the object, kept alive while its id is a key; its token)."""


def object_token(value: Any) -> str:
    """The token of a dataclass object: the hash of its repr, or of the key of the file it was read from."""
    source = getattr(value, "source_key", "")
    return _sha(type(value).__name__ + source) if source else _sha(repr(value))


def digest_records(digest: Digest) -> list[object]:
    """The objects of a digest that pages hold in their contexts and lookups and whose tokens are hashed
    from their repr: its entities, stories, topics, quotes and dated events (168,000 at 10,000 articles,
    0.8 s of hashing; articles and annotations are hashed from their files' keys)."""
    return [*digest.entities, *digest.stories, *digest.topics, *digest.quotes, *digest.events]


def token_scheme() -> str:
    """What tokens made elsewhere (`known` of Fingerprints) were made by: this module's code."""
    return code_version(("pagecache.py",))


class Fingerprints:
    """Fingerprints of pages in one build.

    The same objects (an article, a story, an entity) appear in many pages' contexts and lookups, so
    each is hashed once, by identity, and pages combine those hashes: drawing the repr of every
    context again for each page cost more than rendering the few pages that changed. `known` tokens
    (made by `object_token` under this `token_scheme`) are taken as they are, and added to.
    """

    def __init__(self, base: str, tables: Mapping[str, Mapping[Any, Any]], digest: Digest,
                 known: ObjectTokens | None = None) -> None:
        self.base = base
        self.tables = tables
        self.digest = digest
        self._texts: dict[Dependency, str] = {}
        """Each lookup as a page's fingerprint has it: "<lookup>=<token of its value>"."""
        self._objects: ObjectTokens = known if known is not None else {}

    def of(self, path: str, template: str, context: Mapping[str, Any], dependencies: list[Dependency]) -> str:
        texts = self._texts
        try:  # a page's 30-odd lookups, taken through `map` (in C) once this process has met them all
            looked_up = list(map(texts.__getitem__, dependencies))
        except KeyError:
            for dependency in dependencies:
                if dependency not in texts:
                    texts[dependency] = f"{dependency}={self._lookup(dependency)}"
            looked_up = list(map(texts.__getitem__, dependencies))
        own = [f"{name}:{self.token(value)}" for name, value in sorted(context.items())]
        return _sha("\n".join([self.base, path, template, *own, *looked_up]))

    def token(self, value: Any) -> str:
        """A stable text for a context value: dataclass objects hashed by identity, once; containers by
        their items. Plain values are tested first, by their exact type: most tokens are of strings and
        numbers in a page's lists, and the general tests took a third of fingerprinting every page."""
        kind = type(value)
        if kind in _PLAIN:
            return repr(value)
        if hasattr(kind, "__dataclass_fields__"):
            known = self._objects.get(id(value))
            if known is None:
                known = self._objects[id(value)] = (value, object_token(value))
            return known[1]
        if isinstance(value, (list, tuple)):
            return ("[" if isinstance(value, list) else "(") + ",".join(map(self.token, value)) + ")"
        return repr(value)

    def _lookup(self, dependency: Dependency) -> str:
        name, _, key = dependency.partition(SEPARATOR)
        if name == "digest":
            return self.token(self.digest)
        table = self.tables.get(name, {})
        if key == ALL:
            return _sha(self.token(sorted(table.items(), key=lambda item: repr(item[0]))))
        return self.token(table.get(tuple(key.split(SEPARATOR)) if SEPARATOR in key else key, "<missing>"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def base_fingerprint(site: Site, template_folders: list[Path]) -> str:
    """What every page depends on: sitegen's code, every template, the libraries that draw pages, and
    the site settings."""
    # Not where the site's folder is: no page shows it, and a checkout elsewhere with the cache folder
    # carried over (another editor's clone, a CI runner restoring it) draws the same bytes.
    digest = hashlib.sha256(repr(dataclasses.replace(site, root=Path("."))).encode())
    libraries = [version(name) for name in ("jinja2", "markupsafe", "markdown-it-py")]
    digest.update(f"{sys.version}|{libraries}".encode())
    code = Path(__file__).parent
    for folder in (code, *template_folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".xml", ".txt", ".j2"):
                digest.update(f"\n{path.relative_to(folder)}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


Record = dict[str, tuple[str, list[Dependency], str]]
"""Page path -> (fingerprint, what it looked up, key of its cached article body or "")."""


def load_record(path: Path) -> Record:
    """The previous build's record; an unreadable one is an empty one (every page is drawn).

    A pickle in sitegen's own cache folder (see sitegen.memo for why that is safe): at 10,000 articles
    it loads in a tenth of the time the same record took as JSON (0.06 s against 0.7 s)."""
    try:
        with path.open("rb") as handle, collector_paused():
            record = pickle.load(handle)
    except Exception:  # missing, damaged or from another Python
        return {}
    return record if isinstance(record, dict) else {}


def pack_record(record: Record) -> bytes:
    """The record as `save_record` writes it."""
    # Pages share most of what they look up (an article is read by its story, its people, ...): one
    # string per lookup, pickled once, not one per page that made it.
    shared = {page: (fingerprint, [sys.intern(d) for d in dependencies], body)
              for page, (fingerprint, dependencies, body) in sorted(record.items())}
    return pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)


def save_record(path: Path, packed: bytes) -> None:
    """Write a record packed by `pack_record`."""
    # Not synced. The build removed the old record before swapping the site, so after a crash the file
    # is this record, or missing, or cut short (which loads as no record: every page drawn again), never
    # the old one. Synced, the write waited for the file system's journal to commit the build's 27,500
    # new links (at 10,000 articles, the write stage of an edit: 0.3-1.1 s, 0.23 s without the sync).
    atomic_write_bytes(path, packed, durable=False)


class Bodies:
    """Article bodies as drawn (entities linked, quotes and dates marked), kept under the hash of
    what they are drawn from: the text, its annotations, where each entity links, the page's place
    and the code. Drawing bodies is most of the cost of an article page, and most bodies are the
    same from one build to the next, even when the page around them is not."""

    def __init__(self, folder: Path, fingerprints: Fingerprints) -> None:
        self.folder = folder
        self.fingerprints = fingerprints

    def key(self, *inputs: Any) -> str:
        return _sha("\n".join([self.fingerprints.base, *(self.fingerprints.token(i) for i in inputs)]))[:40]

    def get(self, key: str) -> tuple[str, str] | None:
        try:
            body, headline = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return None  # missing or damaged: drawn again
        return str(body), str(headline)

    def put(self, key: str, body: str, headline: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Not synced: a body cut short by a crash fails to parse and is drawn again (10,000 syncs took 10 s).
        atomic_write_text(self.folder / f"{key}.json", json.dumps([body, headline], ensure_ascii=False), durable=False)

    def prune(self, keep: set[str]) -> None:
        """Drop bodies no page of the site uses any more."""
        if self.folder.is_dir():
            for path in self.folder.glob("*.json"):
                if path.stem not in keep:
                    path.unlink(missing_ok=True)
