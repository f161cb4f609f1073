"""Validation workers (:mod:`kg.contrib.pool`): real processes that keep the graph loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.contrib.pool import Job, ValidationPool
from kg.settings import Settings

CONTRIBUTION = (
    "@prefix id: <https://w3id.org/scicoop/id/> .\n"
    "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n\n"
    "id:test-pool-partnership a sc:Partnership ;\n"
    '    rdfs:label "Test pool partnership"@en ;\n'
    "    sc:party id:chinese-academy-of-sciences, id:test-pool-academy ;\n"
    "    sc:partnershipKind sc:JointResearch ;\n"
    '    sc:quote "joint research"@en ;\n'
    "    prov:wasDerivedFrom id:striving-to-create-a-new-horizon .\n"
)
ACADEMY = (
    "@prefix id: <https://w3id.org/scicoop/id/> .\n"
    "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n\n"
    "id:test-pool-academy a sc:Academy ;\n"
    '    rdfs:label "Test pool academy"@en ;\n'
    '    sc:quote "Academy"@en ;\n'
    "    prov:wasDerivedFrom id:striving-to-create-a-new-horizon .\n"
)


async def references(pool: ValidationPool) -> list[str | None]:
    job = Job("contribution.ttl", CONTRIBUTION, CONTRIBUTION)
    report = await pool.validate(job)
    return [f.value for f in report.findings if f.check == "reference"]


@pytest.fixture
def pool(copy_settings: Settings) -> Iterator[ValidationPool]:
    pool = ValidationPool(copy_settings, workers=1, queue=0, timeout=120)
    yield pool
    pool.close()


def test_a_worker_keeps_the_graph_and_rereads_it_when_a_file_changes(
    pool: ValidationPool, copy_settings: Settings
) -> None:
    async def scenario() -> None:
        (worker,) = pool.pids
        assert await references(pool) == ["id:test-pool-academy"]
        assert await references(pool) == ["id:test-pool-academy"]
        # The same process answered both: nothing was started per request.
        assert pool.pids == [worker]
        (Path(copy_settings.data_dir) / "pool.ttl").write_text(ACADEMY, encoding="utf-8")
        assert await references(pool) == []
        assert pool.pids == [worker]

    asyncio.run(scenario())
