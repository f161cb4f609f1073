"""A query's answer as bytes in the client's format, cut off at the result limit.

Shared by the in-process runners (``memory``, in-memory ``oxigraph``) and the remote one, so every
backend answers the same formats, counts rows the same way and fails with the same errors as the
worker-process executor does.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import pyoxigraph

from kg.formats import FORMATS, Format
from kg.query_errors import NotAcceptable, ResultTooLarge
from kg.sparql import PreparedQuery

__all__ = ["write_answer", "check_format", "dataset_for"]


class _TooMany(Exception):
    """More rows than the limit."""


class _RowCounter(io.RawIOBase):
    """Collects TSV output (one line a row, plus the header) and stops past ``limit`` rows."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.max_lines = limit + 1
        self.lines = 0
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.max_lines:
            raise _TooMany
        self.chunks.append(chunk)
        return len(chunk)


def write_answer(
    result: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | Iterable[pyoxigraph.Triple],
    fmt: Format,
    *,
    limit: int,
) -> bytes:
    """``result`` serialised as ``fmt``; raises ResultTooLarge past ``limit`` rows or triples."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return result.serialize(format=fmt.oxigraph)  # type: ignore[arg-type,return-value]
    if isinstance(result, pyoxigraph.QuerySolutions):
        counter = _RowCounter(limit)
        try:
            result.serialize(counter, format=pyoxigraph.QueryResultsFormat.TSV)  # type: ignore[arg-type]
        except _TooMany:
            # pyoxigraph's results may only be dropped by the thread that made them: hold none in
            # the traceback, which may travel to another thread.
            del result
            raise ResultTooLarge(limit=limit, unit="rows") from None
        tsv = b"".join(counter.chunks)
        if fmt.oxigraph == pyoxigraph.QueryResultsFormat.TSV:
            return tsv
        parsed = pyoxigraph.parse_query_results(tsv, pyoxigraph.QueryResultsFormat.TSV)
        return parsed.serialize(format=fmt.oxigraph)  # type: ignore[union-attr,arg-type,return-value]
    kept = []
    for triple in result:
        kept.append(triple)
        if len(kept) > limit:
            raise ResultTooLarge(limit=limit, unit="triples")
    return pyoxigraph.serialize(kept, format=fmt.oxigraph)  # type: ignore[arg-type,return-value]


def check_format(prepared: PreparedQuery, fmt: Format) -> None:
    """Raise NotAcceptable when ``fmt`` cannot carry an answer of ``prepared``'s form."""
    wanted = "graph" if prepared.form.answers_graph else "results"
    if fmt.kind != wanted:
        raise NotAcceptable([f for f in FORMATS if f.kind == wanted])


def dataset_for(
    prepared: PreparedQuery,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The dataset per SPARQL 1.1 Protocol §2.1.4: the protocol's parameters, else the query's
    FROM clauses, else None (the union of all named graphs)."""
    protocol = (tuple(default_graphs or ()), tuple(named_graphs or ()))
    if any(protocol):
        return protocol
    query = (prepared.default_graphs, prepared.named_graphs)
    if any(query):
        return query
    return None
