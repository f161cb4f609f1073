"""Names like a wanted one: the suggestions of a helpful 404, cheap enough for the cheapest
request there is."""

from __future__ import annotations

import difflib
from functools import lru_cache

from kg.describe.resources import MAX_SLUG, label_is_english, select
from kg.store import Store

__all__ = ["similar", "SIMILAR"]


def similar(store: Store, wanted: str, *, under: str, limit: int = 5) -> list[tuple[str, str]]:
    """Up to ``limit`` (iri, English label) under ``under`` whose slug or a label is most like
    ``wanted`` (difflib ratio, at least 0.6).

    A 404 is the cheapest request to send, so this must stay cheap to answer: the names are read
    once per graph version, and difflib's upper bounds skip most of them before the full ratio.
    """
    wanted = wanted.lower().replace("-", " ")[:MAX_SLUG]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)  # difflib caches details of the second sequence: the fixed one
    scores: dict[str, float] = {}
    names = _names(_Version(store), under)
    for iri, (candidates, _) in names.items():
        for candidate in candidates:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
                continue  # cheap upper bounds of ratio() already too low
            score = matcher.ratio()
            if score >= max(SIMILAR, scores.get(iri, 0.0)):
                scores[iri] = score
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(iri, names[iri][1]) for iri, _ in ranked[:limit]]


#: The least difflib ratio for a name to count as similar.
SIMILAR = 0.6


class _Version:
    """A store as a cache key: equal when it holds the same data version."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __hash__(self) -> int:
        return hash(self.store.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Version) and other.store.version == self.store.version


@lru_cache(maxsize=4)
def _names(key: _Version, under: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """iri -> (lower-cased slug and labels, English label or else any) of each thing ``under``."""
    candidates: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for row in select(key.store, "labelled_things"):
        iri, label = row["resource"].value, row["label"]
        if not iri.startswith(under):
            continue
        if iri not in candidates:
            candidates[iri] = [iri[len(under) :].replace("-", " ")]
        candidates[iri].append(label.value.lower())
        if iri not in names or label_is_english(label):
            names[iri] = label.value
    return {iri: (tuple(candidates[iri]), names[iri]) for iri in candidates}
