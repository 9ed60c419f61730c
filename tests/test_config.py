"""sitegen.yaml: every problem reported by key; and a clear failure when lunr.js is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.errors import ConfigError, SitegenError


def test_every_bad_key_is_reported(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yaml").write_text("title: 3\ncolour: blue\noutput_dir: ../elsewhere\nstory_window_days: 99\n"
                                           "front_page_stories: 0\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.problems == [
        "colour: unknown key (known keys: base_url, content_dir, front_page_stories, keep_warm_minutes, output_dir, "
        "seeds_dir, story_window_days, templates_dir, title)",
        "front_page_stories: must be between 1 and 10000, got 0",
        "output_dir: must be a folder inside the site, got '../elsewhere'",
        "story_window_days: must be between 0 and 60, got 99",
        "title: must be str, got 3",
    ]


def test_keep_warm_minutes_is_checked_and_is_not_part_of_what_the_site_is_built_from(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yaml").write_text("keep_warm_minutes: 2000\n")
    with pytest.raises(ConfigError, match="keep_warm_minutes: must be between 0 and 1440, got 2000"):
        load_config(tmp_path)
    (tmp_path / "sitegen.yaml").write_text("keep_warm_minutes: 15\n")
    kept_warm = load_config(tmp_path)
    assert kept_warm.keep_warm_minutes == 15
    # The build's fingerprints hash repr(site), and a server starts a new session when the site differs.
    (tmp_path / "sitegen.yaml").write_text("title: The Annotated Digest\n")
    assert repr(kept_warm) == repr(load_config(tmp_path)) and kept_warm == load_config(tmp_path)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yaml").write_text("title: ok\nbase_url: [\n")
    with pytest.raises(ConfigError, match=r"sitegen.yaml: line 3: not valid YAML"):
        load_config(tmp_path)


def test_missing_lunr_js_fails_the_build_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import build as build_module

    monkeypatch.setattr(build_module, "LUNR_JS", Path("node_modules/lunr/not-there.js"))
    with pytest.raises(SitegenError, match=r"is missing: run `npm ci`"):
        build(load_config(tmp_path))
