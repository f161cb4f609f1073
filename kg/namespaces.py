"""The vocabularies the graph uses, bound once so every serialisation shares the same prefixes.

``BASE`` is the one definition of the base the repository's files are written in. A deployment
may serve the graph under another (``KG_BASE_IRI``): loading then rebases every IRI under
``BASE`` with :func:`rebase`, and the library's queries declare ``sc:`` and ``id:`` under the
served base (:func:`kg.queries.load_query`), so nothing else needs to know.
"""

from rdflib import Namespace
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    VOID,
    XSD,
    NamespaceManager,
)

__all__ = ["BASE", "SC", "ORG", "SDO", "PREFIXES", "bind_prefixes", "rebase"]

BASE = "https://w3id.org/scicoop/"
SC = Namespace(BASE + "ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")

#: prefix -> namespace, in the order they are written at the head of every file we produce.
PREFIXES: dict[str, str] = {
    "sc": str(SC),
    "id": BASE + "id/",
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SDO),
    "sh": str(SH),
    "skos": str(SKOS),
    "void": str(VOID),
    "xsd": str(XSD),
}


def bind_prefixes(manager: NamespaceManager, *, base: str = BASE) -> None:
    """Bind the project's prefixes on ``manager``; ``id:`` follows the configured base IRI."""
    for prefix, namespace in PREFIXES.items():
        if prefix == "id":
            namespace = base + "id/"
        elif prefix == "sc":
            namespace = base + "ontology#"
        manager.bind(prefix, namespace, override=True, replace=True)


def rebase(iri: str, *, base: str) -> str:
    """``iri`` moved from the files' ``BASE`` to ``base``; any other IRI as it is.

    The comparison is on the whole prefix, as a string: a look-alike host is not under it.

    >>> rebase("https://w3id.org/scicoop/id/china", base="http://localhost:8000/")
    'http://localhost:8000/id/china'
    >>> rebase("https://w3id-org/scicoop/id/china", base="http://localhost:8000/")
    'https://w3id-org/scicoop/id/china'
    """
    return base + iri[len(BASE) :] if iri.startswith(BASE) else iri
