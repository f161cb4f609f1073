"""What inference added about a resource: the triples only the inferred graph holds.

Resource pages show the asserted data and keep these apart, so a fact is not listed twice under
its property and under the standard property it is aligned with (``sc:party`` and
``prov:wasAssociatedWith``); every RDF format still carries them.
"""

from __future__ import annotations

from pyoxigraph import NamedNode, Triple

from kg.describe.resources import select
from kg.namespaces import BASE
from kg.store import Store

__all__ = ["inferred_about"]


def inferred_about(store: Store, iri: str, *, inferred_graph: str, base: str = BASE) -> set[Triple]:
    """The triples with ``iri`` as subject or object that only ``inferred_graph`` holds."""
    rows = select(store, "inferred_about", base=base, resource=iri, inferred=inferred_graph)
    found = set()
    for row in rows:
        subject = row["s"]
        if isinstance(subject, NamedNode):
            found.add(Triple(subject, row["p"], row["o"]))  # type: ignore[arg-type]
    return found
