"""Shared fixtures: the spaCy pipeline once per run, and the seeds built into a throwaway site."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold"
SUBPROCESS_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
"""For `python -m sitegen` run as a command by a test: this checkout's sitegen."""


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` with its bytes, to compare two builds exactly."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def nlp():
    from sitegen.annotate import load_pipeline

    return load_pipeline()


def make_site(tmp: Path, with_seeds: bool = True) -> Path:
    """A site folder with the project's config, taxonomy and (optionally) the imported seeds."""
    for name in ("sitegen.yaml",):
        shutil.copy(ROOT / name, tmp / name)
    (tmp / "content" / "articles").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "topics.yaml", tmp / "content" / "topics.yaml")
    shutil.copy(ROOT / "content" / "entities.yaml", tmp / "content" / "entities.yaml")
    (tmp / "node_modules").symlink_to(ROOT / "node_modules")
    if with_seeds:
        from sitegen.cli import main

        assert main(["--root", str(tmp), "import", str(ROOT / "seeds")]) == 0
    return tmp


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, nlp):
    """The seeds imported, annotated and built once for every test that only reads the result."""
    from sitegen.build import build
    from sitegen.config import load_config

    root = make_site(tmp_path_factory.mktemp("seeds-site"))
    report = build(load_config(root))
    assert not report.errors, report.errors
    return root
