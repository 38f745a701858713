"""Sentence and clause splitting, from tests/data/sentences/cases.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conflictmap.extract.sentences import split_clauses, split_sentences

CASES = json.loads((Path(__file__).parent / "data" / "sentences" / "cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_sentences(case: dict[str, object]) -> None:
    text = str(case["text"])
    found = split_sentences(text)
    assert [s.text for s in found] == case["sentences"]
    for index, sentence in enumerate(found):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.index == index


def test_clauses_split_at_contrast_not_at_commas() -> None:
    (sentence,) = split_sentences(
        "The palace in Kabul, on the other hand, has not confirmed it, while talks go on in Doha."
    )
    clauses = [c.text for c in split_clauses(sentence)]
    assert clauses == [
        "The palace in Kabul, on the other hand, has not confirmed it",
        "talks go on in Doha.",
    ]
    (sentence,) = split_sentences("He arrived in Maidan Wardak province, which borders Kabul.")
    assert len(split_clauses(sentence)) == 1
