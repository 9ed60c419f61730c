"""A faster way to fill lunr.py's index builder, with output identical to `lunr.lunr()`.

lunr.py tokenizes character by character and runs its pipeline (trimmer, stop-word filter, Porter
stemmer) on every token. News repeats its words, so this module normalises each distinct word once
(lunr's own pipeline functions) and hands lunr's Builder the finished terms; the Builder's inverted
index, its idf and its serialisation for lunr.js are lunr.py's, and the BM25 field vectors are scored
here with lunr's formula, all at once. `tests/test_search.py` and a property test check that the
serialised index is the same as lunr's own.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from itertools import chain, repeat
from operator import setitem
from typing import Any

import numpy as np
from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION
from lunr.builder import Builder
from lunr.field_ref import FieldRef
from lunr.idf import idf
from lunr.lunr import get_default_builder
from lunr.stemmer import porter_stemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.trimmer import full_re
from numpy.typing import NDArray


def words(text: str) -> list[str]:
    """The lowercased words of `text`, split where lunr's tokenizer splits it, with empty strings
    between separators that follow each other (a separator made a space, then `str.split(" ")`: 2.5x
    faster than a regular expression's split on a shard of 1,000 articles)."""
    text = text.lower()
    for separator in SEPARATOR_CHARS[1:]:  # all but the space
        if separator in text:
            text = text.replace(separator, " ")
    return text.split(" ")


def round_3(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """`round(x, 3)` of each value, as Python rounds: to the double nearest the decimal with three
    places nearest the value's exact binary value. Scaled by 1000, rounded to an integer and divided,
    that is the same result except where the scaled value is within its own rounding error of a half
    (x * 1000 is rounded to a double first); those few are rounded by Python."""
    scaled = values * 1000
    rounded: NDArray[np.float64] = np.rint(scaled) / 1000
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6).tolist():
        rounded[i] = round(float(values[i]), 3)
    return rounded


def normalise(word: str) -> str | None:
    """lunr's indexing pipeline for one lowercased token: trim, drop stop words, stem."""
    match = full_re.match(word)
    trimmed = match.group(1) if match else word
    if not trimmed or trimmed in STOP_WORDS:
        return None
    return str(porter_stemmer.stem(trimmed))


_TERM_OF: dict[str, str] = {"": ""}
"""Each word this process has met, normalised ("": not indexed; no word stems to ""). A plain dict,
because it is read through C (`map`). It is emptied when it would grow past `_MOST_WORDS`, about 45 MB
at 150 bytes a word (the 10,000 articles of the bench have 45,000 distinct words)."""
_MOST_WORDS = 300_000


def term_counts(text: str) -> Counter[str]:
    """The terms lunr would index for a field's text, each with how often it occurs, in order of first
    occurrence (which numbers the terms in the index). Only words never met before are normalised in
    Python; the rest is splitting, a set difference and counting in C (a full-text shard of 1,000
    articles: 0.17 s once its words are known, from 0.35 s with a regular expression and a Python loop
    over each field's distinct words)."""
    split = words(str(text))
    new = set(split).difference(_TERM_OF)
    if len(_TERM_OF) + len(new) > _MOST_WORDS:
        _TERM_OF.clear()
        new = set(split)
    for word in new:
        _TERM_OF[word] = normalise(word) or ""
    counts = Counter(map(_TERM_OF.__getitem__, split))
    del counts[""]  # a Counter's del ignores a missing key
    return counts


_COUNTED: dict[str, Counter[str]] = {}
"""Term counts of field texts counted ahead of indexing (`count_ahead`), by text."""


def count_ahead(texts: set[str]) -> None:
    """Count the terms of `texts` now, in this process, for indexes built later by processes forked from
    it: a process that builds again and again (`sitegen serve`) counts the short texts of the default
    index once, and the process it forks to index an edit reads them (counting the default index's
    18,000 documents was a third of its 0.76 s). Texts not among these are forgotten."""
    global _COUNTED
    _COUNTED = {text: _COUNTED.get(text) or term_counts(text) for text in texts}


class TermBuilder(Builder):  # type: ignore[misc]
    """lunr's Builder, fed with terms instead of text, and with field vectors built in term order."""

    def __init__(self) -> None:
        super().__init__()
        self.field_of: dict[str, str] = {}
        """Field name of each field ref, so the build never parses refs back."""
        self.vectors: dict[str, list[int | float]] = {}
        """Field ref -> its vector's elements, [term number, score, ...] (lunr's `Vector.elements`)."""
        self.postings: dict[str, dict[str, dict[str, Any]]] = {}
        """Field name -> term -> the documents with the term in that field (the posting in the inverted index)."""

    def field(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().field(field_name, *args, **kwargs)
        self.postings[field_name] = {}

    def add_terms(self, doc_ref: str, fields: dict[str, Counter[str]]) -> None:
        """Add one document whose fields are already counted terms (see `term_counts`). Only fields with
        terms are recorded: lunr records an empty one too, which only counts it in its field's average
        length, and every document has every field, so the average is the field's total length over
        the number of documents (`_calculate_average_field_lengths`)."""
        self._documents[doc_ref] = {}
        self.document_count += 1
        inverted_index = self.inverted_index
        for field_name in self._fields:
            counted = fields.get(field_name)
            if not counted:
                continue
            field_ref = f"{field_name}{FieldRef.JOINER}{doc_ref}"  # str(FieldRef(doc_ref, field_name))
            self.field_of[field_ref] = field_name
            self.field_term_frequencies[field_ref] = counted
            self.field_lengths[field_ref] = counted.total()
            new = set(counted).difference(inverted_index)
            if new:  # numbered in order of first occurrence, as lunr numbers them
                for term in filter(new.__contains__, counted):
                    posting: dict[str, Any] = {name: {} for name in self._fields}
                    posting["_index"] = self.term_index
                    self.term_index += 1
                    inverted_index[term] = posting
                    for name, postings in self.postings.items():
                        postings[term] = posting[name]
            # The document joins the postings of its terms in this field, with no metadata (lunr's {},
            # one for the field's terms: nothing changes it). In C, by `map`: a Python loop over the
            # 350,000 terms of a full-text shard's fields took half of indexing it.
            deque(map(setitem, map(self.postings[field_name].__getitem__, counted), repeat(doc_ref),
                      repeat({})), maxlen=0)

    def score_field_vectors(self) -> None:
        """lunr's BM25 field vectors (their elements, in `vectors`), scored for every field of every
        document at once with numpy: the same operations in lunr's order (so the same floats) and
        rounded as lunr rounds (`round_3`). One at a time in Python, they were 0.3 s of a full-text
        shard's 0.7 s. Only fields with terms are scored (`add_terms` records no other): most fields of
        the default index are empty (an article has no person field there, an entity no outlet), and
        scoring all 109,000 fields of its 18,000 documents took 0.47 s, against 0.2 s for the 40,000
        with terms."""
        refs = list(self.field_term_frequencies)
        frequencies = list(self.field_term_frequencies.values())
        sizes = np.fromiter(map(len, frequencies), dtype=np.int64, count=len(refs))
        terms = list(chain.from_iterable(frequencies))
        number_of = {term: posting["_index"] for term, posting in self.inverted_index.items()}
        idf_of = {term: idf(posting, self.document_count) for term, posting in self.inverted_index.items()}
        numbers = np.fromiter(map(number_of.__getitem__, terms), dtype=np.int64, count=len(terms))
        idfs = np.fromiter(map(idf_of.__getitem__, terms), dtype=np.float64, count=len(terms))
        tfs = np.fromiter(chain.from_iterable(f.values() for f in frequencies), dtype=np.float64, count=len(terms))
        k1, b = self._k1, self._b
        names = list(self._fields)
        field_number = {name: n for n, name in enumerate(names)}
        fields = np.fromiter(map(field_number.__getitem__, map(self.field_of.__getitem__, refs)),
                             dtype=np.int64, count=len(refs))
        lengths = np.fromiter(map(self.field_lengths.__getitem__, refs), dtype=np.float64, count=len(refs))
        averages = np.array([self.average_field_length[name] for name in names], dtype=np.float64)
        boosts = np.array([self._fields[name].boost for name in names], dtype=np.float64)
        # lunr's k1 * (1 - b + b * (length / average)), elementwise in the same order (a field with terms
        # has a positive average length).
        norms = k1 * (1 - b + b * (lengths / averages[fields]))
        norm = np.repeat(norms, sizes)
        boost = np.repeat(boosts[fields], sizes)
        scores = round_3(idfs * ((k1 + 1) * tfs) / (norm + tfs) * boost)
        # Each vector in term order: sorted by field, then by term number (a term once per field).
        order = np.lexsort((numbers, np.repeat(np.arange(len(refs)), sizes)))
        # [number, score, number, score, ...] of all vectors one after another, cut into each one's.
        elements: list[Any] = [0] * (2 * len(terms))
        elements[0::2] = numbers[order].tolist()
        elements[1::2] = scores[order].tolist()
        ends = (2 * np.cumsum(sizes)).tolist()
        self.vectors = {ref: elements[start:end] for ref, start, end in zip(refs, [0, *ends], ends, strict=False)}

    def _calculate_average_field_lengths(self) -> None:
        totals: dict[str, int] = dict.fromkeys(self._fields, 0)
        for field_ref, length in self.field_lengths.items():
            totals[self.field_of[field_ref]] += length
        self.average_field_length = {name: total / self.document_count if self.document_count else 0
                                     for name, total in totals.items()}


def build(fields: list[dict[str, Any]], documents: list[dict[str, str]], ref: str = "id",
          counted: Mapping[str, Counter[str]] | None = None) -> dict[str, Any]:
    """A serialised lunr index (the dict lunr.js loads) of `documents`; texts in `counted` (or counted
    ahead by `count_ahead`) have their terms counted already (what `term_counts` gives).

    It is `Index.serialize()` of what lunr's Builder builds, less two things lunr.js never reads: the
    token set (rebuilt by lunr.js when it loads the index) and the vectors of empty fields (a field
    with no terms has no postings, so no query reaches its vector).
    """
    builder = TermBuilder()
    builder.search_pipeline = get_default_builder().search_pipeline
    builder.ref(ref)
    for field in fields:
        builder.field(**field)
    names = [str(f["field_name"]) for f in fields]
    ahead = counted or {}
    for document in documents:
        builder.add_terms(str(document[ref]), {name: ahead.get(text) or _COUNTED.get(text) or term_counts(text)
                                               for name in names if (text := document.get(name))})
    builder._calculate_average_field_lengths()
    builder.score_field_vectors()
    return {
        "version": LUNR_JS_VERSION,
        "fields": list(builder._fields),
        "fieldVectors": [[field_ref, elements] for field_ref, elements in builder.vectors.items()],
        "invertedIndex": [[term, builder.inverted_index[term]] for term in sorted(builder.inverted_index)],
        "pipeline": builder.search_pipeline.serialize(),
    }


def compact(index: dict[str, Any]) -> dict[str, Any]:
    """The index without the empty field postings every term repeats (half the bytes of a large
    index); `expand` (and search.js's `expandIndex`) puts them back before lunr loads it."""
    fields = index["fields"]
    postings = [[term, {k: v for k, v in posting.items() if v or k == "_index" or k not in fields}]
                for term, posting in index["invertedIndex"]]
    return {**index, "invertedIndex": postings}


def expand(index: dict[str, Any]) -> dict[str, Any]:
    """The index as lunr serialises it, from `compact`'s form."""
    for _, posting in index["invertedIndex"]:
        for field in index["fields"]:
            posting.setdefault(field, {})
    return index
