"""The typed JSON routes, in process over the real graph: each answer equals the same
question asked through ``/sparql`` (the SPARQL is written out here, independently of the routes'
own queries), pages add up to the total, and bad input is a 422 naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

ID = "https://w3id.org/scicoop/id/"
CAS = ID + "chinese-academy-of-sciences"
PREFIXES = """PREFIX sc: <https://w3id.org/scicoop/ontology#>
PREFIX id: <https://w3id.org/scicoop/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def sparql(client: TestClient, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT through the endpoint, each as variable -> value."""
    answer = client.get("/sparql", params={"query": PREFIXES + query})
    assert answer.status_code == 200, answer.text
    return [
        {name: cell["value"] for name, cell in row.items()}
        for row in answer.json()["results"]["bindings"]
    ]


def every_item(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """All items of a list route, following ``next`` from page to page."""
    items: list[dict[str, Any]] = []
    answer = client.get(path, params={"limit": 7, **params})
    assert answer.status_code == 200, answer.text
    total = answer.json()["total"]
    while True:
        page = answer.json()
        assert page["total"] == total
        items += page["items"]
        if page["next"] is None:
            break
        answer = client.get(page["next"])
    assert len(items) == total
    return items


def pairs(rows: list[dict[str, str]], key: str, label: str) -> set[tuple[str, str]]:
    return {(row[key], row.get(label, row[key])) for row in rows}


def labelled(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["iri"], item["label"]) for item in items}


ACTORS = """SELECT DISTINCT ?actor ?label WHERE {{
  ?actor a sc:Actor . {filter}
  OPTIONAL {{ ?actor rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
}}"""


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({}, ""),
        ({"kind": "Organisation"}, "?actor a sc:Organisation ."),
        ({"kind": "Academy"}, "?actor a sc:Academy ."),
        ({"kind": "ActorGroup"}, "?actor a sc:ActorGroup ."),
        ({"country": "china"}, "?actor sc:country id:china ."),
        ({"kind": "PoliticalBody", "country": "china"},
         "?actor a sc:PoliticalBody ; sc:country id:china ."),
    ],
)  # fmt: skip
def test_actors_equal_sparql(client: TestClient, params: dict[str, str], pattern: str) -> None:
    expected = pairs(sparql(client, ACTORS.format(filter=pattern)), "actor", "label")
    assert expected
    if params:
        items = every_item(client, "/api/actors", **params)
    else:  # 265 actors: one big page instead of 40 small ones
        items = client.get("/api/actors", params={"limit": 500}).json()["items"]
    assert labelled(items) == expected
    labels = [item["label"].lower() for item in items]
    assert labels == sorted(labels)


def test_an_actor_has_its_kinds_and_country(client: TestClient) -> None:
    academies = client.get("/api/actors", params={"kind": "Academy", "limit": 500}).json()
    (cas,) = [a for a in academies["items"] if a["iri"] == ID + "chinese-academy-of-sciences"]
    kinds = sparql(
        client,
        "SELECT ?k WHERE { id:chinese-academy-of-sciences a ?k "
        "FILTER(STRSTARTS(STR(?k), STR(sc:))) }",
    )
    assert sorted(cas["kinds"]) == sorted(r["k"].rsplit("#")[1] for r in kinds)
    assert cas["country"] == {"iri": ID + "china", "label": "China"}


def test_one_actor_with_what_it_takes_part_in(client: TestClient) -> None:
    answer = client.get("/api/actors/chinese-academy-of-sciences")
    assert answer.status_code == 200
    actor = answer.json()
    assert actor["iri"] == CAS and actor["label"] == "Chinese Academy of Sciences"
    questions = {
        "partnerships": "?item sc:party id:chinese-academy-of-sciences",
        "programmes": "{ ?item sc:launchedBy id:chinese-academy-of-sciences } UNION "
        "{ ?item sc:participant id:chinese-academy-of-sciences }",
        "outcomes": "?item sc:producedBy id:chinese-academy-of-sciences",
        "claims": "?item sc:claimSubject id:chinese-academy-of-sciences",
    }
    for field, pattern in questions.items():
        rows = sparql(
            client,
            f"SELECT DISTINCT ?item ?label WHERE {{ {pattern} . "
            '?item rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }',
        )
        assert labelled(actor[field]) == pairs(rows, "item", "label"), field
    assert len(actor["partnerships"]) >= 3


def test_one_actor_unknown_or_malformed(client: TestClient) -> None:
    missing = client.get("/api/actors/no-such-actor")
    assert missing.status_code == 404
    assert "no actor https://w3id.org/scicoop/id/no-such-actor" in missing.text
    not_actor = client.get("/api/actors/cas-cooperation-agreements")
    assert not_actor.status_code == 404
    assert "is not an actor" in not_actor.text
    bad = client.get("/api/actors/..%2fetc")
    assert bad.status_code in (404, 422)


PARTNERSHIPS = """SELECT ?p ?label ?party ?partyLabel ?kind WHERE {{
  ?p a sc:Partnership ; rdfs:label ?label ; sc:party ?party . {filter}
  FILTER(LANGMATCHES(LANG(?label), "en"))
  OPTIONAL {{ ?party rdfs:label ?partyLabel FILTER(LANGMATCHES(LANG(?partyLabel), "en")) }}
  OPTIONAL {{ ?p sc:partnershipKind ?kind }}
}}"""


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({}, ""),
        ({"party": "china"}, "?p sc:party id:china ."),
        ({"party": "chinese-academy-of-sciences"}, "?p sc:party id:chinese-academy-of-sciences ."),
        ({"kind": "Membership"}, "?p sc:partnershipKind sc:Membership ."),
        ({"kind": "JointResearch", "party": "china"},
         "?p sc:partnershipKind sc:JointResearch ; sc:party id:china ."),
    ],
)  # fmt: skip
def test_partnerships_equal_sparql(
    client: TestClient, params: dict[str, str], pattern: str
) -> None:
    rows = sparql(client, PARTNERSHIPS.format(filter=pattern))
    assert rows
    items = every_item(client, "/api/partnerships", **params)
    assert labelled(items) == pairs(rows, "p", "label")
    for item in items:
        mine = [row for row in rows if row["p"] == item["iri"]]
        assert labelled(item["parties"]) == pairs(mine, "party", "partyLabel")
        assert len(item["parties"]) >= 2
        assert item["kind"] == mine[0]["kind"].rsplit("#")[1]


def test_partnerships_by_year_equal_sparql(client: TestClient) -> None:
    # Dated partnerships active in or after 2015; the source dates none of them yet.
    rows = sparql(
        client,
        "SELECT ?p WHERE { ?p a sc:Partnership . "
        "OPTIONAL { ?p sc:startDate ?s } OPTIONAL { ?p sc:endDate ?e } "
        "FILTER(BOUND(?s) || BOUND(?e)) "
        "FILTER(xsd:integer(SUBSTR(STR(COALESCE(?e, ?s)), 1, 4)) >= 2015) }".replace(
            "xsd:integer", "<http://www.w3.org/2001/XMLSchema#integer>"
        ),
    )
    items = every_item(client, "/api/partnerships", from_year=2015)
    assert {item["iri"] for item in items} == {row["p"] for row in rows}
    wrong = client.get("/api/partnerships", params={"from_year": 2020, "to_year": 2010})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["query", "to_year"]


def test_programmes_equal_sparql(client: TestClient) -> None:
    rows = sparql(
        client,
        "SELECT ?p ?label ?who ?whoLabel ?how WHERE { ?p a sc:Programme ; rdfs:label ?label "
        'FILTER(LANGMATCHES(LANG(?label), "en")) '
        'OPTIONAL { { ?p sc:launchedBy ?who BIND("launched" AS ?how) } UNION '
        '{ ?p sc:participant ?who BIND("participant" AS ?how) } '
        '?who rdfs:label ?whoLabel FILTER(LANGMATCHES(LANG(?whoLabel), "en")) } }',
    )
    items = every_item(client, "/api/programmes")
    assert labelled(items) == pairs(rows, "p", "label")
    for item in items:
        mine = [row for row in rows if row["p"] == item["iri"]]
        launched = [row for row in mine if row.get("how") == "launched"]
        joined = [row for row in mine if row.get("how") == "participant"]
        assert labelled(item["launched_by"]) == pairs(launched, "who", "whoLabel")
        assert labelled(item["participants"]) == pairs(joined, "who", "whoLabel")
        assert "Programme" in item["kinds"]


def test_outcomes_equal_sparql(client: TestClient) -> None:
    rows = sparql(
        client,
        "SELECT ?o ?label ?by ?byLabel WHERE { ?o a sc:Outcome ; rdfs:label ?label "
        'FILTER(LANGMATCHES(LANG(?label), "en")) OPTIONAL { ?o sc:producedBy ?by . '
        '?by rdfs:label ?byLabel FILTER(LANGMATCHES(LANG(?byLabel), "en")) } }',
    )
    items = every_item(client, "/api/outcomes")
    assert labelled(items) == pairs(rows, "o", "label")
    for item in items:
        mine = [row for row in rows if row["o"] == item["iri"] and "by" in row]
        assert labelled(item["produced_by"]) == pairs(mine, "by", "byLabel")


def test_claims_equal_sparql(client: TestClient) -> None:
    rows = sparql(
        client,
        "SELECT ?c ?label ?subject ?value ?qualifier ?unit ?quote ?start ?end ?rank ?source "
        "?measure ?when "
        "WHERE { ?c a sc:QuantitativeClaim ; rdfs:label ?label ; sc:claimSubject ?subject ; "
        "sc:value ?value ; sc:qualifier ?qualifier ; sc:unit ?unit ; "
        "prov:wasDerivedFrom ?source ; sc:onMeasure ?measure "
        'FILTER(LANGMATCHES(LANG(?label), "en")) '
        "OPTIONAL { ?c sc:quote ?quote } OPTIONAL { ?c sc:pointInTime ?when } "
        "OPTIONAL { ?c sc:periodStart ?start } OPTIONAL { ?c sc:periodEnd ?end } "
        "OPTIONAL { ?c sc:rank ?rank } }",
    )
    items = every_item(client, "/api/claims")
    assert labelled(items) == pairs(rows, "c", "label")
    by_iri = {row["c"]: row for row in rows}
    for item in items:
        row = by_iri[item["iri"]]
        assert item["subject"]["iri"] == row["subject"]
        assert item["value"] == float(row["value"])
        assert item["qualifier"] == row["qualifier"].rsplit("#")[1]
        assert item["unit"] == row["unit"].rsplit("#")[1]
        assert item["period_start"] == row.get("start")
        assert item["period_end"] == row.get("end")
        assert item["rank"] == (int(row["rank"]) if "rank" in row else None)
        assert item["source"]["iri"] == row["source"]
        assert item["on_measure"]["iri"] == row["measure"]
        assert item["point_in_time"] == row.get("when")
        quotes = {r["quote"] for r in rows if r["c"] == item["iri"] and "quote" in r}
        assert set(item["quotes"]) == quotes
    share = next(
        i for i in items if i["iri"] == ID + "claim-china-highly-cited-papers-global-share"
    )
    assert (share["value"], share["unit"], share["rank"]) == (27.3, "Percent", 2)


@pytest.mark.parametrize("text", ["academy", "ACADEMY", "中国", "cas", "Belt and Road"])
def test_search_equals_sparql(client: TestClient, text: str) -> None:
    rows = sparql(
        client,
        "SELECT DISTINCT ?r WHERE { ?r rdfs:label|skos:altLabel ?l "
        f'FILTER(isIRI(?r) && CONTAINS(LCASE(STR(?l)), LCASE("{text}"))) }}',
    )
    assert rows
    items = every_item(client, "/api/search", q=text)
    assert {item["iri"] for item in items} == {row["r"] for row in rows}
    for item in items:
        assert all(text.lower() in matched.lower() for matched in item["matched"])


@pytest.mark.parametrize(
    ("path", "params", "parameter", "says"),
    [
        ("/api/actors", {"kind": "Martian"}, "kind", "use one of: Academy, Actor"),
        ("/api/actors", {"country": "Not A Slug"}, "country", "pattern"),
        ("/api/actors", {"limit": 501}, "limit", "less than or equal to 500"),
        ("/api/actors", {"limit": 0}, "limit", "greater than or equal to 1"),
        ("/api/actors", {"offset": -1}, "offset", "greater than or equal to 0"),
        ("/api/partnerships", {"kind": "Friendship"}, "kind", "Membership"),
        ("/api/partnerships", {"from_year": "last year"}, "from_year", "integer"),
        ("/api/search", {}, "q", "Field required"),
        ("/api/search", {"q": "x" * 201}, "q", "at most 200"),
    ],
)
def test_bad_input_is_422_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, Any], parameter: str, says: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["query", parameter]
    assert says in error["msg"]


def test_the_routes_are_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/actors", "/api/actors/{slug}", "/api/partnerships", "/api/programmes",
                 "/api/outcomes", "/api/claims", "/api/search"):  # fmt: skip
        operation = spec["paths"][path]["get"]
        assert operation["tags"] == ["typed API"]
        assert operation["summary"] and operation["description"]
    actor = spec["components"]["schemas"]["Actor"]
    assert actor["properties"]["iri"]["description"].startswith("The resource's IRI")
    parameters = {p["name"]: p for p in spec["paths"]["/api/actors"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == 500
