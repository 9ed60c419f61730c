"""Incremental builds: nothing changed means nothing done; after each kind of change the result is
byte-identical to a full build from scratch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from sitegen import render
from sitegen.build import Session, build, find_lunr, input_fingerprint
from sitegen.config import load_config
from sitegen.search import KeptIndexer

from .conftest import make_site, tree


def full_build(root: Path, scratch: Path) -> dict[str, bytes]:
    """A from-scratch build of the same content in another folder (no site, no caches)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(root, scratch, symlinks=True, ignore=shutil.ignore_patterns("site", ".sitegen-cache"))
    build(load_config(scratch), force=True)
    return tree(scratch / "site")


def test_incremental_equals_full_after_each_change(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    site = load_config(root)
    first = build(site)
    assert not first.up_to_date and first.annotated and len(first.annotated.written) == 5
    again = build(site)
    assert again.up_to_date
    articles = sorted((root / "content" / "articles").glob("*.md"))

    def check(label: str) -> None:
        report = build(load_config(root))
        assert not report.up_to_date, label
        assert tree(root / "site") == full_build(root, tmp_path / "scratch"), label

    # 1. One article's text edited: only it is re-annotated.
    articles[0].write_text(articles[0].read_text().replace("Putin", "Vladimir Putin", 1))
    report = build(load_config(root))
    assert report.annotated and report.annotated.written == [articles[0].stem]
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")
    # 2. One annotation corrected by an editor.
    annotation = root / "content" / "annotations" / f"{articles[1].stem}.yaml"
    data = yaml.safe_load(annotation.read_text())
    data["quotes"][0].update(speaker="Keir Starmer", by="editor")
    annotation.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    check("annotation corrected")
    assert "Keir Starmer" in (root / "site" / "articles" / f"{articles[1].stem}.html").read_text()
    assert build(load_config(root)).up_to_date  # recorded from the fingerprint taken before reading
    # 3. A new article added.
    (root / "content" / "articles" / "new-one.md").write_text(
        "---\ntitle: Harbour reopens\npublished: 2025-03-01\n---\n\nPort director Ines Moreau said on Friday: "
        "\"We are open again.\"\n")
    check("article added")
    assert (root / "site" / "articles" / "new-one.html").exists()


def _inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*.html")}


def test_only_pages_whose_inputs_changed_are_drawn_again(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    articles = sorted((root / "content" / "articles").glob("*.md"))
    (root / "content" / "articles" / "harbour.md").write_text(  # a story of its own, years before the seeds
        "---\ntitle: Harbour reopens\npublished: 2020-03-01\n---\n\nPort director Ines Moreau said on Friday: "
        "\"We are open again.\"\n")
    build(load_config(root))
    before = _inodes(root / "site")
    # An editor corrects one quote's speaker: that article's page changes, and so do the pages that
    # show the quote or read its story; pages that read nothing of it are linked from the last build.
    annotation = root / "content" / "annotations" / f"{articles[1].stem}.yaml"
    data = yaml.safe_load(annotation.read_text())
    data["quotes"][0].update(speaker="Keir Starmer", by="editor")
    annotation.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    build(load_config(root))
    after = _inodes(root / "site")
    drawn = {page for page, inode in after.items() if before.get(page) != inode}
    assert f"articles/{articles[1].stem}.html" in drawn
    assert {"articles/harbour.html", "people/ines-moreau.html"} <= set(after)
    assert not drawn & {"articles/harbour.html", "people/ines-moreau.html", "search.html", "404.html"}, drawn
    assert len(drawn) < len(after) / 2, sorted(drawn)
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


@pytest.mark.parametrize("in_session", [False, True])
def test_feeds_are_written_again_only_when_their_text_changes(tmp_path: Path, nlp, in_session: bool) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    (root / "content" / "articles" / "harbour.md").write_text(
        "---\ntitle: Harbour reopens\npublished: 2020-03-01\n---\n\nPort director Ines Moreau said on Friday: "
        "\"We are open again.\"\n")
    site = load_config(root)
    session = Session.start(site) if in_session else None  # as `sitegen serve` builds
    build(site, session=session)
    feeds = root / "site" / "feeds" / "people"
    before = {p.name: p.stat().st_ino for p in feeds.glob("*.xml")}
    # The headline is in Ines Moreau's feed, and in no other person's.
    harbour = root / "content" / "articles" / "harbour.md"
    harbour.write_text(harbour.read_text().replace("Harbour reopens", "Harbour opens again"))
    build(site, session=session)
    after = {p.name: p.stat().st_ino for p in feeds.glob("*.xml")}
    assert "Harbour opens again" in (feeds / "ines-moreau.xml").read_text()
    assert {name for name in after if after[name] != before.get(name)} == {"ines-moreau.xml"}
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")
    if in_session:  # a feed the old site lost is made again, not taken for linked
        (feeds / "ines-moreau.xml").unlink()
        (feeds / sorted(name for name in before if name != "ines-moreau.xml")[0]).unlink()
        harbour.write_text(harbour.read_text().replace("open again", "open at last"))
        assert not build(site, session=session).errors
        assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_a_page_showing_only_a_persons_name_is_not_drawn_again_when_their_other_articles_change(
        tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root", with_seeds=False)
    harbour = "---\ntitle: {title}\npublished: {date}\n---\n\nPort director Ines Moreau said on Friday: \"{said}\"\n"
    articles = root / "content" / "articles"
    (articles / "harbour.md").write_text(harbour.format(title="Harbour reopens", date="2020-03-01",
                                                        said="We are open again."))
    build(load_config(root))
    story = root / "site" / "stories" / "harbour-reopens.html"
    assert "Ines Moreau" in story.read_text()
    before = _inodes(root / "site")
    # Years later, another story quotes her: her page lists one more article, her name is the same.
    (articles / "quay.md").write_text(harbour.format(title="New quay opens", date="2023-06-01",
                                                     said="The quay is finished."))
    build(load_config(root))
    after = _inodes(root / "site")
    assert after["people/ines-moreau.html"] != before["people/ines-moreau.html"]
    assert after["stories/harbour-reopens.html"] == before["stories/harbour-reopens.html"]
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_a_template_that_reads_the_whole_digest_is_drawn_again_when_anything_changes(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text(
        '{% extends "default:404.html" %}{% block main %}{{ digest.articles|length }} articles{% endblock %}')
    build(load_config(root))
    assert "5 articles" in (root / "site" / "404.html").read_text()
    (root / "content" / "articles" / "new-one.md").write_text(
        "---\ntitle: Harbour reopens\npublished: 2025-03-01\n---\n\nPort director Ines Moreau said on Friday: "
        "\"We are open again.\"\n")
    build(load_config(root))
    assert "6 articles" in (root / "site" / "404.html").read_text()
    # A changed template draws every page that uses it.
    (root / "templates" / "404.html").write_text("{% extends \"default:404.html\" %}")
    build(load_config(root))
    assert "articles" not in (root / "site" / "404.html").read_text().split("<main", 1)[1].split("</main>")[0]


def test_article_bodies_are_cached_by_content_and_pruned(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    bodies = root / ".sitegen-cache" / "bodies"
    build(load_config(root))
    first = {p.name for p in bodies.glob("*.json")}
    assert len(first) == 5  # one per article
    articles = sorted((root / "content" / "articles").glob("*.md"))
    articles[0].write_text(articles[0].read_text().replace("\n\n", "\n\nA new first paragraph.\n\n", 1))
    build(load_config(root))
    second = {p.name for p in bodies.glob("*.json")}
    assert len(second) == 5 and len(first - second) == 1  # the edited body is new; the old one is gone
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_the_site_named_by_another_path_keeps_its_caches(tmp_path: Path, nlp, monkeypatch) -> None:
    # `sitegen --root /abs/site build` by a script, `sitegen build` in the folder by an editor: one site.
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root").resolve()
    build(load_config(root))
    before = _inodes(root / "site")
    articles = sorted((root / "content" / "articles").glob("*.md"))
    articles[0].write_text(articles[0].read_text().replace("Putin", "Vladimir Putin", 1))
    monkeypatch.chdir(root)
    build(load_config(Path(".")))
    after = _inodes(root / "site")
    drawn = {page for page, inode in after.items() if before.get(page) != inode}
    linked = set(after) - drawn
    assert {"search.html", "404.html"} <= linked, sorted(drawn)
    assert any(page.startswith("articles/") for page in linked), sorted(drawn)  # an article it did not touch
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_a_checkout_elsewhere_with_the_cache_folder_reuses_bodies_and_indexes(tmp_path: Path, nlp,
                                                                              monkeypatch) -> None:
    # Another editor's clone, or a CI runner restoring the cache folder (the Pages workflow): every file
    # is new (other inodes and times), the folder is another, and there is no previous site to link from.
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    build(load_config(root))
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, symlinks=True, ignore=shutil.ignore_patterns("site", ".sitegen-cache"))
    shutil.copytree(root / ".sitegen-cache", clone / ".sitegen-cache", ignore=shutil.ignore_patterns("replaced"))
    kept = {p.relative_to(clone).as_posix(): p.stat().st_ino for p in (clone / ".sitegen-cache").rglob("*.js*")}
    assert any("/bodies/" in p for p in kept) and any("/search/" in p for p in kept)
    drawn: list[str] = []
    real_article_html = render.article_html
    monkeypatch.setattr(render, "article_html", lambda article, *rest: (drawn.append(article.slug),
                                                                        real_article_html(article, *rest))[1])
    report = build(load_config(clone))
    assert report.annotated and not report.annotated.written
    assert drawn == []  # every body from the cache
    now = {p.relative_to(clone).as_posix(): p.stat().st_ino for p in (clone / ".sitegen-cache").rglob("*.js*")}
    assert now == kept  # no body drawn and no search index built again
    assert tree(clone / "site") == tree(root / "site")


def test_a_damaged_page_record_means_every_page_is_drawn(tmp_path: Path, nlp, monkeypatch) -> None:
    from sitegen import render

    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    build(load_config(root))
    record = root / ".sitegen-cache" / "pages.pickle"
    record.write_bytes(record.read_bytes()[:100])  # cut short, as by a crash
    articles = sorted((root / "content" / "articles").glob("*.md"))
    articles[0].write_text(articles[0].read_text().replace("Putin", "Vladimir Putin", 1))
    drawn: list[str] = []  # (the seeds' pages are drawn in this process: too few for workers)
    render_page = render.render_page
    monkeypatch.setattr(render, "render_page", lambda env, page, *args: drawn.append(page.path) or
                        render_page(env, page, *args))
    build(load_config(root))
    assert sorted(drawn) == sorted(_inodes(root / "site"))  # every page, none linked for its fingerprint
    monkeypatch.undo()
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_a_page_drawn_as_the_site_on_disk_has_it_is_not_written_again(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    build(load_config(root))
    before = _inodes(root / "site")
    build(load_config(root), force=True)  # every page drawn again, the same bytes
    assert _inodes(root / "site") == before  # none written anew
    # A page that is not what the build draws (changed by hand) is written as drawn.
    by_hand = root / "site" / "search.html"
    by_hand.write_text(by_hand.read_text().replace("<main", "<main data-edited", 1))
    build(load_config(root), force=True)
    after = _inodes(root / "site")
    assert {page for page in after if after[page] != before[page]} == {"search.html"}
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def _folders(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir()}


HARBOUR = ("---\ntitle: Harbour reopens\npublished: 2020-03-01\n---\n\nPort director Ines Moreau said on Friday: "
           "\"We are open again.\"\n")


def test_the_site_is_updated_in_place_and_loses_what_the_content_no_longer_has(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    harbour = root / "content" / "articles" / "harbour.md"
    harbour.write_text(HARBOUR)  # a story, an archive month and a person of its own
    build(load_config(root))
    site = root / "site"
    assert {"articles/harbour.html", "archive/2020-03.html", "people/ines-moreau.html"} <= set(tree(site))
    (site / "old").mkdir()  # a folder the next site does not have
    (site / "old" / "page.html").write_text("old")
    inode = site.stat().st_ino
    harbour.unlink()
    build(load_config(root))
    assert site.stat().st_ino == inode
    full = full_build(root, tmp_path / "scratch")
    assert tree(site) == full
    assert not {"articles/harbour.html", "archive/2020-03.html", "people/ines-moreau.html"} & set(tree(site))
    assert _folders(site) == _folders(tmp_path / "scratch" / "site")  # none left empty
    assert not [p.name for p in root.iterdir() if p.name.startswith(".site.")]


def test_a_build_cut_short_while_it_updates_the_site_is_finished_by_the_next(tmp_path: Path, nlp,
                                                                             monkeypatch) -> None:
    from sitegen import build as build_module

    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    build(load_config(root))
    config = root / "sitegen.yaml"
    settings, saved = config.read_text(), config.stat()
    config.write_text(settings.replace("title:", "title: Harbours,", 1))  # in every page
    replace = os.replace
    moved: list[str] = []

    def one_then_stop(source: str, target: str) -> None:
        if moved:  # the machine stops after the first of the changed files is in place
            raise KeyboardInterrupt
        moved.append(target)
        replace(source, target)

    commit = build_module._commit

    def cut_short(*args: object) -> None:
        with monkeypatch.context() as patched:
            patched.setattr(os, "replace", one_then_stop)
            commit(*args)

    monkeypatch.setattr(build_module, "_commit", cut_short)
    with pytest.raises(KeyboardInterrupt):
        build(load_config(root))
    monkeypatch.undo()
    assert len(moved) == 1
    # The edit undone, to the file's very size and time: the inputs are those the site was built from
    # before, but the site is no longer that site.
    config.write_text(settings)
    os.utime(config, ns=(saved.st_atime_ns, saved.st_mtime_ns))
    report = build(load_config(root))
    assert not report.up_to_date and not report.errors
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_a_site_folder_that_is_a_link_is_updated_where_it_leads(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    harbour = root / "content" / "articles" / "harbour.md"
    harbour.write_text(HARBOUR)
    build(load_config(root))
    elsewhere = tmp_path / "published"
    elsewhere.mkdir()
    (root / "site").rename(elsewhere / "site")
    (root / "site").symlink_to(elsewhere / "site", target_is_directory=True)
    harbour.write_text(HARBOUR.replace("Harbour reopens", "Harbour opens again"))
    assert not build(load_config(root)).errors
    assert (root / "site").is_symlink()
    assert "Harbour opens again" in (elsewhere / "site" / "articles" / "harbour.html").read_text()
    assert tree(elsewhere / "site") == full_build(root, tmp_path / "scratch")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["site"]  # its staging folder went with the build


def test_input_fingerprint_sees_every_file_under_content_and_templates(tmp_path: Path) -> None:
    root = make_site(tmp_path, with_seeds=False)
    site = load_config(root)
    lunr_js = find_lunr(site)
    nested = root / "templates" / "partials" / "card.html"
    nested.parent.mkdir(parents=True)
    nested.write_text("<p>card</p>")
    before = input_fingerprint(site, lunr_js)
    assert input_fingerprint(site, lunr_js) == before
    cache = root / "templates" / "__pycache__" / "x.pyc"  # not an input
    cache.parent.mkdir()
    cache.write_bytes(b"\0")
    assert input_fingerprint(site, lunr_js) == before
    stat = nested.stat()
    os.utime(nested, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # saved again, same bytes
    touched = input_fingerprint(site, lunr_js)
    assert touched != before
    (root / "content" / "articles" / "new.md").write_text("---\ntitle: New\npublished: 2025-03-01\n---\n\nText.\n")
    assert input_fingerprint(site, lunr_js) != touched


def test_builds_in_a_session_equal_full_builds_and_draw_only_what_changed(tmp_path: Path, nlp, request) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    site = load_config(root)
    build(site)
    session = Session.start(site)
    indexer = KeptIndexer()  # as `sitegen serve` builds: the search indexes of an edit are built in its worker
    request.addfinalizer(indexer.close)
    # The session's first build runs although nothing changed (it learns what the next ones reuse).
    assert not build(site, session=session, indexer=indexer).up_to_date
    assert build(site, session=session, indexer=indexer).up_to_date
    articles = sorted((root / "content" / "articles").glob("*.md"))

    def check(label: str) -> dict[str, int]:
        before = _inodes(root / "site")
        report = build(site, session=session, indexer=indexer)
        assert not report.up_to_date and not report.errors, label
        assert tree(root / "site") == full_build(root, tmp_path / "scratch"), label
        after = _inodes(root / "site")
        return {page: inode for page, inode in after.items() if before.get(page) != inode}

    # An article's last paragraph edited (annotated again in this process): the pages drawn again are those
    # a build in a process of its own draws (checking every page's fingerprint), and they are not all.
    alone = tmp_path / "alone"
    session.save()
    shutil.copytree(root, alone, symlinks=True)
    for folder in (root, alone):
        article = folder / "content" / "articles" / articles[0].name
        article.write_text(article.read_text().rstrip("\n") + "\n\nNothing new was said.\n")
    before = _inodes(alone / "site")
    drawn_alone = {page for page, inode in _rebuilt(alone).items() if before.get(page) != inode}
    drawn = check("text edited")
    assert drawn.keys() == drawn_alone and f"articles/{articles[0].stem}.html" in drawn, drawn
    assert not {"search.html", "404.html"} & drawn.keys(), drawn
    annotation = root / "content" / "annotations" / f"{articles[1].stem}.yaml"
    data = yaml.safe_load(annotation.read_text())
    data["quotes"][0].update(speaker="Keir Starmer", by="editor")
    annotation.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    check("annotation corrected")
    (root / "content" / "articles" / "new-one.md").write_text(
        "---\ntitle: Harbour reopens\npublished: 2025-03-01\n---\n\nPort director Ines Moreau said on Friday: "
        "\"We are open again.\"\n")
    check("article added")
    articles[2].unlink()
    check("article removed")
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "article.html").write_text(
        (Path(render.__file__).parent / "templates" / "article.html").read_text().replace("</h1>", "</h1><hr>", 1))
    assert len(check("template overridden")) >= len(articles) - 1
    # Changed again: the session compiled the override last time (templates are kept while unchanged).
    override = root / "templates" / "article.html"
    override.write_text(override.read_text().replace("</h1><hr>", "</h1><hr class=\"rule\">", 1))
    assert len(check("template changed")) >= len(articles) - 1
    # What the session kept is saved when it ends (having let go of the rest); a build in another process
    # then carries on from it.
    session.end()
    assert build(load_config(root)).up_to_date
    articles[3].write_text(articles[3].read_text().replace("\n\n", "\n\nAn update.\n\n", 1))
    assert len(set(_inodes(root / "site").items()) - set(_rebuilt(root).items())) > 0
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def _served_with_kept_indexer(tmp_path: Path, request):  # type: ignore[no-untyped-def]
    """A site built once in a session with a kept index worker, as `sitegen serve` builds it."""
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    site = load_config(root)
    session, indexer = Session.start(site), KeptIndexer()
    request.addfinalizer(indexer.close)
    build(site, session=session, indexer=indexer)
    return root, site, session, indexer


def test_a_session_with_a_kept_indexer_indexes_an_edit_in_that_worker(tmp_path: Path, nlp, monkeypatch,
                                                                     request) -> None:
    from sitegen import search

    root, site, session, indexer = _served_with_kept_indexer(tmp_path, request)
    article = sorted((root / "content" / "articles").glob("*.md"))[0]
    article.write_text(article.read_text().replace("\n\n", "\n\nNothing new was said.\n\n", 1))

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("an index was built by the build's own process (or one forked from it)")

    monkeypatch.setattr(search, "_index_file", not_here)
    report = build(site, session=session, indexer=indexer)
    assert not report.errors and report.annotated and report.annotated.written == [article.stem]
    monkeypatch.undo()
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


def test_a_session_whose_index_worker_died_builds_the_same_site(tmp_path: Path, nlp, request) -> None:
    import signal

    root, site, session, indexer = _served_with_kept_indexer(tmp_path, request)
    worker = indexer.executor().submit(os.getpid).result()
    articles = sorted((root / "content" / "articles").glob("*.md"))
    for n, article in enumerate(articles[:2]):
        os.kill(indexer.executor().submit(os.getpid).result(), signal.SIGKILL)  # out of memory, say
        article.write_text(article.read_text().replace("\n\n", f"\n\nNothing new was said ({n}).\n\n", 1))
        report = build(site, session=session, indexer=indexer)
        assert not report.errors, report.errors
        assert tree(root / "site") == full_build(root, tmp_path / "scratch")
    assert indexer.executor().submit(os.getpid).result() not in (worker, os.getpid())  # a new one took over


def _rebuilt(root: Path) -> dict[str, int]:
    build(load_config(root))
    return _inodes(root / "site")


def test_a_session_shows_a_speakers_quotes_under_the_story_an_editor_moves_their_article_to(tmp_path: Path,
                                                                                             nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root")
    site = load_config(root)
    session = Session.start(site)
    build(site, session=session)
    quoted = {}  # article -> a speaker it quotes
    for annotation in (root / "content" / "annotations").glob("*.yaml"):
        speakers = [q["speaker"] for q in yaml.safe_load(annotation.read_text()).get("quotes", []) if q.get("speaker")]
        if speakers:
            quoted[annotation.stem] = speakers[0]
    slug, speaker = sorted(quoted.items())[0]
    article = root / "content" / "articles" / f"{slug}.md"
    article.write_text(article.read_text().replace("\npublished:", "\nstory: moved-by-an-editor\npublished:", 1))
    assert not build(site, session=session).errors
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")
    pages_of_speaker = [p for p in (root / "site" / "people").glob("*.html") if f">{speaker}<" in p.read_text()]
    assert any("stories/moved-by-an-editor.html" in p.read_text() for p in pages_of_speaker), speaker


def test_a_headline_edited_reaches_every_page_listing_the_article(tmp_path: Path, nlp) -> None:
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root", with_seeds=False)
    harbour = root / "content" / "articles" / "harbour.md"
    harbour.write_text("---\ntitle: Harbour reopens\npublished: 2020-03-01\n---\n\nMayor Tom Reed visited the "
                       "harbour in Portsmouth on Friday with port director Ines Moreau.\n")
    build(load_config(root))
    person = root / "site" / "people" / "tom-reed.html"
    assert "Harbour reopens" in person.read_text()  # listed (an entity page draws each row once per build)
    harbour.write_text(harbour.read_text().replace("Harbour reopens", "Harbour opens again"))
    build(load_config(root))
    assert "Harbour opens again" in person.read_text() and "Harbour reopens" not in person.read_text()
    assert tree(root / "site") == full_build(root, tmp_path / "scratch")


@pytest.mark.parametrize("in_session", [False, True])
def test_a_file_saved_while_a_build_runs_is_built_by_the_next(tmp_path: Path, nlp, monkeypatch,
                                                             in_session: bool) -> None:
    """An editor saves one article while the build for another one runs (and writes its annotations):
    that build did not read the save, so the next one is not "up to date"."""
    import sitegen.build as build_module

    root = make_site(tmp_path, with_seeds=False)
    articles = root / "content" / "articles"
    for slug, title in (("port", "Port reopens"), ("dam", "Dam repaired")):
        (articles / f"{slug}.md").write_text(f"---\ntitle: {title}\npublished: 2024-03-07\n---\n\n"
                                             "Port director Ines Moreau said on Friday: \"We are open.\"\n")
    site = load_config(root)
    session = Session.start(site) if in_session else None
    assert not build(site, session=session).errors
    (articles / "port.md").write_text((articles / "port.md").read_text().replace("Friday", "Monday"))
    render_site = build_module.render_site

    def saved_meanwhile(*args, **kwargs):  # the other article saved while this build draws its pages
        (articles / "dam.md").write_text((articles / "dam.md").read_text().replace("Dam repaired", "Dam rebuilt"))
        return render_site(*args, **kwargs)

    monkeypatch.setattr(build_module, "render_site", saved_meanwhile)
    report = build(site, session=session)
    assert report.annotated and report.annotated.written == ["port"]  # it wrote an annotation file
    monkeypatch.setattr(build_module, "render_site", render_site)
    report = build(site, session=session)
    assert not report.up_to_date
    assert "Dam rebuilt" in (root / "site" / "articles" / "dam.html").read_text()


def test_annotations_in_a_linked_folder_leave_the_site_up_to_date_after_they_are_written(tmp_path: Path,
                                                                                          nlp) -> None:
    """The input walk does not enter a linked folder; what a build records of the annotation files it
    wrote there agrees with it (else every build would run again)."""
    (tmp_path / "site-root").mkdir()
    root = make_site(tmp_path / "site-root", with_seeds=False)
    elsewhere = tmp_path / "annotations-elsewhere"
    elsewhere.mkdir()
    (root / "content" / "annotations").symlink_to(elsewhere, target_is_directory=True)
    (root / "content" / "articles" / "port.md").write_text(
        "---\ntitle: Port reopens\npublished: 2024-03-07\n---\n\nPort director Ines Moreau said on Friday: "
        "\"We are open again.\"\n")
    site = load_config(root)
    first = build(site)
    assert first.annotated and first.annotated.written == ["port"] and (elsewhere / "port.yaml").exists()
    assert build(site).up_to_date
