"""The ``slug`` check: every word of a slug comes from the node's labels or its class's name
(the rule is :func:`kg.contrib.checks.slug_fits`); countries are exempt."""

from __future__ import annotations

import re

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.contrib.checks import shown_visibly, slug_fits, slugify
from kg.contrib.findings import Finding
from kg.contrib.iris import under_base
from kg.contrib.workspace import Workspace

__all__ = ["check_slugs"]


def check_slugs(ws: Workspace) -> list[Finding]:
    """Slugs with a word that does not come from the node's labels (countries exempt)."""
    settings = ws.settings
    country = URIRef(settings.ontology_iri + "CountryOrRegion")
    findings: list[Finding] = []
    for node in sorted(ws.given_subjects()):
        if not under_base(node, settings.id_base) or (node, RDF.type, country) in ws.data:
            continue
        labels = [
            str(x)
            for p in (RDFS.label, SKOS.altLabel)
            for x in ws.data.objects(node, p)
            if str(x).strip()  # an empty label is the shapes' to report
        ]
        # The kind may lead the slug: id:partnership-..., id:claim-... (CamelCase split).
        kinds = [
            re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(c)[len(settings.ontology_iri) :])
            for c in ws.kind(node)
        ]
        slug = str(node)[len(settings.id_base) :]
        if not labels or slug_fits(slug, labels + kinds):
            continue
        english = next(
            (
                str(x)
                for x in ws.data.objects(node, RDFS.label)
                if getattr(x, "language", None) == "en"
            ),
            labels[0],
        )
        file, line = ws.locate(node) or (None, None)
        findings.append(
            Finding(
                file=file,
                line=line,
                column=None,
                severity="Warning",
                message=f'slug {slug!r} does not fit the label "{shown_visibly(english)}": '
                f"{_unexplained(slug, labels + kinds)} is not a word of it; rename the node "
                f"(e.g. id:{slugify(english)}) and every reference to it",
                node=ws.show(node),
                path="rdfs:label",
                check="slug",
            )
        )
    return findings


def _unexplained(slug: str, labels: list[str]) -> str:
    """The slug's words that the labels do not explain, quoted: ``'russian'``."""
    words = [w for w in slug.split("-") if not slug_fits(w, labels)]
    return ", ".join(repr(w) for w in words)
