"""One interface for answering vetted queries, and the runner a store's capability calls for.

``open_runner(store, limits)`` gives worker processes forked from the resident process that
holds the store (a runaway query is killed at its deadline), threads of this process for a store
only this process holds, and forwarding for a remote server; all three keep the same
:class:`~kg.query.limits.Limits` and the same admission rules.
"""

from __future__ import annotations

from kg.query.base import QueryRunner
from kg.query.limits import Limits
from kg.store.base import Store

__all__ = ["QueryRunner", "open_runner"]


def open_runner(store: Store, limits: Limits) -> QueryRunner:
    """The runner ``store.runner`` calls for, held to ``limits``; each is imported only here."""
    if store.runner == "processes":
        from kg.query.processes import ProcessRunner
        from kg.store.oxigraph import ResidentStore

        assert isinstance(store, ResidentStore)
        return ProcessRunner(store.resident, limits)
    if store.runner == "remote":
        from kg.query.remote import RemoteRunner
        from kg.store.remote import RemoteStore

        assert isinstance(store, RemoteStore)
        return RemoteRunner(store, limits)
    from kg.query.threaded import ThreadedRunner

    return ThreadedRunner.over(store.query, limits, failures=store.failures, engine=store.engine)
