"""What a resource page shows, from a description's triples: asserted apart from inferred,
language on every tagged literal, each supporting quote once."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Triple

from api.html import resource_view
from kg.describe.network import Figure
from kg.settings import Settings

SC = "https://w3id.org/scicoop/ontology#"
ID = "https://w3id.org/scicoop/id/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ASSOCIATED = NamedNode("http://www.w3.org/ns/prov#wasAssociatedWith")
PARTNERSHIP, CHINA, GROUP = NamedNode(ID + "p"), NamedNode(ID + "china"), NamedNode(ID + "group")
SAID = "China has partnerships with over 160 countries and regions."

TRIPLES = [
    Triple(PARTNERSHIP, RDF_TYPE, NamedNode(SC + "Partnership")),
    Triple(PARTNERSHIP, LABEL, Literal("Partnerships of China", language="en")),
    Triple(PARTNERSHIP, LABEL, Literal("中国的伙伴关系", language="zh")),
    Triple(PARTNERSHIP, NamedNode(SC + "party"), CHINA),
    Triple(PARTNERSHIP, NamedNode(SC + "quote"), Literal(SAID, language="en")),
    Triple(PARTNERSHIP, ASSOCIATED, CHINA),
    Triple(PARTNERSHIP, RDF_TYPE, NamedNode("http://www.w3.org/ns/prov#Activity")),
    Triple(CHINA, LABEL, Literal("China", language="en")),
]
INFERRED = {TRIPLES[5], TRIPLES[6]}


def _view(*figures: Figure, wanted: tuple[str, ...] = ("en",)) -> object:
    return resource_view(
        TRIPLES, iri=PARTNERSHIP.value, settings=Settings(), wanted=list(wanted),
        doc_path="/doc/p", inferred=INFERRED, figures=figures,
    )  # fmt: skip


def test_inferred_triples_are_kept_apart() -> None:
    view = _view()
    assert [row.predicate.text for row in view.properties] == ["sc:party"]  # type: ignore[attr-defined]
    assert [t.text for t in view.types] == ["sc:Partnership"]  # type: ignore[attr-defined]
    assert [row.predicate.text for row in view.inferred_properties] == ["prov:wasAssociatedWith"]  # type: ignore[attr-defined]
    assert [t.text for t in view.inferred_types] == ["prov:Activity"]  # type: ignore[attr-defined]
    edges = view.network["edges"]  # type: ignore[attr-defined]
    assert [(e["label"], e["target"]) for e in edges] == [("sc:party", CHINA.value)]


def test_labels_and_quotes_carry_their_language() -> None:
    view = _view(wanted=("zh",))
    assert (view.label, view.label_lang) == ("中国的伙伴关系", "zh")  # type: ignore[attr-defined]
    assert [(v.text, v.lang) for v in view.other_labels] == [("Partnerships of China", "en")]  # type: ignore[attr-defined]
    assert [(q.text, q.lang) for q in view.quotes] == [(SAID, "en")]  # type: ignore[attr-defined]


def test_each_supporting_quote_is_given_once() -> None:
    def figure(value: str, quote: str) -> Figure:
        return Figure(ID + "claim-" + value, GROUP.value, value, "countries", "More than", "Count",
                      quote=quote, quote_lang="en")  # fmt: skip

    other = "The group counts 64 countries and 138 institutions."
    view = _view(figure("160", SAID), figure("64", other), figure("138", other))
    shown = [(f.text, f.quote.text, f.quote.lang) for f in view.figures]  # type: ignore[attr-defined]
    assert shown == [
        ("more than 160 countries", "", None),  # the page quotes it already
        ("more than 64 countries", other, "en"),
        ("more than 138 countries", "", None),  # given with the figure above
    ]
