"""HTTP caching of query answers: an ETag from the data version and the request, and 304s.

The graph only changes when its files do, so an answer is fully determined by the data version, the
query text, the chosen format and the selected graphs; the ETag hashes exactly those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

__all__ = ["CACHE_MAX_AGE", "etag_for", "matches_if_none_match", "cache_headers"]

#: Seconds a shared cache may reuse an answer without asking again.
CACHE_MAX_AGE = 300


def etag_for(
    *,
    version: str,
    query: str,
    media_type: str,
    default_graphs: Iterable[str] = (),
    named_graphs: Iterable[str] = (),
) -> str:
    """A strong ETag (quoted) for one answer.

    >>> etag_for(version="v1", query="ASK {}", media_type="text/csv") == etag_for(
    ...     version="v1", query="ASK {}", media_type="text/csv")
    True
    >>> etag_for(version="v1", query="ASK {}", media_type="text/csv") == etag_for(
    ...     version="v2", query="ASK {}", media_type="text/csv")
    False
    """
    digest = hashlib.sha256()
    for part in (version, query, media_type, *default_graphs, "\x1e", *named_graphs):
        digest.update(part.encode("utf-8") + b"\x1f")
    return f'"{digest.hexdigest()[:32]}"'


def matches_if_none_match(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, ``*`` matches).

    >>> matches_if_none_match('W/"abc", "def"', '"abc"')
    True
    >>> matches_if_none_match(None, '"abc"')
    False
    """
    if not header:
        return False
    candidates = [part.strip() for part in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def cache_headers(etag: str, *, max_age: int = CACHE_MAX_AGE) -> Mapping[str, str]:
    """The headers every cacheable answer carries."""
    return {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept",
    }
