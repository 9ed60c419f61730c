"""Results kept between builds (sitegen.memo): the same values back, dropped when the code that made
them changes or the file is damaged, and only what the last build used is kept."""

from __future__ import annotations

import pickle
from pathlib import Path

from sitegen.annotate.run import read_annotations
from sitegen.annotate.store import from_yaml
from sitegen.memo import Memo
from sitegen.model import Anchor, Annotations, Entity, Quote

ANNOTATIONS = Annotations(
    article="budget", text_sha256="ab12",
    entities=(Entity(name="Anna Lindqvist", kind="person", mentions=("Lindqvist",), role="mayor"),),
    quotes=(Quote(anchor=Anchor(exact="We will build", prefix="\"", suffix=" new"), speaker="Anna Lindqvist",
                  kind="full", cue="said", said_on="2024-03-05", by="editor"),),
)


def _saved_memo(path: Path) -> Path:
    """A memo file holding ANNOTATIONS under "budget" and a text under "other"."""
    memo = Memo(path, made_by=("model.py",))
    memo.put("budget", ANNOTATIONS)
    memo.put("other", "an entry a later build will not ask for")
    memo.save()
    return path


def test_values_come_back_equal_and_only_used_entries_are_kept(tmp_path: Path) -> None:
    path = _saved_memo(tmp_path / "memo.pickle")
    again = Memo(path, made_by=("model.py",))
    assert again.get("budget") == ANNOTATIONS and again.get("budget") is not ANNOTATIONS
    again.save()  # "other" was not used
    assert Memo(path, made_by=("model.py",)).get("other") is None
    assert Memo(path, made_by=("model.py",)).get("budget") == ANNOTATIONS


def test_a_session_gets_the_same_articles_when_the_memo_named_the_site_by_another_path(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    from sitegen.build import ARTICLE_CODE
    from sitegen.config import load_config
    from sitegen.content import load_articles

    from .conftest import make_site

    root = make_site(tmp_path, with_seeds=False)
    article = "---\ntitle: Budget\npublished: 2024-03-07\n---\n\nText.\n"
    (root / "content" / "articles" / "budget.md").write_text(article)
    monkeypatch.chdir(root)
    path = tmp_path / "articles.pickle"
    memo = Memo(path, made_by=ARTICLE_CODE)
    (relative,), _ = load_articles(load_config(Path(".")), memo)  # `sitegen build` in the site's folder
    memo.save()
    resident = Memo(path, made_by=ARTICLE_CODE, resident=True)  # then `sitegen --root /abs/site serve`
    site = load_config(root)
    (first,), _ = load_articles(site, resident)
    (second,), _ = load_articles(site, resident)
    assert relative.path == Path("content/articles/budget.md")
    assert first.path == second.path == root / "content" / "articles" / "budget.md"
    assert second is first  # quick to compare in everything linked and drawn from it


def test_a_resident_memo_gives_the_same_object_every_time_and_saves_what_was_used(tmp_path: Path) -> None:
    path = _saved_memo(tmp_path / "memo.pickle")
    resident = Memo(path, made_by=("model.py",), resident=True)
    first, _ = resident.get("budget"), resident.get("other")
    resident.save()  # written from the values (their bytes were let go), and kept
    assert resident.get("budget") is first == ANNOTATIONS
    resident.put("new", ("a", 1))
    resident.save()  # "other" was not used since the last save
    saved = Memo(path, made_by=("model.py",))
    assert saved.get("budget") == ANNOTATIONS and saved.get("new") == ("a", 1) and saved.get("other") is None
    assert resident.get("other") is None and resident.get("budget") is first


def test_values_made_by_other_code_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "memo.pickle"
    path.write_bytes(pickle.dumps(("code of another version", {"budget": ANNOTATIONS})))
    assert Memo(path, made_by=("model.py",)).get("budget") is None


def test_a_damaged_or_missing_file_is_an_empty_memo(tmp_path: Path) -> None:
    path = tmp_path / "memo.pickle"
    assert Memo(path).get("budget") is None
    path.write_bytes(b"\x80\x05not a pickle at all")
    assert Memo(path).get("budget") is None


def test_an_edited_annotation_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "budget.yaml"
    path.write_text("article: budget\ntext_sha256: ab12\npeople:\n- name: Anna Lindqvist\n  role: mayor\n"
                    "  mentions: [Lindqvist]\n")
    memo = Memo(tmp_path / "memo.pickle")
    first = read_annotations(path, memo)
    assert first == from_yaml(path.read_text(), path)
    memo.save()
    path.write_text(path.read_text().replace("role: mayor", "role: former mayor\n  by: editor"))
    second = read_annotations(path, Memo(tmp_path / "memo.pickle"))
    assert second is not None and second.entities[0].role == "former mayor" and second.entities[0].by == "editor"


def test_texts_recalled_from_the_memo_are_the_texts_of_the_articles(tmp_path: Path) -> None:
    import datetime as dt

    from sitegen.model import Article
    from sitegen.text import _plain_text, article_text, recall_texts

    body = "First *paragraph* with [a link](https://example.org).\n\n## A heading\n\nSecond paragraph."
    article = Article(slug="a", path=tmp_path / "a.md", title="Headline", published=dt.date(2024, 3, 7),
                      body=body, body_line=5, dateline="KYIV")
    memo = Memo(tmp_path / "texts.pickle")
    recall_texts([article], memo)
    memo.save()
    expected = _plain_text("Headline", "KYIV", body)
    assert "[a link]" not in expected and "a link" in expected
    edited = Article(slug="a", path=tmp_path / "a.md", title="Headline", published=dt.date(2024, 3, 7),
                     body=body.replace("Second", "Third"), body_line=5, dateline="KYIV")
    recall_texts([article, edited], Memo(tmp_path / "texts.pickle"))
    assert article_text(article) == expected
    assert article_text(edited) == expected.replace("Second", "Third")


def test_a_settled_file_is_known_by_its_status_and_any_write_makes_it_read_again(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    import hashlib
    import os
    import time

    from sitegen import memo as memo_module
    from sitegen.memo import file_hash

    article = tmp_path / "budget.md"
    article.write_text("The council met on Monday.")
    stamp = article.stat().st_mtime_ns
    assert file_hash(article, None) == (hashlib.sha256(article.read_bytes()).digest(), article.read_bytes())
    path = tmp_path / "memo.pickle"
    memo = Memo(path)
    assert file_hash(article, memo)[1] is not None  # just written: read, and its hash not kept
    memo.save()
    assert file_hash(article, Memo(path))[1] is not None
    monkeypatch.setattr(memo_module, "SETTLED_NS", -10**18)  # as if written long ago
    memo = Memo(path)
    digest, _ = file_hash(article, memo)
    memo.save()
    memo = Memo(path)
    assert file_hash(article, memo) == (digest, None)  # known by its status: not read
    # The same number of bytes, and the modification time set back as it was: the change time moved
    # (once the file system's clock has ticked; a write within the tick is what SETTLED_NS is for).
    time.sleep(0.05)
    article.write_text("The council met on Friday.")
    os.utime(article, ns=(stamp, stamp))
    assert file_hash(article, memo) == (hashlib.sha256(b"The council met on Friday.").digest(),
                                        b"The council met on Friday.")


def test_a_memo_of_many_chunks_comes_back_whole_and_a_file_cut_short_anywhere_is_empty(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    from sitegen import memo as memo_module

    monkeypatch.setattr(memo_module, "CHUNK_ENTRIES", 3)  # the file is written a chunk at a time
    path = tmp_path / "memo.pickle"
    values = {n: f"value {n}, “quoted”" for n in range(10)}
    for resident in (False, True):
        memo = Memo(path, resident=resident)
        for key, value in values.items():
            memo.put(key, value)
        memo.save()
        again = Memo(path)
        assert {key: again.get(key) for key in values} == values
    data = path.read_bytes()
    for end in range(len(data)):  # a crash while writing leaves no partial memo to be trusted
        path.write_bytes(data[:end])
        assert [Memo(path).get(key) for key in values] == [None] * len(values), end


def test_values_put_in_a_memo_keep_their_size_and_come_back_equal(tmp_path: Path) -> None:
    """Pickling a str that is not all ASCII attaches a UTF-8 copy to it for its life (CPython): the
    strings a build put in a memo, and went on using, were that much larger."""
    import datetime as dt
    import sys

    from sitegen.model import Article

    article = Article(slug="a", path=tmp_path / "a.md", title="Kyiv’s “plan”", published=dt.date(2024, 3, 7),
                      body="The mayor said: “We will build.” " * 50, body_line=5)
    text = "Kyiv’s “plan”. The mayor said: “We will build.” " * 50
    sizes = [sys.getsizeof(article.body), sys.getsizeof(article.title), sys.getsizeof(text)]
    memo = Memo(tmp_path / "memo.pickle")
    memo.put("article", article)
    memo.put("text", text)
    memo.save()
    assert [sys.getsizeof(article.body), sys.getsizeof(article.title), sys.getsizeof(text)] == sizes
    again = Memo(tmp_path / "memo.pickle")
    assert again.get("article") == article and again.get("text") == text
