"""Whether an IRI is under the project's base: one definition, for the checks and the shapes.

Compared as strings, never as patterns: a regular expression built from the base would need every
dot escaped (``w3id.org`` unescaped also matches ``w3id-org``). Dot segments (``id/../x``) are
refused, since a client resolves them to somewhere else.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["under_base", "looks_like_base"]


def under_base(iri: str, base: str) -> bool:
    """True when ``iri`` starts with ``base`` (exactly) and no path segment after it is a dot one.

    >>> base = "https://w3id.org/scicoop/id/"
    >>> under_base("https://w3id.org/scicoop/id/cas", base)
    True
    >>> [under_base(iri, base) for iri in (
    ...     "https://w3id-org/scicoop/id/cas", "http://w3id.org/scicoop/id/cas",
    ...     "https://w3id.org/scicoopx/id/cas", "https://w3id.org/scicoop/id/../cas")]
    [False, False, False, False]
    """
    if not iri.startswith(base):
        return False
    return not any(unquote(part) in (".", "..") for part in iri[len(base) :].split("/"))


def _letters(iri: str) -> str:
    """The IRI without its scheme, lower-cased, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", iri.split(":", 1)[-1].lower())


def looks_like_base(iri: str, base: str) -> bool:
    """True when ``iri`` reads like one under ``base`` but is not: another scheme, punctuation
    or case in the host, letters glued to a path segment, or a dot segment.

    >>> base = "https://w3id.org/scicoop/"
    >>> [looks_like_base(i, base) for i in ("https://w3id-org/scicoop/id/x",
    ...     "http://w3id.org/scicoop/id/x", "https://w3id.org/scicoop/id/x", "urn:x")]
    [True, True, False, False]
    """
    return not under_base(iri, base) and _letters(iri).startswith(_letters(base))
