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


def _alive_in_group(group: int) -> bool:
    """Whether a process of the killed process's group still runs (dead zombies waiting for init to
    reap them hold no memory and do not count); any that does is killed so it cannot pile up."""
    alive = False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
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
