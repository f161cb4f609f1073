"""The one format table (media type ↔ extension ↔ pyoxigraph writer) and content negotiation.

Every route answers in a format picked by :func:`negotiate` from the formats it offers, so that
q-values, ``*/*`` and refusals (``q=0``) are read the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pyoxigraph

from kg.query.errors import NotAcceptable

__all__ = [
    "CannotWrite",
    "Format",
    "FORMATS",
    "NotAcceptable",
    "negotiate",
    "by_name",
    "by_extension",
]

Kind = Literal["results", "graph", "html"]


@dataclass(frozen=True)
class Format:
    """One serialization: its short ``name`` (the ``format`` parameter), media type and writer.

    ``kind`` says what it can carry: SELECT/ASK ``"results"``, an RDF ``"graph"``, or an
    ``"html"`` page. ``aliases`` are other media types a client may ask for it by.
    """

    name: str
    media_type: str
    kind: Kind
    extensions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    oxigraph: pyoxigraph.QueryResultsFormat | pyoxigraph.RdfFormat | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media type, then its aliases."""
        return (self.media_type, *self.aliases)

    @property
    def results_writer(self) -> pyoxigraph.QueryResultsFormat:
        """The pyoxigraph writer of a SELECT/ASK format; ValueError for any other kind."""
        if not isinstance(self.oxigraph, pyoxigraph.QueryResultsFormat):
            raise ValueError(f"{self.name} is not a SPARQL results format")
        return self.oxigraph

    @property
    def graph_writer(self) -> pyoxigraph.RdfFormat:
        """The pyoxigraph writer of an RDF format; ValueError for any other kind."""
        if not isinstance(self.oxigraph, pyoxigraph.RdfFormat):
            raise ValueError(f"{self.name} is not an RDF format")
        return self.oxigraph


_R = pyoxigraph.QueryResultsFormat
_G = pyoxigraph.RdfFormat

#: Results formats first (JSON the default), then graph formats (Turtle the default), then HTML.
FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "results",
        extensions=("json", "srj"),
        aliases=("application/json",),
        oxigraph=_R.JSON,
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "results",
        extensions=("xml", "srx"),
        aliases=("application/xml",),
        oxigraph=_R.XML,
    ),
    Format("csv", "text/csv", "results", extensions=("csv",), oxigraph=_R.CSV),
    Format("tsv", "text/tab-separated-values", "results", extensions=("tsv",), oxigraph=_R.TSV),
    Format(
        "ttl",
        "text/turtle",
        "graph",
        extensions=("ttl",),
        aliases=("application/x-turtle", "application/turtle"),
        names=("turtle",),
        oxigraph=_G.TURTLE,
    ),
    Format(
        "nt",
        "application/n-triples",
        "graph",
        extensions=("nt",),
        # N-Triples is plain text, and was served as text/plain before it had a media type.
        aliases=("text/plain",),
        names=("ntriples", "n-triples"),
        oxigraph=_G.N_TRIPLES,
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "graph",
        extensions=("jsonld",),
        aliases=("application/json", "application/x-json+ld"),
        names=("json-ld",),
        oxigraph=_G.JSON_LD,
    ),
    Format(
        "rdf",
        "application/rdf+xml",
        "graph",
        extensions=("rdf", "owl"),
        aliases=("application/xml",),
        names=("rdfxml", "rdf/xml", "rdf+xml"),
        oxigraph=_G.RDF_XML,
    ),
    Format(
        "nq",
        "application/n-quads",
        "graph",
        extensions=("nq",),
        names=("nquads", "n-quads"),
        oxigraph=_G.N_QUADS,
    ),
    Format("trig", "application/trig", "graph", extensions=("trig",), oxigraph=_G.TRIG),
    Format(
        "html",
        "text/html",
        "html",
        extensions=("html",),
        aliases=("application/xhtml+xml",),
    ),
)


class CannotWrite(NotAcceptable):
    """The answer holds something ``fmt`` cannot carry: a 406 that says what, and which formats can.

    RDF/XML and SPARQL XML results are XML 1.0, which has no way to write U+0000 and most other
    control characters, and RDF/XML writes each predicate as an element name, which not every
    IRI ends in. Raised instead of sending output that no parser reads back.
    """

    def __init__(self, fmt: Format, reason: str) -> None:
        offered = [other for other in FORMATS if other.kind == fmt.kind and other != fmt]
        super().__init__(offered)
        self.format = fmt
        self.reason = reason
        types = ", ".join(other.media_type for other in offered)
        self.args = (f"{fmt.media_type} cannot carry this answer: {reason}; ask for {types}",)


def by_name(name: str) -> Format:
    """The format a ``format`` parameter names: a short name, an extension or a media type.

    >>> by_name("turtle").media_type
    'text/turtle'
    >>> by_name("application/sparql-results+json").name
    'json'

    Raises KeyError naming the accepted names when there is no such format.
    """
    wanted = name.strip().lower()
    for fmt in FORMATS:
        if wanted == fmt.name or wanted in fmt.names or wanted == fmt.media_type:
            return fmt
    for fmt in FORMATS:
        if wanted.lstrip(".") in fmt.extensions:
            return fmt
    known = ", ".join(fmt.name for fmt in FORMATS)
    raise KeyError(f"unknown format {name!r}; use one of {known} or a media type")


def by_extension(extension: str) -> Format:
    """The format of a file extension, with or without its dot.

    >>> by_extension(".jsonld").media_type
    'application/ld+json'

    Raises KeyError when no format uses ``extension``.
    """
    wanted = extension.lower().lstrip(".")
    for fmt in FORMATS:
        if wanted in fmt.extensions:
            return fmt
    raise KeyError(f"no format uses the extension {extension!r}")


@dataclass(frozen=True)
class _Range:
    """One media range of an Accept header: ``type/subtype`` with wildcards, and its quality."""

    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """2 for an exact match, 1 for ``type/*``, 0 for ``*/*``, -1 when it does not match."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def _parse_accept(accept: str) -> list[_Range]:
    """The media ranges of ``accept``; malformed items are skipped, a malformed q counts as 1."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if media == "*":  # seen from old clients: read as */*
            media = "*/*"
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 1.0
                break  # parameters after q are accept-extensions, not media type parameters
        ranges.append(_Range(main, sub, quality))
    return ranges


def _quality(fmt: Format, ranges: list[_Range]) -> tuple[float, int]:
    """``fmt``'s (quality, specificity) by the range that names it most specifically.

    For one media type the most specific matching range decides (RFC 9110 §12.5.1), so
    ``text/*, text/csv;q=0`` refuses CSV. Across a format's media types, the most specifically
    named one decides, the main type winning ties: ``text/turtle;q=0`` refuses Turtle even
    though ``*/*`` still matches its alias ``application/x-turtle``.
    """
    best: tuple[int, float] | None = None
    for media_type in fmt.media_types:  # main type first: it keeps ties
        matches = [(r.specificity(media_type), r.quality) for r in ranges]
        matches = [m for m in matches if m[0] >= 0]
        if not matches:
            continue
        specificity = max(s for s, _ in matches)
        quality = max(q for s, q in matches if s == specificity)
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    if best is None:
        return (0.0, -1)
    return (best[1], best[0])


def negotiate(accept: str | None, offered: Sequence[Format]) -> Format:
    """The offered format the client prefers by ``Accept``.

    Highest quality wins; among equals, the one the client named most specifically, then the
    one offered first. No header (or nothing readable in it) gets the first offered format.

    >>> results = [f for f in FORMATS if f.kind == "results"]
    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", results).name
    'xml'
    >>> negotiate("*/*", results).name
    'json'

    Raises NotAcceptable listing the offered media types when nothing offered is acceptable.
    """
    if not offered:
        raise ValueError("negotiate() needs at least one offered format")
    ranges = _parse_accept(accept or "")
    if not ranges:
        return offered[0]
    scored = [(_quality(fmt, ranges), -index) for index, fmt in enumerate(offered)]
    (quality, _), index = max(scored)
    if quality <= 0.0:
        raise NotAcceptable(offered, accept=accept)
    return offered[-index]
