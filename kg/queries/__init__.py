"""The SPARQL that the library itself runs, one ``.rq`` file per question, loaded by name.

The files declare no ``sc:`` or ``id:`` prefix: :func:`load_query` declares both for the base
the graph is served under, so every query follows ``KG_BASE_IRI``.
"""

from functools import cache
from importlib.resources import files

from kg.namespaces import BASE

__all__ = ["load_query"]


@cache
def load_query(name: str, *, base: str = BASE) -> str:
    """The text of ``kg/queries/{name}.rq``, with ``sc:`` and ``id:`` declared under ``base``.

    >>> "GROUP BY ?graph" in load_query("count_by_graph")
    True
    >>> load_query("api_actors", base="http://localhost:8000/").splitlines()[0]
    'PREFIX sc: <http://localhost:8000/ontology#>'
    """
    text = files(__package__).joinpath(f"{name}.rq").read_text(encoding="utf-8")
    return f"PREFIX sc: <{base}ontology#>\nPREFIX id: <{base}id/>\n{text}"
