"""Import: raw scraped text files become clean Markdown articles in `content/articles/`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sitegen import furniture
from sitegen.errors import ContentError
from sitegen.model import RawArticle
from sitegen.slugs import slugify
from sitegen.storage import atomic_write_text
from sitegen.yamlio import dump_yaml, key_line, load_yaml

MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
WEEKDAY = r"(?:(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?,?\s+)?"
# A site's publication line: "Published Mar 06, 2025 at 9:14 AM EST", "March 8, 2025 11:42 AM GMT Updated
# 2 hours ago", "Updated: 12 May 2025, 10:05", "Updated 6:12 PM EST, March 3, 2025", "Mon 3 Mar 2025 14.20 GMT",
# "Date 18.03.2025".
PUBLICATION_WORD = r"(?:(?:first\s+|last\s+)?(?:published|posted|updated|date)(?:\s+on)?\s*:?\s+)?"
TIME_OF_DAY = r"(?:\s*(?:[,|·-]|at)?\s*\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}(?:[+-]\d{1,2})?)?)"
# An agency's line names the agency first and may end with the story's sections: "KYODO NEWS - Mar 18,
# 2025 - 19:12 | Japan, Politics".
OUTLET_FIRST = r"(?:(?P<outlet>[a-z][\w&.'’]*(?:\s+[a-z][\w&.'’]*){0,3})\s*[-–—|·]\s*)?"
# ... or a byline: "By Jo Park 19 May 2025, 1:15 am".
BYLINE_FIRST = r"(?:by\s+(?:[a-z][\w.'’-]*,?\s+(?:and\s+)?){1,6})?"
SECTIONS_AFTER = r"(?:\s*\|\s*[\w ,&/'’-]{1,60})?"
DATELINE = re.compile(
    rf"^{OUTLET_FIRST}{BYLINE_FIRST}{PUBLICATION_WORD}(?:{TIME_OF_DAY},?\s+)?{WEEKDAY}"
    rf"(?:(?P<m1>{MONTHS})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{MONTHS})\.?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<d3>\d{{1,2}})\.(?P<m3>\d{{1,2}})\.(?P<y3>\d{{4}}))"
    rf"{TIME_OF_DAY}?(?:\s*[|·,-]?\s*(?:last\s+)?updated\b.{{0,40}})?{SECTIONS_AFTER}$",
    re.IGNORECASE,
)
# A place and perhaps an outlet, then a dash, alone on a line above the first paragraph.
DATELINE_ALONE = re.compile(r"^[A-Z][\w.'’]*(?:\s+[A-Z][\w.'’]*){0,4}(?:\s+\([A-Z][\w .&]{1,20}\))?\s*[—–-]$")
MISSING_DATE_HELP = (
    "no publication date: the text has no dateline. Give it one of three ways: "
    "`sitegen import --published YYYY-MM-DD FILE`, a sidecar file {sidecar} with `published: YYYY-MM-DD`, "
    "or a dateline line such as `Monday, May 12, 2025` at the top of the text"
)
MARKDOWN_BLOCK_START = re.compile(r"^(#{1,6}\s|>|[-+*]\s|\d{1,9}[.)]\s|=+\s*$|-{3,}\s*$)")


@dataclass(frozen=True)
class ImportResult:
    """What happened to one raw file."""

    source: Path
    slug: str
    status: str  # "written", "unchanged", "kept" (editor changed it), "error"
    message: str = ""


def decode(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Bytes to text: UTF-8 (BOM dropped); Windows-1252 with a warning; refuse binary data."""
    if not data.strip():
        raise ContentError(path, 1, "the file is empty; there is no article to import")
    if b"\x00" in data[:8192]:
        raise ContentError(path, 1, "this is a binary file, not text; import takes plain-text articles")
    try:
        text, warnings = data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        warnings = [f"{path}:{line}: not UTF-8; read as Windows-1252 (check quotes and accents, "
                    "then save the file as UTF-8)"]
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def parse_dateline(line: str) -> dt.date | None:
    """The date of a dateline line ("Monday, May 12, 2025"), or None when the line is not one."""
    match = DATELINE.match(line.strip())
    if not match:
        return None
    if match.group("iso"):
        try:
            return dt.date.fromisoformat(match.group("iso"))
        except ValueError:
            return None
    if match.group("d3"):  # "18.03.2025": day first, as the sites that write dots do
        try:
            return dt.date(int(match.group("y3")), int(match.group("m3")), int(match.group("d3")))
        except ValueError:
            return None
    month = (match.group("m1") or match.group("m2")).lower()[:3]
    day = int(match.group("d1") or match.group("d2"))
    year = int(match.group("y1") or match.group("y2"))
    try:
        return dt.date(year, MONTHS.split("|").index(_full_month(month)) + 1, day)
    except ValueError:
        return None


def dateline_outlet(line: str) -> str | None:
    """The agency a dateline line names before its date ("KYODO NEWS - Mar 18, 2025"), if any."""
    match = DATELINE.match(line.strip())
    name = match.group("outlet") if match else None
    if not name or re.fullmatch(rf"{PUBLICATION_WORD}|{WEEKDAY}", name + " ", re.IGNORECASE):
        return None
    return name.title() if name.isupper() and len(name) > 4 else name


def _full_month(abbrev: str) -> str:
    return next(m for m in MONTHS.split("|")[:12] if m.startswith(abbrev))


def parse_raw(path: Path, data: bytes, published: dt.date | None = None,
              sidecar: dict[str, object] | None = None) -> tuple[RawArticle, list[str]]:
    """Turn one raw file's bytes into an article: furniture out, headline, date, outlet, paragraphs."""
    text, warnings = decode(data, path)
    lines = [(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1)]
    lines = [(n, line) for n, line in lines if line]
    removed: list[tuple[int, str, str]] = []
    dateline_text, dateline_date = _take_dateline(lines, removed)
    outlet = dateline_outlet(dateline_text) if dateline_text else None
    kept: list[tuple[int, str]] = []
    previous_reason = None
    related_list = False  # within the links a "Related topics" line heads
    for number, line in lines:
        reason = furniture.furniture_reason(line)
        if previous_reason == "newsletter promotion" and not reason and not furniture.is_paragraph(line):
            reason = "newsletter promotion"  # the promo's tagline ("Your guide to ...")
        if previous_reason == "related link" and not reason and not furniture.is_paragraph(line) \
                and related_list:
            reason = "related link"  # the links under "Related topics", up to the next paragraph
        related_list = bool(furniture.RELATED_HEADER.match(line)) or (related_list and reason == "related link")
        previous_reason = reason
        if reason == "logo":
            outlet = outlet or furniture.logo_outlet(line)
        if reason:
            removed.append((number, reason, line))
        else:
            kept.append((number, line))
    title, body = _split_header(kept, removed)
    paragraphs = _body_paragraphs(body, title, removed)
    outlet = outlet or furniture.outlet_from_text(paragraphs)
    title_derived = title is None
    if title is None:
        title = _derive_title(paragraphs, path)
    date = published or _sidecar_date(sidecar, path) or dateline_date
    if date is None:
        raise ContentError(path, 1, MISSING_DATE_HELP.format(sidecar=sidecar_path(path).name))
    article = RawArticle(
        source=path, source_sha256=hashlib.sha256(data).hexdigest(), title=title,
        title_derived=title_derived, published=date, dateline=dateline_text, outlet=outlet,
        paragraphs=tuple(paragraphs), removed=tuple(sorted(removed)),
    )
    return article, warnings


def _take_dateline(lines: list[tuple[int, str]], removed: list[tuple[int, str, str]]
                   ) -> tuple[str | None, dt.date | None]:
    for index, (number, line) in enumerate(lines[:6]):
        date = parse_dateline(line)
        if date:
            del lines[index]
            removed.append((number, "dateline, kept in front matter as `dateline:`", line))
            return line, date
    return None, None


def _split_header(kept: list[tuple[int, str]], removed: list[tuple[int, str, str]]
                  ) -> tuple[str | None, list[tuple[int, str]]]:
    """Headline and body: the body starts at the first line that reads as a paragraph."""
    start = next((i for i, (_, line) in enumerate(kept) if furniture.is_paragraph(line)), len(kept))
    header, body = kept[:start], kept[start:]
    if header and body and len(header) > 1 and DATELINE_ALONE.match(header[-1][1]):
        # A dateline the page set on a line of its own ("Washington CNN —"): it opens the first paragraph.
        body = [(header[-1][0], f"{header[-1][1]} {body[0][1]}"), *body[1:]]
        header = header[:-1]
    texts = [line for _, line in header]
    repeated = [line for line in texts if texts.count(line) > 1]
    if repeated:
        title: str | None = repeated[0]
    else:
        title = next((line for line in texts if furniture.word_count(line) >= 4), None)
    seen_title = False
    for number, line in header:
        if line == title and not seen_title:
            seen_title = True
            continue
        reason = "repeated headline" if line == title else (
            "section menu" if title and texts.index(line) < texts.index(title) else "caption or label before the body")
        removed.append((number, reason, line))
    return (_strip_markup(title) if title else None), body


def _body_paragraphs(body: list[tuple[int, str]], title: str | None,
                     removed: list[tuple[int, str, str]]) -> list[str]:
    paragraphs = []
    for index, (number, line) in enumerate(body):
        if title and _strip_markup(line) == title:
            removed.append((number, "headline repeated in the body", line))
            continue
        if index == len(body) - 1:
            line = _drop_sign_off(number, line, removed)
        if not furniture.is_sentence(line) and furniture.word_count(line) <= 15:
            paragraphs.append(f"## {_escape_inline(_strip_markup(line))}")
        else:
            paragraphs.append(_escape_block(line))
    return paragraphs


def _drop_sign_off(number: int, line: str, removed: list[tuple[int, str, str]]) -> str:
    match = furniture.SIGN_OFF.search(line)
    if not match:
        return line
    removed.append((number, "sign-off initials", match.group("initials")))
    return line[: match.start()].rstrip()


def _strip_markup(line: str) -> str:
    return re.sub(r"^(\*\*|__)(.+)\1$", r"\2", line.strip()).strip()


def _escape_inline(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _escape_block(line: str) -> str:
    """Keep raw text as text: a line that happens to start like a list or heading stays a paragraph."""
    return "\\" + line if MARKDOWN_BLOCK_START.match(line) else line


def _derive_title(paragraphs: list[str], path: Path) -> str:
    text = next((p for p in paragraphs if not p.startswith("## ")), "")
    if not text:
        raise ContentError(path, 1, "no article text left after removing site furniture "
                                    "(see `sitegen import --explain` for what was removed)")
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", text)[0]
    words = sentence.split()
    return " ".join(words[:14]) + ("…" if len(words) > 14 else "")


def sidecar_path(path: Path) -> Path:
    """`seeds/x.txt` has its editor-supplied metadata in `seeds/x.meta.yaml`."""
    return path.with_name(path.stem + ".meta.yaml")


def read_sidecar(path: Path) -> dict[str, object] | None:
    """The sidecar mapping of a raw file, or None when there is none."""
    side = sidecar_path(path)
    if not side.exists():
        return None
    text = side.read_text(encoding="utf-8")
    data = load_yaml(text, side)
    if not isinstance(data, dict):
        raise ContentError(side, 1, "must be a mapping such as `published: 2025-02-27`")
    # A sidecar gives the date only: an `outlet:` or `title:` written there would otherwise be dropped
    # without a word (they belong in the imported article's front matter, which the editor can edit).
    for key in data:
        if key != "published":
            lines = text.split("\n")
            line = key_line(lines, str(key))
            raise ContentError(side, line, f"unknown key {key!r}: a sidecar gives only `published:` (edit the "
                                           "other fields in the imported article's front matter)", lines[line - 1])
    return data


def _sidecar_date(sidecar: dict[str, object] | None, path: Path) -> dt.date | None:
    if not sidecar or "published" not in sidecar:
        return None
    value = sidecar["published"]
    if isinstance(value, dt.date):
        return value
    raise ContentError(sidecar_path(path), 1, f"published: {value!r} is not a date; use YYYY-MM-DD")


def to_markdown(article: RawArticle, source_label: str) -> str:
    """The content file for an imported article: YAML front matter and the body."""
    front: dict[str, object] = {"title": article.title, "published": article.published}
    if article.title_derived:
        front["title_derived"] = True
    if article.dateline:
        front["dateline"] = article.dateline
    front.update({"outlet": article.outlet, "source": source_label, "source_sha256": article.source_sha256})
    body = "\n\n".join(article.paragraphs)
    return f"---\n{dump_yaml(front)}---\n\n{body}\n"


def explain(article: RawArticle) -> str:
    """What import removed from one raw file, line by line."""
    rows = [f"{article.source}:{n}: removed ({reason}): {text}" for n, reason, text in article.removed]
    head = [f"{article.source}: title{' (derived)' if article.title_derived else ''}: {article.title}",
            f"{article.source}: published {article.published.isoformat()}, outlet {article.outlet or '(none)'}"]
    return "\n".join(head + (rows or [f"{article.source}: nothing removed"]))


def import_file(path: Path, articles_dir: Path, root: Path, *, published: dt.date | None = None,
                force: bool = False, taken: dict[str, str] | None = None) -> ImportResult:
    """Import one raw file; never overwrite an article an editor changed unless `force`."""
    article, _ = parse_raw(path, path.read_bytes(), published, read_sidecar(path))
    label = _label(path, root)
    slug = _unique_slug(slugify(article.title), label, articles_dir, taken if taken is not None else {})
    target = articles_dir / f"{slug}.md"
    text = to_markdown(article, label)
    if target.exists():
        current = target.read_text(encoding="utf-8", errors="replace")
        if current == text:
            return ImportResult(path, slug, "unchanged")
        if not force:
            return ImportResult(path, slug, "kept", f"{target} differs from what import would write "
                                "(an editor changed it?); kept as is. Use --force to replace it.")
    atomic_write_text(target, text)
    return ImportResult(path, slug, "written")


def _label(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _unique_slug(slug: str, label: str, articles_dir: Path, taken: dict[str, str]) -> str:
    """The same title from two different sources gets `-2`, `-3`: never one file for two articles."""
    candidate, number = slug, 1
    while True:
        owner = taken.get(candidate) or _source_of(articles_dir / f"{candidate}.md")
        if owner in (None, label):
            taken[candidate] = label
            return candidate
        number += 1
        candidate = f"{slug}-{number}"


def _source_of(path: Path) -> str | None:
    if not path.exists():
        return None
    match = re.search(r"^source: (.+)$", path.read_text(encoding="utf-8", errors="replace"), re.MULTILINE)
    return match.group(1).strip().strip("'\"") if match else "(edited by hand)"
