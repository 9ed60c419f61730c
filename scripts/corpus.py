"""Synthetic news corpus for benchmarks: articles made from the seeds' paragraphs with substituted names.

Each article takes paragraphs of the seed articles (imported into content/) until it has about 700
words, and replaces every person, organization and place the seeds' annotations name with one drawn
from large generated pools (seeded RNG), consistently within the article. Because the generator knows
which names it put where, it also writes the matching annotation file, so a build of the corpus starts
from cached annotations, as a newsroom's archive would.

    python scripts/corpus.py --articles 1000 --out /tmp/corpus-1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sitegen.annotate import ANNOTATOR_VERSION  # noqa: E402
from sitegen.annotate.anchors import make_anchor  # noqa: E402
from sitegen.annotate.run import annotation_path, read_annotations  # noqa: E402
from sitegen.annotate.store import to_yaml  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.content import load_articles  # noqa: E402
from sitegen.model import Annotations, Article, Entity, Quote  # noqa: E402
from sitegen.text import article_text, text_sha256  # noqa: E402
from sitegen.yamlio import dump_yaml  # noqa: E402

SYLLABLES = ("ka la mi no ra sen tor vel an bor dim esh fa gor hel ik jan kor lut mar "
             "nev ol pet ros sal tin ul var yel zor bre cha dra fle gri kla mos pra stu tre vla").split()
PLACE_ENDINGS = ("grad", "ville", "burg", "ovka", "sk", "stad", "port", "ford", "ia", "land")
ORG_FORMS = ("{} Ministry", "{} Agency", "{} Council", "{} Bank", "{} Party", "{} Institute", "{} News")
WORDS_PER_ARTICLE = 700


def word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def pools(rng: random.Random, people: int, places: int, orgs: int) -> dict[str, list[str]]:
    return {
        "person": sorted({f"{word(rng, 2)} {word(rng, rng.randint(2, 3))}" for _ in range(people)}),
        "place": sorted({word(rng, 2) + rng.choice(PLACE_ENDINGS) for _ in range(places)}),
        "organization": sorted({rng.choice(ORG_FORMS).format(word(rng, 2)) for _ in range(orgs)}),
    }


def seed_material(project: Path) -> tuple[list[str], list[str], list[Entity], list[Quote]]:
    site = load_config(project)
    articles, _ = load_articles(site)
    paragraphs, titles, entities, quotes = [], [], [], []
    for article in articles:
        titles.append(article.title)
        paragraphs += [p for p in article.body.split("\n\n") if len(p.split()) > 12 and not p.startswith("#")]
        annotations = read_annotations(annotation_path(site.annotations_dir, article.slug))
        if annotations:
            entities += annotations.entities
            quotes += annotations.quotes
    return paragraphs, titles, entities, quotes


def substitution(rng: random.Random, entities: list[Entity], names: dict[str, list[str]]) -> dict[str, Entity]:
    """Each seed entity gets a pool entity; each of its surface forms maps to the new name's forms."""
    mapping: dict[str, Entity] = {}
    for entity in entities:
        if entity.name in mapping:
            continue
        new = rng.choice(names[entity.kind])
        mapping[entity.name] = Entity(name=new, kind=entity.kind, mentions=(new,), role=entity.role)
    return mapping


class Rewriter:
    """Replaces every surface form of the seed entities in one pass of one compiled pattern."""

    def __init__(self, entities: list[Entity]) -> None:
        self.owner = {form: e.name for e in entities for form in e.mentions}
        forms = sorted(self.owner, key=lambda f: (-len(f), f))
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")

    def __call__(self, text: str, mapping: dict[str, Entity]) -> tuple[str, dict[str, Entity]]:
        used: dict[str, set[str]] = {}
        targets: dict[str, Entity] = {}

        def replace(match: re.Match[str]) -> str:
            form = match.group(0)
            target = mapping[self.owner[form]]
            short = target.name.split()[-1] if target.kind == "person" and " " not in form else target.name
            used.setdefault(target.name, {target.name}).add(short)
            targets[target.name] = target
            return short

        text = self.pattern.sub(replace, text)
        return text, {name: Entity(name=name, kind=targets[name].kind, mentions=tuple(sorted(forms)),
                                   role=targets[name].role) for name, forms in used.items()}


def generate(count: int, out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    paragraphs, titles, entities, quotes = seed_material(PROJECT)
    rewrite = Rewriter(entities)
    names = pools(rng, people=max(200, count // 2), places=max(100, count // 5), orgs=max(60, count // 10))
    if out.exists():
        shutil.rmtree(out)
    (out / "content" / "articles").mkdir(parents=True)
    (out / "content" / "annotations").mkdir(parents=True)
    shutil.copy(PROJECT / "content" / "topics.yaml", out / "content" / "topics.yaml")
    (out / "sitegen.yaml").write_text("title: Synthetic digest\n")
    start = dt.date(2024, 1, 1)
    for index in range(count):
        mapping = substitution(rng, entities, names)
        chosen, words = [], 0
        while words < WORDS_PER_ARTICLE:
            paragraph = rng.choice(paragraphs)
            chosen.append(paragraph)
            words += len(paragraph.split())
        body, used = rewrite("\n\n".join(chosen), mapping)
        title, used_in_title = rewrite(rng.choice(titles), mapping)
        for name, entity in used_in_title.items():
            used.setdefault(name, entity)
        slug = f"a{index:05d}"
        published = start + dt.timedelta(days=rng.randrange(730))
        front = {"title": f"{title} ({index})", "published": published, "outlet": rng.choice(
            ["The Daily Ledger", "Morning Wire", "Evening Post", "Global Desk", "The Courier"])}
        (out / "content" / "articles" / f"{slug}.md").write_text(f"---\n{dump_yaml(front)}---\n\n{body}\n")
        article = Article(slug=slug, path=Path(f"{slug}.md"), title=str(front["title"]), published=published,
                          body=body, body_line=1)
        text = article_text(article)
        found = []
        for quote in quotes:
            exact, _ = rewrite(quote.anchor.exact, mapping)
            position = text.find(exact)
            if position != -1 and quote.speaker:
                speaker = mapping[quote.speaker].name if quote.speaker in mapping else None
                found.append((position, Quote(anchor=make_anchor(text, position, position + len(exact)),
                                              speaker=speaker, kind=quote.kind, cue=quote.cue)))
        unique = {q.anchor.exact: (p, q) for p, q in sorted(found, key=lambda item: item[0])}
        annotations = Annotations(article=slug, text_sha256=text_sha256(text),
                                  entities=tuple(sorted(used.values(), key=lambda e: (e.kind, e.name))),
                                  quotes=tuple(q for _, q in sorted(unique.values(), key=lambda item: item[0])))
        (out / "content" / "annotations" / f"{slug}.yaml").write_text(to_yaml(annotations, ANNOTATOR_VERSION))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.articles, args.out, args.seed)
    print(f"wrote {args.articles} articles to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
