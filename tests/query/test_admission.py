"""The places of the in-process and remote runners: light queries always find one."""

from __future__ import annotations

import asyncio

import pytest

from kg.query.admission import Admission
from kg.query.cost import TooManyHeavyQueries
from kg.query.errors import Overloaded
from kg.query.gate import prepare
from kg.query.limits import Limits

HEAVY = prepare("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", named_graphs=[])
LIGHT = prepare("SELECT ?o WHERE { <urn:x> ?p ?o }", named_graphs=[])


def test_a_full_heavy_lane_refuses_heavy_queries_and_keeps_a_place_for_light_ones() -> None:
    assert HEAVY.heavy and not LIGHT.heavy

    async def scenario() -> None:
        places = Admission(Limits(workers=2, max_queue=0, timeout=5.0, heavy_queue=0))
        leave_heavy = await places.enter(HEAVY)
        with pytest.raises(TooManyHeavyQueries, match="runs at most 1 heavy query at a time"):
            await places.enter(HEAVY)
        leave_light = await asyncio.wait_for(places.enter(LIGHT), 1.0)  # no wait at all
        with pytest.raises(Overloaded):  # both places taken, no queue
            await places.enter(LIGHT)
        leave_heavy()
        leave_light()
        (await places.enter(HEAVY))()  # freed: the heavy lane takes one again

    asyncio.run(scenario())


def test_a_heavy_query_waits_one_deadline_at_most_for_the_lane() -> None:
    async def scenario() -> None:
        places = Admission(Limits(workers=2, max_queue=4, timeout=0.3, heavy_queue=1))
        await places.enter(HEAVY)
        started = asyncio.get_running_loop().time()
        with pytest.raises(TooManyHeavyQueries):
            await places.enter(HEAVY)
        assert 0.25 < asyncio.get_running_loop().time() - started < 2.0

    asyncio.run(scenario())


def test_a_light_looking_query_that_ran_long_is_heavy_next_time() -> None:
    places = Admission(Limits(workers=2, max_queue=0, timeout=5.0, light_budget=0.5))
    places.finished(LIGHT, 0.1)
    assert not places.is_heavy(LIGHT)
    places.finished(LIGHT, 0.6)
    assert places.is_heavy(LIGHT)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"workers": 0}, "workers must be at least 1, not 0"),
        ({"heavy_workers": 3}, "heavy_workers (3) exceeds workers (2)"),
        ({"timeout": 0.0}, "timeout must be positive, not 0.0"),
        ({"heavy_queue": -1}, "heavy_queue must not be negative, not -1"),
    ],
)
def test_lane_settings_out_of_range_are_named(settings: dict[str, float], message: str) -> None:
    options: dict[str, float] = {"workers": 2, "max_queue": 4, "timeout": 1.0, **settings}
    with pytest.raises(ValueError) as caught:
        Limits(**options)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_the_heavy_lane_is_all_workers_but_one_by_default() -> None:
    assert Admission(Limits(workers=3, max_queue=0, timeout=1.0)).heavy_workers == 2
    assert Admission(Limits(workers=1, max_queue=0, timeout=1.0)).heavy_workers == 1
