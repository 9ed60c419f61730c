"""Nothing lost: annotation killed with SIGKILL at random moments leaves every file old or new, never partial."""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from sitegen.annotate.run import annotate_site
from sitegen.config import load_config
from sitegen.content import load_articles, load_knowledge_base
from sitegen.storage import atomic_write_text

from .conftest import ROOT, make_site

ARTICLES = 30
TRIALS = 20


def write_articles(root: Path, version: str) -> None:
    for index in range(ARTICLES):
        text = (f"---\ntitle: Council story {index}\npublished: 2024-03-07\n---\n\n"
                f"Mayor Anna Lindqvist said on Tuesday that plan {index} was {version}.\n\n"
                f"\"We will build {index} new schools,\" Lindqvist said. Councillor Tom Berg disagreed.\n")
        (root / "content" / "articles" / f"story-{index}.md").write_text(text)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.yaml"))}


def _alive_in_group(group: int) -> bool:
    """Whether a process of the killed process's group still runs (dead zombies waiting for init to
    reap them hold no memory and do not count); any that does is killed so it cannot pile up."""
    alive = False
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state != "Z":
            alive = True
    if alive:
        os.killpg(group, signal.SIGKILL)
    return alive


def annotate_now(root: Path) -> None:
    site = load_config(root)
    articles, _ = load_articles(site)
    annotate_site(articles, load_knowledge_base(site), site.annotations_dir)


def test_sigkill_leaves_old_or_new_annotation_files(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    folder = root / "content" / "annotations"
    write_articles(root, "fair")
    annotate_now(root)
    old = snapshot(folder)
    write_articles(root, "unfair and costly")
    annotate_now(root)
    new = snapshot(folder)
    assert all(old[name] != new[name] for name in old)
    rng = random.Random(20240307)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outcomes = set()
    for _ in range(TRIALS):
        shutil.rmtree(folder)
        folder.mkdir()
        for name, text in old.items():
            (folder / name).write_text(text)
        process = subprocess.Popen([sys.executable, "-m", "sitegen", "--root", str(root), "annotate"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.5, 3.0))
        process.send_signal(signal.SIGKILL)  # the annotating process only, as the kernel's OOM killer would
        process.wait()
        time.sleep(0.3)
        assert not _alive_in_group(process.pid), "annotation workers outlived the killed process"
        after = snapshot(folder)
        assert set(after) == set(old)
        for name, text in after.items():
            assert text in (old[name], new[name]), f"{name} is partial after SIGKILL"
            outcomes.add("new" if text == new[name] else "old")
    assert outcomes  # at least one trial ran to a verdict on every file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_rewritten_file_keeps_its_permissions(tmp_path: Path) -> None:
    """An editor's file replaced by an atomic write keeps the permissions it had (the temporary file it
    is written through is made for its owner alone)."""
    path = tmp_path / "story.yaml"
    for mode in (0o664, 0o640, 0o644, 0o600):
        path.write_text("old\n")
        path.chmod(mode)
        atomic_write_text(path, "new\n")
        assert (path.read_text(), oct(_mode(path))) == ("new\n", oct(mode))


def test_a_new_file_gets_the_permissions_open_gives(tmp_path: Path) -> None:
    by_open = tmp_path / "by-open.txt"
    by_open.write_text("x")
    atomic_write_text(tmp_path / "new.txt", "x")
    assert oct(_mode(tmp_path / "new.txt")) == oct(_mode(by_open))


def test_every_file_of_the_built_site_and_its_content_has_the_permissions_open_gives(built_site: Path) -> None:
    """The files a build makes (pages, search indexes linked from the cache) and those it writes into
    content/ (imported articles, annotation files) are readable by whom a file made by `open` is: a web
    server running as another user must be able to read every file of the site."""
    by_open = built_site / "by-open.txt"
    by_open.write_text("x")
    expected = _mode(by_open)
    by_open.unlink()
    files = [p for folder in ("site", "content") for p in sorted((built_site / folder).rglob("*")) if p.is_file()]
    assert any(p.name.startswith("search-index") for p in files)
    assert {p.relative_to(built_site).as_posix(): oct(_mode(p)) for p in files if _mode(p) != expected} == {}


def test_a_file_system_that_refuses_permissions_still_gets_the_file(tmp_path: Path, monkeypatch) -> None:
    def refuse(fd: int, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchmod", refuse)
    atomic_write_text(tmp_path / "story.yaml", "new\n")
    assert (tmp_path / "story.yaml").read_text() == "new\n"
