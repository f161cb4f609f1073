"""OWL reasoning over the ontology: is it consistent, and can every class have members?

RDFS inference (``kg.graph.inference``) adds the types a query needs, but it cannot see
contradictions; HermiT, run through owlready2, can. It runs in a private ``owlready2.World`` so
that checks never share state, and offline: owlready2 fetches ``owl:imports`` from the network even
when told to stay local, so the files are parsed with rdflib first, their imports dropped, and only
then handed over.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from kg.errors import ReasonerUnavailableError, UnusableInputError
from kg.graph.loading import parse_file, rdf_files

__all__ = ["ReasonerReport", "check_ontology", "render_report"]

#: What to tell a user whose machine cannot run HermiT.
JAVA_HINT = (
    "HermiT needs a Java runtime on PATH: install one (e.g. `apt-get install default-jre-headless`)"
)


@dataclass
class ReasonerReport:
    """What HermiT found. ``unsatisfiable`` stays empty for an inconsistent ontology, where
    every class is trivially unsatisfiable and listing them would hide the real fault."""

    consistent: bool
    #: IRIs of the named classes that can have no member, sorted.
    unsatisfiable: list[str] = field(default_factory=list)
    #: Named classes, and object and datatype properties, declared in the files (external
    #: terms declared there included): a quick sign that the files read were the intended ones.
    classes: int = 0
    properties: int = 0
    #: The files checked, after expanding folders.
    paths: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Consistent, and no named class is forced to be empty."""
        return self.consistent and not self.unsatisfiable


def check_ontology(paths: Sequence[Path]) -> ReasonerReport:
    """Run HermiT over the ontology files in ``paths`` (files or folders), together.

    Raises RdfSyntaxError (file and line) for a file that does not parse, UnusableInputError for a
    missing path or when no RDF file is found, and ReasonerUnavailableError when Java is missing or
    HermiT fails for another reason.
    """
    files = rdf_files(paths)
    if not files:
        shown = ", ".join(str(p) for p in paths) or "(no paths)"
        raise UnusableInputError(f"{shown}: no ontology file (.ttl or .nt) found")
    merged = Graph()
    for path in files:
        for triple in parse_file(path).graph:
            merged.add(triple)
    merged.remove((None, OWL.imports, None))
    classes = {s for s in merged.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)}
    properties = {
        s
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in merged.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    }
    # Checked here, not left to owlready2: it would fail with an opaque "file not found".
    if shutil.which("java") is None:
        raise ReasonerUnavailableError(JAVA_HINT)
    consistent, unsatisfiable = _run_hermit(merged)
    return ReasonerReport(
        consistent=consistent,
        unsatisfiable=unsatisfiable,
        classes=len(classes),
        properties=len(properties),
        paths=files,
    )


def _run_hermit(graph: Graph) -> tuple[bool, list[str]]:
    """(consistent, sorted IRIs of unsatisfiable classes) for ``graph``, which has no imports."""
    import owlready2  # type: ignore[import-untyped]  # imported here: it sets up a SQLite world

    world = owlready2.World()
    try:
        with tempfile.TemporaryDirectory(prefix="kg-reasoning-") as folder:
            path = Path(folder) / "ontology.nt"
            graph.serialize(destination=path, format="nt", encoding="utf-8")
            ontology = world.get_ontology(path.as_uri())
            with path.open("rb") as stream:
                ontology.load(fileobj=stream, format="ntriples", only_local=True)
        try:
            # xsd:gYear, xsd:date and rdf:langString are the right ranges for our data but lie
            # outside the OWL 2 datatype map; HermiT then treats them as opaque, which is sound
            # for what we ask (consistency, unsatisfiable classes).
            owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, []
        except owlready2.OwlReadyJavaError as error:
            raise ReasonerUnavailableError(f"HermiT failed: {error}") from None
        # owl:Nothing is empty by definition, not a fault of the ontology.
        empty = {cls.iri for cls in world.inconsistent_classes()} - {str(OWL.Nothing)}
        unsatisfiable = sorted(empty)
        return True, unsatisfiable
    finally:
        world.close()


def render_report(report: ReasonerReport) -> str:
    """A few lines for a terminal: the verdict, then every unsatisfiable class by IRI.

    >>> print(render_report(ReasonerReport(True, ["https://example.org/Empty"], 3, 2)))
    HermiT: consistent; 3 classes, 2 properties
    unsatisfiable class: <https://example.org/Empty>
    1 unsatisfiable class
    """
    lines = []
    files = ", ".join(str(p) for p in report.paths)
    where = f" ({files})" if files else ""
    counts = f"{report.classes} classes, {report.properties} properties"
    if not report.consistent:
        lines.append(f"HermiT: INCONSISTENT{where}; {counts}")
        lines.append(
            "no model satisfies every axiom together: look for an individual typed with"
            " disjoint classes, or a value outside a property's range"
        )
        return "\n".join(lines)
    lines.append(f"HermiT: consistent{where}; {counts}")
    lines.extend(f"unsatisfiable class: <{iri}>" for iri in report.unsatisfiable)
    if report.unsatisfiable:
        count = len(report.unsatisfiable)
        lines.append(f"{count} unsatisfiable class{'es' if count != 1 else ''}")
    return "\n".join(lines)
