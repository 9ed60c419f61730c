"""`sitegen.yaml`: one schema, validated in one place, every problem reported by key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import ConfigError
from sitegen.model import Site

CONFIG_NAME = "sitegen.yaml"


@dataclass(frozen=True)
class Setting:
    """One key of `sitegen.yaml`: its type and what it is for."""

    name: str
    kind: type
    help: str


SETTINGS = (
    Setting("title", str, "Site title shown in every page header."),
    Setting("base_url", str, "Public URL (https://user.github.io/repo/); empty for offline use."),
    Setting("content_dir", str, "Folder with articles/, annotations/, entities.yaml, topics.yaml."),
    Setting("output_dir", str, "Folder the site is built into."),
    Setting("templates_dir", str, "Folder of the site's own templates, in front of the defaults."),
    Setting("seeds_dir", str, "Folder of raw articles that `make site` imports when content/ is empty."),
    Setting("story_window_days", int, "Days within which articles may be grouped into one story."),
    Setting("front_page_stories", int, "How many of the newest stories the front page shows (the rest "
                                       "are on the pages of their months)."),
    Setting("keep_warm_minutes", int, "After `sitegen build`, keep a build server running for the site until "
                                      "this many minutes pass without a build (0: none); see `sitegen build --help`."),
)
RANGES: dict[str, tuple[int, int]] = {"story_window_days": (0, 60), "front_page_stories": (1, 10_000),
                                      "keep_warm_minutes": (0, 24 * 60)}
PATH_KEYS = {"content_dir", "output_dir", "templates_dir", "seeds_dir"}


def load_config(root: Path) -> Site:
    """Read and validate `root/sitegen.yaml`; a missing file means all defaults."""
    path = root / CONFIG_NAME
    if not path.exists():
        return Site(root=root)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"line {line}: not valid YAML ({getattr(exc, 'problem', exc)})"], path) from None
    except UnicodeDecodeError:
        raise ConfigError(["not UTF-8 text; save it as UTF-8"], path) from None
    if not isinstance(data, dict):
        raise ConfigError(["must be a mapping of key: value"], path)
    return Site(root=root, **_validate(data, path))


def _validate(data: dict[str, Any], path: Path) -> dict[str, Any]:
    known = {s.name: s for s in SETTINGS}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key in sorted(data, key=str):
        setting = known.get(str(key))
        value = data[key]
        if setting is None:
            problems.append(f"{key}: unknown key (known keys: {', '.join(sorted(known))})")
        elif not isinstance(value, setting.kind) or isinstance(value, bool):
            problems.append(f"{key}: must be {setting.kind.__name__}, got {value!r}")
        elif key in PATH_KEYS and isinstance(value, str):
            values[key] = _relative_path(key, value, problems)
        elif key in RANGES and isinstance(value, int) and not RANGES[key][0] <= value <= RANGES[key][1]:
            problems.append(f"{key}: must be between {RANGES[key][0]} and {RANGES[key][1]}, got {value}")
        else:
            values[key] = value
    if problems:
        raise ConfigError(problems, path)
    return values


def _relative_path(key: str, value: str, problems: list[str]) -> Path:
    candidate = Path(value)
    if candidate.is_absolute() or ".." in candidate.parts or not value.strip():
        problems.append(f"{key}: must be a folder inside the site, got {value!r}")
    return candidate
