"""Import: furniture removal, headlines, datelines, dates, the no-overwrite rule, and the seeds vs gold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sitegen.errors import ContentError
from sitegen.ingest import dateline_outlet, import_file, parse_dateline, parse_raw

from .conftest import GOLD, ROOT

PUBLISHED = dt.date(2024, 3, 7)


def body_of(text: str, published: dt.date | None = PUBLISHED) -> tuple[list[str], list[str]]:
    article, _ = parse_raw(Path("x.txt"), text.encode("utf-8"), published)
    return list(article.paragraphs), [reason for _, reason, _ in article.removed]


LEDE = "The city council approved the new budget on Tuesday after a long and heated debate."


@pytest.mark.parametrize("line, reason", [
    ("Leave a Reply", "comment form"),
    ("Your email address will not be published. Required fields are marked *", "comment form"),
    ("No comments yet. Why don’t you start the discussion?", "comment form"),
    ("Source link", "source link"),
    ("Visited 12 times, 3 visit(s) today", "view counter"),
    ("Jane Doe/AFP via Getty Images", "photo credit"),
    ("<image>data:image/png;base64,AAAA</image>", "embedded image"),
    ("Article by:Source:", "empty byline"),
    ("Subscribe to our Morning Briefing newsletter", "newsletter promotion"),
    ("Associated Press writer Jo Park contributed to this report.", "contributor credit"),
    ("Reporting by Jo Park in Springfield; Editing by Al Reyes", "contributor credit"),
    ("Support the Courier or become our patron!", "support appeal"),
    ("Read also: Mayor says the budget is balanced", "related link"),
    ("Read more: Explainer: what the budget pays for", "related link"),
    ("We work hard to bring you local news. Consider supporting the Springfield Courier.", "support appeal"),
    ("Related coverage:", "related link"),
    ("Explore more on these topics", "related link"),
    ("(Reporting by Jo Park in Springfield; Editing by Al Reyes)", "contributor credit"),
    ("Associated Press writer Jo Park contributed from Springfield, Illinois.", "contributor credit"),
    ("By Jo Park and Al Reyes", "byline"),
    ("By JO PARK", "byline"),
    ("Press play to listen to this article", "audio player"),
    ("Voiced by artificial intelligence.", "audio player"),
    ("This article has been updated.", "update note"),
    ("==Wire", "sign-off"),
    ("(dpa)", "photo credit"),
])
def test_each_kind_of_furniture_is_removed(line: str, reason: str) -> None:
    paragraphs, reasons = body_of(f"Council passes budget in late vote\n\n{LEDE}\n\n{line}\n\nMore text follows here, "
                                  "as the mayor said in a statement to the press.")
    assert all(line not in p for p in paragraphs)
    assert reason in reasons


def test_menus_breadcrumbs_and_repeated_headline_before_the_body() -> None:
    text = ("Home > News > Council passes budget\n• News\n• Local\nCouncil passes budget in late vote\n"
            "Council passes budget in late vote\n" + LEDE)
    article, _ = parse_raw(Path("x.txt"), text.encode(), PUBLISHED)
    assert article.title == "Council passes budget in late vote"
    assert article.paragraphs[0] == LEDE
    assert {"breadcrumbs", "section menu", "repeated headline"} <= {r for _, r, _ in article.removed}


def test_breadcrumbs_with_bars_are_not_the_headline() -> None:
    text = "Menu\nHome | World | Middle East\nCouncil passes budget in late vote\nShare this article\n" + LEDE
    article, _ = parse_raw(Path("x.txt"), text.encode(), PUBLISHED)
    assert article.title == "Council passes budget in late vote"
    assert (2, "breadcrumbs", "Home | World | Middle East") in article.removed


def test_caption_that_is_a_sentence_is_kept_and_subheads_become_headings() -> None:
    paragraphs, _ = body_of(f"Budget passes\n\n{LEDE}\n\nWhy It Matters\n\nThe mayor at the council, March 5, "
                            "2024, in Springfield.\n")
    assert "## Why It Matters" in paragraphs
    assert "The mayor at the council, March 5, 2024, in Springfield." in paragraphs


def test_no_headline_derives_one_from_the_first_sentence() -> None:
    article, _ = parse_raw(Path("x.txt"), LEDE.encode(), PUBLISHED)
    assert article.title_derived and article.title.startswith("The city council approved")


@pytest.mark.parametrize("line, expected", [
    ("Monday, May 12, 2025", dt.date(2025, 5, 12)),
    ("12 May 2025", dt.date(2025, 5, 12)),
    ("2025-05-12", dt.date(2025, 5, 12)),
    ("May 12 was a busy day for the council", None),
    ("Published Mar 06, 2025 at 9:14 AM EST", dt.date(2025, 3, 6)),
    ("March 8, 2025 11:42 AM GMT Updated 2 hours ago", dt.date(2025, 3, 8)),
    ("Posted on 3 March 2025 at 6.30pm", dt.date(2025, 3, 3)),
    ("Updated: 12 May 2025, 10:05", dt.date(2025, 5, 12)),
    ("Updated 6:12 PM EST, March 3, 2025", dt.date(2025, 3, 3)),
    ("Mon 3 Mar 2025 14.20 GMT", dt.date(2025, 3, 3)),
    ("Date 18.03.2025", dt.date(2025, 3, 18)),
    ("Published in March 2025, the report found waste", None),
    ("SPRINGFIELD WIRE - Mar 18, 2025 - 19:12 | Local, Politics", dt.date(2025, 3, 18)),
    ("Wire | 12 March 2025 | 14:05", dt.date(2025, 3, 12)),
    ("By Jo Park 19 May 2025, 1:15 am", dt.date(2025, 5, 19)),
    ("May 28, 2025 10:35 PM GMT+1 Updated 6 hours ago", dt.date(2025, 5, 28)),
    ("By the river March 3, 2025 we met", None),
    ("Posted Tue 1 Apr 2025 at 3:39pm, updated Tue 1 Apr 2025 at 5:02pm", dt.date(2025, 4, 1)),
])
def test_dateline_detection(line: str, expected: dt.date | None) -> None:
    assert parse_dateline(line) == expected


@pytest.mark.parametrize("line, outlet", [
    ("SPRINGFIELD WIRE - Mar 18, 2025 - 19:12 | Local, Politics", "Springfield Wire"),
    ("Wire | 12 March 2025 | 14:05", "Wire"),
    ("Published Mar 06, 2025 at 9:14 AM EST", None),
    ("Mon - 3 Mar 2025", None),
])
def test_an_agency_line_names_the_outlet(line: str, outlet: str | None) -> None:
    assert dateline_outlet(line) == outlet


def test_the_links_under_a_related_topics_line_go_with_it_up_to_the_next_paragraph() -> None:
    paragraphs, reasons = body_of(f"Council passes budget in late vote\n\n{LEDE}\n\nRelated topics\n\nLocal economy"
                                  "\n\nMayor Jo Park\n\nThe vote is expected to be challenged in court next month.")
    assert reasons == ["related link"] * 3
    assert paragraphs == [LEDE, "The vote is expected to be challenged in court next month."]


def test_a_dateline_on_a_line_of_its_own_opens_the_first_paragraph() -> None:
    article, _ = parse_raw(Path("x.txt"), f"Council passes budget in late vote\n\nSpringfield WKRP —\n\n{LEDE}"
                           "\n\nMore text follows here, as it does in any article.".encode(), PUBLISHED)
    assert article.paragraphs[0] == f"Springfield WKRP — {LEDE}" and article.outlet == "WKRP"
    assert not article.removed


def test_a_line_that_starts_with_by_and_reads_as_a_sentence_is_kept() -> None:
    paragraphs, reasons = body_of(f"Council passes budget in late vote\n\n{LEDE}\n\nBy Tuesday the roads were "
                                  "open again, officials said.\n\nBy then The Courier had left.")
    assert reasons == [] and len(paragraphs) == 3


def test_a_call_for_support_in_a_sentence_is_kept() -> None:
    line = "Council leaders said residents should consider supporting the Springfield food bank."
    paragraphs, reasons = body_of(f"Council passes budget in late vote\n\n{LEDE}\n\n{line}\n")
    assert line in paragraphs and not reasons


def test_dateline_gives_published_when_nothing_else_does() -> None:
    article, _ = parse_raw(Path("x.txt"), f"Monday, May 12, 2025\nBudget passes\n{LEDE}".encode(), None)
    assert article.published == dt.date(2025, 5, 12) and article.dateline == "Monday, May 12, 2025"


def test_missing_date_error_names_the_file_and_three_fixes() -> None:
    with pytest.raises(ContentError) as caught:
        parse_raw(Path("raw/story.txt"), f"Budget passes\n{LEDE}".encode(), None)
    message = str(caught.value)
    assert message.startswith("raw/story.txt:1: no publication date")
    assert "--published YYYY-MM-DD" in message and "story.meta.yaml" in message and "dateline" in message


def test_a_sidecar_with_a_field_it_does_not_give_is_an_error(tmp_path: Path) -> None:
    from sitegen.ingest import read_sidecar

    raw = tmp_path / "story.txt"
    raw.write_text(f"Budget passes\n{LEDE}\n", encoding="utf-8")
    side = tmp_path / "story.meta.yaml"
    side.write_text("published: 2024-03-07\noutlet: Reuters\n")
    with pytest.raises(ContentError) as caught:
        read_sidecar(raw)
    assert str(caught.value) == (f"{side}:2: unknown key 'outlet': a sidecar gives only `published:` (edit the "
                                 "other fields in the imported article's front matter)\n    outlet: Reuters")
    side.write_text("published: 2024-03-07\n")
    assert read_sidecar(raw) == {"published": PUBLISHED}


def test_reimport_never_overwrites_an_editors_change(tmp_path: Path) -> None:
    raw = tmp_path / "story.txt"
    raw.write_text(f"Budget passes in late vote\n{LEDE}\n", encoding="utf-8")
    articles = tmp_path / "content" / "articles"
    first = import_file(raw, articles, tmp_path, published=PUBLISHED)
    target = articles / f"{first.slug}.md"
    edited = target.read_text().replace("heated debate", "heated, four-hour debate")
    target.write_text(edited)
    again = import_file(raw, articles, tmp_path, published=PUBLISHED, taken={})
    assert again.status == "kept" and "--force" in again.message
    assert target.read_text() == edited
    forced = import_file(raw, articles, tmp_path, published=PUBLISHED, force=True, taken={})
    assert forced.status == "written" and "four-hour" not in target.read_text()


@pytest.mark.skipif(not GOLD.exists(), reason="shared gold files not present")
@pytest.mark.parametrize("gold_path", sorted(GOLD.glob("*.yaml")), ids=lambda p: p.stem[:3])
def test_seed_import_matches_gold_furniture_and_body_start(gold_path: Path) -> None:
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    raw = ROOT / "seeds" / gold["article"]
    article, _ = parse_raw(raw, raw.read_bytes(), gold["published"])
    body = "\n\n".join(article.paragraphs)
    for line in gold["boilerplate"]:
        assert line.strip() not in [p.strip() for p in article.paragraphs], line
    assert article.paragraphs[0].startswith(gold["body_starts"])
    assert body  # and the body is not empty
    if gold["title"]:
        assert article.title == gold["title"]


def test_eval_reads_the_date_from_the_text_and_takes_the_gold_date_only_when_import_finds_none(tmp_path: Path) -> None:
    from sitegen.evaluate import predict

    raw, gold = tmp_path / "raw", tmp_path / "gold"
    raw.mkdir()
    gold.mkdir()
    (raw / "dated.txt").write_text(f"Council passes budget in late vote\n\n12 May 2025\n\n{LEDE}\n", encoding="utf-8")
    (raw / "undated.txt").write_text(f"Council passes budget in late vote\n\n{LEDE}\n", encoding="utf-8")
    for name in ("dated", "undated"):  # a gold date the dated article's own line must win over
        (gold / f"{name}.yaml").write_text("published: 2025-06-01\n", encoding="utf-8")
    undated: list[str] = []
    predict(raw, gold, tmp_path / "out", undated)
    published = {name: yaml.safe_load((tmp_path / "out" / f"{name}.yaml").read_text())["published"]
                 for name in ("dated", "undated")}
    assert published == {"dated": "2025-05-12", "undated": "2025-06-01"} and undated == ["undated.txt"]
