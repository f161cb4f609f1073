"""Inside a query worker: a reader forked by the resident process, answering from the pipe.

The serving side is :mod:`kg.query.processes`; the resident (:mod:`kg.store.resident`) forks each
worker with the graph already in memory, shared copy-on-write, so a worker (started at start-up
and after every kill) is ready in milliseconds.

The pipe carries, per query, one :class:`Request` in and one reply out. An answer of up to
:data:`INLINE_BYTES` is its body as one message; a larger one is ``("ok", size)`` followed by the
body, so the serving side reads a small body on its event loop and hands a large one to a thread.
Anything else is a pickled tuple whose first item says what happened. A pickle always starts with
the PROTO opcode (``0x80``), which no answer does: every format starts with text.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph

from kg.query.answers import write_answer
from kg.query.errors import ResultTooLarge
from kg.query.formats import CannotWrite, by_name

__all__ = ["Request", "serve", "INLINE_BYTES", "PICKLED"]

#: Answers up to this size are sent as one message and read on the serving side's event loop.
INLINE_BYTES = 1 << 20
#: The first byte of every pickle (protocol 2 and later): a reply that is not an answer's body.
PICKLED = 0x80


@dataclass(frozen=True)
class Request:
    """What a worker needs to answer one query; ``None`` graphs mean "the union of all"."""

    query: str
    format_name: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    result_limit: int


def serve(conn: Connection, store: pyoxigraph.Store, memory_limit: int | None, nice: int) -> None:
    """Worker main: cap memory, lower priority, cut the network, answer requests."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    if nice:
        os.nice(nice)  # one-way for an unprivileged process: this worker stays in the heavy lane
    if memory_limit is not None:
        # The address space already holds the resident's graph: the cap is on what the query adds.
        limit = _address_space() + memory_limit
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    note = _isolate_network()
    conn.send(("ready", note))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        reply = answer(store, request)
        if isinstance(reply, bytes) and len(reply) <= INLINE_BYTES:
            conn.send_bytes(reply)  # one message: the serving side reads it on its event loop
        elif isinstance(reply, bytes):
            conn.send(("ok", len(reply)))
            conn.send_bytes(reply)
        else:
            conn.send(reply)


def _address_space() -> int:
    """This process's virtual size in bytes (``VmSize``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def _isolate_network() -> str | None:
    """Enter a new user and network namespace (no interfaces up); say why not when refused."""
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        reason = os.strerror(ctypes.get_errno())
        return f"no network isolation (unshare: {reason}); SERVICE is refused by the query gate"
    # Map our own ids, so the store's files stay ours inside the namespace.
    try:
        for name, content in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            Path("/proc/self", name).write_text(content)
    except OSError as error:
        return f"network isolated, but the user ids could not be mapped: {error}"
    return None


_SYNTAX = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def answer(store: pyoxigraph.Store, request: Request) -> bytes | tuple[object, ...]:
    """The answer's bytes, or the tuple that says why there is none."""
    fmt = by_name(request.format_name)
    options: dict[str, object] = {"use_default_graph_as_union": True}
    if request.default_graphs is not None or request.named_graphs is not None:
        options = {
            "default_graph": [pyoxigraph.NamedNode(iri) for iri in request.default_graphs or ()],
            "named_graphs": [pyoxigraph.NamedNode(iri) for iri in request.named_graphs or ()],
        }
    try:
        results = store.query(request.query, **options)  # type: ignore[arg-type]
        return write_answer(results, fmt, limit=request.result_limit)
    except SyntaxError as error:
        found = _SYNTAX.match(str(error))
        if found is None:
            return ("syntax", str(error), None, None)
        return ("syntax", found[3], int(found[1]), int(found[2]))
    except ResultTooLarge as error:
        return ("too_large", error.unit)
    except CannotWrite as error:  # the format cannot carry this answer: a 406, not a crash
        return ("cannot_write", fmt.name, error.reason)
    except MemoryError:
        return ("failed", "out of memory")
    except (OSError, RuntimeError, ValueError) as error:
        # pyoxigraph's evaluation errors (unsupported function, store error).
        return ("failed", str(error))
