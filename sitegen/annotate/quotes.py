"""Direct quotes and who said them.

Quoted spans are found per paragraph (curly or straight marks; apostrophes are not quotes; a quote
left open at a paragraph's end and reopened at the next is one entry per paragraph). The speaker
comes from, in order: a cue after the quote ("..., said X", "..., he added"); a cue before it
("X said on Thursday: ..."); the speech verb that governs the quote in the parse (partial quotes
woven into a sentence); the quote before it when the paragraph only continues someone's words.
Pronouns go to the person who was last the subject of a sentence; titles ("the Russian president")
to the person whose role they match; "a State Department spokesperson" to the department.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitegen.annotate.given_names import Pronoun, usual_pronoun
from sitegen.model import Entity, EntityKind, QuoteKind

if TYPE_CHECKING:  # spaCy loads in a second; only annotation needs it
    from spacy.tokens import Doc, Span, Token

OPENERS = {"“": "”", "„": "“", "«": "»", "\"": "\""}
SINGLE_OPENERS = {"‘": "’", "'": "'"}
OPENING_MARKS = {*OPENERS, "‘"}
"""Marks that open another quote: the words after a quote are searched for its cue only up to one."""
SPEECH_VERBS = {
    "say", "tell", "add", "warn", "claim", "state", "note", "insist", "announce", "describe", "call", "criticize",
    "criticise", "accuse", "argue", "reply", "respond", "write", "post", "tweet", "declare", "stress", "emphasize",
    "emphasise", "urge", "ask", "deny", "confirm", "suggest", "explain", "admit", "acknowledge", "allege",
    "reiterate", "thank", "praise", "label", "dub", "term", "brand", "cite", "vow", "pledge", "promise", "predict",
    "complain", "concede", "comment", "remark", "report", "testify", "quip", "joke", "recall", "assert", "contend",
    "demand", "rule", "raise", "express", "question", "signal", "mention", "threaten", "boast", "caution",
    "condemn", "dismiss", "reject", "welcome", "hail", "brief", "inform", "point", "agree", "characterize",
}
SPEECH_NOUNS = {"remark", "comment", "statement", "word", "speech", "address", "interview", "letter", "post",
                "tweet", "message", "testimony", "announcement", "claim", "warning"}
PERSON_PRONOUNS = {"he", "she", "him", "her"}
GENERIC_HEADS = {"official", "analyst", "leader", "expert", "source", "critic", "observer", "diplomat", "people",
                 "resident", "lawmaker", "politician", "commentator", "activist", "witness", "some", "others"}
ORG_NOUNS = {"administration", "ministry", "department", "government", "office", "agency", "service", "council",
             "committee", "commission", "court", "army", "military", "police", "spokesperson", "spokesman",
             "spokeswoman", "party", "campaign", "company", "firm", "authorities", "authority"}
# Heads of a definite description that stands for someone named before: "the Kentucky senator said",
# "the 45-year-old told reporters". Indefinite ones ("a senior official") are unnamed speakers.
DESCRIPTIONS = {"president", "minister", "secretary", "chancellor", "senator", "governor", "mayor", "leader",
                "chief", "executive", "director", "chairman", "chairwoman", "chair", "lawmaker", "politician",
                "envoy", "ambassador", "commander", "general", "judge", "premier", "candidate", "founder", "owner",
                "economist", "professor", "scientist", "coach", "player", "star", "veteran", "man", "woman"}
AGE = re.compile(r"^\d{1,3}-year-old$")
COURTESY_PRONOUNS: dict[str, Pronoun] = {"mr": "he", "ms": "she", "mrs": "she", "miss": "she"}
FEMININE_WORDS = {"spokeswoman", "chairwoman", "congresswoman", "businesswoman", "queen", "princess", "duchess",
                  "actress", "mother", "wife", "daughter", "sister", "widow", "grandmother", "woman"}
MASCULINE_WORDS = {"spokesman", "chairman", "congressman", "businessman", "king", "prince", "duke", "actor",
                   "father", "husband", "son", "brother", "widower", "grandfather", "man"}
OPEN_MARKS = {"“", "\"", "‘", "'", "„", "«"}
WH_WORDS = {"what", "who", "whatever", "which", "whoever"}


@dataclass(frozen=True)
class QuoteSpan:
    """Characters between a pair of quotation marks (marks excluded)."""

    start: int
    end: int
    paragraph: int
    whole_paragraph: bool


@dataclass(frozen=True)
class FoundQuote:
    """A quote with its attribution."""

    start: int
    end: int
    speaker: str | None
    kind: QuoteKind
    cue: str | None
    cue_token: int | None
    paragraph: int


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Every quoted span, paragraph by paragraph; never fails on odd marks or apostrophes."""
    spans: list[QuoteSpan] = []
    offset = 0
    paragraphs = text.split("\n\n")
    for number, paragraph in enumerate(paragraphs):
        following = paragraphs[number + 1].lstrip() if number + 1 < len(paragraphs) else ""
        for start, end in _spans_in(paragraph, following[:1] in OPENERS):
            inner = paragraph[start:end]
            stripped_start = start + len(inner) - len(inner.lstrip())
            stripped_end = start + len(inner.rstrip())
            if stripped_end > stripped_start:
                whole = not paragraph[:start - 1].strip() and not paragraph[end + 1:].strip(" .,")
                spans.append(QuoteSpan(offset + stripped_start, offset + stripped_end, number, whole))
        offset += len(paragraph) + 2
    return spans


def _spans_in(paragraph: str, next_opens: bool) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    index = 0
    length = len(paragraph)
    while index < length:
        char = paragraph[index]
        closer = OPENERS.get(char)
        if closer and _can_open(paragraph, index):
            close = _find_close(paragraph, index + 1, closer)
            if close is None:
                # Left open: a quote that runs on into the next paragraph (which reopens it), or
                # that opened this one; any other unmatched mark is a stray and quotes nothing.
                if not paragraph[:index].strip() or next_opens:
                    spans.append((index + 1, length))
                index += 1
                continue
            spans.append((index + 1, close))
            index = close + 1
            continue
        single = SINGLE_OPENERS.get(char)
        if single and _can_open(paragraph, index):
            close = _find_single_close(paragraph, index + 1, single)
            if close is not None:
                spans.append((index + 1, close))
                index = close + 1
                continue
        index += 1
    return spans


def _can_open(text: str, index: int) -> bool:
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-/:;,") and not after.isspace()


def _find_close(text: str, start: int, closer: str) -> int | None:
    position = text.find(closer, start)
    if closer == "\"":  # a straight mark closes only where it is not followed by a letter
        while position != -1 and position + 1 < len(text) and text[position + 1].isalnum():
            position = text.find(closer, position + 1)
    return None if position == -1 else position


def _find_single_close(text: str, start: int, closer: str) -> int | None:
    position = text.find(closer, start)
    while position != -1:
        after = text[position + 1] if position + 1 < len(text) else " "
        if not after.isalnum() and not text[position - 1].isspace():
            return position
        position = text.find(closer, position + 1)
    return None


class SpeakerResolver:
    """Turns a subject token into a speaker: an entity, a resolved pronoun or title, or None."""

    def __init__(self, doc: Doc, token_entity: dict[int, tuple[str, EntityKind]], entities: list[Entity],
                 quoted: Sequence[QuoteSpan] = ()):
        self.doc = doc
        self.token_entity = token_entity
        # Characters inside quotation marks: the subject of a quoted sentence ("“There is no reason for
        # Putin to drag out this war,” he said") is not someone the pronoun after it stands for.
        self.quoted = sorted((span.start, span.end) for span in quoted)
        self.quote_starts = [start for start, _ in self.quoted]
        self.roles = {e.name: (e.role or "").lower() for e in entities if e.kind == "person"}
        # whole words, a hyphenated title in its parts ("vice-president" has "president"; "EU" is not in "European")
        self.role_words = {name: set(re.findall(r"\w+", role)) for name, role in self.roles.items()}
        self.pronouns: dict[str, Pronoun | None] = {}
        self.said_pronouns: dict[str, Pronoun] = {}  # "Mr Barclay", "Ms Pritchard"
        for index, (name, kind) in token_entity.items():
            before = doc[index - 1].lower_.rstrip(".") if index else ""
            if kind == "person" and (index - 1) not in token_entity and before in COURTESY_PRONOUNS:
                self.said_pronouns[name] = COURTESY_PRONOUNS[before]

    def speaker(self, token: Token) -> str | None:
        """Who a subject token stands for, or None for generic subjects ("officials")."""
        if token.i in self.token_entity:
            name, _ = self.token_entity[token.i]
            return name
        for child in token.children:  # "Labour's health spokesman, Wes Streeting, said"
            if child.dep_ == "appos" and child.i in self.token_entity:
                return self.token_entity[child.i][0]
        lower = token.lower_
        if lower in ("who", "that") and token.head.dep_ == "relcl" and token.head.head.i != token.i:
            return self.speaker(token.head.head)  # "Macron, who on Wednesday called Russia “a threat”"
        if lower in PERSON_PRONOUNS:
            return self.salient_person(token)
        if lower == "it":  # "the Kremlin said, expressing what it called ..."
            return self.salient_body(token)
        if token.pos_ == "PRON":
            return None
        subtree = list(token.subtree)
        inside = [self.token_entity[t.i] for t in subtree if t.i in self.token_entity and t.i < token.i + 1]
        if _lemma(token) in ORG_NOUNS:
            people = [name for name, kind in inside if kind == "person"]
            if people and _lemma(token) not in {"spokesperson", "spokesman", "spokeswoman"}:
                return people[-1]
            orgs = [name for name, kind in inside if kind == "organization"]
            if orgs:
                return orgs[-1]
            body = self._body_of(token)  # "A spokesman for the Grain Union said"
            if body:
                return body
            if any(t.pos_ == "PROPN" for t in subtree):
                return _noun_phrase(token)
            return self.named_body(token)
        if token.tag_ in ("NNS", "NNPS") or (_lemma(token) in GENERIC_HEADS and token.tag_ != "NN"):
            return self._body_of(token)  # "Analysts at Wedbush Securities said": the firm, else nobody
        if token.pos_ == "NOUN":
            if _indefinite(token):
                return None  # "a senior defense official said", "one EU diplomat called": someone unnamed
            return self.by_title(token) or self.described(token)
        if token.pos_ == "PROPN":
            return _noun_phrase(token)
        return None

    def by_title(self, token: Token) -> str | None:
        """ "the Russian president" is the person whose role matches, last mentioned first."""
        words = {t.lower_ for t in token.subtree if t.i <= token.i and t.pos_ in ("ADJ", "PROPN", "NOUN")}
        head = token.lower_
        best: tuple[int, int, str] | None = None
        for index in range(token.i - 1, -1, -1):
            if index not in self.token_entity:
                continue
            name, kind = self.token_entity[index]
            if kind != "person":
                continue
            role = self.role_words.get(name, set())
            score = 2 * (head in role) + sum(1 for w in words - {head} if w in role)
            if score and (best is None or score > best[0]):
                best = (score, index, name)
        return best[2] if best else None

    def described(self, token: Token) -> str | None:
        """"the Kentucky senator" whose role the article never gave: the person it is about, as a
        pronoun would be."""
        definite = any(c.dep_ == "det" and c.lower_ == "the" for c in token.children)
        if not (definite and token.tag_ == "NN" and (token.lower_ in DESCRIPTIONS or AGE.match(token.text))):
            return None
        # "A senior official, who ..., said ... the official said": someone the article never names
        last = next((t for t in reversed(self.doc[max(0, token.i - 120):token.i]) if t.lower_ == token.lower_), None)
        if last is not None and not (last.i in self.token_entity or last.head.i in self.token_entity
                                     or any(c.i in self.token_entity for c in last.children)):
            return None  # the last "official" was nobody named ("Senator Amy Kerr" names her)
        return self.salient_person(token)

    def _body_of(self, token: Token) -> str | None:
        """The organization unnamed people speak from ("analysts at X", "officials from X", "a spokesman for X")."""
        preps = [p for p in token.children if p.dep_ == "prep" and p.lower_ in ("at", "of", "from", "with", "for")]
        return next((name for p in preps if (name := self._named_in(p, "organization"))), None)

    def salient_body(self, token: Token) -> str | None:
        """The organization "it" stands for: the latest one that was the subject of this sentence or the
        one before."""
        sentence = token.sent
        previous = self.doc[sentence.start - 1].sent if sentence.start else None
        for part in (sentence, previous):
            if part is None:
                continue
            subjects = [t for t in part if t.i < token.i and t.dep_ in ("nsubj", "nsubjpass")]
            for subject in reversed(subjects):
                name = self._named_in(subject, "organization")
                if name:
                    return name
        return None

    def named_body(self, token: Token) -> str | None:
        """"the ministry said": the organization last named with that word in its name."""
        if not any(c.dep_ == "det" and c.lower_ == "the" for c in token.children):
            return None
        head = _lemma(token)
        for index in range(token.i - 1, -1, -1):
            name, kind = self.token_entity.get(index, ("", "person"))
            if kind == "organization" and head in name.lower().split():
                return name
        return None

    def salient_person(self, token: Token) -> str | None:
        """The person a pronoun refers to: the latest sentence subject, else the latest mention; of
        those, the first whose pronoun is not known to be another ("she said" passes over a man)."""
        wanted = "he" if token.lower_ in ("he", "him") else "she" if token.lower_ in ("she", "her") else None
        first = None
        for name in self._candidates(token):
            if name is None:  # "A soldier, who spoke on condition of anonymity, said ... “...,” he said"
                return None
            first = first or name
            if wanted is None or self._pronoun_of(name) in (wanted, None):
                return name
        return first

    def _candidates(self, token: Token) -> Iterator[str | None]:
        """Who a pronoun may stand for, likeliest first; None for someone the article does not name,
        after whom nobody earlier is."""
        sentences = list(self.doc.sents)
        current = next(i for i, s in enumerate(sentences) if s.start <= token.i < s.end)
        for index in range(current, max(current - 6, -1), -1):
            sentence = sentences[index]
            limit = token.i if index == current else sentence.end
            subjects = [t for t in sentence if t.i < limit and t.dep_ in ("nsubj", "nsubjpass")
                        and t.lower_ not in PERSON_PRONOUNS and not self._inside_quotes(t)]
            for subject in reversed(subjects):
                name = self._named_in(subject, "person")
                if name:
                    yield name
                elif _someone_unnamed(subject):
                    yield None
                    return
        for index in range(token.i - 1, -1, -1):
            entry = self.token_entity.get(index)
            if entry and entry[1] == "person" and not self._inside_quotes(self.doc[index]):
                yield entry[0]

    def _inside_quotes(self, token: Token) -> bool:
        position = bisect.bisect_right(self.quote_starts, token.idx)
        return position > 0 and token.idx < self.quoted[position - 1][1]

    def _pronoun_of(self, name: str) -> Pronoun | None:
        """What the text says (Mr, Ms, a spokeswoman), else what the given name usually goes with."""
        if name not in self.pronouns:
            said = self.said_pronouns.get(name)
            role_words = self.role_words.get(name, set())
            by_role: Pronoun | None = "she" if role_words & FEMININE_WORDS else \
                "he" if role_words & MASCULINE_WORDS else None
            self.pronouns[name] = said or by_role or usual_pronoun(name.split()[0])
        return self.pronouns[name]

    def _named_in(self, token: Token, kind: EntityKind) -> str | None:
        """The first entity of `kind` in the phrase `token` heads."""
        for t in token.subtree:
            entry = self.token_entity.get(t.i)
            if entry and entry[1] == kind:
                return entry[0]
        return None


# People a story may quote without a name ("a soldier fighting near Sudzha").
UNNAMED_PEOPLE = GENERIC_HEADS | {"soldier", "resident", "man", "woman", "officer", "witness", "doctor", "nurse",
                                  "fighter", "volunteer", "survivor", "mother", "father", "teacher", "driver",
                                  "worker", "farmer", "student", "spokesperson", "spokesman", "spokeswoman",
                                  "commander", "member", "activist", "citizen", "refugee", "civilian", "employee",
                                  "lawyer", "negotiator", "aide", "adviser", "advisor", "person"}


def _someone_unnamed(subject: Token) -> bool:
    """"a soldier", "one resident": a person the article introduces without a name."""
    return subject.tag_ == "NN" and subject.lower_ in UNNAMED_PEOPLE and _indefinite(subject)


def _indefinite(noun: Token) -> bool:
    """Whether a noun is introduced as one of many: "a soldier", "an official", "one diplomat"."""
    return any(c.dep_ in ("det", "nummod") and c.lower_ in ("a", "an", "one") for c in noun.children)


def _noun_phrase(token: Token) -> str:
    words = [t for t in token.subtree if t.i <= token.i and t.dep_ not in ("det", "punct")]
    start = min(t.i for t in words)
    return POSSESSIVE_END.sub("", token.doc[start:token.i + 1].text)


POSSESSIVE_END = re.compile(r"['’]s$")


def attribute(doc: Doc, spans: list[QuoteSpan], resolver: SpeakerResolver) -> list[FoundQuote]:
    """Speaker, cue and kind for each quoted span."""
    found: list[FoundQuote] = []
    text = doc.text  # spaCy joins every token to make it: once per article, not once per quote
    for span in spans:
        tokens = doc.char_span(span.start, span.end, alignment_mode="expand")
        if tokens is None or len(tokens) == 0:
            continue
        if _names_something(tokens):
            continue
        cue = _cue_after(doc, tokens) or _cue_before(doc, tokens) or _governing_cue(tokens) \
            or _colon_cue(doc, tokens) or _reporting_clause(tokens)
        subject = _subject_of(cue)
        if cue is None and (source := _according_to(tokens)) is not None:
            cue, subject = source.head.head, source
        speaker = resolver.speaker(subject) if subject is not None else None
        above = _speech_above(cue) if speaker is None and cue is not None else None
        higher = _subject_of(above) if above is not None else None
        reporter = resolver.speaker(higher) if higher is not None else None
        if reporter is not None:
            # "The White House said the leaders agreed that “...”": the leaders are nobody named; the
            # White House, which says so, is the source
            cue, speaker = above, reporter
        previous = _continued(found, span) if cue is None else None
        if previous is not None:
            speaker = previous.speaker
            cue = doc[previous.cue_token] if previous.cue_token is not None else None
        found.append(FoundQuote(span.start, span.end, speaker, _kind(tokens, text, span),
                                cue.lower_ if cue is not None else None, cue.i if cue is not None else None,
                                span.paragraph))
    return found


# Words before a quoted title or nickname ('the documentary "Into the Fire"', 'dubbed "the Iron Lady"').
NAMING_WORDS = {"documentary", "film", "movie", "book", "novel", "song", "album", "series", "show", "programme",
                "program", "play", "report", "operation", "exercise", "campaign", "slogan", "hashtag", "dubbed",
                "called", "titled", "entitled", "named", "nicknamed", "known", "codenamed"}
MINOR_WORDS = {"the", "a", "an", "of", "in", "on", "and", "to", "for", "at", "by", "with", "from"}


def _names_something(tokens: Span) -> bool:
    """A quoted title or nickname, not words anyone said: a few words in Title Case, without a
    sentence's punctuation, after a word that names a work or introduces a name."""
    words = [t for t in tokens if not t.is_punct]
    if not words or len(words) > 8 or tokens[-1].text in (".", ",", "!", "?"):
        return False
    if not all(t.text[:1].isupper() or t.lower_ in MINOR_WORDS or not t.is_alpha for t in words):
        return False
    before = [t for t in tokens.doc[max(0, tokens.start - 4):tokens.start] if not t.is_punct]
    return bool(before) and before[-1].lower_ in NAMING_WORDS


def _colon_cue(doc: Doc, tokens: Span) -> Token | None:
    """"Lavrov was blunt: "The plan is dead."": the verb of a short clause before a colon, when its
    subject is someone."""
    index = tokens.start - 1
    while index >= 0 and doc[index].text in OPEN_MARKS:
        index -= 1
    if index < 1 or doc[index].text != ":":
        return None
    root = doc[index - 1]  # the head of the clause before the colon (the parse may hang it on the quote)
    while root.head.i < index and root.head.i != root.i:
        root = root.head
    if root.pos_ not in ("VERB", "AUX"):
        return None
    subject = _first_child(root, ("nsubj",))
    return root if subject is not None and subject.pos_ in ("PROPN", "PRON") else None


def _lemma(token: Token) -> str:
    """The token's lemma, lower case. The pipeline runs without spaCy's lemmatizer (a tenth of its time)
    because only the few words tested as speech cues need a lemma; those are lemmatized here, by the
    same rules and tables."""
    if token.lemma_:
        return token.lemma_.lower()
    from sitegen.annotate import load_pipeline  # the pipeline module imports this one

    lemmas = load_pipeline().get_pipe("lemmatizer").rule_lemmatize(token)
    return str(lemmas[0]).lower() if lemmas else token.lower_


def _is_speech(token: Token) -> bool:
    return token.pos_ in ("VERB", "AUX") and _lemma(token) in SPEECH_VERBS


def _cue_after(doc: Doc, tokens: Span) -> Token | None:
    """"..., said Putin" / "..., he added" / "..., Martin told reporters"; after a quote that ends its
    sentence ("... far away.”"), only a cue that is a sentence of its own ("Trump said on Monday."), not
    the next sentence's speech ("Trump responded on Truth Social, writing that ...")."""
    after = _after_closing_mark(tokens)
    next_mark = doc[after].text if after < len(doc) else ""
    if tokens.text.rstrip()[-1:] not in ",.!?…—–-" and next_mark not in (",", ".", "!", "?", "—", "–"):
        return None  # woven into the sentence, which goes on: “won't be around” unless he agrees
    ended = tokens.text.rstrip().endswith(".") or next_mark in (".", "!", "?")
    seen = 0
    for token in doc[after:min(len(doc), after + 10)]:
        if token.text in OPENING_MARKS or token.text == "\n\n" or "\n" in token.text:
            return None
        if token.is_punct:
            if token.text in ".!?;" and seen:
                return None
            continue
        seen += 1
        if token.pos_ == "SCONJ" or token.lower_ == "as":
            return None  # “a stalling tactic,” as they pointed to ...: a clause of its own, not the cue
        if _is_speech(token):
            if ended and not any(t.text in ".!?" for t in doc[token.i + 1:token.i + 5]):
                return None
            return token
        if seen > 4:
            return None
    return None


def _after_closing_mark(tokens: Span) -> int:
    """Where the text after a quote's closing mark starts (a straight mark closes as it opens)."""
    doc = tokens.doc
    return tokens.end + 1 if tokens.end < len(doc) and doc[tokens.end].text in ("\"", "”", "'", "’", "»") \
        else tokens.end


def _according_to(tokens: Span) -> Token | None:
    """"According to him, the initiatives aim at “prolonging the conflict”": who the sentence cites."""
    for token in tokens[0].sent:
        if token.lower_ == "according" and not (tokens.start <= token.i < tokens.end):
            to = _first_child(token, ("prep",))
            source = _first_child(to, ("pobj",)) if to is not None and to.lower_ == "to" else None
            if source is not None:
                return source
    return None


def _cue_before(doc: Doc, tokens: Span) -> Token | None:
    """"X said on Thursday: ..." / "stating, ..." / "He added, ..."."""
    index = tokens.start - 1
    while index >= 0 and (doc[index].text in OPEN_MARKS or doc[index].is_space):
        index -= 1
    if index < 0 or doc[index].text not in (":", ","):
        return None
    for token in reversed(doc[max(0, index - 12):index]):
        if "\n" in token.text or token.text in (".", "”", "\""):
            return None
        if _is_speech(token):
            return token
    return None


def _reporting_clause(tokens: Span) -> Token | None:
    """A quote woven into a sentence that a reporting clause closes: "Israel will allow a “basic amount”
    of food into Gaza, the prime minister's office said on Sunday, after ...". The clause is set off by
    a comma, its subject comes first, and nothing else is quoted between the quote and it."""
    sentence = tokens[0].sent
    for token in tokens.doc[_after_closing_mark(tokens):sentence.end]:
        if token.text in OPENING_MARKS:
            return None
        if not _is_speech(token):
            continue
        subject = _subject_child(token)
        if subject is None or subject.i > token.i:
            return None
        start = min(t.i for t in subject.subtree)
        return token if start > tokens.end and tokens.doc[start - 1].text == "," else None
    return None


def _governing_cue(tokens: Span) -> Token | None:
    """The speech verb (or "X's remarks") above a quote woven into the writer's sentence."""
    heads = [t.head for t in tokens if not (tokens.start <= t.head.i < tokens.end)]
    for head in heads[:1]:
        node: Token | None = head
        for _ in range(20):
            if node is None:
                break
            if _is_speech(node):
                return node
            if node.dep_ == "ROOT" or node.head is node:
                subject = _first_child(node, ("nsubj",))
                if subject is not None and _lemma(subject) in SPEECH_NOUNS:
                    return node
                break
            node = node.head
    return None


def _speech_above(cue: Token) -> Token | None:
    """The speech verb a cue's clause reports, a few steps up the parse ("said" above "agreed")."""
    node = cue
    for _ in range(3):
        if node.dep_ not in ("ccomp", "xcomp", "advcl", "conj") or node.head.i == node.i:
            return None
        node = node.head
        if _is_speech(node):
            return node
    return None


def _first_child(token: Token, deps: tuple[str, ...]) -> Token | None:
    return next((c for c in token.children if c.dep_ in deps), None)


def _subject_child(verb: Token) -> Token | None:
    """A verb's subject, never a dateline's place that the parse hung on it ("JERUSALEM — Israel will
    allow ..., the prime minister's office said")."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    return next((c for c in subjects if not _dateline(c)), subjects[0] if subjects else None)


def _dateline(token: Token) -> bool:
    """A word opening its paragraph before a dash: a dateline ("JERUSALEM —")."""
    doc = token.doc
    opens = token.i == 0 or "\n" in doc[token.i - 1].text
    return opens and token.i + 1 < len(doc) and doc[token.i + 1].text in ("—", "–", "-")


def _subject_of(verb: Token | None) -> Token | None:
    """The subject of a cue, inherited from the verb it hangs on ("..., saying" / "stating")."""
    node = verb
    for _ in range(4):
        if node is None:
            return None
        subject = _subject_child(node)
        if subject is not None:
            if _lemma(subject) in SPEECH_NOUNS:  # "Putin's remarks ... suggested"
                owners = [t for t in subject.lefts if t.pos_ == "PROPN" or t.dep_ == "poss"]
                return owners[0] if owners else subject
            return subject
        if node.dep_ == "acl" and node.head.pos_ in ("NOUN", "PROPN"):  # "with his administration stating"
            return node.head
        if node.dep_ in ("advcl", "xcomp", "conj", "ccomp", "pcomp", "acl") and node.head is not node:
            node = node.head
            continue
        after = [t for t in node.rights if t.dep_ in ("nsubj", "dobj", "attr") and t.pos_ in ("PROPN", "PRON")]
        return after[0] if after else None
    return None


def _continued(found: list[FoundQuote], span: QuoteSpan) -> FoundQuote | None:
    """A quote with no cue of its own continues the one before it in this or the previous paragraph."""
    if not found or not found[-1].speaker:
        return None
    previous = found[-1]
    if previous.paragraph == span.paragraph:
        return previous
    return previous if previous.paragraph == span.paragraph - 1 and span.whole_paragraph else None


def _kind(tokens: Span, article_text: str, span: QuoteSpan) -> QuoteKind:
    """full: a clause of speech (a subject and its verb inside the marks); partial: a fragment."""
    roots = [t for t in tokens if not (tokens.start <= t.head.i < tokens.end) or t.head is t]
    for root in roots[:1]:
        subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass", "expl")
                    and tokens.start <= c.i < tokens.end]
        if subjects and root.pos_ in ("VERB", "AUX") and subjects[0].lower_ not in WH_WORDS:
            return "full"
    text = tokens.text
    words = len(text.split())
    before = article_text[:span.start - 1].rstrip()
    set_off = not before or before.endswith((":", ",", ".", "!", "?", "”", "\"", "\n")) or span.whole_paragraph
    if text[:1].isupper() and words >= 2 and set_off and re.search(r"[.!?,…]$", text.strip()):
        return "full"
    return "partial"
