"""The SPARQL that the library itself runs, one ``.rq`` file per question, loaded by name."""

from functools import cache
from importlib.resources import files

__all__ = ["load_query"]


@cache
def load_query(name: str) -> str:
    """The text of ``kg/queries/{name}.rq``.

    >>> "GROUP BY ?graph" in load_query("count_by_graph")
    True
    """
    return files(__package__).joinpath(f"{name}.rq").read_text(encoding="utf-8")
