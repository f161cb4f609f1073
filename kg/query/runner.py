"""One interface for answering vetted queries, and the runner a store's capability calls for.

``open_runner(store, limits)`` gives worker processes for a store they can open from its path
(a runaway query is killed at its deadline), threads of this process for a store only this process
holds, and forwarding for a remote server; all three keep the same :class:`~kg.query.limits.Limits`
and the same admission rules.
"""

from __future__ import annotations

from typing import Protocol

from kg.query.formats import Format
from kg.query.gate import PreparedQuery
from kg.query.limits import Limits
from kg.store.base import Store

__all__ = ["QueryRunner", "open_runner"]


class QueryRunner(Protocol):
    """What serves ``/sparql``: answers a vetted query in a format, under the limits."""

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
        ``named-graph-uri``) take precedence over the query's FROM clauses; with neither, the
        default graph is the union of all named graphs. Raises the errors of
        :mod:`kg.query.errors`.
        """
        ...

    def close(self) -> None: ...


def open_runner(store: Store, limits: Limits) -> QueryRunner:
    """The runner ``store.runner`` calls for, held to ``limits``; each is imported only here."""
    if store.runner == "processes":
        from kg.query.processes import ProcessRunner

        assert store.path is not None, "a store run in processes lives on disk"
        return ProcessRunner(store.path, limits)
    if store.runner == "remote":
        from kg.query.remote import RemoteRunner
        from kg.store.remote import RemoteStore

        assert isinstance(store, RemoteStore)
        return RemoteRunner(store, limits)
    from kg.query.threaded import ThreadedRunner

    return ThreadedRunner.over(store.query, limits, failures=store.failures, engine=store.engine)
