"""Hostile and broken input: each case a deliberately broken input and the exact message it must give."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.annotate.store import from_yaml
from sitegen.build import build
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.content import load_knowledge_base
from sitegen.errors import ContentError
from sitegen.ingest import parse_raw

from .conftest import ROOT, make_site

LEDE = "The city council approved the new budget on Tuesday after a long and heated debate."
PUBLISHED = dt.date(2024, 3, 7)


def raw(tmp_path: Path, data: bytes, name: str = "raw.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data, message", [
    (b"", "raw.txt:1: the file is empty; there is no article to import"),
    (b"   \n\n  ", "raw.txt:1: the file is empty; there is no article to import"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "raw.txt:1: this is a binary file, not text; import takes "
                                              "plain-text articles"),
])
def test_import_refuses_empty_and_binary_files(tmp_path: Path, data: bytes, message: str) -> None:
    path = raw(tmp_path, data)
    with pytest.raises(ContentError) as caught:
        parse_raw(path, data, PUBLISHED)
    assert str(caught.value) == f"{tmp_path}/{message}"


def test_windows_1252_is_read_with_a_warning(tmp_path: Path) -> None:
    path = raw(tmp_path, b"Budget passes in vote\n" + LEDE.encode() + b"\nThe mayor said \x93it is fair\x94 to all.\n")
    article, warnings = parse_raw(path, path.read_bytes(), PUBLISHED)
    assert warnings == [f"{path}:3: not UTF-8; read as Windows-1252 (check quotes and accents, then save the "
                        "file as UTF-8)"]
    assert "“it is fair”" in article.paragraphs[-1]


def test_bom_crlf_other_scripts_long_paragraphs_and_odd_quotes_import_and_build(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    long_paragraph = ("Mayor Anna Lindqvist said the plan, " * 600).strip() + " was fine."
    text = ("\ufeffЗеленський зустрівся з мером\r\n" + LEDE + "\r\n"
            "Президент Володимир Зеленський said \"we will \u201cwin\u201d and he left.\r\n"
            "She said ‘no and “maybe and then 'yes'.\r\n" + long_paragraph + "\r\n")
    source = raw(tmp_path, text.encode("utf-8"), "cyrillic.txt")
    assert main(["--root", str(root), "import", "--published", "2024-03-07", str(source)]) == 0
    article = next((root / "content" / "articles").glob("*.md"))
    assert article.name.startswith("zelenskii-zustrivsia")
    assert "\r" not in article.read_text() and "\ufeff" not in article.read_text()
    report = build(load_config(root))
    assert not report.errors
    assert (root / "site" / "articles" / article.name.replace(".md", ".html")).exists()


def test_an_article_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    from sitegen.content import parse_article

    path = tmp_path / "huge.md"
    data = b"---\ntitle: Huge\npublished: 2024-03-07\n---\n\n" + b"word " * 4_200_000
    path.write_bytes(data)
    with pytest.raises(ContentError) as caught:
        parse_article(path)
    assert str(caught.value) == f"{path}:1: the file is {len(data):,} bytes; articles over 20,000,000 bytes are refused"


def test_ten_megabyte_article_under_the_limit_parses(tmp_path: Path) -> None:
    from sitegen.content import parse_article

    path = tmp_path / "big.md"
    path.write_bytes(b"---\ntitle: Big\npublished: 2024-03-07\n---\n\n" + (b"word " * 200 + b"\n\n") * 10_000)
    assert parse_article(path).title == "Big"


def test_alias_bomb_is_refused_with_its_line(tmp_path: Path) -> None:
    from sitegen.content import parse_article

    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    path = tmp_path / "bomb.md"
    path.write_text(f"---\ntitle: T\npublished: 2024-03-07\n{bomb}---\n\nx\n")
    with pytest.raises(ContentError) as caught:
        parse_article(path)
    assert str(caught.value).startswith(f"{path}:5: aliases (*name) are not allowed here; write the value out")


def test_two_raw_files_with_the_same_headline_get_distinct_slugs(tmp_path: Path) -> None:
    root = make_site(tmp_path, with_seeds=False)
    first = raw(tmp_path, f"Budget passes in vote\n{LEDE}\n".encode(), "a.txt")
    second = raw(tmp_path, f"Budget passes in vote\n{LEDE} Another outlet.\n".encode(), "b.txt")
    assert main(["--root", str(root), "import", "--published", "2024-03-07", str(first), str(second)]) == 0
    names = sorted(p.name for p in (root / "content" / "articles").glob("*.md"))
    assert names == ["budget-passes-in-vote-2.md", "budget-passes-in-vote.md"]


@pytest.mark.parametrize("name, text, message", [
    ("entities.yaml", "entities:\n  - name: X\n    kind: planet\n",
     "entities.yaml:2: X: kind must be one of person, organization, place (or set `not_entity: true`)"),
    ("entities.yaml", "entities: [\n", "entities.yaml:2: "),
    ("topics.yaml", "topics:\n  - name: Peace\n    terms: []\n",
     "topics.yaml:2: Peace: `terms:` must be a non-empty list of words"),
    ("topics.yaml", "topics:\n  - description: no name\n", "topics.yaml:2: entry 1 of `topics:` needs a `name:`"),
    # Values of the wrong kind: a quoted "false" was true (the name silenced), a list shown as its repr.
    ("entities.yaml", "entities:\n  - name: Ines Moreau\n    kind: person\n    not_entity: 'false'\n",
     "entities.yaml:2: Ines Moreau: not_entity must be true or false"),
    ("entities.yaml", "entities:\n  - name: Ines Moreau\n    kind: person\n    role: [port, director]\n",
     "entities.yaml:2: Ines Moreau: role must be text"),
    ("entities.yaml", "entities:\n  - name: Ines Moreau\n    kind: person\n    aliases: [Moreau, [I. Moreau]]\n",
     "entities.yaml:2: Ines Moreau: aliases must be a list of names"),
    ("topics.yaml", "topics:\n  - name: Peace\n    terms: [peace]\n    description: {a: b}\n",
     "topics.yaml:2: Peace: description must be text"),
    ("topics.yaml", "topics:\n  - name: Peace\n    terms: [peace, [talks]]\n",
     "topics.yaml:2: Peace: `terms:` must be a non-empty list of words"),
    ("entities.yaml", "entities:\n  - name: Ines Moreau\n    kind: person\n    aliases: [Moreau, '']\n",
     "entities.yaml:2: Ines Moreau: aliases must be a list of names"),  # an empty alias would name nothing
    ("topics.yaml", "topics:\n  - name: Peace\n    terms: [peace, null]\n",
     "topics.yaml:2: Peace: `terms:` must be a non-empty list of words"),
    # The entries without the list's key, or under a misspelt one: never read as no entries at all.
    ("entities.yaml", "- name: Ines Moreau\n  kind: person\n",
     "entities.yaml:1: expected `entities:` at the top of the file, followed by its list of entries"),
    ("topics.yaml", "topic:\n  - name: Peace\n    terms: [peace]\n",
     "topics.yaml:1: expected `topics:` at the top of the file (found 'topic')"),
])
def test_malformed_knowledge_base_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / name).write_text(text)
    with pytest.raises(ContentError) as caught:
        load_knowledge_base(load_config(root))
    assert str(caught.value).startswith(f"{root / 'content' / name.split(':')[0]}".rsplit("/", 1)[0] + "/" + message)


def test_knowledge_base_scalars_are_read_as_annotation_files_read_them(tmp_path: Path) -> None:
    """Unquoted, a number or a date is what was typed (as in annotation files: sitegen.yamlio.scalar_text)."""
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "entities.yaml").write_text(
        "entities:\n  - name: Agenda 2030\n    kind: organization\n    aliases: [2030, 2024-05-01]\n"
        "    role: ''\n    description: 1.5\n")
    (root / "content" / "topics.yaml").write_text("topics:\n  - name: Budget\n    terms: [Budget, 2025]\n")
    kb = load_knowledge_base(load_config(root))
    assert [(e.aliases, e.role, e.description) for e in kb.entities] == [(("2030", "2024-05-01"), None, "1.5")]
    assert [t.terms for t in kb.topics] == [("budget", "2025")]


ANNOTATION = """\
article: budget
text_sha256: ''
people:
  - name: Anna Lindqvist
    role: Mayor
    mentions:
      - Anna Lindqvist
quotes:
  - text: it is fair
    prefix: 'The mayor said '
    suffix: ' to all.'
    speaker: Anna Lindqvist
    kind: full
    cue: said
    said_on: '2024-03-05'
dates:
  - text: Tuesday
    prefix: 'the new budget on '
    suffix: ' after a long'
    value: '2024-03-05'
    granularity: day
topics:
  - name: Politics
    score: 0.5
"""


@pytest.mark.parametrize("old, new, line, message", [
    ("    role: Mayor", "    role: [Mayor, of Oslo]", 5, "entry 1 of `people:`: `role:` must be text"),
    ("      - Anna Lindqvist", "      - {first: Anna}", 6, "entry 1 of `people:`: `mentions:` must be a list of texts"),
    ("    mentions:\n      - Anna Lindqvist", "    mentions: 3", 6,
     "entry 1 of `people:`: `mentions:` must be a list (one `- ` line each)"),
    ("  - text: it is fair", "  - text: [it, is, fair]", 9, "entry 1 of `quotes:`: `text:` must be text"),
    ("    speaker: Anna Lindqvist", "    speaker: {name: Anna}", 12, "entry 1 of `quotes:`: `speaker:` must be text"),
    ("    kind: full", "    kind: fully", 13, "entry 1 of `quotes:`: `kind:` must be one of full, partial"),
    ("    cue: said", "    cue: true", 14, "entry 1 of `quotes:`: `cue:` must be text (in quotes)"),
    ("    said_on: '2024-03-05'", "    said_on: '2024-3-5'", 15,
     "entry 1 of `quotes:`: `said_on:` must be a day written YYYY-MM-DD"),
    ("    kind: full", "    kind: full\n    rejected: 'no'", 14,
     "entry 1 of `quotes:`: `rejected:` must be true or false"),
    ("    kind: full", "    kind: full\n    by: Editor", 14,
     "entry 1 of `quotes:`: `by:` must be one of machine, editor"),
    ("    value: '2024-03-05'", "    value: '2024-02-30'", 20,
     "entry 1 of `dates:`: `value:` must be a day written YYYY-MM-DD"),
    ("    value: '2024-03-05'", "    value: last week", 20,
     "entry 1 of `dates:`: `value:` must be a day written YYYY-MM-DD"),
    ("    granularity: day", "    granularity: month", 20,
     "entry 1 of `dates:`: `value:` must be a month written YYYY-MM"),
    ("    granularity: day", "    granularity: decade", 21,
     "entry 1 of `dates:`: `granularity:` must be one of day, week, month, year"),
    ("    score: 0.5", "    score: high", 24, "entry 1 of `topics:`: `score:` must be a number"),
    ("    score: 0.5", "    score: .nan", 24, "entry 1 of `topics:`: `score:` must be a number"),
    ("topics:", "topics: 5\nlater:", 22, "`topics:` must be a list of entries"),
])
def test_a_field_of_the_wrong_kind_in_an_annotation_file_is_an_error_naming_its_line(
        tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    # Editors write these files by hand; before, each of these reached the pages' stages (a TypeError
    # or ValueError there, or a value passed on as if it were right).
    path = tmp_path / "budget.yaml"
    text = ANNOTATION.replace(old, new, 1)
    assert text != ANNOTATION
    with pytest.raises(ContentError) as caught:
        from_yaml(text, path)
    assert str(caught.value) == f"{path}:{line}: {message}\n    {text.split(chr(10))[line - 1].rstrip()}"


def test_numbers_and_dates_typed_without_quotes_are_read_as_their_text(tmp_path: Path) -> None:
    text = (ANNOTATION.replace("  - text: Tuesday", "  - text: 2024")
            .replace("    value: '2024-03-05'", "    value: 2024").replace("granularity: day", "granularity: year")
            .replace("    said_on: '2024-03-05'", "    said_on: 2024-03-05"))
    annotations = from_yaml(text, tmp_path / "budget.yaml")
    assert (annotations.dates[0].anchor.exact, annotations.dates[0].value) == ("2024", "2024")
    assert annotations.quotes[0].said_on == "2024-03-05"
    assert from_yaml(ANNOTATION, tmp_path / "budget.yaml").topics[0].score == 0.5


def test_an_impossible_date_in_an_annotation_file_is_reported_and_the_rest_builds(tmp_path: Path, nlp,
                                                                                    capsys) -> None:
    # Quoted, YAML does not read it as a date: it reached the calendar chart as text (a ValueError).
    root = make_site(tmp_path, with_seeds=False)
    articles = root / "content" / "articles"
    (articles / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    (articles / "other.md").write_text(f"---\ntitle: Other\npublished: 2024-03-08\n---\n\n{LEDE} Again.\n")
    assert main(["--root", str(root), "build"]) == 0
    path = root / "content" / "annotations" / "other.yaml"
    text = path.read_text()
    assert "value: '2024-03-05'" in text  # "on Tuesday", before the article's date
    path.write_text(text.replace("value: '2024-03-05'", "value: '2024-02-30'"))
    capsys.readouterr()
    assert main(["--root", str(root), "build"]) == 1
    err = capsys.readouterr().err
    line = path.read_text().split("\n").index("    value: '2024-02-30'") + 1
    assert f"error: {path}:{line}: entry 1 of `dates:`: `value:` must be a day written YYYY-MM-DD" in err
    assert "Traceback" not in err
    assert (root / "site" / "articles" / "good.html").exists()


def test_one_bad_article_others_build_and_exit_status_says_so(tmp_path: Path, nlp, capsys) -> None:
    root = make_site(tmp_path, with_seeds=False)
    articles = root / "content" / "articles"
    (articles / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    (articles / "bad.md").write_text("---\ntitle: Bad\npublished: 2025-02-30\n---\n\nBody.\n")
    assert main(["--root", str(root), "build"]) == 1
    err = capsys.readouterr().err
    assert f"error: {articles / 'bad.md'}:3: not a valid date (day is out of range for month); use YYYY-MM-DD" in err
    assert (root / "site" / "articles" / "good.html").exists()
    assert not (root / "site" / "articles" / "bad.html").exists()


def test_an_article_dated_in_the_first_centuries_builds(tmp_path: Path, nlp) -> None:
    # A typo such as 0024 for 2024: strftime writes that year as "24", and the month pages' names were
    # read back as dates (a ValueError). The archive is in the pages, under the year as written.
    root = make_site(tmp_path, with_seeds=False)
    articles = root / "content" / "articles"
    (articles / "typo.md").write_text(f"---\ntitle: Typo\npublished: 0024-03-07\n---\n\n{LEDE}\n")
    (articles / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE} Again.\n")
    assert main(["--root", str(root), "build"]) == 0
    assert (root / "site" / "archive" / "0024-03.html").exists()
    assert "March 24" in (root / "site" / "index.html").read_text()


def test_strict_fails_on_warnings(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    articles = root / "content" / "articles"
    for slug in ("one", "two"):  # the same headline twice is a warning
        (articles / f"{slug}.md").write_text(f"---\ntitle: Same\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    assert main(["--root", str(root), "build"]) == 0
    assert main(["--root", str(root), "build", "--strict"]) == 1


def test_a_failed_build_leaves_the_previous_site(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    assert main(["--root", str(root), "build"]) == 0
    before = (root / "site" / "index.html").read_text()
    (root / "templates").mkdir()
    (root / "templates" / "index.html").write_text("{% for %}")
    assert main(["--root", str(root), "build"]) == 1
    assert (root / "site" / "index.html").read_text() == before


def test_a_replaced_site_left_by_an_earlier_version_is_removed_and_nothing_is_left_beside_the_site(
        tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    assert main(["--root", str(root), "build"]) == 0
    leftover = root / ".sitegen-cache" / "replaced" / "site-1"  # as if a removal had been cut short
    leftover.mkdir(parents=True)
    (leftover / "index.html").write_text("old")
    inode = (root / "site").stat().st_ino
    (root / "content" / "articles" / "good.md").write_text(
        f"---\ntitle: Better\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    assert main(["--root", str(root), "build"]) == 0
    assert "Better" in (root / "site" / "index.html").read_text()
    assert (root / "site").stat().st_ino == inode  # updated in place, not replaced
    assert not [p.name for p in root.iterdir() if p.name.startswith(".site.")]  # no staging folder left
    replaced = root / ".sitegen-cache" / "replaced"
    for _ in range(100):  # the leftover is deleted in the background
        if not any(replaced.iterdir()):
            break
        time.sleep(0.05)
    assert not leftover.exists() and not any(replaced.iterdir())


def test_a_site_folder_the_machine_refuses_is_an_error_naming_it(tmp_path: Path, capsys, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    (root / "published").write_text("a file, where the config wants a folder")
    with (root / "sitegen.yaml").open("a") as config:
        config.write("\noutput_dir: published/site\n")
    assert main(["--root", str(root), "build"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "published" in error and "Traceback" not in error, error


def test_usage_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["import"])
    assert caught.value.code == 2
    assert main([]) == 2


def test_a_reader_leaving_the_pipe_early_is_no_traceback(tmp_path: Path) -> None:
    # `sitegen build | head -1`: head exits after one line, and later output has nowhere to go.
    root = make_site(tmp_path, with_seeds=False)
    process = subprocess.Popen([sys.executable, "-m", "sitegen", "--root", str(root), "build"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before anything is written
    error = process.stderr.read().decode()
    assert process.wait() == 141, error
    assert "Traceback" not in error and "BrokenPipeError" not in error, error
    assert (root / "site" / "index.html").exists()  # the work itself was done


def test_a_language_model_that_is_not_installed_is_an_error_saying_how_to_install_it(tmp_path: Path, nlp,
                                                                                     capsys, monkeypatch) -> None:
    import sitegen.annotate as annotate

    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "good.md").write_text(f"---\ntitle: Good\npublished: 2024-03-07\n---\n\n{LEDE}\n")
    monkeypatch.setattr(annotate, "MODEL", "en_core_web_not_installed")
    annotate.load_pipeline.cache_clear()  # the annotation workers are forked from here: they try it too
    try:
        assert main(["--root", str(root), "build"]) == 1
    finally:
        annotate.load_pipeline.cache_clear()  # the next test loads the real one again
    err = capsys.readouterr().err
    assert "error: the language model en_core_web_not_installed could not be loaded" in err
    assert "requirements-model.txt" in err and "Traceback" not in err
