"""Which checked rows are new events, repeats, or corrections of an event already known."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conflictmap.ingest.reports import Repeat


@dataclass(slots=True)
class Known:
    """What the store (or an earlier row of the same upload) holds under one event id."""

    content_hash: int
    core_hash: int
    origin: str
    line: int
    actor1: str
    actor2: str


@dataclass(slots=True)
class Decisions:
    """One piece of an upload sorted: rows to insert, corrections, actor merges, repeats."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # (actor, inter, assoc_actor, event id): an actor-based file's second actor of an event.
    merges: list[tuple[str, str, str, str]] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)
    corrections: list[Repeat] = field(default_factory=list)


def classify(
    records: list[dict[str, Any]], known: Mapping[str, Known], *, origin: str
) -> Decisions:
    """Sort ``records`` (one piece, in file order) against what ``known`` holds for their ids.

    - an id not known yet: a new event;
    - the same id saying the same (equal content hash): a repeat;
    - the same id, the same event apart from its actors, and an actor already named for it
      or an empty ``actor2``: a repeat (ACLED's actor-based files give each event one row per
      actor; the second actor fills the empty ``actor2``);
    - the same id saying something else: a correction, which replaces the stored values.

    A row without an id of its own has an id made from its content hash, so it can only
    ever repeat an equal row. ``known`` entries from ``origin`` are rows of this same upload.
    """
    decided = Decisions()
    # Rows of this piece by id: the very dicts inserted or updated, so later rows see them.
    pending: dict[str, dict[str, Any]] = {}
    for record in records:
        event_id = record["event_id_cnty"]
        line = record["line"]
        mine = pending.get(event_id)
        prior: Known | None
        if mine is not None:
            prior = Known(
                mine["content_hash"],
                mine["core_hash"],
                origin if mine.get("_new") else mine["_origin"],
                mine["_line"],
                mine["actor1"],
                mine["actor2"],
            )
        else:
            prior = known.get(event_id)
            if prior is None:
                record["_new"] = True
                record["_line"] = line
                decided.inserts.append(record)
                pending[event_id] = record
                continue
        seen = Repeat(line, event_id, prior.line if prior.origin == origin else 0)
        if record["content_hash"] == prior.content_hash:
            decided.repeats.append(seen)
            continue
        actor = record["actor1"]
        if record["core_hash"] == prior.core_hash and (
            actor in (prior.actor1, prior.actor2) or not prior.actor2
        ):
            decided.repeats.append(seen)
            if actor != prior.actor1 and not prior.actor2:
                if mine is not None:
                    mine["actor2"] = actor
                    mine["inter2"] = mine["inter2"] or record["inter1"]
                    mine["assoc_actor_2"] = mine["assoc_actor_2"] or record["assoc_actor_1"]
                else:
                    decided.merges.append(
                        (actor, record["inter1"], record["assoc_actor_1"], event_id)
                    )
                    prior.actor2 = actor  # later rows of this piece see the merge
            continue
        decided.corrections.append(seen)
        if mine is not None:
            keep: dict[str, Any] = {
                k: mine[k] for k in ("_new", "_line", "_origin", "line") if k in mine
            }
            mine.update(record)
            mine.update(keep)
        else:
            record["_origin"] = prior.origin
            record["_line"] = prior.line
            decided.updates.append(record)
            pending[event_id] = record
    return decided
