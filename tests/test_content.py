"""Loading content: every problem in front matter is reported as path:line: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.content import parse_article
from sitegen.errors import ContentError


def write(tmp_path: Path, text: str, name: str = "story.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("front, line, fragment", [
    ("title: A\npublished: 2025-02-30\n", 3, "not a valid date"),
    ("title: A\npublished: 2025-02-01\ntitle: B\n", 4, "duplicate key 'title' (first on line 2)"),
    ("title: A\n\tpublished: 2025-02-01\n", 3, "tabs"),
    ("title: \"unclosed\npublished: 2025-02-01\n", 2, "quotation mark is not closed"),
    ("title: [unclosed\n", 2, "did not find expected ',' or ']'"),  # the error is past the last line
    ("title: A\npublished: 2025-02-01\ntopics: {a: 1\n", 4, "did not find expected ',' or '}'"),
    ("a: &x [1]\nb: *x\n", 3, "aliases"),
    ("published: 2025-02-01\n", 1, "missing title"),
    ("title: A\n", 1, "missing published date"),
    ("title: A\npublished: 2025-02-01\nstory: ../etc\n", 4, "must be a slug"),
])
def test_malformed_front_matter_names_file_and_line(tmp_path: Path, front: str, line: int, fragment: str) -> None:
    path = write(tmp_path, f"---\n{front}---\n\nBody text.\n")
    with pytest.raises(ContentError) as caught:
        parse_article(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert fragment in str(caught.value)


def test_empty_and_non_utf8_files_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="empty"):
        parse_article(write(tmp_path, ""))
    bad = tmp_path / "latin.md"
    bad.write_bytes(b"---\ntitle: Caf\xe9\npublished: 2025-02-01\n---\nx\n")
    with pytest.raises(ContentError, match=r"latin.md:2: not UTF-8"):
        parse_article(bad)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ok.md"
    path.write_bytes("\ufeff---\r\ntitle: Fine\r\npublished: 2025-02-01\r\n---\r\n\r\nBody.\r\n".encode())
    article = parse_article(path)
    assert article.title == "Fine" and article.body == "Body."
