"""What every query runner is held to, checked once: workers, lanes, queues, deadline, caps.

Built from the settings at the entry point (:meth:`Limits.from_settings`) and handed to whichever
runner serves the store, so the in-process, worker-process and remote runners keep the same
limits and name the same setting when one is out of range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.settings import Settings

__all__ = ["Limits"]


@dataclass(frozen=True, kw_only=True)
class Limits:
    """The limits of one runner; ValueError names the first value out of range.

    ``heavy_workers`` of the ``workers`` form the heavy lane (default: all but one, at least
    one), so a light query always finds a place that no heavy query holds.

    >>> Limits(workers=3).heavy_workers
    2
    >>> Limits(workers=2, heavy_workers=3)
    Traceback (most recent call last):
    ...
    ValueError: heavy_workers (3) exceeds workers (2)
    """

    workers: int = 2
    timeout: float = 30.0
    result_limit: int = 100_000
    #: Address-space cap of a query worker process (None: uncapped; threads cannot be capped).
    memory_bytes: int | None = None
    #: Queries that may wait for a place beyond the running ones.
    max_queue: int = 32
    heavy_workers: int = field(default=0)
    heavy_queue: int = 4
    light_budget: float = 1.0
    heavy_nice: int = 0
    #: Below this share of available memory, a worker that ran long is re-forked after its query
    #: (it has copied the pages it read: see :mod:`kg.store.resident`).
    short_of_memory: float = 0.25

    def __post_init__(self) -> None:
        heavy = self.heavy_workers or max(1, self.workers - 1)
        object.__setattr__(self, "heavy_workers", heavy)
        for name, count in (("workers", self.workers), ("result_limit", self.result_limit)):
            if count < 1:
                raise ValueError(f"{name} must be at least 1, not {count}")
        if heavy < 1:
            raise ValueError(f"heavy_workers must be at least 1, not {heavy}")
        if heavy > self.workers:
            raise ValueError(f"heavy_workers ({heavy}) exceeds workers ({self.workers})")
        for name, seconds in (("timeout", self.timeout), ("light_budget", self.light_budget)):
            if seconds <= 0:
                raise ValueError(f"{name} must be positive, not {seconds}")
        for name, count in (("max_queue", self.max_queue), ("heavy_queue", self.heavy_queue)):
            if count < 0:
                raise ValueError(f"{name} must not be negative, not {count}")
        if not 0 < self.short_of_memory <= 1:
            raise ValueError(f"short_of_memory must be in (0, 1], not {self.short_of_memory}")
        if not 0 <= self.heavy_nice <= 19:
            raise ValueError(f"heavy_nice must be between 0 and 19, not {self.heavy_nice}")

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits the ``KG_*`` settings give (already range-checked by Settings)."""
        return cls(
            workers=settings.query_workers,
            timeout=settings.query_timeout,
            result_limit=settings.result_limit,
            memory_bytes=settings.query_memory_bytes,
            max_queue=settings.query_queue,
            heavy_workers=settings.heavy_workers,
            heavy_queue=settings.heavy_queue,
            light_budget=settings.light_budget,
            heavy_nice=settings.heavy_nice,
        )
