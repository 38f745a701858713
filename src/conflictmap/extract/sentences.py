"""Split article text into sentences and clauses, keeping character offsets into the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A full stop after these does not end a sentence ("Gen. Miller", "Aug. 12", "U.S. forces").
_ABBREVIATIONS = frozenset(
    (
        *("mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "gov", "sen"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *(
            "no",
            "vs",
            "etc",
            "u.s",
            "u.n",
            "u.k",
            "e.g",
            "i.e",
            "approx",
            "rep",
            "prof",
            "jr",
            "sr",
        ),
    )
)
# A sentence ends at . ! ? or an ellipsis, optionally followed by a closing quote, then space and
# something that can open a sentence (a capital, a digit or an opening quote).
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’)]?(?=\s+[\"“‘(]?[A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[A-Z“\"])")
# Clause boundaries strong enough that a place on one side is not the scene of an event on the
# other ("the palace in Kabul has not confirmed ... while the talks are taking place in Doha").
_CLAUSE = re.compile(
    r";|:\s|\s[–—]\s|,?\s(?:while|whereas|but|although|though|meanwhile|however)\s", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a text, with its span and its position."""

    text: str
    start: int
    end: int
    index: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Clause:
    """A stretch of a sentence between strong boundaries; offsets are into the whole text."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of ``text``, each with its character span; line breaks end a sentence too."""
    sentences: list[Sentence] = []
    for paragraph, (p_start, p_end) in enumerate(_spans(text, _PARAGRAPH, 0, len(text))):
        for start, end in _sentence_spans(text, p_start, p_end):
            sentences.append(
                Sentence(text[start:end], start, end, index=len(sentences), paragraph=paragraph)
            )
    return tuple(sentences)


def split_clauses(sentence: Sentence) -> tuple[Clause, ...]:
    """The clauses of a sentence, split at semicolons, dashes and contrastive conjunctions."""
    return tuple(
        Clause(sentence.text[a - sentence.start : b - sentence.start], a, b)
        for a, b in _spans(sentence.text, _CLAUSE, 0, len(sentence.text), offset=sentence.start)
    )


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end()
        if _ends_with_abbreviation(text[cursor:cut]):
            continue
        spans.extend(_trimmed(text, cursor, cut))
        cursor = cut
    spans.extend(_trimmed(text, cursor, end))
    return spans


def _ends_with_abbreviation(chunk: str) -> bool:
    if not chunk.endswith("."):
        return False
    last = chunk[:-1].rsplit(None, 1)[-1] if chunk[:-1].split() else ""
    word = last.lower().lstrip('("“')
    # A single capital ("John F. Kennedy") is an initial, not the end of a sentence.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _spans(
    text: str, pattern: re.Pattern[str], start: int, end: int, *, offset: int = 0
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        spans.extend(_trimmed(text, cursor, match.start(), offset=offset))
        cursor = match.end()
    spans.extend(_trimmed(text, cursor, end, offset=offset))
    return spans


def _trimmed(text: str, start: int, end: int, *, offset: int = 0) -> list[tuple[int, int]]:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return []
    lead = len(chunk) - len(chunk.lstrip())
    return [(offset + start + lead, offset + start + lead + len(stripped))]
