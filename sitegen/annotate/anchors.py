"""Text-quote anchors (W3C TextQuoteSelector): exact text plus a little context either side."""

from __future__ import annotations

from sitegen.model import Anchor

CONTEXT = 32


def make_anchor(text: str, start: int, end: int) -> Anchor:
    """The anchor of text[start:end]: context is cut at line breaks so a paragraph edit stays local."""
    prefix = text[max(0, start - CONTEXT):start].split("\n")[-1]
    suffix = text[end:end + CONTEXT].split("\n")[0]
    return Anchor(exact=text[start:end], prefix=prefix, suffix=suffix)


def locate(text: str, anchor: Anchor) -> tuple[int, int] | None:
    """Where an anchor sits in `text`: the occurrence of `exact` whose context agrees best."""
    if not anchor.exact:
        return None
    best: tuple[int, int] | None = None
    best_score = -1
    start = text.find(anchor.exact)
    while start != -1:
        end = start + len(anchor.exact)
        score = _agreement_before(text, start, anchor.prefix) + _agreement_after(text, end, anchor.suffix)
        if score > best_score:
            best, best_score = (start, end), score
        start = text.find(anchor.exact, start + 1)
    return best


def _agreement_before(text: str, start: int, wanted: str) -> int:
    """How many characters of `wanted` agree with the text just before `start`, counted from the match."""
    count = 0
    while count < len(wanted) and count < start and text[start - 1 - count] == wanted[-1 - count]:
        count += 1
    return count


def _agreement_after(text: str, end: int, wanted: str) -> int:
    """How many characters of `wanted` agree with the text from `end` on."""
    count = 0
    while count < len(wanted) and end + count < len(text) and text[end + count] == wanted[count]:
        count += 1
    return count
