"""Answer vetted queries on a remote SPARQL 1.1 server (the store :mod:`kg.store.remote` opens).

Each query is forwarded over the protocol with the deadline as its timeout, under the same
admission as the other runners; the answer is parsed and written again in the client's format, so
the result cap and the formats are ours whatever the server. What the server does its own way is
mapped onto ours: a query it stopped at its deadline is a :class:`QueryTimeout` (with the earlier
of the two deadlines), an answer it cut at its row cap is :class:`AnswerCut` (422, never a short
answer passed as whole), a refused login a :class:`QueryFailed` that names the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import ClassVar

import httpx

from kg.errors import KGError
from kg.query.admission import Admission
from kg.query.answers import write_answer
from kg.query.base import Dataset, QueryRunner
from kg.query.errors import QueryFailed, QuerySyntaxError, QueryTimeout
from kg.query.formats import Format
from kg.query.gate import PreparedQuery
from kg.query.limits import Limits
from kg.store import remote
from kg.store.remote import FORM, JSON, NTRIPLES, RemoteStore, check_answer, parse_answer

__all__ = ["RemoteRunner", "AnswerCut"]


class AnswerCut(KGError):
    """The remote store cut the answer at its row cap; the message says how to get it whole."""

    status: ClassVar[int] = 422


class RemoteRunner(QueryRunner):
    """Forwards vetted queries to the remote store, ``limits.workers`` at a time, under the
    deadline.

    Heavy queries hold at most ``limits.heavy_workers`` of those places (by default all but
    one); see
    :class:`kg.query.admission.Admission`.
    """

    def __init__(self, store: RemoteStore, limits: Limits) -> None:
        super().__init__(limits)
        self._store = store
        # The earlier deadline is the one queries meet: ours, or the server's own.
        self._timeout = min(limits.timeout, store.server.timeout or limits.timeout)
        self._limit = limits.result_limit
        self._admission = Admission(limits)
        self._client: httpx.AsyncClient | None = None

    async def _run(self, prepared: PreparedQuery, fmt: Format, dataset: Dataset) -> bytes:
        """The deadline covers the whole exchange."""
        result_format = fmt
        if self._client is None:  # created here so it belongs to the running loop
            self._client = httpx.AsyncClient(timeout=None, auth=self._store.server.auth)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                leave = await self._admission.enter(prepared)
                try:
                    response = await self._post(prepared, dataset)
                finally:
                    leave()
                    self._admission.finished(prepared, time.monotonic() - started)
                loop = asyncio.get_running_loop()
                # Parsed and written in one thread: pyoxigraph's results may not cross threads.
                return await loop.run_in_executor(None, self._rewrite, response, result_format)
        except TimeoutError:
            raise QueryTimeout(timeout=self._timeout) from None
        except remote.AnswerCut as error:
            raise AnswerCut(str(error)) from None
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except PermissionError as error:
            raise QueryFailed(str(error)) from None
        except OSError as error:
            raise QueryFailed(f"unreadable answer from the remote store: {error}") from None

    def _rewrite(self, response: httpx.Response, result_format: Format) -> bytes:
        media_type = response.headers.get("content-type", "")
        answer = parse_answer(self._store.restore(response.content), media_type)
        return write_answer(answer, result_format, limit=self._limit)

    async def _post(
        self, prepared: PreparedQuery, dataset: tuple[Sequence[str], Sequence[str]] | None
    ) -> httpx.Response:
        assert self._client is not None
        endpoint = self._store.endpoint
        form = self._store.form(prepared.text, dataset)
        try:
            response = await self._client.post(
                endpoint,
                data=form,
                headers={"Accept": NTRIPLES if prepared.form.answers_graph else JSON, **FORM},
            )
        except httpx.TransportError as error:
            raise QueryFailed(
                f"the remote store at {endpoint} cannot be reached: {error}"
            ) from None
        check_answer(self._store.server, response, query=form["query"])
        return response

    def close(self) -> None:
        """Stop taking queries and drop the connection pool."""
        super().close()
        client, self._client = self._client, None
        if client is not None:
            # Without a loop in this thread, the pool goes with the process.
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().create_task(client.aclose())
