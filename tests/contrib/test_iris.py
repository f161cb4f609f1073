"""One definition of "under the project's base", compared as strings (kg.contrib.iris)."""

from __future__ import annotations

import pytest

from kg.contrib.iris import looks_like_base, under_base

BASE = "https://w3id.org/scicoop/"
THINGS = BASE + "id/"


@pytest.mark.parametrize(
    "iri",
    [
        "https://w3id-org/scicoop/id/cas",  # the host's dot as any character
        "http://w3id.org/scicoop/id/cas",  # http for https
        "ftp://w3id.org/scicoop/id/cas",  # another scheme
        "HTTPS://W3ID.ORG/scicoop/id/cas",  # case
        "https://w3id.org/scicoopx/id/cas",  # letters glued to a path segment
        "https://w3id.org/scicoop/id/../cas",  # a dot segment leaves id/
        "https://w3id.org/scicoop/id/./cas",
        "https://w3id.org/scicoop/id/%2e%2e/cas",  # the same, percent-encoded
    ],
)
def test_look_alikes_are_not_under_the_base_and_are_told_apart(iri: str) -> None:
    assert not under_base(iri, THINGS)
    assert looks_like_base(iri, BASE)


@pytest.mark.parametrize(
    "iri", [THINGS + "cas", THINGS + "chinese-academy-of-sciences", THINGS + "a/b"]
)
def test_things_under_the_base(iri: str) -> None:
    assert under_base(iri, THINGS)
    assert not looks_like_base(iri, BASE)


@pytest.mark.parametrize(
    "iri",
    [
        "https://w3id.org/scicoop/idx/cas",  # under the base, not under id/
        "https://w3idXorg/scicoop/id/cas",  # another host: an external IRI
        "https://w3id.org.example/scicoop/id/cas",
        "https://www.wikidata.org/entity/Q1",
        "urn:example:x",
    ],
)
def test_other_iris_are_not_things(iri: str) -> None:
    assert not under_base(iri, THINGS)
