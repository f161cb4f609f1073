"""The query store: one loaded version of the graph behind a narrow protocol, backend by name.

``build_store(settings)`` opens the backend ``KG_STORE`` names (``oxigraph``, ``memory`` or a
``sparql+http(s)://`` endpoint); each backend is imported only when chosen. See
:mod:`kg.store.base` for the protocol every backend keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kg.settings import Settings
from kg.store.base import BACKENDS, QueryResult, Store, backend

if TYPE_CHECKING:
    from rdflib import Dataset

    from kg.graph.files import load_any
    from kg.store.memory import MemoryStore
    from kg.store.oxigraph import OxigraphStore, ResidentStore
    from kg.store.remote import RemoteStore

__all__ = [
    "Store",
    "QueryResult",
    "BACKENDS",
    "build_store",
    "OxigraphStore",
    "ResidentStore",
    "MemoryStore",
    "RemoteStore",
    "load_any",
]

#: Names importable from here, resolved on first use so unused backends are never imported.
_LAZY = {
    "OxigraphStore": "kg.store.oxigraph",
    "ResidentStore": "kg.store.oxigraph",
    "MemoryStore": "kg.store.memory",
    "RemoteStore": "kg.store.remote",
    "load_any": "kg.graph.files",
}


def build_store(
    settings: Settings, *, dataset: Dataset | None = None, on_disk: bool = True
) -> Store:
    """Open the store ``settings.store`` names, loading the graph into it unless it is current.

    ``on_disk=False`` keeps an Oxigraph store in memory (one-shot commands); ``dataset`` loads
    that rdflib Dataset instead of the files. Raises RdfSyntaxError and UnusableInputError for
    the data, ConnectionError for a remote store that cannot be reached.
    """
    factory = backend(settings.store_kind)
    store: Store = factory(settings, on_disk=on_disk, dataset=dataset)
    return store


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
