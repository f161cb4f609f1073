"""Malformed input in every parameter of every route answers 4xx (or an ordinary 2xx/3xx where
the input is acceptable), never 5xx, and the server keeps serving.

Routes and their parameters are enumerated from the app itself (``app.routes``, the routers'
declared query and path parameters), so a new route is fuzzed without a change here; the few
parameters a handler reads from the raw request are listed in :data:`RAW_PARAMETERS`. Values come
from hypothesis (any text, lone surrogates, invalid UTF-8, huge and negative numbers, floats,
repeats) and from a fixed corpus of known troublemakers, run as explicit examples. Requests go to a
real uvicorn over the fixture graph; each test also checks that the server logged no traceback.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from api.app import create_app
from api.limits import MAX_HEAD_BYTES, MAX_HEADER_BYTES, MAX_HEADER_FIELDS
from kg.settings import Settings

pytestmark = pytest.mark.integration

#: A valid value for each path parameter (the fixture graph's names), by name or by "route name";
#: a new one must be added.
VALID_PATH = {
    "slug": "chinese-academy-of-sciences",
    "name": "chinese-academy-of-sciences",
    "extension": "ttl",
    "path": "data/actors",
    "local": "Actor",
    "/static/{path} path": "query.css",
}
#: A valid value for each required query parameter.
VALID_QUERY = {"q": "academy"}
#: Parameters handlers read from the request rather than declare.
RAW_PARAMETERS = {
    "/sparql": ("query", "default-graph-uri", "named-graph-uri", "format", "update"),
    "/query": ("query",),
}
#: Form fields of POST routes, by route.
FORM_FIELDS = {
    "/sparql": ("query", "default-graph-uri", "named-graph-uri", "format", "update"),
    "/validate": ("data", "syntax"),
}
#: Body media types each POST route reads, and some it must refuse.
BODY_TYPES = (
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "text/turtle",
    "application/ld+json",
    "application/json",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "text/plain; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "",
)
#: Already URL-encoded values known to break naive code.
CORPUS = (
    "%FF", "%ED%A0%80", "%00", "%", "%G1", "%E4%B8", "%C0%AE", "%F4%90%80%80", "%EF%BF%BF",
    "-1", "0", "-0", "1e309", "9" * 40, "-" + "9" * 40, "1.5", "NaN", "inf", "0x10", "",
    "[]", "{}", "%5B%5D", "%0D%0ASet-Cookie:%20a=b", "..%2F..%2Fetc%2Fpasswd", "a" * 5000,
    "%2F%2F", "\N{SNOWMAN}", "%3Cscript%3E", "%22", "'", "%5C",
)  # fmt: skip
#: Header values to try in every header (printable ASCII or obs-text, as HTTP allows).
HEADER_CORPUS = (
    b"", b"*", b"*/*;q=x", b"text/html;q=-1", b"a/b;q=1e400", b"x/y, ,,;;", b"\xff\xfe",
    b"application/json;q=0, */*;q=0", b"text/turtle;q=0.5;q=0.6", b'"unterminated', b"W/",
    b'"a", "b", W/"c"', b"Sun, 99 Nov 9999 99:99:99 GMT", b"Mon, 01 Jan 0001 00:00:00 GMT",
    b"Fri, 31 Dec 9999 23:59:59 GMT", b"0", b"-1", b"bytes=0-1", b"bytes=-1", b"bytes=9-1",
    b"zh-;q=1e999", b"en," * 500, b"x" * 8000,
)  # fmt: skip
HEADERS = (
    "Accept",
    "Accept-Language",
    "Accept-Encoding",
    "Content-Type",
    "If-None-Match",
    "If-Modified-Since",
    "Range",
    "Origin",
    "Cookie",
)

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)


@dataclass(frozen=True)
class Endpoint:
    """One route: its path template, methods, and parameters by location."""

    path: str
    methods: frozenset[str]
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    #: Declared parameters, validated by FastAPI (a 422 names them).
    declared: tuple[str, ...]
    #: Declared parameters without a default: given a valid value while another is fuzzed.
    required: tuple[str, ...] = ()

    def url(self, **path_values: str) -> str:
        url = self.path
        for name in self.path_params:
            value = path_values.get(name)
            if value is None:
                value = VALID_PATH.get(f"{self.path} {name}", VALID_PATH.get(name))
                assert value is not None, f"add a valid value for {{{name}}} of {self.path}"
            url = url.replace("{" + name + "}", value).replace("{" + name + ":path}", value)
        return url

    def others(self, fuzzed: str) -> str:
        """The query string part that gives every other required parameter a valid value."""
        pairs = []
        for name in self.required:
            if name != fuzzed:
                assert name in VALID_QUERY, f"add a valid value for ?{name} of {self.path}"
                pairs.append(f"&{name}={quote(VALID_QUERY[name])}")
        return "".join(pairs)

    def valid(self) -> str:
        """A URL this route answers normally (a query for the SPARQL routes)."""
        query = self.others("") + ("&query=ASK%7B%7D" if "query" in self.query_params else "")
        return self.url() + ("?" + query[1:] if query else "")

    def __str__(self) -> str:
        return self.path


def _walk(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        yield from _walk(included.routes) if included is not None else [route]


def endpoints() -> list[Endpoint]:
    """Every HTTP route of the app, as the server builds it; a path's routes merged (the GET and
    HEAD twins, GET and POST on /sparql)."""
    by_path: dict[str, Endpoint] = {}
    for route in _walk(create_app(Settings()).routes):
        if isinstance(route, Mount):
            found = Endpoint(route.path + "/{path}", frozenset({"GET"}), ("path",), (), ())
        elif isinstance(route, APIRoute | Route):
            declared: tuple[str, ...] = ()
            required: tuple[str, ...] = ()
            if isinstance(route, APIRoute):
                declared = tuple(p.alias for p in route.dependant.query_params)
                required = tuple(
                    p.alias for p in route.dependant.query_params if p.field_info.is_required()
                )
            found = Endpoint(
                route.path,
                frozenset(route.methods or ()) - {"HEAD"},
                tuple(route.param_convertors),
                declared + RAW_PARAMETERS.get(route.path, ()),
                declared,
                required,
            )
        else:
            continue
        known = by_path.get(found.path)
        if known is not None:
            found = Endpoint(
                found.path,
                known.methods | found.methods,
                known.path_params,
                tuple(dict.fromkeys(known.query_params + found.query_params)),
                tuple(dict.fromkeys(known.declared + found.declared)),
                tuple(dict.fromkeys(known.required + found.required)),
            )
        by_path[found.path] = found
    return [by_path[path] for path in sorted(by_path)]


ENDPOINTS = endpoints()
GETS = [e for e in ENDPOINTS if "GET" in e.methods]
POSTS = [e for e in ENDPOINTS if "POST" in e.methods]
QUERY_CASES = [(e, name) for e in GETS for name in (*e.query_params, "unknown-parameter")]
PATH_CASES = [(e, name) for e in GETS for name in e.path_params]


def _encoded_text() -> st.SearchStrategy[str]:
    """Any text, lone surrogates included, percent-encoded as a client would send it."""
    text = st.text(st.characters(exclude_categories=()), max_size=200)
    return text.map(lambda t: quote_from_bytes(t.encode("utf-8", "surrogatepass"), safe=""))


VALUES = st.one_of(
    st.sampled_from(CORPUS),
    _encoded_text(),
    st.binary(max_size=200).map(lambda b: quote_from_bytes(b, safe="")),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(lambda f: quote(repr(f), safe="")),
)


def with_corpus(test: Any) -> Any:
    """Run every value of :data:`CORPUS` as an explicit example, then hypothesis's own."""
    for value in reversed(CORPUS):
        test = example(value=value, repeat=False)(test)
    return example(value="1", repeat=True)(test)


@pytest.fixture
def client(server: Any) -> Iterator[httpx.Client]:
    """A client of the fixture server; afterwards the server must be alive and have logged no
    traceback (a handled 4xx is never logged as an unexpected error)."""
    before = len(server.log())
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as http:
        yield http
        assert http.get("/health").status_code == 200, "the server stopped serving"
    new = server.log()[before:]
    assert "Traceback" not in new and "unexpected error" not in new, new[-4000:]


def _assert_not_5xx(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}: {response.text[:500]}"
    if response.status_code >= 400 and response.request.method != "HEAD":
        assert response.text.strip(), f"{what} -> {response.status_code} with an empty body"


def test_the_enumeration_covers_the_published_api(client: httpx.Client) -> None:
    """Every path in the live server's OpenAPI schema is among the fuzzed routes."""
    published = set(client.get("/openapi.json").json()["paths"])
    fuzzed = {e.path.replace(":path}", "}") for e in ENDPOINTS}
    assert published <= fuzzed, published - fuzzed
    assert {"/sparql", "/id/{slug}", "/api/search", "/static/{path}", "/"} <= fuzzed


@pytest.mark.parametrize(("endpoint", "name"), QUERY_CASES, ids=str)
@FUZZ
@with_corpus
@given(value=VALUES, repeat=st.booleans())
def test_query_parameter(
    client: httpx.Client, endpoint: Endpoint, name: str, value: str, repeat: bool
) -> None:
    query = f"{quote(name)}={value}" + (f"&{quote(name)}={value}x" if repeat else "")
    url = f"{endpoint.url()}?{query}{endpoint.others(name)}"
    response = client.get(url)
    _assert_not_5xx(response, f"GET {url[:200]}")
    if response.status_code == 422 and name in endpoint.declared:
        assert name in response.text, f"a 422 that does not name {name}: {response.text[:300]}"


@pytest.mark.parametrize(("endpoint", "name"), PATH_CASES, ids=str)
@FUZZ
@with_corpus
@given(value=VALUES, repeat=st.booleans())
def test_path_parameter(
    client: httpx.Client, endpoint: Endpoint, name: str, value: str, repeat: bool
) -> None:
    url = endpoint.url(**{name: value + ("/" + value if repeat else "")})
    url += "?" + endpoint.others("")[1:] if endpoint.required else ""
    response = client.get(url)
    _assert_not_5xx(response, f"GET {url[:200]}")


HEADER_VALUES = st.one_of(
    st.sampled_from(HEADER_CORPUS),
    # What HTTP allows in a field value: visible ASCII, obs-text, inner spaces and tabs.
    st.binary(max_size=300).map(lambda b: bytes(c for c in b if c > 0x20 and c != 0x7F)),
    st.text(max_size=100)
    .map(lambda t: t.encode("utf-8"))
    .filter(lambda b: not any(c < 0x21 or c == 0x7F for c in b)),
)


@pytest.mark.parametrize("endpoint", GETS, ids=str)
@FUZZ
@given(header=st.sampled_from(HEADERS), value=HEADER_VALUES)
def test_header(client: httpx.Client, endpoint: Endpoint, header: str, value: bytes) -> None:
    url = endpoint.valid()
    response = client.get(url, headers={header.encode(): value})
    _assert_not_5xx(response, f"GET {url} with {header}: {value[:100]!r}")


@pytest.mark.parametrize("endpoint", GETS, ids=str)
def test_header_corpus(client: httpx.Client, endpoint: Endpoint) -> None:
    url = endpoint.valid()
    for header in HEADERS:
        for value in HEADER_CORPUS:
            response = client.get(url, headers={header.encode(): value})
            _assert_not_5xx(response, f"GET {url} with {header}: {value[:80]!r}")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


def _form(fields: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    pair = st.tuples(st.sampled_from((*fields, "x")), VALUES).map(lambda kv: f"{kv[0]}={kv[1]}")
    return st.lists(pair, max_size=4).map(lambda pairs: "&".join(pairs).encode("ascii"))


def _bodies(fields: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _form(fields),
        st.binary(max_size=300),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.text(st.characters(exclude_categories=()), max_size=200).map(
            lambda t: t.encode("utf-8", "surrogatepass")
        ),
        st.sampled_from(
            (b"", b"\x00" * 64, b"query=ASK{}&query=ASK{}", b'{"@context": "http://127.0.0.1:9/"}')
        ),
    )


@pytest.mark.parametrize("endpoint", POSTS, ids=str)
@FUZZ
@given(data=st.data(), media_type=st.sampled_from(BODY_TYPES))
def test_post_body(client: httpx.Client, endpoint: Endpoint, data: Any, media_type: str) -> None:
    body = data.draw(_bodies(FORM_FIELDS.get(endpoint.path, ("query",))), label="body")
    headers = {"Content-Type": media_type} if media_type else {}
    response = client.post(endpoint.url(), content=body, headers=headers)
    _assert_not_5xx(response, f"POST {endpoint.path} {media_type}: {body[:120]!r}")


@pytest.mark.parametrize("endpoint", POSTS, ids=str)
def test_chunked_post_body_without_length(client: httpx.Client, endpoint: Endpoint) -> None:
    """A body streamed in chunks (no Content-Length) is read and judged like any other."""

    def chunks() -> Iterator[bytes]:
        yield b"query=%FF"
        yield b"&data=%ED%A0%80"

    response = client.post(
        endpoint.url(),
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "content-length" not in response.request.headers
    _assert_not_5xx(response, f"chunked POST {endpoint.path}")


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.methods - {"GET"}], ids=str)
def test_other_methods(client: httpx.Client, endpoint: Endpoint) -> None:
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        response = client.request(method, endpoint.url())
        _assert_not_5xx(response, f"{method} {endpoint.path}")


# --- size limits ------------------------------------------------------------------------------


def _raw(url: str, request: bytes) -> bytes:
    """Send bytes httpx would refuse to build (NUL in a header, a chunked body) and read all."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_nul_in_a_header_is_a_400(client: httpx.Client, server: Any) -> None:
    answer = _raw(server.url, b"GET /health HTTP/1.1\r\nHost: x\r\nAccept: a\x00b\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]


def test_headers_over_the_byte_limit_are_a_431(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Cookie": "a=" + "b" * 100_000})
    assert response.status_code == 431, response.text
    assert "request header fields too large" in response.text
    assert f"the limit is {MAX_HEADER_BYTES} bytes" in response.text
    # Just under the limit is served.
    under = client.get("/health", headers={"Cookie": "a=" + "b" * (MAX_HEADER_BYTES - 1000)})
    assert under.status_code == 200


def test_too_many_header_fields_are_a_431(client: httpx.Client) -> None:
    many = {f"X-Field-{i}": "v" for i in range(10_000)}
    response = client.get("/api/actors", headers=many)
    assert response.status_code == 431, response.text
    assert f"the limit is {MAX_HEADER_FIELDS}" in response.text
    assert client.get("/health", headers=dict(list(many.items())[:50])).status_code == 200


def test_a_huge_header_is_refused_over_a_raw_socket(server: Any) -> None:
    """10 MB of one header: answered 431 and the connection closed, the server unharmed."""
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000_000 + b"\r\n\r\n"
    answer = _raw(server.url, request)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert httpx.get(server.url + "/health").status_code == 200


def test_a_body_over_the_limit_is_a_413_with_and_without_length(client: httpx.Client) -> None:
    limit = Settings().max_body_bytes  # the fixture server runs with the default
    big = b"query=" + b"a" * (limit + 10)
    declared = client.post(
        "/sparql", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert declared.status_code == 413, declared.text
    assert f"limit of {limit} bytes" in declared.text

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    for path in ("/sparql", "/validate"):
        streamed = client.post(
            path, content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413, f"{path}: {streamed.status_code} {streamed.text[:300]}"
        assert f"limit of {limit} bytes" in streamed.text


def test_an_endless_header_is_cut_off_while_it_streams(start_kg_serve: Any, tmp_path: Any) -> None:
    """`kg serve` answers 431 once a request head passes MAX_HEAD_BYTES, while the header is
    still streaming in: 64 MB of header is never waited for, nor buffered whole."""
    total = 64 * 1024 * 1024
    with start_kg_serve(tmp_path, "serve", "--workers", "1") as running:
        host, port = running.url.removeprefix("http://").split(":")
        sent, answer = 0, b""
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
            while sent < total and not answer:
                sock.sendall(b"a" * 65536)
                sent += 65536
                if select.select([sock], [], [], 0)[0]:  # the server has answered already
                    answer = sock.recv(65536)
            try:  # the rest of the short answer, if it came in pieces
                while answer and not answer.endswith(b"bytes\n"):
                    if not (chunk := sock.recv(65536)):
                        break
                    answer += chunk
            except OSError:
                pass
        assert httpx.get(running.url + "/health").status_code == 200
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]
    assert f"exceeds {MAX_HEAD_BYTES} bytes".encode() in answer
    # Socket buffers on both sides hold a few MB the server has not read yet.
    assert sent < 16 * 1024 * 1024, f"the answer came after {sent} bytes of one header"
