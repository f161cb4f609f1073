"""Hostile RDF at every place a file from outside is parsed: each ends in a located error.

Entry points: ``kg validate`` and ``kg check-ontology`` (``kg.graph.loading.parse_text``), ``kg
serve --data`` (``kg.graph.files.load_into``) and the parser ``POST /validate`` uses for JSON-LD
(``kg.graph.parsing.parse_quads``). A local listener stands in for any server a document names: the
tests assert it was never contacted. Inputs that could exhaust memory are parsed in a child process
under ``RLIMIT_AS``, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from kg.errors import RdfSyntaxError
from kg.graph.files import load_into
from kg.graph.loading import parse_text
from kg.graph.parsing import MAX_NESTING, parse_quads
from kg.graph.reasoning import check_ontology
from kg.settings import PROJECT_ROOT, Settings
from tests.listening import Listener

CASES = PROJECT_ROOT / "tests" / "cases" / "hostile"
PREFIX = "@prefix : <urn:example:> .\n"
NESTING_MESSAGE = (
    f"nested more than {MAX_NESTING} levels deep; give inner nodes their own IRI or blank node "
    "label (_:b1) instead of nesting them"
)
TOO_LONG_MESSAGE = (
    "a literal or IRI is longer than 16 MiB; link to large content instead of including it"
)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A real local file whose content must never show up in an answer."""
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-7f3a", encoding="utf-8")
    return path


def fill(case: str, **values: str) -> str:
    text = (CASES / case).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def expected(case: str) -> str:
    """The ``expect:`` note on the second line of a case file: ``line:column: message``."""
    note = (CASES / case).read_text(encoding="utf-8").splitlines()[1]
    return note.split("expect: ", 1)[1].split(" (", 1)[0]


def timed_error(call: object, *args: object, **kwargs: object) -> RdfSyntaxError:
    """The RdfSyntaxError ``call`` raises (how fast is the benchmark's business, not a test's)."""
    with pytest.raises(RdfSyntaxError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def nested(opening: str, closing: str, depth: int) -> str:
    return PREFIX + ":s :p " + opening * depth + ":o" + closing * depth + " .\n"


# -- RDF/XML: no DOCTYPE, so no external entity and no expansion ----------------------------


def test_external_entities_are_refused_without_reading_the_file_or_calling_out(
    listener: Listener, secret: Path
) -> None:
    text = fill("external_entities.rdf", SECRET=secret.as_uri(), LISTENER=listener.url)
    error = timed_error(
        parse_quads, text, syntax=pyoxigraph.RdfFormat.RDF_XML, path="external_entities.rdf"
    )
    assert str(error).startswith("external_entities.rdf:3:1: syntax error: ")
    assert f"{error.line}:{error.column}: {error.message}".startswith(
        expected("external_entities.rdf")
    )
    assert "TOP-SECRET" not in str(error)
    time.sleep(0.3)  # a fetch, had one started, would have connected by now
    assert listener.connections == []


BOUNDED_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import pyoxigraph
from kg.errors import RdfSyntaxError
from kg.graph.parsing import parse_quads
data = sys.stdin.buffer.read()
try:
    parse_quads(data, syntax=pyoxigraph.RdfFormat.RDF_XML, path=sys.argv[1])
except RdfSyntaxError as error:
    print(error)
"""


def quadratic_blowup() -> str:
    """One 50 kB entity used 20,000 times: 1 GB expanded from a 130 kB file."""
    references = "&big;" * 20_000
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [ <!ENTITY big "{"x" * 50_000}"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:e:">'
        f'<rdf:Description rdf:about="urn:e:s"><ex:p>{references}</ex:p></rdf:Description>'
        "</rdf:RDF>\n"
    )


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("billion_laughs.rdf", (CASES / "billion_laughs.rdf").read_text(), "3:1"),
        ("quadratic.rdf", quadratic_blowup(), "2:1"),
    ],
)
def test_entity_expansion_is_refused_in_bounded_time_and_memory(
    name: str, data: str, where: str
) -> None:
    # Without the DOCTYPE check Oxigraph allocates until the 1 GiB limit aborts the child.
    child = subprocess.run(
        [sys.executable, "-c", BOUNDED_CHILD, name],
        input=data.encode(),
        capture_output=True,
        timeout=60,  # a hang guard, not a measurement
        cwd=PROJECT_ROOT,
    )
    assert child.returncode == 0, child.stderr.decode()[-2000:]
    assert child.stdout.decode().startswith(
        f"{name}:{where}: syntax error: <!DOCTYPE> is not accepted in RDF/XML: "
    )


def test_xml_without_doctype_still_parses() -> None:
    text = (
        '<?xml version="1.0"?>\n<!-- a comment before the root is fine -->\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:e:">'
        '<rdf:Description rdf:about="urn:e:s"><ex:p>&amp; &lt;ok&gt;</ex:p></rdf:Description>'
        "</rdf:RDF>\n"
    )
    quads = parse_quads(text, syntax=pyoxigraph.RdfFormat.RDF_XML, path="ok.rdf")
    assert [q.object.value for q in quads] == ["& <ok>"]


# -- JSON-LD: no remote context is fetched, and the refusal names it --------------------------


@pytest.mark.parametrize(
    "shape",
    ["string", "in an array", "on a nested node", "scoped to a term", "imported"],
)
@pytest.mark.parametrize("scheme", ["http", "https", "file"])
def test_remote_contexts_are_named_and_never_fetched(
    listener: Listener, secret: Path, scheme: str, shape: str
) -> None:
    iri = {
        "http": listener.url + "/context.jsonld",
        "https": listener.url.replace("http:", "https:") + "/context.jsonld",
        "file": secret.as_uri(),
    }[scheme]
    document: dict[str, object] = {
        "string": {"@context": iri, "@id": "urn:x"},
        "in an array": {"@context": [{"ex": "urn:ex:"}, iri], "@id": "urn:x"},
        "on a nested node": {
            "@context": {"ex": "urn:ex:"},
            "@id": "urn:x",
            "ex:p": {"@context": iri, "@id": "urn:y"},
        },
        "scoped to a term": {
            "@context": {"t": {"@id": "urn:t", "@context": iri}},
            "@id": "urn:x",
            "t": {"@id": "urn:y"},
        },
        "imported": {"@context": {"@version": 1.1, "@import": iri}, "@id": "urn:x"},
    }[shape]
    text = json.dumps(document, indent=1)
    error = timed_error(parse_quads, text, syntax=pyoxigraph.RdfFormat.JSON_LD, path="c.jsonld")
    assert error.message == (
        f"remote @context <{iri}> is not fetched; put the context inline in the document"
    )
    line = next(n for n, row in enumerate(text.splitlines(), 1) if iri in row)
    assert error.line == line
    assert "TOP-SECRET" not in str(error)
    time.sleep(0.3)
    assert listener.connections == []


# -- deep nesting: a located syntax error, not RecursionError ---------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize(
    ("opening", "closing", "column"),
    [("[ :p ", " ]", 6 + 5 * MAX_NESTING + 1), ("( ", " )", 6 + 2 * MAX_NESTING + 1)],
    ids=["blank nodes", "collections"],
)
def test_deep_turtle_is_a_located_syntax_error(
    depth: int, opening: str, closing: str, column: int
) -> None:
    error = timed_error(parse_text, nested(opening, closing, depth), path="deep.ttl")
    assert str(error) == f"deep.ttl:2:{column}: syntax error: {NESTING_MESSAGE}"


def test_nesting_up_to_the_limit_parses_and_brackets_in_strings_do_not_count() -> None:
    text = nested("[ :p ", " ]", MAX_NESTING)
    assert len(parse_text(text, path="ok.ttl").graph) == MAX_NESTING + 1
    quoted = (
        PREFIX
        + ':s :p "'
        + "[" * 1000
        + '", """('
        + "(\n" * 1000
        + '""" ; # '
        + "[" * 1000
        + "\n  :q <urn:x:%5B> .\n"
    )
    assert len(parse_text(quoted, path="quoted.ttl").graph) == 3


#: The outer object is level 1; the first nested bracket, level 2, is at column 27.
HEAD = '{"@id": "urn:s", "urn:p": '


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (HEAD + '{"urn:p": ' * 1_000 + "{}" + "}" * 1_001, 1, 27 + 10 * (MAX_NESTING - 1)),
        (HEAD + "[" * 100_000 + '"x"' + "]" * 100_000 + "}", 1, 27 + (MAX_NESTING - 1)),
    ],
    ids=["objects 1,000 deep", "arrays 100,000 deep"],
)
def test_deep_json_ld_is_a_located_syntax_error(text: str, line: int, column: int) -> None:
    error = timed_error(parse_quads, text, syntax=pyoxigraph.RdfFormat.JSON_LD, path="d.jsonld")
    assert (error.line, error.column, error.message) == (line, column, NESTING_MESSAGE)


def test_deep_nesting_loads_into_the_served_store_in_bounded_time(tmp_path: Path) -> None:
    # kg serve --data: Oxigraph streams and does not recurse, so deep (valid) Turtle just loads.
    data = tmp_path / "deep.ttl"
    data.write_text(nested("[ :p ", " ]", 100_000), encoding="utf-8")
    store = pyoxigraph.Store()
    load_into(store, [data], Settings(data_dir=tmp_path))
    assert len(store) == 100_001


# -- enormous literals -----------------------------------------------------------------------


def test_a_literal_over_the_token_buffer_is_a_located_syntax_error() -> None:
    text = PREFIX + ":a :p :b .\n" + ':s :p "' + "a" * 20_000_000 + '" .\n'
    error = timed_error(parse_text, text, path="big.ttl")
    assert str(error) == f"big.ttl:3: syntax error: {TOO_LONG_MESSAGE}"


def test_a_literal_over_the_token_buffer_in_served_data_names_the_file(tmp_path: Path) -> None:
    data = tmp_path / "big.nq"
    data.write_text(
        "<urn:a> <urn:p> <urn:b> .\n" + '<urn:s> <urn:p> "' + "a" * 20_000_000 + '" .\n',
        encoding="utf-8",
    )
    error = timed_error(load_into, pyoxigraph.Store(), [data], Settings(data_dir=tmp_path))
    assert str(error) == f"{data}:2: syntax error: {TOO_LONG_MESSAGE}"


def test_a_large_literal_under_the_buffer_is_data_not_an_error() -> None:
    text = PREFIX + ':s :p "' + "a" * 5_000_000 + '" .\n'
    assert len(parse_text(text, path="large.ttl").graph) == 1


# -- the command line, end to end ------------------------------------------------------------


def test_kg_validate_reports_deep_nesting_with_file_and_line(tmp_path: Path) -> None:
    contribution = tmp_path / "deep.ttl"
    contribution.write_text(nested("[ :p ", " ]", 100_000), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "validate", str(contribution)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
    )
    assert run.returncode == 1, run.stderr
    assert f"{contribution}:2:{6 + 5 * MAX_NESTING + 1}: " in run.stdout
    assert NESTING_MESSAGE in run.stdout
    assert "RecursionError" not in run.stdout + run.stderr


# -- check-ontology: owl:imports never reach the network -------------------------------------


def test_check_ontology_never_fetches_owl_imports(listener: Listener, tmp_path: Path) -> None:
    ontology = tmp_path / "ontology.ttl"
    ontology.write_text(fill("owl_imports.ttl", LISTENER=listener.url), encoding="utf-8")
    report = check_ontology([ontology])
    assert (report.consistent, report.unsatisfiable, report.classes) == (True, [], 1)
    assert listener.connections == []


def test_check_ontology_reports_deep_nesting_with_file_and_line(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology.ttl"
    ontology.write_text(nested("( ", " )", 100_000), encoding="utf-8")
    error = timed_error(check_ontology, [ontology])
    assert str(error) == f"{ontology}:2:{6 + 2 * MAX_NESTING + 1}: syntax error: {NESTING_MESSAGE}"
