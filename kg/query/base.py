"""What every query runner does the same way, in one base: refuse when closed, check that the
format fits the query's form, and work out the dataset from the protocol's parameters; each
runner then answers in its own way (:meth:`QueryRunner._run`) under one
:class:`~kg.query.limits.Limits`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from kg.query.answers import check_format, dataset_for
from kg.query.errors import QueryFailed
from kg.query.formats import Format
from kg.query.gate import PreparedQuery
from kg.query.limits import Limits

__all__ = ["QueryRunner", "Dataset"]

#: The graphs a query runs over (default graphs, named graphs), or None for the union of all.
Dataset = tuple[tuple[str, ...], tuple[str, ...]] | None


class QueryRunner(ABC):
    """What serves ``/sparql``: answers a vetted query in a format, under the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.closed = False

    async def run(
        self,
        prepared: PreparedQuery,
        *,
        result_format: Format,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bytes:
        """``prepared``'s answer written in ``result_format``.

        ``default_graphs``/``named_graphs`` (the protocol's ``default-graph-uri`` and
        ``named-graph-uri``) take precedence over the query's FROM clauses; an IRI that is not
        one of the store's graphs selects an empty graph. With neither, the default graph is
        the union of all named graphs.

        Raises QueryTimeout, ResultTooLarge, QuerySyntaxError (what the engine rejects),
        QueryFailed (an evaluation error, or a runner that is closed), QueryOutOfMemory,
        WorkerLost, Overloaded (queue full; TooManyHeavyQueries when the heavy lane and its
        queue are) and NotAcceptable (``result_format`` cannot carry an answer of this form).
        """
        if self.closed:
            raise QueryFailed("the query runner is closed")
        check_format(prepared, result_format)
        dataset = dataset_for(prepared, default_graphs, named_graphs)
        return await self._run(prepared, result_format, dataset)

    @abstractmethod
    async def _run(self, prepared: PreparedQuery, fmt: Format, dataset: Dataset) -> bytes:
        """The answer, once the checks every runner shares have passed."""

    def close(self) -> None:
        """Stop taking queries (queries still waiting fail with QueryFailed)."""
        self.closed = True
