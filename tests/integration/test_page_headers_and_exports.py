"""On a live server over the real graph: the security headers of every HTML answer, the network
exports, and the vocabulary the editor completes from."""

from __future__ import annotations

import io
import re
import zipfile

import httpx
import networkx as nx
import pytest

pytestmark = pytest.mark.integration

ID = "https://w3id.org/scicoop/id/"
HTML = {"Accept": "text/html"}
#: Every kind of HTML answer: pages, documents, the query page with an answer and with an error,
#: the validate form and answer, and 404 pages.
PAGES = (
    ("GET", "/", 200),
    ("GET", "/query", 200),
    ("GET", "/query?query=ASK%20%7B%7D", 200),
    ("GET", "/query?query=SELECT", 400),
    ("GET", "/doc/chinese-academy-of-sciences", 200),
    ("GET", "/doc/china.html", 200),
    ("GET", "/ontology", 200),
    ("GET", "/ontology/Partnership", 200),
    ("GET", "/graph/data/partnerships", 200),
    ("GET", "/validate", 200),
    ("GET", "/docs", 200),
    ("POST", "/validate", 200),
    ("GET", "/doc/no-such-thing", 404),
    ("GET", "/ontology/NoSuchTerm", 404),
)


@pytest.mark.parametrize(("method", "path", "status"), PAGES, ids=[p[1] for p in PAGES])
def test_every_html_answer_allows_only_this_server(
    real_url: str, method: str, path: str, status: int
) -> None:
    form = {"data": "@prefix ex: <http://example.org/> .", "syntax": "turtle"}
    answer = httpx.request(method, real_url + path, headers=HTML,
                           data=form if method == "POST" else None)  # fmt: skip
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    directives = answer.headers["content-security-policy"].split("; ")
    policy = dict((part.split(" ", 1) + [""])[:2] for part in directives)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'" and policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    # Styles: this server's, and the one <style> the editor writes, by this answer's nonce.
    assert re.fullmatch(r"'self' 'nonce-[\w-]{20,}'", policy["style-src"]), policy["style-src"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    # No inline script: each is a file of this server or JSON data (which never runs).
    for tag in re.findall(r"<script\b[^>]*>", answer.text):
        assert 'type="application/json"' in tag or re.search(r'src="/static/[^"]+"', tag), tag
    assert "style=" not in answer.text and "<style" not in answer.text
    assert not re.search(
        r'(src|href)="(https?:)?//', answer.text.split("<body")[1].split("<main")[0]
    )


def test_nonces_differ_per_answer_and_non_html_answers_are_nosniff(real_url: str) -> None:
    first, second = (httpx.get(real_url + "/query").headers for _ in range(2))
    assert first["content-security-policy"] != second["content-security-policy"]
    data = httpx.get(real_url + "/doc/china.ttl")
    assert data.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in data.headers


@pytest.mark.parametrize("extension", ["graphml", "gexf", "zip"])
def test_network_exports_read_back(real_url: str, extension: str) -> None:
    answer = httpx.get(real_url + f"/export/network.{extension}")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="scicoop-network.{extension}"'
    )
    graphml = nx.read_graphml(
        io.BytesIO(httpx.get(real_url + "/export/network.graphml").content), force_multigraph=True
    )
    if extension == "gexf":
        network = nx.read_gexf(io.BytesIO(answer.content))
        assert network.number_of_edges() == graphml.number_of_edges()
        assert set(network.nodes) == set(graphml.nodes)
        assert answer.headers["content-type"].startswith("application/gexf+xml")
    elif extension == "zip":
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = archive.read("nodes.csv").decode("utf-8").splitlines()
        edges = archive.read("edges.csv").decode("utf-8").splitlines()
        assert nodes[0] == "id,label,kind,figures,size"
        assert (len(nodes) - 1, len(edges) - 1) == (
            graphml.number_of_nodes(), graphml.number_of_edges(),
        )  # fmt: skip
    else:
        assert answer.headers["content-type"].startswith("application/graphml+xml")
        assert ID + "chinese-academy-of-sciences" in graphml
    again = httpx.get(real_url + f"/export/network.{extension}",
                      headers={"If-None-Match": answer.headers["etag"]})  # fmt: skip
    assert again.status_code == 304


def test_an_unknown_export_names_the_ones_offered(real_url: str) -> None:
    answer = httpx.get(real_url + "/export/network.pdf")
    assert answer.status_code == 404
    assert "/export/network.graphml" in answer.text and "/export/network.gexf" in answer.text


def test_completions_come_from_this_graph(real_url: str) -> None:
    answer = httpx.get(real_url + "/query/completions.json")
    assert answer.status_code == 200
    vocabulary = answer.json()
    assert vocabulary["prefixes"]["sc"] == "https://w3id.org/scicoop/ontology#"
    assert vocabulary["prefixes"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    terms = {term["curie"]: term for term in vocabulary["terms"]}
    assert terms["sc:Partnership"]["kind"] == "class"
    assert terms["sc:party"]["kind"] == "object property"
    assert terms["sc:Partnership"]["definition"]
    assert terms["id:chinese-academy-of-sciences"]["label"] == "Chinese Academy of Sciences"
    assert terms["id:china"]["label"] == "China"
    again = httpx.get(
        real_url + "/query/completions.json", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 304
