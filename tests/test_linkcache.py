"""The linked digest kept between builds: used only for the inputs it was linked from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

import pytest
import yaml

from sitegen.build import build
from sitegen.config import load_config
from sitegen.linkcache import linked
from sitegen.model import Annotations, Article, Digest, Entity, KnowledgeBase, KnownEntity
from sitegen.pagecache import ObjectTokens, digest_records, load_record, object_token
from sitegen.resolve import link

from .conftest import make_site, tree


def _wait_for(path: Path, seconds: float = 60) -> None:
    """The digest is written by a process of its own, which the build does not wait for."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} was never written"
        time.sleep(0.05)


def _inputs() -> tuple[list[Article], list[Annotations]]:
    articles, annotations = [], []
    for n, names in enumerate([("Ines Moreau", "Tom Reed"), ("Ines Moreau",), ("Tom Reed", "Ana Silva")]):
        slug = f"a{n}"
        articles.append(Article(slug=slug, path=Path(f"{slug}.md"), title=f"Harbour {n}",
                                published=dt.date(2025, 3, n + 1), body=" and ".join(names) + " met.", body_line=1,
                                source_key=f"article {n}"))
        people = tuple(Entity(name=name, kind="person", mentions=(name,)) for name in names)
        annotations.append(Annotations(article=slug, text_sha256="x", source_key=f"annotations {n}", entities=people))
    return articles, annotations


class _Linker:
    """`link`, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, articles: list[Article], annotations: list[Annotations], kb: KnowledgeBase,
                 story_window_days: int) -> Digest:
        self.calls += 1
        return link(articles, annotations, kb, story_window_days)


def _linked(path: Path, articles: list[Article], annotations: list[Annotations],
            kb: KnowledgeBase) -> tuple[Digest, int]:
    digest, calls, _ = _linked_with_tokens(path, articles, annotations, kb)
    return digest, calls


def _linked_with_tokens(path: Path, articles: list[Article], annotations: list[Annotations],
                        kb: KnowledgeBase) -> tuple[Digest, int, ObjectTokens]:
    linker = _Linker()
    digest, tokens = linked(path, articles, annotations, kb, 3, linker)
    return digest, linker.calls, tokens


def test_the_same_inputs_take_the_kept_digest_made_of_the_objects_this_build_loaded(tmp_path: Path) -> None:
    kept, kb = tmp_path / "digest.pickle", KnowledgeBase()
    articles, annotations = _inputs()
    first, calls = _linked(kept, articles, annotations, kb)
    assert calls == 1
    _wait_for(kept)
    # Loaded again (another build): equal objects, not the same ones.
    articles_again = [dataclasses.replace(a) for a in articles]
    annotations_again = [dataclasses.replace(a) for a in annotations]
    again, calls = _linked(kept, articles_again, annotations_again, kb)
    assert calls == 0 and again == first
    assert all(a is b for a, b in zip(again.articles, sorted(articles_again, key=lambda a: a.published, reverse=True),
                                      strict=True))
    assert {id(a) for a in again.annotations} == {id(a) for a in annotations_again}


def test_a_kept_digest_comes_with_the_fingerprint_tokens_of_its_own_records(tmp_path: Path, monkeypatch) -> None:
    kept, kb = tmp_path / "digest.pickle", KnowledgeBase()
    articles, annotations = _inputs()
    _, _, tokens = _linked_with_tokens(kept, articles, annotations, kb)
    assert tokens == {}  # linked here: hashed as pages need them
    _wait_for(kept)
    digest, calls, tokens = _linked_with_tokens(kept, articles, annotations, kb)
    records = digest_records(digest)
    assert calls == 0 and len(records) > 3
    assert tokens == {id(record): (record, object_token(record)) for record in records}
    assert all(tokens[id(record)][0] is record for record in records)
    # Tokens made by other code than this build's (pagecache.py changed) are not taken; the digest is.
    monkeypatch.setattr("sitegen.linkcache.token_scheme", lambda: "another scheme")
    again, calls, tokens = _linked_with_tokens(kept, articles, annotations, kb)
    assert calls == 0 and again == digest and tokens == {}


@pytest.mark.parametrize("change", ["article", "annotations", "knowledge base", "one article fewer"])
def test_other_inputs_are_linked_again(tmp_path: Path, change: str) -> None:
    kept, kb = tmp_path / "digest.pickle", KnowledgeBase()
    articles, annotations = _inputs()
    _linked(kept, articles, annotations, kb)
    _wait_for(kept)
    if change == "article":
        articles[0] = dataclasses.replace(articles[0], title="Harbour closes", source_key="article 0, edited")
    elif change == "annotations":
        annotations[1] = dataclasses.replace(annotations[1], entities=(), source_key="annotations 1, corrected")
    elif change == "knowledge base":
        kb = KnowledgeBase(entities=(KnownEntity(name="Ines Moreau", kind="person", aliases=("Tom Reed",)),))
    else:
        del articles[2], annotations[2]
    digest, calls = _linked(kept, articles, annotations, kb)
    assert calls == 1 and digest == link(articles, annotations, kb)


def test_a_damaged_file_is_linked_again_and_inputs_not_read_from_files_are_never_kept(tmp_path: Path) -> None:
    kept, kb = tmp_path / "digest.pickle", KnowledgeBase()
    articles, annotations = _inputs()
    _linked(kept, articles, annotations, kb)
    _wait_for(kept)
    data = kept.read_bytes()
    kept.write_bytes(data[: len(data) // 2])
    digest, calls = _linked(kept, articles, annotations, kb)
    assert calls == 1 and digest == link(articles, annotations, kb)
    deadline = time.monotonic() + 60
    while kept.stat().st_size == len(data) // 2:  # written again (whole: files are renamed into place)
        assert time.monotonic() < deadline, "the damaged file was never replaced"
        time.sleep(0.05)
    kept.unlink()
    made_here = [dataclasses.replace(a, source_key="") for a in annotations]
    _linked(kept, articles, made_here, kb)
    time.sleep(1)
    assert not kept.exists()


def test_a_build_with_unchanged_content_is_not_linked_again_and_draws_the_same_site(tmp_path: Path, nlp,
                                                                                     monkeypatch) -> None:
    root = make_site(tmp_path)
    build(load_config(root))
    _wait_for(root / ".sitegen-cache" / "digest.pickle")
    first = tree(root / "site")

    def no_linking(*args: object, **kwargs: object) -> Digest:
        raise AssertionError("linked again")

    with monkeypatch.context() as patched:
        patched.setattr("sitegen.build.link", no_linking)
        build(load_config(root), force=True)
    assert tree(root / "site") == first
    # An editor's correction: linked again, and the page shows it.
    article = sorted((root / "content" / "articles").glob("*.md"))[1]
    annotation = root / "content" / "annotations" / f"{article.stem}.yaml"
    data = yaml.safe_load(annotation.read_text())
    data["quotes"][0].update(speaker="Keir Starmer", by="editor")
    annotation.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    calls = []
    monkeypatch.setattr("sitegen.build.link", lambda *args, **kwargs: calls.append(1) or link(*args, **kwargs))
    build(load_config(root))
    assert calls == [1]
    assert "Keir Starmer" in (root / "site" / "articles" / f"{article.stem}.html").read_text()


def test_pages_fingerprinted_with_kept_tokens_are_recorded_as_without_them(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path)
    kept, record = root / ".sitegen-cache" / "digest.pickle", root / ".sitegen-cache" / "pages.pickle"
    build(load_config(root))
    _wait_for(kept)
    build(load_config(root), force=True)  # drawn with the tokens kept beside the digest
    with_tokens, site = load_record(record), tree(root / "site")
    kept.unlink()
    build(load_config(root), force=True)  # linked again: every token hashed by the render
    assert load_record(record) == with_tokens and tree(root / "site") == site
