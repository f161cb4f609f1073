"""Route registration shared by the routers: a GET with its HEAD twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

__all__ = ["get_and_head"]


def get_and_head(
    on: APIRouter, path: str, **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a GET route and its HEAD twin (crawlers check links with HEAD); only the GET is
    documented in OpenAPI, so operation ids stay unique."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        on.add_api_route(
            path, endpoint, methods=["HEAD"], include_in_schema=False,
            name=f"{options.get('name', endpoint.__name__)}_head",
        )  # fmt: skip
        return on.get(path, **options)(endpoint)

    return register
