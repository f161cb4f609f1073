"""One SPARQL query from text to bytes: prepare, run off the event loop, measure, log.

Shared by ``/sparql`` and the server-rendered query page so both count, time and log queries alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from api.deps import Graph
from api.limits import QueryTooLong, check_query_length
from api.metrics import Metrics
from kg.query import errors as query_errors
from kg.query.formats import Format
from kg.query.gate import PreparedQuery

__all__ = ["prepare_query", "execute", "access_log"]

#: One line per query: form, format, outcome, duration, size.
access_log = logging.getLogger("api.access")

_OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (query_errors.QueryTimeout, "timeout"),
    (query_errors.ResultTooLarge, "too_large"),
    (query_errors.Overloaded, "overloaded"),
    (query_errors.QueryFailed, "failed"),
)


async def prepare_query(
    query: str, *, graph: Graph, metrics: Metrics, client: str = "-"
) -> PreparedQuery:
    """Check the length, parse and vet ``query``; refusals are counted, logged and re-raised."""
    prepared = graph.cached(query)
    if prepared is not None:
        return prepared  # no thread hand-over: a light query's answer takes about as long
    try:
        check_query_length(query)
        # Parsing a large query is CPU work: keep it off the event loop too.
        return await run_in_threadpool(graph.prepare, query)
    except (
        QueryTooLong,
        query_errors.QuerySyntaxError,
        query_errors.QueryRefused,
        query_errors.QueryNotSupported,
    ) as error:
        reason = type(error).__name__
        metrics.rejected.labels(reason=reason).inc()
        access_log.info("query client=%s outcome=refused reason=%s: %s", client, reason, error)
        raise


async def execute(
    prepared: PreparedQuery,
    *,
    graph: Graph,
    metrics: Metrics,
    result_format: Format,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    client: str = "-",
) -> bytes:
    """Run ``prepared`` on the graph's executor; errors from ``kg.query.errors`` pass through.

    An answer given before by this graph version (small ones are remembered) comes back at once,
    as large public endpoints answer repeated queries from a cache.
    """
    started = time.perf_counter()
    outcome = "error"
    size = 0
    key = (prepared.text, result_format.name, tuple(default_graphs), tuple(named_graphs))
    try:
        body = graph.answer(key)
        if body is not None:
            outcome, size = "cached", len(body)
            return body
        body = await graph.executor.run(
            prepared,
            result_format=result_format,
            default_graphs=list(default_graphs),
            named_graphs=list(named_graphs),
        )
        graph.remember_answer(key, body)
        outcome, size = "ok", len(body)
        return body
    except tuple(kind for kind, _ in _OUTCOMES) as error:
        outcome = next(name for kind, name in _OUTCOMES if isinstance(error, kind))
        raise
    finally:
        seconds = time.perf_counter() - started
        form = str(getattr(prepared.form, "name", prepared.form))
        # A remembered answer is an answer: "ok" to the metrics, "cached" in the access log.
        answered = "ok" if outcome == "cached" else outcome
        metrics.observe_query(form=form, outcome=answered, seconds=seconds)
        access_log.info(
            "query client=%s form=%s lane=%s format=%s outcome=%s duration_ms=%.1f bytes=%d",
            client,
            form,
            "heavy" if prepared.heavy else "light",
            result_format.name,
            outcome,
            seconds * 1000,
            size,
        )
