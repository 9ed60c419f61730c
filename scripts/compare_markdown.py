"""markdown-it-py against markdown-it-pyrs on a site's article bodies: same HTML? how much faster?

    pip install markdown-it-pyrs   # not a dependency of sitegen: only this comparison uses it
    python scripts/compare_markdown.py /tmp/sitegen-bench/corpus-10000 .

Prints how many bodies sitegen parses at all (plain paragraphs and headings need no parser), the time
of each library over all bodies and over the parsed ones, and any body whose HTML differs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from sitegen.config import load_config
from sitegen.content import load_articles
from sitegen.text import _plain_blocks, markdown

# markdown-it-pyrs's CommonMark rules without raw HTML, as sitegen configures markdown-it-py.
RUST_RULES = ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
              "backticks", "emphasis", "escape", "image", "link", "newline", "autolink", "entity"]


def seconds(work: Callable[[str], object], bodies: list[str]) -> float:
    started = time.perf_counter()
    for body in bodies:
        work(body)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites", type=Path, nargs="+", help="site folders (with sitegen.yaml and content/)")
    args = parser.parse_args()
    try:
        import markdown_it_pyrs
    except ImportError:
        raise SystemExit("markdown-it-pyrs is not installed: pip install markdown-it-pyrs") from None
    bodies = [article.body for root in args.sites for article in load_articles(load_config(root))[0]]
    parsed = [body for body in bodies if _plain_blocks(body) is None]
    print(f"{len(bodies)} bodies: {len(bodies) - len(parsed)} plain (no parser), {len(parsed)} parsed")
    python = markdown()
    rust = markdown_it_pyrs.MarkdownIt("zero").enable_many(RUST_RULES)
    for label, sample in (("all", bodies), ("parsed", parsed)):
        print(f"{label:>6}: markdown-it-py parse {seconds(python.parse, sample):.2f} s, render "
              f"{seconds(python.render, sample):.2f} s; markdown-it-pyrs tree {seconds(rust.tree, sample):.2f} s, "
              f"render {seconds(rust.render, sample):.2f} s")
    differ = [body for body in bodies if python.render(body) != rust.render(body)]
    print(f"HTML differs for {len(differ)} of {len(bodies)} bodies")
    for body in differ[:3]:
        print("---", body[:200], "\npy:", python.render(body)[:300], "\nrs:", rust.render(body)[:300])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
