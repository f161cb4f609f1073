"""ISO 3166-1 countries and regions with their UN M49 regions: the generated data/countries.ttl.

Countries come from a maintained dataset, not from the essay, so they carry ``dcterms:source``
(the pycountry package) instead of ``prov:wasDerivedFrom`` and quotes. Their names in the six UN
languages come from pycountry's own gettext catalogues. Their UN M49 region, sub-region and
intermediate region, and those regions' M49 codes, come from the taxonomy table that the
hdx-python-country package ships (read as a file, without importing the package), so those
countries also name it as a ``dcterms:source`` and each region is a ``sc:WorldRegion`` node.

The file is written by ``kg countries`` in a fixed order (subjects by slug, predicates in the order
below), so a rerun with the same package versions leaves it byte for byte (and mtime) unchanged.
"""

from __future__ import annotations

import csv
import gettext
import importlib.metadata
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, NamespaceManager
from rdflib.term import Node

from kg.errors import KGError, UnusableInputError
from kg.namespaces import bind_prefixes

__all__ = ["M49_DATASET", "PYCOUNTRY", "countries_graph", "write_countries"]

#: The dataset every generated country names as its ``dcterms:source``.
PYCOUNTRY = URIRef("https://pypi.org/project/pycountry/")

#: The dataset the UN M49 regions come from: named by regions, and by countries it places.
M49_DATASET = URIRef("https://pypi.org/project/hdx-python-country/")

_M49_DISTRIBUTION = "hdx-python-country"
_M49_TABLE = "hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"

#: Label languages besides English: the other five official languages of the United Nations,
#: each with the pycountry catalogue that names countries in it.
_CATALOGUES = {"zh": "zh_CN", "ar": "ar", "es": "es", "fr": "fr", "ru": "ru"}

#: M49 levels: the column prefix in the table and the property that links a country to it.
_LEVELS = (
    ("Region", "m49Region"),
    ("Sub-region", "m49SubRegion"),
    ("Intermediate Region", "m49IntermediateRegion"),
)

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


def _catalogue(locale: str) -> gettext.NullTranslations:
    """pycountry's own translations of ISO 3166-1 names into ``locale`` (shipped with it)."""
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
    except FileNotFoundError:
        raise KGError(
            f"pycountry has no {locale} catalogue for iso3166-1 under {pycountry.LOCALES_DIR}"
        ) from None


def _translation(catalogue: gettext.NullTranslations, label: str) -> str | None:
    """The catalogue's entry for ``label``, or None where it has none.

    ``gettext()`` answers a missing entry with its argument, so it cannot tell a name that reads
    the same in French ("Kenya") from one the catalogue lacks; its own table can.
    """
    entries: dict[object, str] = getattr(catalogue, "_catalog", {})
    return entries.get(label) or None


@dataclass(frozen=True)
class _Region:
    """One UN M49 region, sub-region or intermediate region."""

    code: str  # three digits, as M49 writes them: "030"
    name: str
    broader: str | None  # the code of the region it is part of


def _m49_table() -> list[dict[str, str]]:
    """The rows of the countries and territories taxonomy shipped by hdx-python-country.

    Read as a data file of the installed distribution: importing the package is not needed.
    Raises KGError if the distribution or its table is missing.
    """
    try:
        distribution = importlib.metadata.distribution(_M49_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise KGError(f"{_M49_DISTRIBUTION} is not installed; run `make setup`") from None
    path = Path(str(distribution.locate_file(_M49_TABLE)))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise KGError(f"{path}: cannot read the M49 table ({error.strerror})") from None
    return list(csv.DictReader(io.StringIO(text)))


def _m49(rows: Iterable[dict[str, str]]) -> tuple[dict[str, _Region], dict[str, dict[str, str]]]:
    """The M49 regions by code, and for each alpha-2 code the region code of each level.

    Raises KGError if the table gives one code two names or two broader regions: the file must
    say one thing about each region.

    >>> regions, places = _m49([{"ISO 3166-1 Alpha 2-Codes": "CN", "Region Code": "142",
    ...     "Region Name": "Asia", "Sub-region Code": "30", "Sub-region Name": "Eastern Asia"}])
    >>> regions["030"]
    _Region(code='030', name='Eastern Asia', broader='142')
    >>> places["CN"]
    {'m49Region': '142', 'm49SubRegion': '030'}
    """
    regions: dict[str, _Region] = {}
    places: dict[str, dict[str, str]] = {}
    for row in rows:
        alpha2 = (row.get("ISO 3166-1 Alpha 2-Codes") or "").strip()
        broader: str | None = None
        levels: dict[str, str] = {}
        for column, prop in _LEVELS:
            code = (row.get(f"{column} Code") or "").strip()
            name = (row.get(f"{column} Name") or "").strip()
            if not code or not name:
                continue
            code = code.zfill(3)
            region = _Region(code, name, broader)
            known = regions.setdefault(code, region)
            if known != region:
                raise KGError(f"the M49 table gives region {code} as {known} and as {region}")
            levels[prop] = code
            broader = code
        if alpha2 and levels:
            places[alpha2] = levels
    return regions, places


def countries_graph(*, base_iri: str) -> Graph:
    """One ``sc:CountryOrRegion`` per ``pycountry.countries`` entry, named ``{base_iri}id/{slug}``,
    and one ``sc:WorldRegion`` per UN M49 region, sub-region and intermediate region.

    The English label is pycountry's common name, else its name; the official name, when it
    differs, is a ``skos:altLabel``; the Arabic, Chinese, French, Russian and Spanish labels are
    the pycountry catalogues' entries for the English label, given where a catalogue has one
    (even if it reads as in English, as "Kenya" does in French). A country links to
    its M49 region, sub-region and intermediate region where the M49 table places it; a region
    carries its three-digit M49 code and the region it is part of. Raises KGError if two entries
    (countries or regions) would share a slug.
    """
    sc = base_iri + "ontology#"
    graph = Graph(bind_namespaces="none")
    bind_prefixes(graph.namespace_manager, base=base_iri)
    catalogues = {language: _catalogue(locale) for language, locale in _CATALOGUES.items()}
    regions, places = _m49(_m49_table())
    countries = list(pycountry.countries)
    english = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in countries}
    # Regions share the slug space with countries: "M49 030" cannot clash with an alpha-2 code.
    slugs = _slugs([*english.items(), *((f"M49 {r.code}", r.name) for r in regions.values())])

    def region_node(code: str) -> URIRef:
        return URIRef(f"{base_iri}id/{slugs[f'M49 {code}']}")

    for country in countries:
        label = english[country.alpha_2]
        node = URIRef(f"{base_iri}id/{slugs[country.alpha_2]}")
        graph.add((node, RDF.type, URIRef(sc + "CountryOrRegion")))
        graph.add((node, RDFS.label, Literal(label, lang="en")))
        for language, catalogue in catalogues.items():
            translated = _translation(catalogue, label)
            if translated:
                graph.add((node, RDFS.label, Literal(translated, lang=language)))
        official = getattr(country, "official_name", None)
        if official and official != label:
            graph.add((node, SKOS.altLabel, Literal(official, lang="en")))
        # Simple literals are xsd:string in RDF 1.1; the numeric code keeps its leading zeros.
        graph.add((node, URIRef(sc + "isoAlpha2"), Literal(country.alpha_2)))
        graph.add((node, URIRef(sc + "isoAlpha3"), Literal(country.alpha_3)))
        graph.add((node, URIRef(sc + "isoNumeric"), Literal(country.numeric)))
        graph.add((node, DCTERMS.source, PYCOUNTRY))
        for prop, code in places.get(country.alpha_2, {}).items():
            graph.add((node, URIRef(sc + prop), region_node(code)))
        if country.alpha_2 in places:
            graph.add((node, DCTERMS.source, M49_DATASET))
    for region in regions.values():
        node = region_node(region.code)
        graph.add((node, RDF.type, URIRef(sc + "WorldRegion")))
        graph.add((node, RDFS.label, Literal(region.name, lang="en")))
        graph.add((node, URIRef(sc + "m49Code"), Literal(region.code)))
        if region.broader:
            graph.add((node, URIRef(sc + "partOfRegion"), region_node(region.broader)))
        graph.add((node, DCTERMS.source, M49_DATASET))
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
        URIRef(sc + "m49Code"),
        *(URIRef(sc + prop) for _column, prop in _LEVELS),
        URIRef(sc + "partOfRegion"),
        DCTERMS.source,
    ]
    unexpected = set(graph.predicates()) - set(order)
    if unexpected:
        raise KGError(f"no place in the countries file for {sorted(map(str, unexpected))}")
    names = NamespaceManager(Graph(), bind_namespaces="none")
    bind_prefixes(names, base=base_iri)
    namespaces = dict(names.namespaces())
    version = importlib.metadata.version("pycountry")
    m49_version = importlib.metadata.version(_M49_DISTRIBUTION)
    lines = [
        f"# ISO 3166-1 countries and regions, generated from pycountry {version}",
        f"# <{PYCOUNTRY}>: English label = common name, else name;",
        "# skos:altLabel = official name; Arabic, Chinese, French, Russian and Spanish labels from",
        "# pycountry's ar, zh_CN, fr, ru and es catalogues, where they have the English name.",
        f"# UN M49 regions, sub-regions and intermediate regions from {_M49_DISTRIBUTION} "
        f"{m49_version}",
        f"# <{M49_DATASET}>, its countries and territories taxonomy table.",
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
    """English, then Chinese, then the other languages by tag, then by text: a stable order."""
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
