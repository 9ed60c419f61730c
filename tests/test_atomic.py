"""Nothing lost: annotation killed with SIGKILL at random moments leaves every file old or new, never partial."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sitegen.annotate.run import annotate_site
from sitegen.config import load_config
from sitegen.content import load_articles, load_knowledge_base

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
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = snapshot(folder)
        assert set(after) == set(old)
        for name, text in after.items():
            assert text in (old[name], new[name]), f"{name} is partial after SIGKILL"
            outcomes.add("new" if text == new[name] else "old")
    assert outcomes  # at least one trial ran to a verdict on every file
