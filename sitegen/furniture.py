"""Site furniture: lines a scraper picks up that are not the article (menus, forms, credits, promos).

Each rule is general news-site knowledge, never a particular outlet's wording; the importer lists
what each one removed (`sitegen import --explain FILE`) so an editor can check it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_I = re.IGNORECASE

AGENCIES = (r"(getty images|reuters|afp|ap|ap photo|epa|efe|anadolu|tass|sputnik|bloomberg|shutterstock|alamy|pool|"
            r"dpa|kyodo|xinhua|yonhap|ansa|ani|pti|ians|pa|pa media|pa wire|ukrinform)")

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("comment form", re.compile(r"^(leave a (reply|comment)|post a comment|add a comment)\b", _I)),
    ("comment form", re.compile(r"your email address will not be published|required fields are marked", _I)),
    ("comment form", re.compile(r"^(\d+ )?comments?( \(\d+\))?$|^no comments yet\b|^be the first to comment", _I)),
    ("source link", re.compile(r"^(source link|source|via)\s*:?\s*$", _I)),
    ("view counter", re.compile(r"^visited \d+ times?|\d+ visits?\(s\) today|^\d+ views?$", _I)),
    ("share buttons", re.compile(r"^(share|share this( article| story)?|print|email|tweet|advertisement|"
                                 r"skip to (main )?content|read more|related( articles| stories)?)\s*:?$", _I)),
    ("contributor credit", re.compile(r"\bcontributed (to )?(this )?report(ing)?\.?$|\bcontributed from [^.]{1,60}\.?$|"
                                      r"^\(?(additional )?reporting by\b|"
                                      r"^\(?(writing|editing) by\b", _I)),
    ("related link", re.compile(r"^(read|see) (also|more)\s*:\s*\S|^also read\s*:\s*\S", _I)),
    ("related link", RELATED_HEADER := re.compile(r"^((related|more) (topics|coverage|content|reading|news|links|"
                                                  r"on this story)|explore more on (these|this) topics?)\s*:?$", _I)),
    # A byline the scraper left inside the text ("By Jo Park and Al Reyes", "By JO PARK"): names only.
    ("byline", re.compile(r"^(?:By|BY)\s+(?!(?i:the|a|an|then|now)\b)[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
                          r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})*$")),
    ("audio player", re.compile(r"^(press play to |click to )?listen to (this|the) (article|story)\b.{0,30}$|"
                                r"^voiced by artificial intelligence\.?$", _I)),
    ("update note", re.compile(r"^this (article|story|report) (has been|was) updated\b.{0,60}$", _I)),
    # A wire agency's end mark ("==Kyodo").
    ("sign-off", re.compile(r"^={2,}\s*[A-Za-z][\w .-]{0,20}$|^[A-Za-z][\w .-]{0,20}\s*={2,}$")),
    # The outlet's appeal for support at the end ("Consider supporting the Daily Courier."): the name
    # in capitals, so that "consider supporting the Ukrainian army" in a sentence is never taken.
    ("support appeal", re.compile(r"\b[Cc]onsider (supporting|subscribing to|donating to) "
                                  r"(us|the (?:[A-Z][\w’'-]*\s?){1,4})[.!]?$")),
    ("support appeal", re.compile(r"^.{0,40}\bbecome (a|our) (patron|member|supporter|subscriber)s?[.!]?$", _I)),
    ("newsletter promotion", re.compile(r"^(unlock|sign up|subscribe|get)\b.*\bnewsletter\b", _I)),
    ("newsletter promotion", re.compile(r"^(sign up|subscribe)( now| today| for free)?[.!]?$", _I)),
    ("photo credit", re.compile(rf"^[\w .,'’-]{{0,60}}/\s*{AGENCIES}\b.{{0,30}}$", _I)),
    ("photo credit", re.compile(rf"^(photo|image|picture|credit|photograph)s?\s*(by|credit)?\s*:.{{0,80}}$|"
                                rf"^\(?{AGENCIES}( via getty images)?\)?$", _I)),
    ("embedded image", re.compile(r"<image\b|data:image/|^!\[[^\]]*\]\(", _I)),
    ("embedded image", re.compile(r"^(image|photo|picture|video|gallery)$", _I)),
    ("logo", re.compile(r"^\S.{0,40}\blogo$", _I)),
    ("breadcrumbs", re.compile(r"^home\s*[>»›/|]|^\S[^>»›|]{0,40}(\s[>»›|]\s[^>»›|]+){2,}$", _I)),
    ("section menu", re.compile(r"^[•·▪►■]\s*\S(\S*\s?){0,4}$")),
    ("empty byline", re.compile(r"^(article\s+)?(written\s+)?by\s*:\s*(source\s*:\s*)?$", _I)),
)

SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$|[\"”»][.!?]?$")
LOGO = re.compile(r"^(?P<name>\S.{0,40}?)\s+logo$", _I)
SIGN_OFF = re.compile(r"(?<=[.!?”\"’])\s+(?P<initials>[A-Z]{2,4})\s*$")


def furniture_reason(line: str) -> str | None:
    """Why `line` is furniture, or None when it may be article text."""
    for reason, pattern in PATTERNS:
        if pattern.search(line):
            return reason
    return None


def is_sentence(line: str) -> bool:
    """A line that ends like a sentence (full stop, question, quote close)."""
    return bool(SENTENCE_END.search(line.strip()))


def word_count(line: str) -> int:
    """Words in a line, counting only tokens with a letter or digit."""
    return sum(1 for w in line.split() if any(c.isalnum() for c in w))


def is_paragraph(line: str) -> bool:
    """A line that reads as body text: a sentence of some length."""
    return word_count(line) >= 8 and is_sentence(line)


def logo_outlet(line: str) -> str | None:
    """The outlet named by a logo line ("Dailymaverick logo"), if it is one."""
    match = LOGO.match(line.strip())
    return match.group("name").strip() if match else None


OUTLET_IN_TEXT: tuple[Callable[[str], re.Match[str] | None], ...] = (
    re.compile(r"\b(?P<name>[A-Z][\w&.'’-]*(?: [A-Z][\w&.'’-]*){0,3}) has (?:contacted|reached out to|asked)\b").search,
    re.compile(r"^[A-Z][A-Z .,'-]{2,40}\((?P<name>[A-Z][\w .&-]{1,30})\)\s*[-–—]").search,
    re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){0,2} (?P<name>[A-Z]{2,6}) [-–—] ").search,  # "Washington CNN — ..."
)


def outlet_from_text(paragraphs: list[str]) -> str | None:
    """The outlet named in the body ("Newsweek has contacted ...", "KYIV (Reuters) -")."""
    for paragraph in paragraphs:
        for finder in OUTLET_IN_TEXT:
            match = finder(paragraph)
            if match:
                return match.group("name")
    return None
