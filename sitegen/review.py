"""`sitegen review`: what changed in the annotations since a git revision, as a PR comment.

Stable ordering throughout, so re-running it on the same pull request gives the same text.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sitegen.annotate.store import from_yaml
from sitegen.errors import ContentError, SitegenError
from sitegen.model import Annotations, Site

DETAILS_AFTER = 8


@dataclass
class ArticleChanges:
    """Changes to one article's annotations."""

    article: str
    status: str = "changed"  # "added", "removed", "changed"
    entities_added: list[str] = field(default_factory=list)
    entities_removed: list[str] = field(default_factory=list)
    entities_merged: list[str] = field(default_factory=list)
    quotes_added: list[str] = field(default_factory=list)
    quotes_removed: list[str] = field(default_factory=list)
    speakers_changed: list[str] = field(default_factory=list)
    dates_changed: list[str] = field(default_factory=list)
    topics_changed: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not any(value for key, value in asdict(self).items() if key not in ("article", "status"))


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise SitegenError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout


def default_base(root: Path) -> str:
    """The merge base with main (or master), else HEAD."""
    for branch in ("main", "master", "origin/main"):
        try:
            return _git(root, "merge-base", "HEAD", branch).strip()
        except SitegenError:
            continue
    return "HEAD"


def _old_files(site: Site, base: str) -> dict[str, str]:
    folder = site.annotations_dir.relative_to(site.root).as_posix()
    listing = _git(site.root, "ls-tree", "-r", "--name-only", base, "--", folder)
    return {Path(p).stem: _git(site.root, "show", f"{base}:{p}") for p in listing.split() if p.endswith(".yaml")}


def _first_words(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def compare(old: Annotations | None, new: Annotations | None, slug: str) -> ArticleChanges:
    """The differences between two versions of one article's annotations."""
    changes = ArticleChanges(slug, "added" if old is None else "removed" if new is None else "changed")
    old = old or Annotations(article=slug, text_sha256="")
    new = new or Annotations(article=slug, text_sha256="")
    old_entities = {(e.kind, e.name): e for e in old.entities if not e.rejected}
    new_entities = {(e.kind, e.name): e for e in new.entities if not e.rejected}
    for kind, name in sorted(new_entities.keys() - old_entities.keys()):
        absorbed = sorted(n for k, n in old_entities.keys() - new_entities.keys()
                          if k == kind and n in new_entities[(kind, name)].mentions)
        if absorbed:
            changes.entities_merged.append(f"{kind} {', '.join(absorbed)} → {name}")
        else:
            changes.entities_added.append(f"{kind} {name}")
    merged_away = {n for line in changes.entities_merged for n in line.split(" → ")[0].split(" ", 1)[1].split(", ")}
    changes.entities_removed = [f"{k} {n}" for k, n in sorted(old_entities.keys() - new_entities.keys())
                                if n not in merged_away]
    old_quotes = {q.anchor.exact: q for q in old.quotes if not q.rejected}
    new_quotes = {q.anchor.exact: q for q in new.quotes if not q.rejected}
    changes.quotes_added = [f"“{_first_words(t)}” ({new_quotes[t].speaker or 'unattributed'})"
                            for t in sorted(new_quotes.keys() - old_quotes.keys())]
    changes.quotes_removed = [f"“{_first_words(t)}” ({old_quotes[t].speaker or 'unattributed'})"
                              for t in sorted(old_quotes.keys() - new_quotes.keys())]
    for text in sorted(old_quotes.keys() & new_quotes.keys()):
        before, after = old_quotes[text].speaker, new_quotes[text].speaker
        if before != after:
            changes.speakers_changed.append(f"“{_first_words(text)}”: {before or 'unattributed'} → "
                                            f"{after or 'unattributed'}")
    old_dates = {(d.anchor.exact, d.anchor.prefix): d.value for d in old.dates if not d.rejected}
    new_dates = {(d.anchor.exact, d.anchor.prefix): d.value for d in new.dates if not d.rejected}
    for key in sorted(old_dates.keys() & new_dates.keys()):
        if old_dates[key] != new_dates[key]:
            changes.dates_changed.append(f"“{key[0]}”: {old_dates[key]} → {new_dates[key]}")
    old_topics, new_topics = {t.name for t in old.topics}, {t.name for t in new.topics}
    changes.topics_changed = [f"+ {t}" for t in sorted(new_topics - old_topics)] + \
                             [f"− {t}" for t in sorted(old_topics - new_topics)]
    return changes


def review(site: Site, base: str | None = None) -> list[ArticleChanges]:
    """Per-article changes between `base` and the working tree, unchanged articles left out."""
    base = base or default_base(site.root)
    old_texts = _old_files(site, base)
    new_paths = {p.stem: p for p in sorted(site.annotations_dir.glob("*.yaml"))}
    result = []
    for slug in sorted(old_texts.keys() | new_paths.keys()):
        try:
            old = from_yaml(old_texts[slug], Path(f"{base}:{slug}.yaml")) if slug in old_texts else None
            new = from_yaml(new_paths[slug].read_text(encoding="utf-8"), new_paths[slug]) \
                if slug in new_paths else None
        except ContentError as exc:
            raise SitegenError(f"cannot review: {exc}") from None
        changes = compare(old, new, slug)
        if not changes.empty() or changes.status != "changed":
            result.append(changes)
    return result


SECTIONS = (("speakers_changed", "Quotes whose speaker changed"), ("quotes_added", "Quotes added"),
            ("quotes_removed", "Quotes removed"), ("dates_changed", "Dates whose value changed"),
            ("entities_added", "Entities added"), ("entities_removed", "Entities removed"),
            ("entities_merged", "Entities merged"), ("topics_changed", "Topics"))


def to_markdown(changes: list[ArticleChanges], suggestions: list[str] | None = None) -> str:
    """GitHub-flavoured Markdown: summary counts first, then each changed article; long lists folded."""
    if not changes:
        return "## Annotation review\n\nNo annotation changes.\n"
    totals = {key: sum(len(getattr(c, key)) for c in changes) for key, _ in SECTIONS}
    lines = ["## Annotation review", "", f"{len(changes)} article(s) with annotation changes.", "",
             "| change | count |", "|---|---|"]
    lines += [f"| {title} | {totals[key]} |" for key, title in SECTIONS if totals[key]]
    for change in changes:
        lines += ["", f"### {change.article}" + ("" if change.status == "changed" else f" ({change.status})")]
        for key, title in SECTIONS:
            items = getattr(change, key)
            if not items:
                continue
            bullets = [f"- {item}" for item in items]
            if len(items) > DETAILS_AFTER:
                lines += ["", f"<details><summary>{title} ({len(items)})</summary>", "", *bullets, "", "</details>"]
            else:
                lines += ["", f"**{title}**", "", *bullets]
    if suggestions:
        lines += ["", "### Topic suggestions", "", *[f"- {s}" for s in suggestions]]
    return "\n".join(lines) + "\n"


def to_json(changes: list[ArticleChanges], suggestions: list[str] | None = None) -> str:
    """The same review for tools."""
    return json.dumps({"articles": [asdict(c) for c in changes], "topic_suggestions": suggestions or []},
                      indent=2, sort_keys=True, ensure_ascii=False) + "\n"
