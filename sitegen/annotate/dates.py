"""Dates: every expression naming a day, week, month or year, resolved against the publication date.

Explicit dates ("February 21, 2025", "12 February") are parsed with dateparser; relative ones are
resolved the way a reader would: a weekday in past narration is the latest one on or before
publication, in future narration ("will visit ... on Friday", "as early as Friday") the next one; a
week is its Monday, a weekend its Saturday. Durations ("six hours", "three years") are not dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import dateparser

from sitegen.model import Granularity

MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december"]
MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
         r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a few": 3, "several": 3}
NUMBER = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
APOSTROPHE_S = r"(?:['’]s)?"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(pattern, re.IGNORECASE if flags else 0))
                                               for name, pattern, flags in [
    ("full", rf"\b(?:{WEEKDAY},?\s+)?{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", 0),
    ("full", rf"\b(?:{WEEKDAY},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH},?\s+\d{{4}}\b", 0),
    ("iso", r"\b\d{4}-\d{2}-\d{2}\b", 0),
    # Day, month and year with dots, as European sites write them: "18.03.2025" (never the US month first).
    ("dotted", r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{4}(?![\d.]\d)", 0),
    ("day_month", rf"\b{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*(?:%|km|,\d))", 0),
    ("day_month", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\b", 0),
    ("month_year", rf"\b{MONTH}\s+(?:of\s+)?\d{{4}}\b", 0),
    ("rel_month", rf"\b(?:last|this|next|early|late|mid-?)\s*{MONTH}\b", 0),
    # A month alone only after a preposition: "in May" is a month where "May" alone may be a verb.
    ("month", rf"\b(?i:in|by|since|until|before|after|during|through|from)\s+{MONTH}(?!\w|\s+\d)", 0),
    # ... or a part of it ("since the start of March"), or naming an event after "the" ("the January
    # agreement", "the March talks").
    ("month", rf"\b(?i:start|end|beginning|middle|rest)\s+of\s+{MONTH}(?!\w|\s+\d)", 0),
    ("month", rf"(?<=\b[Tt]he ){MONTH}(?=\s+[a-z])", 0),
    ("weekday", rf"\b(?:(?i:on|last|next|this|by|until|since|from)\s+)?{WEEKDAY}{APOSTROPHE_S}", 0),
    ("rel_period", r"\b(?:last|this|next|earlier this|later this)\s+(?:week|weekend|month|year)\b", 1),
    ("the_weekend", r"\b(?:over|at|during|on)\s+the\s+weekend\b", 1),
    ("ago", rf"\b{NUMBER}\s+(?:days?|weeks?|months?|years?)\s+ago\b", 1),
    # "two days later" points from the last day named; "a day after Russia warned" joins two events.
    ("later", rf"\b{NUMBER}\s+(?:days?|weeks?)\s+(?:later|earlier|(?:after|before)(?=[,.;]))", 1),
    # "a year earlier" from the last date named, whatever its precision ("in 2014 ... two years later").
    ("later", rf"\b{NUMBER}\s+(?:months?|years?)\s+(?:later|earlier)", 1),
    ("deictic", r"\b(?:yesterday|today|tomorrow|tonight|last night|this morning|this afternoon|"
                r"this evening)\b", 1),
    ("same_day", r"\bthe same day\b", 1),
    ("year", r"(?<![\d$£€.,])(?<!\d-)\b(?:1[89]\d\d|20\d\d)\b(?![\d%]|\s*(?:km|kilomet|mile|troops|people|soldiers|"
             r"tonnes|tons|cases|dollars|euros|units)|['’]?s\b|-\d)", 0),
]]
# "expected" only before a time ("rain was expected over the weekend"), not "had been expected since".
FUTURE = re.compile(r"\b(will|would|shall|must|going to|expected(?=\s*$|\s+(?:to|on|in|at|over|by|later|next|this)\b)|"
                    r"(?:could|might)(?!\s+(?:not|have)\b)|"  # what could happen; not what could not be done
                    r"is to|are to|due to|set to|plans? to|planning to|scheduled|as early as|hopes? to|hoping to|"
                    r"prepar(?:e|es|ing) to|"
                    r"next|'ll|’ll|upcoming|"
                    r"is meeting|are meeting|is visiting)\b", re.IGNORECASE)
PAST_SPEECH = re.compile(r"\b(said|told|added|announced|stated|reported|claimed)\b", re.IGNORECASE)
# A past verb after the future marker belongs to a clause of its own: "The deal, which would give ...,
# was meant to be signed on Friday" (last Friday); so does a relative clause ("had no plans to speak with
# Macron, who on Wednesday called ..."), which news tells in the past.
PAST_CLAUSE = re.compile(r"\b(was|were|had)\b|, (who|which)\b", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    """A date expression with its resolved value."""

    start: int
    end: int
    value: str
    granularity: Granularity


def find_dates(text: str, published: dt.date) -> list[FoundDate]:
    """Every date expression in `text`, in order, resolved against `published`."""
    taken: list[tuple[int, int]] = []
    found: list[FoundDate] = []
    counted_from: list[tuple[int, int, str]] = []  # "two years later": resolved once every date it may follow is found
    for name, pattern in PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(a < end and start < b for a, b in taken):
                continue
            if name == "later":
                taken.append((start, end))
                counted_from.append((start, end, match.group(0)))
                continue
            resolved = _resolve(name, match.group(0), text, start, published, found)
            if resolved:
                taken.append((start, end))
                found.append(FoundDate(start, end, *resolved))
    for start, end, expression in sorted(counted_from):
        found.append(FoundDate(start, end, *_later(expression.lower(), start, published, found)))
    return sorted(found, key=lambda d: d.start)


def _resolve(name: str, expression: str, text: str, start: int, published: dt.date,
             earlier: list[FoundDate]) -> tuple[str, Granularity] | None:
    lowered = expression.lower()
    if name in ("full", "iso"):
        parsed = _parse(expression, published)
        return (parsed.isoformat(), "day") if parsed else None
    if name == "dotted":
        day_number, month_number, year = map(int, expression.split("."))
        try:
            return dt.date(year, month_number, day_number).isoformat(), "day"
        except ValueError:
            return None
    if name == "day_month":
        parsed = _parse(expression, published)
        return (_nearest_year(parsed, published).isoformat(), "day") if parsed else None
    if name == "month_year":
        parsed = _parse(expression.replace(" of ", " "), published)
        return (parsed.strftime("%Y-%m"), "month") if parsed else None
    if name == "rel_month":
        return _relative_month(lowered, text, start, published)
    if name == "month":
        month = _month_number(lowered)
        return (_month_in_narration(month, text, start, published), "month") if month else None
    if name == "the_weekend":
        return _weekday("saturday", text, start, published), "day"
    if name == "weekday":
        return _weekday(lowered, text, start, published), "day"
    if name == "rel_period":
        return _relative_period(lowered, published)
    if name == "ago":
        return _ago(lowered, published)
    if name == "deictic":
        shift = {"yesterday": -1, "tomorrow": 1, "last night": -1}.get(lowered, 0)
        return (published + dt.timedelta(days=shift)).isoformat(), "day"
    if name == "same_day":
        anchor = _last_day_before(start, earlier)
        return (anchor.isoformat(), "day") if anchor else None
    return expression, "year"  # a bare year


def _parse(expression: str, published: dt.date) -> dt.date | None:
    settings = {"RELATIVE_BASE": dt.datetime.combine(published, dt.time()), "PREFER_DATES_FROM": "past",
                "REQUIRE_PARTS": ["day", "month"] if re.search(r"(?<!\d)\d{1,2}(?!\d)", expression) else ["month"]}
    cleaned = re.sub(r"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+", "", expression)
    result = dateparser.parse(cleaned, languages=["en"], settings=settings)
    return result.date() if result else None


def _nearest_year(day: dt.date, published: dt.date) -> dt.date:
    """A day without a year is in the year that puts it nearest to publication."""
    options = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            options.append(day.replace(year=year))
        except ValueError:
            continue
    return min(options, key=lambda d: (abs((d - published).days), d > published))


def _is_future(text: str, start: int) -> bool:
    """Future narration: a future marker earlier in the sentence, with no past speech verb after it."""
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), 0)
    before = text[sentence_start:start]
    markers = list(FUTURE.finditer(before))
    if not markers:
        return False
    after = before[markers[-1].end():]
    return not PAST_SPEECH.search(after) and not PAST_CLAUSE.search(after)


def _weekday(expression: str, text: str, start: int, published: dt.date) -> str:
    target = next(i for i, day in enumerate(WEEKDAYS) if day in expression)
    back = (published.weekday() - target) % 7
    forward = (target - published.weekday()) % 7
    if expression.startswith("next"):
        return (published + dt.timedelta(days=forward or 7)).isoformat()
    if expression.startswith("last"):
        return (published - dt.timedelta(days=back or 7)).isoformat()
    if _is_future(text, start):
        return (published + dt.timedelta(days=forward)).isoformat()
    return (published - dt.timedelta(days=back)).isoformat()


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _shift_month(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _relative_period(expression: str, published: dt.date) -> tuple[str, Granularity]:
    shift = -1 if expression.startswith("last") else 1 if expression.startswith("next") else 0
    unit = expression.split()[-1]
    if unit == "week":
        return (_monday(published) + dt.timedelta(weeks=shift)).isoformat(), "week"
    if unit == "weekend":
        saturday = _monday(published) + dt.timedelta(days=5)
        if shift == -1 or (shift == 0 and saturday > published and "last" in expression):
            saturday -= dt.timedelta(weeks=1)
        return (saturday + dt.timedelta(weeks=max(shift, 0))).isoformat(), "day"
    if unit == "month":
        return _shift_month(published, shift).strftime("%Y-%m"), "month"
    return str(published.year + shift), "year"


def _month_number(expression: str) -> int | None:
    """The month an expression ends with ("in mid-Oct." is 10)."""
    last = re.split(r"[\s-]", expression.rstrip("."))[-1][:3]
    return next((i for i, name in enumerate(MONTH_NAMES, start=1) if name[:3] == last), None)


def _relative_month(expression: str, text: str, start: int, published: dt.date) -> tuple[str, Granularity]:
    month = _month_number(expression) or published.month
    year = published.year
    if expression.startswith("last"):
        year -= 1 if month >= published.month else 0
    elif expression.startswith("next"):
        year += 1 if month <= published.month else 0
    elif not expression.startswith("this"):  # "early March", "in mid-October": as a month alone
        return _month_in_narration(month, text, start, published), "month"
    return f"{year:04d}-{month:02d}", "month"


def _month_in_narration(month: int, text: str, start: int, published: dt.date) -> str:
    """A month without a year is, like a weekday, the latest one on or before publication in past
    narration ("opened an investigation in October") and the next one in future narration."""
    year = published.year
    if _is_future(text, start):
        year += 1 if month < published.month else 0
    else:
        year -= 1 if month > published.month else 0
    return f"{year:04d}-{month:02d}"


def _count(expression: str) -> int:
    for words, number in sorted(NUMBER_WORDS.items(), key=lambda item: -len(item[0])):
        if expression.startswith(words + " "):
            return number
    digits = re.match(r"\d+", expression)
    return int(digits.group(0)) if digits else 1


def _ago(expression: str, published: dt.date) -> tuple[str, Granularity]:
    count = _count(expression)
    if "year" in expression:
        return str(published.year - count), "year"
    if "month" in expression:
        return _shift_month(published, -count).strftime("%Y-%m"), "month"
    if "week" in expression:
        return _monday(published - dt.timedelta(weeks=count)).isoformat(), "week"
    return (published - dt.timedelta(days=count)).isoformat(), "day"


def _last_named(start: int, earlier: list[FoundDate], days_only: bool = False) -> FoundDate | None:
    """The date named last before `start`, within a few paragraphs (of those naming a day, if `days_only`)."""
    named = [d for d in earlier if d.end <= start and start - d.end < 600 and (d.granularity == "day" or not days_only)]
    return max(named, key=lambda d: d.end) if named else None


def _last_day_before(start: int, earlier: list[FoundDate]) -> dt.date | None:
    day = _last_named(start, earlier, days_only=True)
    return dt.date.fromisoformat(day.value) if day else None


def _later(expression: str, start: int, published: dt.date,
           earlier: list[FoundDate]) -> tuple[str, Granularity]:
    sign = -1 if ("earlier" in expression or "before" in expression) else 1
    if "month" in expression or "year" in expression:
        last = _last_named(start, earlier)
        # its first day: "2014" and "2014-03" padded to a full date
        anchor = dt.date.fromisoformat(f"{last.value}-01-01"[:10]) if last else published
        if "year" in expression:
            return str(anchor.year + sign * _count(expression)), "year"
        shifted = _shift_month(anchor, sign * _count(expression))
        if last is not None and last.granularity == "year":  # no more precise than what it counts from
            return str(shifted.year), "year"
        return shifted.strftime("%Y-%m"), "month"
    count = _count(expression) * (7 if "week" in expression else 1)
    anchor = _last_day_before(start, earlier) or published
    return (anchor + dt.timedelta(days=sign * count)).isoformat(), "day"
