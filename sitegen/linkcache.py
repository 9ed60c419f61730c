"""The linked digest of the last build, kept in the cache folder under the hash of what linking read.

Linking 10,000 articles takes 2.6 s of one core, and a build whose articles and annotation files are
the bytes of last time (a template edited, `--force`, a fresh checkout with the cache folder
restored, as the Pages workflow builds) would make the very same digest. The file holds what linking
made, not the articles and annotations it was made from: those are written as references (pickle's
persistent ids) and taken from the objects this build loaded, so loading it is 0.4 s and every object
is the one the rest of the build sees. Beside the digest, the file holds the fingerprint tokens of its
records (sitegen.pagecache), which every render worker would otherwise hash again from their repr.

It is a pickle in sitegen's own cache folder, written only by sitegen (see sitegen.memo for why that
is safe), and its key covers sitegen's code but for the stages after linking: a digest made by other
code is never used, and a change to how pages are drawn or indexed keeps it.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import pickle
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from sitegen.memo import CODE, code_version, collector_paused
from sitegen.model import Annotations, Article, Digest, KnowledgeBase
from sitegen.pagecache import ObjectTokens, digest_records, object_token, token_scheme
from sitegen.storage import atomic_write_bytes

Link = Callable[[list[Article], list[Annotations], KnowledgeBase, int], Digest]
"""`resolve.link`, or what stands in for it."""
AFTER_LINKING = frozenset({"render.py", "escaping.py", "pagecache.py", "marking.py", "charts.py", "jsontext.py",
                           "search.py", "search_index.py", "serve.py"})
"""Modules that only use the digest. Every other one may change what is linked, a new one included: what
turns files into articles and annotations (their keys are the files' bytes, not what is read from them)."""


def _linking_code() -> str:
    modules = (path.relative_to(CODE).as_posix() for path in CODE.rglob("*.py"))
    return code_version(tuple(sorted(module for module in modules if module not in AFTER_LINKING)))


def digest_key(articles: list[Article], annotations: list[Annotations], kb: KnowledgeBase,
               story_window_days: int) -> str | None:
    """What linking reads, as a hash: the code, each article and annotation file by its content key,
    the knowledge base and the story window. None when an input has no content key (made in memory,
    not read from a file): nothing vouches for it then."""
    if any(not a.source_key for a in articles) or any(not a.source_key for a in annotations):
        return None
    digest = hashlib.sha256(f"{_linking_code()}\n{story_window_days}\n{kb!r}\n".encode("utf-8", "surrogatepass"))
    for article in articles:
        digest.update(f"a\0{article.slug}\0{article.source_key}\n".encode("utf-8", "surrogatepass"))
    for annotation in annotations:
        digest.update(f"n\0{annotation.article}\0{annotation.source_key}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def linked(path: Path, articles: list[Article], annotations: list[Annotations], kb: KnowledgeBase,
           story_window_days: int, link: Link) -> tuple[Digest, ObjectTokens]:
    """The digest kept at `path` when it was linked from these inputs, with its records' fingerprint
    tokens; otherwise what `link` makes of them (and no tokens), kept there for the next build (written
    by a process of its own, so this build does not wait for it)."""
    key = digest_key(articles, annotations, kb, story_window_days)
    if key is None:
        return link(articles, annotations, kb, story_window_days), {}
    kept = _load(path, key, articles, annotations)
    if kept is not None:
        return kept
    digest = link(articles, annotations, kb, story_window_days)
    _save_in_background(path, key, digest)
    return digest, {}


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> tuple[str, str] | None:
        kind = type(obj)
        if kind is Article:
            return ("article", obj.slug)
        if kind is Annotations:
            return ("annotations", obj.article)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle: IO[bytes], articles: list[Article], annotations: list[Annotations]) -> None:
        super().__init__(handle)
        self.objects: dict[tuple[str, str], Any] = {("article", a.slug): a for a in articles}
        self.objects.update({("annotations", a.article): a for a in annotations})

    def persistent_load(self, pid: Any) -> Any:
        return self.objects[tuple(pid)]  # a KeyError (not these inputs after all) is a miss


def _dumps(key: str, digest: Digest) -> bytes:
    """The file's bytes: the key on the first line, then the digest, then its records with their tokens
    and the scheme that made them (one pickler: the records are references into the digest)."""
    buffer = BytesIO()
    buffer.write(key.encode("ascii") + b"\n")
    pickler = _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dump(digest)
    records = digest_records(digest)
    pickler.dump((token_scheme(), records, [object_token(record) for record in records]))
    return buffer.getvalue()


def _load(path: Path, key: str, articles: list[Article],
          annotations: list[Annotations]) -> tuple[Digest, ObjectTokens] | None:
    try:
        with path.open("rb") as handle:
            if handle.readline().rstrip(b"\n") != key.encode("ascii"):
                return None
            with collector_paused():
                unpickler = _Unpickler(handle, articles, annotations)
                digest = unpickler.load()
                scheme, records, tokens = unpickler.load()
    except Exception:  # missing, damaged, from another Python: linked again
        return None
    if not isinstance(digest, Digest):
        return None
    # Tokens hashed by other code than this build's are hashed again (pagecache.py is not in the key).
    known = {id(r): (r, t) for r, t in zip(records, tokens, strict=True)} if scheme == token_scheme() else {}
    return digest, known


def _save_in_background(path: Path, key: str, digest: Digest) -> None:
    """Write the digest from a forked process at low priority (pickling it and hashing its records take
    2 s at 10,000 articles, beside the pages being drawn), which this process does not wait for: a
    grandchild, so nothing is left to reap. Where processes cannot be forked, nothing is kept."""
    if "fork" not in mp.get_all_start_methods():
        return
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    try:  # the child: fork again and leave, so the grandchild belongs to init, not to this build
        if os.fork() == 0:
            # Nothing of this build's is held open: a caller reading its output until the end (a
            # pipe) would otherwise wait for this process too.
            quiet = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(quiet, fd)
            # (Bounded: where close_range is missing, Python closes one descriptor at a time, and some
            # systems allow a billion.)
            os.closerange(3, min(os.sysconf("SC_OPEN_MAX"), 65536))
            os.nice(10)
            with collector_paused():
                atomic_write_bytes(path, _dumps(key, digest), durable=False)  # a file cut short is a miss
    finally:
        os._exit(0)
