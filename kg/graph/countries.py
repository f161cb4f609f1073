"""ISO 3166-1 countries and regions from pycountry, as the generated file ``data/countries.ttl``.

Countries come from a maintained dataset, not from the essay, so they carry ``dcterms:source``
(the pycountry package) instead of ``prov:wasDerivedFrom`` and quotes. The file is written by
``kg countries`` in a fixed order (subjects by slug, predicates in the order below), so a rerun
with the same pycountry version leaves it byte for byte (and mtime) unchanged.
"""

from __future__ import annotations

import gettext
import importlib.metadata
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, NamespaceManager
from rdflib.term import Node

from kg.errors import KGError, UnusableInputError
from kg.namespaces import bind_prefixes

__all__ = ["PYCOUNTRY", "countries_graph", "write_countries"]

#: The dataset every generated node names as its ``dcterms:source``.
PYCOUNTRY = URIRef("https://pypi.org/project/pycountry/")

#: Prefixes declared at the head of the file: only those the file uses, in this order.
_FILE_PREFIXES = ("dcterms", "id", "rdfs", "sc", "skos")


def _slug(text: str) -> str:
    """A readable IRI slug: ASCII-folded, lower-case, words joined by single hyphens.

    >>> _slug("Côte d'Ivoire")
    'cote-d-ivoire'
    >>> _slug("Virgin Islands, U.S.")
    'virgin-islands-u-s'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def _slugs(labels: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map each alpha-2 code to the slug of its English label; raise KGError on a clash.

    Slugs are IRIs that must never be reused, so two entries folding to one slug is an error
    for a person to resolve, not something to number away silently.
    """
    by_slug: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for code, label in labels:
        slug = _slug(label)
        if not slug:
            raise KGError(f"pycountry entry {code} ({label!r}) gives an empty slug")
        if slug in by_slug:
            raise KGError(
                f"pycountry entries {by_slug[slug]} and {code} both give the slug {slug!r}; "
                "kg/graph/countries.py must name one of them explicitly"
            )
        by_slug[slug] = code
        slugs[code] = slug
    return slugs


def _chinese_catalogue() -> gettext.NullTranslations:
    """pycountry's own zh_CN translations of ISO 3166-1 names (shipped with the package)."""
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except FileNotFoundError:
        raise KGError(
            f"pycountry has no zh_CN catalogue for iso3166-1 under {pycountry.LOCALES_DIR}"
        ) from None


def countries_graph(*, base_iri: str) -> Graph:
    """One ``sc:CountryOrRegion`` per ``pycountry.countries`` entry, named ``{base_iri}id/{slug}``.

    The English label is pycountry's common name, else its name; the official name, when it
    differs, is a ``skos:altLabel``; the Chinese label is the zh_CN catalogue's translation of the
    English label, given only where the catalogue has one. Raises KGError if two entries would
    share a slug.
    """
    sc = base_iri + "ontology#"
    graph = Graph(bind_namespaces="none")
    bind_prefixes(graph.namespace_manager, base=base_iri)
    chinese = _chinese_catalogue()
    countries = list(pycountry.countries)
    english = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in countries}
    slugs = _slugs(english.items())
    for country in countries:
        label = english[country.alpha_2]
        node = URIRef(f"{base_iri}id/{slugs[country.alpha_2]}")
        graph.add((node, RDF.type, URIRef(sc + "CountryOrRegion")))
        graph.add((node, RDFS.label, Literal(label, lang="en")))
        translated = chinese.gettext(label)
        if translated != label:
            graph.add((node, RDFS.label, Literal(translated, lang="zh")))
        official = getattr(country, "official_name", None)
        if official and official != label:
            graph.add((node, SKOS.altLabel, Literal(official, lang="en")))
        # Simple literals are xsd:string in RDF 1.1; the numeric code keeps its leading zeros.
        graph.add((node, URIRef(sc + "isoAlpha2"), Literal(country.alpha_2)))
        graph.add((node, URIRef(sc + "isoAlpha3"), Literal(country.alpha_3)))
        graph.add((node, URIRef(sc + "isoNumeric"), Literal(country.numeric)))
        graph.add((node, DCTERMS.source, PYCOUNTRY))
    return graph


def _turtle(graph: Graph, *, base_iri: str) -> str:
    """The graph as Turtle in a fixed order: a header, prefixes, one block per subject by IRI.

    Written by hand rather than by rdflib's serializers so that each block opens on its subject's
    line (``kg validate`` locates findings by it) and predicates keep the order of the ontology.
    """
    sc = base_iri + "ontology#"
    order = [
        RDF.type,
        RDFS.label,
        SKOS.altLabel,
        URIRef(sc + "isoAlpha2"),
        URIRef(sc + "isoAlpha3"),
        URIRef(sc + "isoNumeric"),
        DCTERMS.source,
    ]
    unexpected = set(graph.predicates()) - set(order)
    if unexpected:
        raise KGError(f"no place in the countries file for {sorted(map(str, unexpected))}")
    names = NamespaceManager(Graph(), bind_namespaces="none")
    bind_prefixes(names, base=base_iri)
    namespaces = dict(names.namespaces())
    version = importlib.metadata.version("pycountry")
    lines = [
        f"# ISO 3166-1 countries and regions, generated from pycountry {version}",
        f"# <{PYCOUNTRY}>: English label = common name, else name;",
        "# skos:altLabel = official name; Chinese label from pycountry's zh_CN catalogue.",
        "# Do not edit by hand; regenerate with `kg countries`.",
        "",
    ]
    lines += [f"@prefix {p}: <{namespaces[p]}> ." for p in _FILE_PREFIXES]
    for subject in sorted(set(graph.subjects()), key=str):
        pairs = []
        for predicate in order:
            objects = sorted(graph.objects(subject, predicate), key=_object_order)
            if objects:
                shown = "a" if predicate == RDF.type else predicate.n3(names)
                pairs.append(f"{shown} " + ", ".join(o.n3(names) for o in objects))
        lines.append("")
        lines.append(f"{subject.n3(names)} " + " ;\n    ".join(pairs) + " .")
    return "\n".join(lines) + "\n"


def _object_order(term: Node) -> tuple[int, str, str]:
    """English before Chinese, then by text: a stable order for values of one predicate."""
    language = term.language if isinstance(term, Literal) else None
    return ({"en": 0, "zh": 1}.get(language or "", 2), language or "", str(term))


def write_countries(path: Path, *, base_iri: str) -> bool:
    """Write the countries file at ``path``; return False, leaving it untouched, if unchanged.

    Raises UnusableInputError if ``path`` cannot be read or written (for example, its folder
    does not exist).
    """
    path = Path(path)
    content = _turtle(countries_graph(base_iri=base_iri), base_iri=base_iri).encode("utf-8")
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        path.write_bytes(content)
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot write ({error.strerror})") from None
    return True
